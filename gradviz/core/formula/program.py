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

_Step = tuple[Callable[..., np.ndarray], tuple[int, ...]]


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
        self._constants: dict[int, float] = {}
        self._inputs: dict[int, int] = {}
        self._steps: list[tuple[int, _Step]] = []
        for i, node in enumerate(nodes):
            if isinstance(node, Number):
                self._constants[i] = node.value
            elif isinstance(node, Variable):
                self._inputs[i] = variables.index(node.name)
            elif isinstance(node, Binary):
                self._steps.append((i, _binary_step(node, slot)))
            elif isinstance(node, Negative):
                self._steps.append((i, (np.negative, (slot[id(node.operand)],))))
            else:
                assert isinstance(node, Call)
                self._steps.append((i, (_FUNCTIONS[node.function], (slot[id(node.argument)],))))
        self._outputs = tuple(slot[id(node)] for node in outputs)
        # Each intermediate is dropped after its last use, so memory stays that of
        # the few arrays alive at once, not of every step.
        last_use: dict[int, int] = {}
        for position, (_, (_, operands)) in enumerate(self._steps):
            for operand in operands:
                last_use[operand] = position
        keep = set(self._outputs)
        self._released: list[tuple[int, ...]] = [() for _ in self._steps]
        for operand, position in last_use.items():
            if operand not in keep:
                self._released[position] += (operand,)

    def __call__(self, *arrays: np.ndarray | float) -> list[np.ndarray | float]:
        """The outputs at the variables' values (in the order of :attr:`variables`),
        broadcast together; an output that is a constant comes back as a float."""
        values: dict[int, np.ndarray | float] = dict(self._constants)
        for i, which in self._inputs.items():
            values[i] = arrays[which]
        with np.errstate(all="ignore"):
            for (i, (function, operands)), released in zip(self._steps, self._released):
                values[i] = function(*(values[j] for j in operands))
                for j in released:
                    del values[j]
        return [values[i] for i in self._outputs]


def _binary_step(node: Binary, slot: Mapping[int, int]) -> _Step:
    left, right = slot[id(node.left)], slot[id(node.right)]
    if node.op == "**" and isinstance(node.right, Number) and node.right.value == 2.0:
        return np.square, (left,)  # u * u, exactly, and faster than a power
    return _OPERATORS[node.op], (left, right)
