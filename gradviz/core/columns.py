"""The quantities a run records at every step, declared once.

Every holder of a run's numbers is built from :data:`STEP_COLUMNS`: the step
(:class:`~gradviz.core.run.Step`), the finished run
(:class:`~gradviz.core.run.Trajectory`), the growing record
(:class:`~gradviz.core.recording.Recording`), the frame the app draws
(``gradviz.qt.frame.RunFrame``) and the CSV and JSON files
(:mod:`gradviz.core.export`). A new quantity is one more :class:`Column` here.

A column marked ``optional`` is one that only some runs record (an optimizer's
own terms, say): a step of a run without it holds ``None``, so does a whole-run
holder instead of its array, and the files leave it out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field
from enum import Enum
from typing import TypeVar

import numpy as np


class Kind(Enum):
    """What a column holds, which decides how it is stored and written."""

    INT = "int"
    """A whole number; an int array over the rows."""
    FLOAT = "float"
    """A float, written at full precision; NaN and infinities are ``null`` in JSON."""
    INDICES = "indices"
    """Data indices (``None``: all the data), as many as the step has: a tuple
    over the rows; space-separated in CSV (empty for ``None``), a list in JSON."""


@dataclass(frozen=True)
class Column:
    """One quantity recorded at every step of a run.

    Parameters
    ----------
    name : str
        The field of a :class:`~gradviz.core.run.Step`.
    kind : Kind
        What it holds.
    description : str
        One sentence for docstrings and readers of the files.
    width : int
        Values per step: 1 for a number, 2 for a point of parameter space. A
        column of width 2 is two columns in files, its file name and 0 or 1.
    file_name : str
        Its name in CSV and JSON files ("" for ``name``).
    series : str
        Its name in whole-run holders ("" for ``name``).
    optional : bool
        Whether only some runs record it.
    """

    name: str
    kind: Kind
    description: str
    width: int = 1
    file_name: str = ""
    series: str = ""
    optional: bool = False

    def __post_init__(self) -> None:
        if self.width not in (1, 2) or (self.kind is Kind.INDICES and self.width != 1):
            raise ValueError(f"column {self.name!r}: width must be 1, or 2 for numbers")
        for name in ("file_name", "series"):
            if not getattr(self, name):
                object.__setattr__(self, name, self.name)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one step's value (of a number: ``()``)."""
        return () if self.width == 1 else (self.width,)

    @property
    def dtype(self) -> type | None:
        """The type of its array's entries (``None`` for indices, which are kept in a tuple)."""
        return {Kind.INT: int, Kind.FLOAT: float, Kind.INDICES: None}[self.kind]

    @property
    def file_names(self) -> tuple[str, ...]:
        """Its columns in files: its file name, or that name and 0, 1 for a point."""
        if self.width == 1:
            return (self.file_name,)
        return tuple(f"{self.file_name}{i}" for i in range(self.width))

    def stack(self, values: Sequence[object]) -> np.ndarray | tuple[object, ...] | None:
        """The steps' ``values`` as a whole-run holder keeps them: an array of
        ``(len(values), *shape)``, a tuple for indices, or ``None`` for an
        optional column the steps do not have."""
        if self.optional and (not values or values[0] is None):
            return None
        if self.kind is Kind.INDICES:
            return tuple(values)
        return np.array(values, dtype=self.dtype).reshape(-1, *self.shape)

    def step_doc(self) -> str:
        """Its entry in the numpydoc attributes of a step."""
        kinds = {Kind.INT: "int", Kind.FLOAT: "float", Kind.INDICES: "numpy.ndarray or None"}
        what = "numpy.ndarray" if self.width > 1 else kinds[self.kind]
        if self.optional and not what.endswith("None"):
            what += " or None"
        return _entry(self.name, what, self.description)

    def series_doc(self) -> str:
        """Its entry in the numpydoc attributes of a whole-run holder."""
        if self.kind is Kind.INDICES:
            what, shape = "tuple", "One entry per row."
        else:
            what = "numpy.ndarray"
            shape = "Shape ``(n,)``." if self.width == 1 else f"Shape ``(n, {self.width})``."
        absent = " or None" if self.optional else ""
        return _entry(self.series, what + absent, f"{self.description} {shape}")


def _entry(name: str, what: str, text: str) -> str:
    body = textwrap.fill(text, 84, initial_indent="    ", subsequent_indent="    ")
    return f"{name} : {what}\n{body}"


STEP_COLUMNS: tuple[Column, ...] = (
    Column("update", Kind.INT, "The number of updates applied so far (0 at the start point).",
           file_name="step"),
    Column("epoch", Kind.INT, "The epoch of the update that led here (0 at the start point)."),
    Column("phi", Kind.FLOAT, "The parameters (phi0, phi1).", width=2),
    Column("loss", Kind.FLOAT, "The full-data loss at phi."),
    Column("batch_loss", Kind.FLOAT,
           "The loss on the minibatch of the update that led here (NaN at the start point)."),
    Column("lr", Kind.FLOAT, "The learning rate of the update that led here "
           "(NaN at the start point)."),
    Column("batch", Kind.INDICES, "The data indices of the update that led here (None at "
           "the start point and for the full batch).", series="batches"),
    Column("grad", Kind.FLOAT, "The gradient the update that led here used "
           "(NaN at the start point).", width=2),
    # The optimizers' terms: each optimizer names those it reports (Optimizer.terms),
    # and a run records them only when asked to (Engine(terms=True)).
    Column("m", Kind.FLOAT, "The first moment m after the update that led here: the "
           "moving average of the gradients of momentum, Nesterov and Adam (NaN at the "
           "start point).", width=2, optional=True),
    Column("v", Kind.FLOAT, "The second moment v after the update that led here: the "
           "squared gradients averaged (Adam, RMSProp) or summed (AdaGrad) (NaN at the "
           "start point).", width=2, optional=True),
    Column("m_hat", Kind.FLOAT, "Adam's bias-corrected first moment m / (1 - beta^(t+1)) "
           "after the update t that led here (NaN at the start point).", width=2,
           optional=True),
    Column("v_hat", Kind.FLOAT, "Adam's bias-corrected second moment v / (1 - gamma^(t+1)) "
           "after the update t that led here (NaN at the start point).", width=2,
           optional=True),
    Column("lookahead_phi", Kind.FLOAT, "Nesterov's look-ahead point, where the update "
           "that led here took its gradient (NaN at the start point).", width=2,
           optional=True),
)
"""Every column, in the order of a step's fields; the files write them in this
order too, but for indices, which come last (their cells vary in length)."""

TERM_COLUMNS: tuple[Column, ...] = tuple(c for c in STEP_COLUMNS if c.optional)
"""The optional columns: the terms of an update that optimizers report."""

T = TypeVar("T")


def column_fields(cls: type[T]) -> type[T]:
    """Give ``cls``, about to be made a dataclass, one keyword-only field per column,
    named by its series (``None`` by default for an optional column), and the
    columns' entries at the end of its docstring (which ends in its attributes)."""
    annotations = dict(cls.__dict__.get("__annotations__", {}))
    for column in STEP_COLUMNS:
        held = "Sequence[np.ndarray | None]" if column.kind is Kind.INDICES else "np.ndarray"
        annotations[column.series] = f"{held} | None" if column.optional else held
        default = None if column.optional else MISSING
        setattr(cls, column.series, field(kw_only=True, default=default))
    cls.__annotations__ = annotations
    entries = "\n".join(column.series_doc() for column in STEP_COLUMNS)
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + textwrap.indent(entries, "    ") + "\n"
    return cls


__all__ = [
    "STEP_COLUMNS",
    "TERM_COLUMNS",
    "Column",
    "Kind",
    "column_fields",
]
