"""Rewriting a formula for grids: sines and cosines of separable sums split by the
angle-sum rules, so they are evaluated on the grid's axes rather than on every cell.

On a grid ``phi0`` varies along one axis and ``phi1`` and ``x`` along others;
``sin(a + b)`` with ``a`` and ``b`` in different variables becomes
``sin(a) cos(b) + cos(a) sin(b)``, whose four functions broadcast over one axis
each and whose products, cheap, over the cells. The value changes by a few
rounding errors of numbers of size 1. For runs, where every variable has the
shape of the runs, the rule would only add work, so only grids use it.
"""

from __future__ import annotations

from gradviz.core.formula.builder import Builder
from gradviz.core.formula.tree import Binary, Call, Negative, Node, Variable, unique_nodes


def separated(root: Node, build: Builder) -> Node:
    """``root`` with every sine and cosine of a separable sum or difference split."""
    variables: dict[int, frozenset[str]] = {}
    made: dict[int, Node] = {}
    for node in unique_nodes((root,)):
        if isinstance(node, Variable):
            variables[id(node)] = frozenset((node.name,))
            made[id(node)] = node
        elif isinstance(node, Binary):
            variables[id(node)] = variables[id(node.left)] | variables[id(node.right)]
            make = {"+": build.add, "-": build.subtract, "*": build.multiply,
                    "/": build.divide, "**": build.power}[node.op]
            made[id(node)] = make(made[id(node.left)], made[id(node.right)])
        elif isinstance(node, Negative):
            variables[id(node)] = variables[id(node.operand)]
            made[id(node)] = build.negative(made[id(node.operand)])
        elif isinstance(node, Call):
            variables[id(node)] = variables[id(node.argument)]
            made[id(node)] = _call(node, variables, made, build)
        else:
            variables[id(node)] = frozenset()
            made[id(node)] = node
    return made[id(root)]


def _call(node: Call, variables: dict[int, frozenset[str]], made: dict[int, Node],
          build: Builder) -> Node:
    argument = node.argument
    if (node.function in ("sin", "cos") and isinstance(argument, Binary)
            and argument.op in ("+", "-")):
        left, right = variables[id(argument.left)], variables[id(argument.right)]
        if left and right and not left & right:
            a, b = made[id(argument.left)], made[id(argument.right)]
            sin_a, cos_a = build.call("sin", a), build.call("cos", a)
            sin_b, cos_b = build.call("sin", b), build.call("cos", b)
            if node.function == "sin":  # sin(a ± b) = sin a cos b ± cos a sin b
                first, second = build.multiply(sin_a, cos_b), build.multiply(cos_a, sin_b)
                combine = build.add if argument.op == "+" else build.subtract
            else:  # cos(a ± b) = cos a cos b ∓ sin a sin b
                first, second = build.multiply(cos_a, cos_b), build.multiply(sin_a, sin_b)
                combine = build.subtract if argument.op == "+" else build.add
            return combine(first, second)
    return build.call(node.function, made[id(argument)])
