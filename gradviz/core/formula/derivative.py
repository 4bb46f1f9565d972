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
    if node.op == "0*":  # the product rule, each term's zero factor winning as its own
        return build.add(build.zero_product(du, v), build.zero_product(u, dv))
    if node.op == "/":
        # (du v - u dv) / v², written as du/v - u dv / v² so a constant
        # denominator keeps its simple form du / v.
        first = build.divide(du, v)
        if dv is zero:
            return first
        return build.subtract(first, build.divide(build.multiply(u, dv), build.power(v, build.number(2.0))))
    assert node.op == "**"
    # d(u**v) = v u**(v-1) du + u**v log(u) dv: the constant exponent's rule and the
    # exponential's, each 0 where it has no change to follow. Not u**v (dv log u +
    # v du / u), whose 0 · log 0 and 0 / 0 are NaN at u = 0 where the power is smooth
    # (v > 1). v u**(v-1) is 0 where v is (u**0 is 1 whatever u is, 0**-1 inf); the
    # log term is 0 where u**v dv is: the limit of u**v log u at u = 0 for v > 0, and
    # a log of any u (of a negative one, NaN) times a v that does not change there.
    # For a number v the first factor is the plain product, as it has always been.
    reduced = build.power(u, build.subtract(v, build.number(1.0)))
    first = build.multiply(build.zero_product(v, reduced), du)
    if dv is zero:
        return first
    return build.add(first, build.zero_product(build.multiply(dv, node), build.call("log", u)))


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
