"""Reading a formula: text to an expression tree, through a whitelist of Python syntax.

The text is read by the standard library's :func:`ast.parse` and nothing but
numbers, the allowed variables, ``+ - * / **``, unary signs, parentheses and
the calls of :data:`~gradviz.core.formula.tree.FUNCTIONS` is accepted; any
other construct is refused with a :class:`FormulaError` naming its column and
text. Nothing is ever evaluated by Python: the tree is the only product.
"""

from __future__ import annotations

import ast

from gradviz.core.formula.builder import Builder
from gradviz.core.formula.errors import FormulaError
from gradviz.core.formula.tree import FUNCTIONS, Node

MAX_LENGTH = 500
"""Most characters of a formula."""

MAX_DEPTH = 50
"""Deepest nesting: parentheses, calls, powers and signs, one level each; a chain of
``+ -`` or of ``* /`` terms is one level however long."""

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_SAME_LEVEL = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}

# What each refused construct is called in a message (by its ast class name).
_REFUSED = {
    "Attribute": "attribute access is not allowed",
    "Subscript": "subscripts (indexing) are not allowed",
    "Lambda": "lambda is not allowed",
    "ListComp": "comprehensions are not allowed",
    "SetComp": "comprehensions are not allowed",
    "DictComp": "comprehensions are not allowed",
    "GeneratorExp": "comprehensions are not allowed",
    "Compare": "comparisons are not allowed",
    "BoolOp": "and/or are not allowed",
    "IfExp": "if/else is not allowed",
    "NamedExpr": "assignment (:=) is not allowed",
    "Tuple": "tuples are not allowed",
    "List": "lists are not allowed",
    "Set": "sets are not allowed",
    "Dict": "dicts are not allowed",
    "JoinedStr": "strings are not allowed",
    "Starred": "* unpacking is not allowed",
    "Await": "await is not allowed",
    "Yield": "yield is not allowed",
    "YieldFrom": "yield is not allowed",
}


def parse(text: object, variables: tuple[str, ...], builder: Builder) -> Node:
    """The expression tree of ``text``, a formula in ``variables``.

    Raises
    ------
    FormulaError
        For anything but the whitelist, a formula over :data:`MAX_LENGTH`
        characters or nested deeper than :data:`MAX_DEPTH`.
    """
    if not isinstance(text, str):
        raise FormulaError("a formula must be text", 1, repr(text))
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula has {len(text)} characters; at most {MAX_LENGTH} "
                           "are allowed", MAX_LENGTH + 1, text[MAX_LENGTH:])
    _check_characters(text)
    body = text.lstrip()
    if not body.strip():
        raise FormulaError("the formula is empty", 1, text)
    indent = len(text) - len(body)
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        if not exc.offset:  # Python's parser ran out of text: point at where it ends
            end = len(text.rstrip())
            start = end - len(text[:end].split()[-1]) if text[:end].split() else 0
            raise FormulaError("the formula ends too soon: a term is missing after "
                               f"{text[start:end]!r}", start + 1, text[start:end]) from None
        column = indent + max(1, exc.offset)
        raise FormulaError(_syntax_message(exc), column, text[column - 1 :] or text) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # the parser's own limits
        raise FormulaError(f"the formula cannot be read ({type(exc).__name__})", 1, text) from None
    try:
        return _Reader(text, body, indent, variables, builder).read(tree.body, 1, None)
    except RecursionError:  # a chain of hundreds of terms, called from deep in a stack
        raise FormulaError("the formula is too long a chain of terms", 1, text) from None


def _check_characters(text: str) -> None:
    """Refuse control characters and parentheses nested deeper than :data:`MAX_DEPTH`,
    before Python's parser, whose recursion a deep nesting would exhaust."""
    depth = 0
    for column, char in enumerate(text, 1):
        if char < " " or char == "\x7f":
            raise FormulaError("line breaks, tabs and control characters are not allowed",
                               column, repr(char))
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise FormulaError(f"parentheses are nested deeper than {MAX_DEPTH} levels",
                                   column, text[column - 1 :])
        elif char in ")]}":
            depth -= 1


def _syntax_message(exc: SyntaxError) -> str:
    message = exc.msg or "invalid syntax"
    if message.startswith("invalid syntax"):
        return "not a formula here (write numbers, x, phi0, phi1, + - * / ** and functions)"
    return message


class _Reader:
    """Converts one parsed formula, keeping the text to point at."""

    def __init__(self, text: str, body: str, indent: int, variables: tuple[str, ...],
                 builder: Builder) -> None:
        self.text, self.body, self.indent = text, body, indent
        self.variables = variables
        self.build = builder
        # ast columns count UTF-8 bytes; messages count characters.
        self.encoded = body.encode("utf-8")

    def _where(self, node: ast.AST) -> tuple[int, str]:
        start = len(self.encoded[: node.col_offset].decode("utf-8", "replace"))  # type: ignore[attr-defined]
        end_offset = node.end_col_offset  # type: ignore[attr-defined]
        end = None if end_offset is None else len(self.encoded[:end_offset].decode("utf-8", "replace"))
        return self.indent + start + 1, self.body[start:end]

    def refuse(self, node: ast.AST, message: str) -> FormulaError:
        column, text = self._where(node)
        return FormulaError(message, column, text)

    def read(self, node: ast.expr, depth: int, level: str | None) -> Node:
        """The tree of ``node`` at nesting ``depth``; ``level`` is the chain (sum or
        product) its parent continues, if any."""
        if depth > MAX_DEPTH:
            raise self.refuse(node, f"the formula is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth, level)
        if isinstance(node, ast.UnaryOp):
            operand = self.read(node.operand, depth + 1, None)
            if isinstance(node.op, ast.USub):
                return self.build.negative(operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.refuse(node, "only the signs + and - may stand before a term")
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        message = _REFUSED.get(type(node).__name__, f"{type(node).__name__} is not allowed")
        raise self.refuse(node, message)

    def _constant(self, node: ast.Constant) -> Node:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "strings" if isinstance(value, (str, bytes)) else f"{type(value).__name__} values"
            raise self.refuse(node, f"{kind} are not allowed; only real numbers")
        try:
            number = float(value)
        except OverflowError:
            raise self.refuse(node, "the number is too large") from None
        if number == float("inf"):  # 1e999
            raise self.refuse(node, "the number is too large")
        return self.build.number(number)

    def _name(self, node: ast.Name) -> Node:
        if node.id in self.variables:
            return self.build.variable(node.id)
        if node.id in FUNCTIONS:
            raise self.refuse(node, f"{node.id} is a function: write {node.id}(...)")
        allowed = ", ".join(self.variables)
        raise self.refuse(node, f"unknown name {node.id!r}; the formula may use {allowed} "
                          f"and the functions {', '.join(FUNCTIONS)}")

    def _binary(self, node: ast.BinOp, depth: int, level: str | None) -> Node:
        op = _OPERATORS.get(type(node.op))
        if op is None:
            if isinstance(node.op, ast.BitXor):
                # At the operator itself, between its two sides.
                between = self.body.find("^", node.left.end_col_offset or 0)
                if between >= 0:
                    column = self.indent + between + 1
                    raise FormulaError("^ is not a power: write ** (x**2)", column, "^")
                raise self.refuse(node, "^ is not a power: write ** (x**2)")
            raise self.refuse(node, "only the operators + - * / ** are allowed")
        own = _SAME_LEVEL.get(type(node.op))
        # A chain a + b - c + ... nests to the left without a new level.
        inner = depth if own is not None and own == level else depth + 1
        left = self.read(node.left, inner, own)
        right = self.read(node.right, depth + 1, None)
        make = {"+": self.build.add, "-": self.build.subtract, "*": self.build.multiply,
                "/": self.build.divide, "**": self.build.power}[op]
        return make(left, right)

    def _call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.refuse(node.func, "only the functions "
                              f"{', '.join(FUNCTIONS)} may be called")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.refuse(node.func, f"unknown function {name!r}; the functions are "
                              f"{', '.join(FUNCTIONS)}")
        if node.keywords:
            raise self.refuse(node.keywords[0].value, f"{name} takes no keyword arguments")
        if len(node.args) != 1:
            raise self.refuse(node, f"{name} takes exactly one argument, got {len(node.args)}")
        return self.build.call(name, self.read(node.args[0], depth + 1, None))
