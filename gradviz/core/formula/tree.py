"""The expression tree of a formula: numbers, variables, operators and function calls.

Nodes are made only by a :class:`~gradviz.core.formula.builder.Builder`, which
makes each distinct expression once: two nodes of one builder are equal exactly
when they are the same object, so comparing or hashing a node never walks its
subtrees, however large a derivative grows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

FUNCTIONS: tuple[str, ...] = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sigmoid")
"""The functions a formula may call, each of one argument."""



@dataclass(frozen=True, eq=False)
class Node:
    """One node of an expression; ``size`` counts the nodes of its tree as printed
    (shared subtrees counted each time they occur)."""

    size: int


@dataclass(frozen=True, eq=False)
class Number(Node):
    """A finite constant."""

    value: float


@dataclass(frozen=True, eq=False)
class Variable(Node):
    """A variable: ``x``, ``phi0`` or ``phi1``."""

    name: str


@dataclass(frozen=True, eq=False)
class Negative(Node):
    """Unary minus."""

    operand: Node


@dataclass(frozen=True, eq=False)
class Binary(Node):
    """``left op right``; ``op`` is one of ``+ - * / **``, or ``0*`` (only in derivatives):
    the product ``left * right`` but 0 wherever ``left`` is 0, even where ``right`` is
    infinite or NaN (the limit 0 · log 0 = 0 in a power's derivative; printed as ``*``)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Call(Node):
    """One of :data:`FUNCTIONS`, or ``sign`` (the derivative of abs), applied to an argument."""

    function: str
    argument: Node


def children(node: Node) -> tuple[Node, ...]:
    """The operands of ``node``, left to right."""
    if isinstance(node, Binary):
        return node.left, node.right
    if isinstance(node, Negative):
        return (node.operand,)
    if isinstance(node, Call):
        return (node.argument,)
    return ()


def unique_nodes(
    roots: tuple[Node, ...], children: Callable[[Node], Iterable[Node]] = children
) -> list[Node]:
    """Every distinct node under ``roots``, each after its operands (without recursion);
    ``children`` gives a node's operands (by default its own)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(tuple(children(node)))
                     if id(child) not in seen)
    return order
