"""Evaluating expression trees with numpy: a list of array operations, never ``eval``.

A :class:`Program` computes several trees at once (a formula and its
derivatives) and computes each distinct subtree once, in an order where every
operand comes first. Each step is one numpy call over whole arrays, so the
grid, the data and many runs are evaluated together by broadcasting. Domain
errors do not warn: the log of a negative number and 0/0 give NaN, division
by zero and overflow give inf.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from gradviz.core.formula.tree import Binary, Call, Negative, Node, Number, Variable, unique_nodes


def _sigmoid(u: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-u)) without overflowing exp for large negative u.
    return 0.5 + 0.5 * np.tanh(0.5 * u)


_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sigmoid": _sigmoid, "sign": np.sign,
}
_OPERATORS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
}

_Operands = tuple[int, ...]


class Program:
    """The trees ``outputs`` compiled for the ``variables`` named.

    Parameters
    ----------
    outputs : tuple of Node
        What :meth:`__call__` returns, in order.
    variables : tuple of str
        The variables the trees may use; each is an argument of :meth:`__call__`.
    """

    def __init__(self, outputs: tuple[Node, ...], variables: tuple[str, ...]) -> None:
        self.variables = variables
        nodes = unique_nodes(outputs)
        self.operations = len(nodes)
        """Distinct nodes: the numpy calls one evaluation makes, at most."""
        slot = {id(node): i for i, node in enumerate(nodes)}
        self._size = len(nodes)
        self._constants: list[tuple[int, float]] = []
        self._inputs: list[tuple[int, int]] = []
        steps: list[tuple[int, Callable[..., np.ndarray], _Operands]] = []
        for i, node in enumerate(nodes):
            if isinstance(node, Number):
                self._constants.append((i, node.value))
            elif isinstance(node, Variable):
                self._inputs.append((i, variables.index(node.name)))
            elif isinstance(node, Binary):
                steps.append((i, *_binary_step(node, slot)))
            elif isinstance(node, Negative):
                steps.append((i, np.negative, (slot[id(node.operand)],)))
            else:
                assert isinstance(node, Call)
                steps.append((i, _FUNCTIONS[node.function], (slot[id(node.argument)],)))
        self._outputs = tuple(slot[id(node)] for node in outputs)
        # Each intermediate is dropped after its last use, so memory stays that of
        # the few arrays alive at once, not of every step.
        last_use: dict[int, int] = {}
        for position, (_, _, operands) in enumerate(steps):
            for operand in operands:
                last_use[operand] = position
        released: list[list[int]] = [[] for _ in steps]
        for operand, position in last_use.items():
            if operand not in self._outputs:
                released[position].append(operand)
        # Flat tuples: one evaluation of a run's few points costs about as much in
        # this loop as in numpy, so the loop does as little as it can.
        self._plan = [(i, f, ops[0], ops[1] if len(ops) == 2 else -1, tuple(r))
                      for (i, f, ops), r in zip(steps, released, strict=True)]

    def __call__(self, *arrays: np.ndarray | float) -> list[np.ndarray | float]:
        """The outputs at the variables' values (in the order of :attr:`variables`),
        broadcast together; an output that is a constant comes back as a float."""
        values: list[np.ndarray | float | None] = [None] * self._size
        for i, value in self._constants:
            values[i] = value
        for i, which in self._inputs:
            values[i] = arrays[which]
        with np.errstate(all="ignore"):
            for i, function, a, b, released in self._plan:
                values[i] = function(values[a]) if b < 0 else function(values[a], values[b])
                for j in released:
                    values[j] = None
        return [values[i] for i in self._outputs]  # type: ignore[misc]


def _binary_step(node: Binary, slot: Mapping[int, int]) -> tuple[Callable[..., np.ndarray], _Operands]:
    left, right = slot[id(node.left)], slot[id(node.right)]
    if node.op == "**" and isinstance(node.right, Number) and node.right.value == 2.0:
        return np.square, (left,)  # u * u, exactly, and faster than a power
    return _OPERATORS[node.op], (left, right)
