"""Evaluating expression trees with numpy: a list of array operations, never ``eval``.

A :class:`Program` computes several trees at once (a formula and its
derivatives) and computes each distinct subtree once, in an order where every
operand comes first. Each step is one numpy call over whole arrays, so the
grid, the data and many runs are evaluated together by broadcasting. Domain
errors do not warn: the log of a negative number and 0/0 give NaN, division
by zero and overflow give inf.

A few steps are lowered to cheaper calls of the same value, bit for bit:
``u ** 2`` is ``u * u``, a division by a power of two a multiplication by its
inverse, and the minus sign of a product or quotient with a number goes into
the number. A :class:`Workspace` evaluates a program again and again into
buffers of its own, so the blocks of a loss grid allocate nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gradviz.core.formula.tree import (
    Binary,
    Call,
    Negative,
    Node,
    Number,
    Variable,
    unique_nodes,
)

Value = np.ndarray | float


def _sigmoid(u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1 / (1 + exp(-u)) without overflowing exp for large negative u.
    if out is None:
        return 0.5 + 0.5 * np.tanh(0.5 * u)
    np.multiply(0.5, u, out=out)
    np.tanh(out, out=out)
    np.multiply(0.5, out, out=out)
    return np.add(0.5, out, out=out)


def _zero_product(a: Value, b: Value, out: np.ndarray | None = None) -> Value:
    # a * b, and 0 where a is 0: where b is inf or NaN too. The mask is taken first,
    # as ``out`` may be a's own buffer.
    zero = np.equal(a, 0.0)
    product = np.multiply(a, b) if out is None else np.multiply(a, b, out=out)
    if np.ndim(product) == 0:
        return 0.0 if zero else product
    np.copyto(product, 0.0, where=zero)
    return product


_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sigmoid": _sigmoid, "sign": np.sign,
}
_OPERATORS: dict[str, Callable[..., np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
    "0*": _zero_product,
}

_BUFFER = 16
"""Elements of numpy's iteration buffer while a :class:`Workspace` runs the steps whose
value does not depend on how numpy iterates. With the default 8,192, numpy copies both
operands of an outer operation (a grid's row times its column) into buffers to make
longer loops; float64 operands need no buffer, and with the smallest one numpy runs
along the rows in place, about 3 times as fast (measured: 64 x 256 cells, 12.6
against 3.6 µs)."""

_EXACT: frozenset[Callable[..., np.ndarray]] = frozenset({
    np.add, np.subtract, np.multiply, np.divide, np.square, np.negative, np.abs, np.sign,
    np.sqrt, _sigmoid,
})
"""Steps that round the same in every numpy loop: IEEE's correctly rounded operations
(the sigmoid's tanh runs on a contiguous array of its own, in one loop). numpy's power,
for one, rounds differently in its vector and scalar loops, and which runs depends on
the iteration."""

_Operand = Node | float
"""What a step reads: a node computed earlier, or a number."""

_Step = tuple[Callable[..., np.ndarray], tuple[_Operand, ...]]
"""A numpy call and its operands."""


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
        order, steps = _lowered(outputs)
        slot: dict[int, int] = {}
        self._constants: list[tuple[int, float]] = []
        self._inputs: list[tuple[int, int]] = []

        def slot_of(operand: _Operand) -> int:
            key = id(operand)
            if key not in slot:
                slot[key] = len(slot)
                if isinstance(operand, float):
                    self._constants.append((slot[key], operand))
            return slot[key]

        planned: list[tuple[int, Callable[..., np.ndarray], tuple[int, ...]]] = []
        for node in order:
            if (value := _constant(node)) is not None:
                self._constants.append((slot_of(node), value))
            elif isinstance(node, Variable):
                self._inputs.append((slot_of(node), variables.index(node.name)))
            else:
                function, operands = steps[id(node)]
                indices = tuple(slot_of(operand) for operand in operands)
                planned.append((slot_of(node), function, indices))
        self.operations = len(planned)
        """The numpy calls one evaluation makes."""
        self._size = len(slot)
        self._outputs = tuple(slot[id(node)] for node in outputs)
        # Each intermediate is dropped after its last use, so memory stays that of
        # the few arrays alive at once, not of every step.
        last_use: dict[int, int] = {}
        for position, (_, _, operands) in enumerate(planned):
            for operand in operands:
                last_use[operand] = position
        released: list[list[int]] = [[] for _ in planned]
        for operand, position in last_use.items():
            if operand not in self._outputs:
                released[position].append(operand)
        # Flat tuples: one evaluation of a run's few points costs about as much in
        # this loop as in numpy, so the loop does as little as it can.
        self._plan = [(i, f, ops[0], ops[1] if len(ops) == 2 else -1, tuple(r))
                      for (i, f, ops), r in zip(planned, released, strict=True)]

    def _start(self, arrays: tuple[Value, ...]) -> list[Value | None]:
        values: list[Value | None] = [None] * self._size
        for i, value in self._constants:
            values[i] = value
        for i, which in self._inputs:
            values[i] = arrays[which]
        return values

    def __call__(self, *arrays: Value) -> list[Value]:
        """The outputs at the variables' values (in the order of :attr:`variables`),
        broadcast together; an output that is a constant comes back as a float."""
        values = self._start(arrays)
        with np.errstate(all="ignore"):
            for i, function, a, b, released in self._plan:
                values[i] = function(values[a]) if b < 0 else function(values[a], values[b])
                for j in released:
                    values[j] = None
        return [values[i] for i in self._outputs]  # type: ignore[misc]

    def workspace(self) -> Workspace:
        """A :class:`Workspace` of this program, for one caller (it is not shared
        between threads)."""
        return Workspace(self)


class Workspace:
    """Evaluates ``program`` repeatedly into buffers it keeps.

    Each step writes (ufunc ``out=``) into a buffer of its shape that an earlier
    step no longer needs, its own operand's included, so an evaluation touches
    a few arrays again and again, in cache, and allocates none after the first
    evaluation at the same shapes. Steps whose rounding cannot depend on numpy's
    iteration run with a small iteration buffer (:data:`_BUFFER`). The values are
    :class:`Program`'s, bit for bit; arrays returned are the workspace's and the
    next call overwrites them. Inputs other than float64 arrays and floats are
    evaluated as the program does, without buffers.
    """

    def __init__(self, program: Program) -> None:
        self._program = program
        self._plans: dict[tuple[_Layout, ...], list[tuple[object, ...]]] = {}

    def __call__(self, *arrays: Value) -> list[Value]:
        """The program's outputs at ``arrays`` (see :meth:`Program.__call__`)."""
        layouts = tuple(_layout(a) for a in arrays)
        if None in layouts:
            return self._program(*arrays)
        plan = self._plans.get(layouts)  # type: ignore[arg-type]
        if plan is None:
            plan = self._plans[layouts] = self._buffered(layouts)  # type: ignore[arg-type]
        program = self._program
        values = program._start(arrays)
        with np.errstate(all="ignore"):  # which also restores the buffer size at its end
            usual = np.getbufsize()
            for i, function, a, b, out, switch in plan:
                if switch is not None:
                    np.setbufsize(switch or usual)
                if out is None:
                    values[i] = function(values[a]) if b < 0 else function(values[a], values[b])
                elif b < 0:
                    values[i] = function(values[a], out=out)
                else:
                    values[i] = function(values[a], values[b], out=out)
        return [values[i] for i in program._outputs]  # type: ignore[misc]

    def _buffered(self, layouts: tuple[_Layout, ...]) -> list[tuple[object, ...]]:
        """The program's steps for inputs of ``layouts``, each with the buffer it writes
        into (``None`` for a number) and the iteration buffer to switch to before it
        (``None`` to keep the one in use, 0 for the caller's)."""
        program = self._program
        layout: dict[int, _Layout] = {i: ((), True) for i, _ in program._constants}
        layout.update({i: layouts[which] for i, which in program._inputs})
        buffer: dict[int, np.ndarray] = {}
        free: dict[tuple[int, ...], list[np.ndarray]] = {}
        plan: list[tuple[object, ...]] = []
        current = 0
        for i, function, a, b, released in program._plan:
            operands = [layout[a]] if b < 0 else [layout[a], layout[b]]
            shape = np.broadcast_shapes(*(s for s, _ in operands))
            layout[i] = (shape, True)
            # numpy's loop runs once over the whole array when every operand is a number
            # or contiguous at the result's shape; only then does its buffer not matter.
            whole = all(s == () or (s == shape and contiguous) for s, contiguous in operands)
            wanted = _BUFFER if function in _EXACT or whole else 0
            switch, current = (None if wanted == current else wanted), wanted
            # Buffers freed here may take this step's result: in place is exact.
            for j in released:
                if j in buffer:
                    free.setdefault(layout[j][0], []).append(buffer.pop(j))
            out = None
            if shape:
                spare = free.get(shape)
                buffer[i] = out = spare.pop() if spare else np.empty(shape)
            plan.append((i, function, a, b, out, switch))
        return plan


_Layout = tuple[tuple[int, ...], bool]
"""An operand's shape, and whether it is C-contiguous."""


def _layout(value: object) -> _Layout | None:
    """The layout of a float64 array or a float; ``None`` for anything else."""
    if isinstance(value, np.ndarray):
        return (value.shape, value.flags.c_contiguous) if value.dtype == np.float64 else None
    return ((), True) if isinstance(value, float) else None


def _lowered(outputs: tuple[Node, ...]) -> tuple[list[Node], dict[int, _Step]]:
    """Every node the outputs need, each after its operands (without recursion), and
    the numpy call of each node that is not a number or a variable."""
    steps: dict[int, _Step] = {}

    def operands(node: Node) -> list[Node]:
        """The nodes the call computing ``node`` reads (its lowered step's)."""
        if _constant(node) is not None or isinstance(node, Variable):
            return []
        steps[id(node)] = step = _step(node)
        return [operand for operand in step[1] if isinstance(operand, Node)]

    return unique_nodes(outputs, operands), steps


def _step(node: Node) -> _Step:
    """The numpy call computing ``node`` and its operands."""
    if isinstance(node, Binary):
        return _binary(node.op, node.left, node.right, 1.0)
    if isinstance(node, Negative):
        inner = node.operand
        if isinstance(inner, Binary) and inner.op in ("*", "/") and (
                _constant(inner.left) is not None or _constant(inner.right) is not None):
            return _binary(inner.op, inner.left, inner.right, -1.0)  # -(u c) = u (-c)
        return np.negative, (inner,)
    assert isinstance(node, Call)
    return _FUNCTIONS[node.function], (node.argument,)


def _binary(op: str, left: Node, right: Node, sign: float) -> _Step:
    """``sign * (left op right)``, where ``sign`` is -1 only for a product or a
    quotient with a number, which takes the sign: IEEE arithmetic is symmetric in
    sign, so the value is the same bit for bit (a NaN's sign aside)."""
    value = _constant(right)
    if value is not None:
        value *= sign
        if op == "**" and value == 2.0:
            return np.square, (left,)  # u * u, exactly, and faster than a power
        if op == "/" and _exact_inverse(value):
            return np.multiply, (left, 1.0 / value)  # the same real number, rounded once
        return _OPERATORS[op], (left, value)
    if sign < 0:
        number = _constant(left)
        assert number is not None
        return _OPERATORS[op], (-number, right)
    return _OPERATORS[op], (left, right)


def _constant(node: Node) -> float | None:
    """The value of a number or of a negated number, else ``None``."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Negative) and isinstance(node.operand, Number):
        return -node.operand.value
    return None


def _exact_inverse(value: float) -> bool:
    """Whether 1 / ``value`` is exact and normal: ``value`` is ±2**k, |k| <= 1022."""
    mantissa, exponent = math.frexp(value)
    return abs(mantissa) == 0.5 and -1021 <= exponent <= 1023
