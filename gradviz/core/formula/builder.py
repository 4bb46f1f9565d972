"""Making expression nodes: each distinct one once, simplified as it is made.

The simplifications are the local ones that make a derivative readable
(``0 * u`` is 0, ``1 * u`` is ``u``, ``u - u`` is 0, numbers folded, minus
signs moved outwards); each keeps the value wherever both forms are defined.
Numbers are folded in float arithmetic and only when the result is finite:
``10**10**10`` is left as ``10**1e10``, whose value is inf, rather than
computed with Python's integers, which would not end.
"""

from __future__ import annotations

import math

import numpy as np

from gradviz.core.formula.tree import Binary, Call, Negative, Node, Number, Variable

_FOLD = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "**": np.power,
}


class Builder:
    """Makes the nodes of one formula and its derivatives, sharing equal subtrees."""

    def __init__(self) -> None:
        self._made: dict[tuple[object, ...], Node] = {}

    def _node(self, key: tuple[object, ...], make: type[Node], *fields: object) -> Node:
        # The operands are this builder's own nodes, alive as long as the table,
        # so their ids identify them.
        node = self._made.get(key)
        if node is None:
            size = 1 + sum(f.size for f in fields if isinstance(f, Node))
            node = self._made[key] = make(size, *fields)  # type: ignore[call-arg]
        return node

    def number(self, value: float) -> Node:
        """The constant ``value`` (finite), negative ones as a minus sign before a number."""
        value = float(value)
        if value < 0:
            return self.negative(self.number(-value))
        return self._node(("n", value.hex()), Number, value)

    def variable(self, name: str) -> Node:
        """The variable called ``name``."""
        return self._node(("v", name), Variable, name)

    def call(self, function: str, argument: Node) -> Node:
        """``function(argument)``."""
        return self._node(("c", function, id(argument)), Call, function, argument)

    def negative(self, operand: Node) -> Node:
        """``-operand``."""
        if isinstance(operand, Negative):
            return operand.operand
        if _value(operand) == 0.0:
            return operand
        return self._node(("-", id(operand)), Negative, operand)

    def _binary(self, op: str, left: Node, right: Node) -> Node:
        return self._node((op, id(left), id(right)), Binary, op, left, right)

    def _folded(self, op: str, left: Node, right: Node) -> Node | None:
        """The number ``left op right`` when both are numbers and it is finite."""
        a, b = _value(left), _value(right)
        if a is None or b is None:
            return None
        with np.errstate(all="ignore"):
            value = float(_FOLD[op](np.float64(a), np.float64(b)))
        return self.number(value) if math.isfinite(value) else None

    def add(self, left: Node, right: Node) -> Node:
        """``left + right``."""
        if (folded := self._folded("+", left, right)) is not None:
            return folded
        if _value(left) == 0.0:
            return right
        if _value(right) == 0.0:
            return left
        if isinstance(right, Negative):
            return self.subtract(left, right.operand)
        if isinstance(left, Negative):
            return self.subtract(right, left.operand)
        if left is right:
            return self.multiply(self.number(2.0), left)
        return self._binary("+", left, right)

    def subtract(self, left: Node, right: Node) -> Node:
        """``left - right``."""
        if (folded := self._folded("-", left, right)) is not None:
            return folded
        if _value(right) == 0.0:
            return left
        if _value(left) == 0.0:
            return self.negative(right)
        if left is right:
            return self.number(0.0)
        if isinstance(right, Negative):
            return self.add(left, right.operand)
        if isinstance(left, Negative):
            return self.negative(self.add(left.operand, right))
        return self._binary("-", left, right)

    def multiply(self, left: Node, right: Node) -> Node:
        """``left * right``, a number first."""
        if (folded := self._folded("*", left, right)) is not None:
            return folded
        if isinstance(left, Negative):
            return self.negative(self.multiply(left.operand, right))
        if isinstance(right, Negative):
            return self.negative(self.multiply(left, right.operand))
        a, b = _value(left), _value(right)
        if a == 0.0 or b == 0.0:
            return self.number(0.0)
        if a == 1.0:
            return right
        if b == 1.0:
            return left
        if b is not None and a is None:
            return self.multiply(right, left)
        if a is not None and isinstance(right, Binary) and right.op == "*":
            inner = _value(right.left)
            if inner is not None:  # c1 * (c2 * u) = (c1 c2) * u
                product = self._folded("*", left, right.left)
                if product is not None:
                    return self.multiply(product, right.right)
        if left is right:
            return self.power(left, self.number(2.0))
        return self._binary("*", left, right)

    def zero_product(self, left: Node, right: Node) -> Node:
        """``left * right``, but 0 wherever ``left`` is 0, even where ``right`` is
        infinite or NaN (``0*``: see :class:`~gradviz.core.formula.tree.Binary`)."""
        if isinstance(left, Negative):
            return self.negative(self.zero_product(left.operand, right))
        if isinstance(right, Negative):
            return self.negative(self.zero_product(left, right.operand))
        a, b = _value(left), _value(right)
        if a == 0.0:
            return self.number(0.0)
        if a is not None or b is not None:  # a number that is not 0, or a finite right
            return self.multiply(left, right)
        return self._binary("0*", left, right)

    def divide(self, left: Node, right: Node) -> Node:
        """``left / right``."""
        if (folded := self._folded("/", left, right)) is not None:
            return folded
        if isinstance(left, Negative):
            return self.negative(self.divide(left.operand, right))
        if isinstance(right, Negative):
            return self.negative(self.divide(left, right.operand))
        if _value(left) == 0.0:
            return left
        if _value(right) == 1.0:
            return left
        return self._binary("/", left, right)

    def power(self, base: Node, exponent: Node) -> Node:
        """``base ** exponent``."""
        if (folded := self._folded("**", base, exponent)) is not None:
            return folded
        e = _value(exponent)
        if e == 0.0:
            return self.number(1.0)
        if e == 1.0:
            return base
        if _value(base) == 1.0:
            return base
        return self._binary("**", base, exponent)


def _value(node: Node) -> float | None:
    """The value of a number (a negated one included), else ``None``."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Negative) and isinstance(node.operand, Number):
        return -node.operand.value
    return None


__all__ = ["Builder"]
