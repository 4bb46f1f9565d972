"""Exact derivatives of expression trees, by the rules of calculus, simplified as made."""

from __future__ import annotations

from gradviz.core.formula.builder import Builder
from gradviz.core.formula.tree import Binary, Call, Negative, Node, Number, Variable, unique_nodes


def differentiate(root: Node, name: str, build: Builder) -> Node:
    """The partial derivative of ``root`` with respect to the variable ``name``.

    Each distinct subtree is differentiated once, from the leaves up, so the work
    grows with the number of distinct nodes and recursion never goes deep.
    """
    zero, one = build.number(0.0), build.number(1.0)
    done: dict[int, Node] = {}
    for node in unique_nodes((root,)):
        if isinstance(node, Number):
            done[id(node)] = zero
        elif isinstance(node, Variable):
            done[id(node)] = one if node.name == name else zero
        elif isinstance(node, Negative):
            done[id(node)] = build.negative(done[id(node.operand)])
        elif isinstance(node, Binary):
            done[id(node)] = _binary(node, done[id(node.left)], done[id(node.right)], build)
        else:
            assert isinstance(node, Call)
            inner = done[id(node.argument)]
            done[id(node)] = build.multiply(_outer(node, build), inner)
    return done[id(root)]


def _binary(node: Binary, du: Node, dv: Node, build: Builder) -> Node:
    u, v = node.left, node.right
    zero = build.number(0.0)
    if node.op == "+":
        return build.add(du, dv)
    if node.op == "-":
        return build.subtract(du, dv)
    if node.op == "*":
        return build.add(build.multiply(du, v), build.multiply(u, dv))
    if node.op == "/":
        # (du v - u dv) / v², written as du/v - u dv / v² so a constant
        # denominator keeps its simple form du / v.
        first = build.divide(du, v)
        if dv is zero:
            return first
        return build.subtract(first, build.divide(build.multiply(u, dv), build.power(v, build.number(2.0))))
    assert node.op == "**"
    if dv is zero:  # u**c: c u**(c-1) du
        reduced = build.power(u, build.subtract(v, build.number(1.0)))
        return build.multiply(build.multiply(v, reduced), du)
    # u**v = exp(v log u): u**v (dv log u + v du / u)
    growth = build.add(build.multiply(dv, build.call("log", u)),
                       build.divide(build.multiply(v, du), u))
    return build.multiply(node, growth)


def _outer(node: Call, build: Builder) -> Node:
    """The derivative of the function of ``node`` at its argument."""
    u = node.argument
    one, two = build.number(1.0), build.number(2.0)
    rules = {
        "sin": lambda: build.call("cos", u),
        "cos": lambda: build.negative(build.call("sin", u)),
        "tan": lambda: build.add(one, build.power(node, two)),
        "exp": lambda: node,
        "log": lambda: build.divide(one, u),
        "sqrt": lambda: build.divide(one, build.multiply(two, node)),
        "abs": lambda: build.call("sign", u),
        "sign": lambda: build.number(0.0),
        "tanh": lambda: build.subtract(one, build.power(node, two)),
        "sigmoid": lambda: build.multiply(node, build.subtract(one, node)),
    }
    return rules[node.function]()
