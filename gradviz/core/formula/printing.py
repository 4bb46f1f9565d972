"""Expression trees as text in the syntax a formula is typed in."""

from __future__ import annotations

from gradviz.core.formula.tree import Binary, Call, Negative, Node, Number, Variable

MAX_PRINTED = 20_000
"""Most nodes printed; a larger tree (a long formula's second derivative) is cut."""

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "0*": 2, "/": 2, "neg": 3, "**": 4, "atom": 5}

_SYMBOL = {"0*": "*"}
"""How an operator of derivatives alone is written: a product whose zero factor wins
reads as the product it is wherever both factors are finite."""


def to_text(node: Node) -> str:
    """``node`` as a formula: the fewest parentheses that keep its structure.

    A tree of more than :data:`MAX_PRINTED` nodes is described instead of printed.
    """
    if node.size > MAX_PRINTED:
        return f"(an expression of {node.size:,} terms, too long to show)"
    try:
        return _text(node)
    except RecursionError:
        return "(an expression nested too deeply to show)"


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Negative):
        return _PRECEDENCE["neg"]
    return _PRECEDENCE["atom"]


def _wrapped(node: Node, needs: bool) -> str:
    text = _text(node)
    return f"({text})" if needs else text


def number_text(value: float) -> str:
    """A number as it would be typed: whole numbers without a point, others in full."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _text(node: Node) -> str:
    if isinstance(node, Number):
        return number_text(node.value)
    if isinstance(node, Variable):
        return node.name
    if isinstance(node, Call):
        return f"{node.function}({_text(node.argument)})"
    if isinstance(node, Negative):
        return "-" + _wrapped(node.operand, _precedence(node.operand) < _PRECEDENCE["neg"])
    assert isinstance(node, Binary)
    own = _PRECEDENCE[node.op]
    left, right = _precedence(node.left), _precedence(node.right)
    if node.op == "**":
        # Right-associative, and binding tighter than a sign on its left: (-a)**b.
        left_text = _wrapped(node.left, left <= own)
        right_text = _wrapped(node.right, right < own)
        return f"{left_text}**{right_text}"
    left_text = _wrapped(node.left, left < own)
    right_text = _wrapped(node.right, right <= own)
    return f"{left_text} {_SYMBOL.get(node.op, node.op)} {right_text}"
