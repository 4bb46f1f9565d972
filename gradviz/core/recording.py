"""A growing record of a run's steps, appended piece by piece as they stream in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradviz.core.columns import STEP_COLUMNS, TERM_COLUMNS, Column, Kind
from gradviz.core.run import RunSettings, Trajectory

Held = np.ndarray | list[np.ndarray | None]
"""How a recording keeps a column: an array with room to grow, or a list of indices."""


class Recording:
    """Every step of one run so far: one array per column of
    :data:`~gradviz.core.columns.STEP_COLUMNS`, grown by doubling (a list for indices).

    Each column is a property named by its series (``update``, ``phi``, ``loss``,
    ``batches``, ...; ``None`` for an optional column the run does not record)
    that returns a view of the filled part; a view stays valid until the next
    :meth:`extend`, :meth:`truncate` or :meth:`clear`.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = capacity
        self.clear()

    def clear(self) -> None:
        """Forget every step."""
        self._size = 0
        self._room = self._capacity  # the rows the arrays hold
        # An optional column is made when the first piece that has it arrives.
        self._held: dict[str, Held | None] = {
            c.name: None if c.optional else self._new(c) for c in STEP_COLUMNS
        }
        self.diverged_at: int | None = None
        self.undefined = False  # whether it diverged where the loss is undefined
        self.finished = False

    def _new(self, column: Column) -> Held:
        if column.kind is Kind.INDICES:
            return []
        return np.empty((self._room, *column.shape), dtype=column.dtype)

    def truncate(self, rows: int) -> None:
        """Keep only the first ``rows`` rows (to continue the run from there)."""
        if rows < self._size:
            self._size = max(0, rows)
            for held in self._held.values():
                if isinstance(held, list):
                    del held[self._size :]
            self.diverged_at = None
            self.undefined = False
            self.finished = False

    def __len__(self) -> int:
        return self._size

    def extend(self, piece: Trajectory) -> None:
        """Append the steps of ``piece`` (a part of a run, as streamed)."""
        end = self._size + len(piece.update)
        if end > self._room:
            self._room = max(end, 2 * self._room)
            for name, held in self._held.items():
                if isinstance(held, np.ndarray):
                    self._held[name] = self._grown(held)
        lists = []
        for column in STEP_COLUMNS:
            values = getattr(piece, column.series)
            if values is None:
                continue
            held = self._held[column.name]
            if held is None:
                held = self._held[column.name] = self._new(column)
            if isinstance(held, list):
                lists.append((held, values))
            else:
                held[self._size : end] = values
        # The lists grow only once every array took its rows: a piece that fails
        # to fit is then left out whole, as the size below is not moved.
        for held, values in lists:
            held.extend(values)
        self._size = end
        if piece.diverged_at is not None:
            self.diverged_at = piece.diverged_at
            self.undefined = piece.undefined

    def _grown(self, array: np.ndarray) -> np.ndarray:
        grown = np.empty((self._room, *array.shape[1:]), dtype=array.dtype)
        grown[: self._size] = array[: self._size]
        return grown

    def _filled(self, column: Column) -> np.ndarray | Sequence[np.ndarray | None] | None:
        held = self._held[column.name]
        return held[: self._size] if isinstance(held, np.ndarray) else held

    def columns(self) -> dict[str, np.ndarray | Sequence[np.ndarray | None] | None]:
        """Every column's filled part (views, as the properties), by its series name."""
        return {c.series: self._filled(c) for c in STEP_COLUMNS}

    def batch(self, row: int) -> np.ndarray | None:
        """The minibatch indices of the update that led to ``row`` (``None``: all data)."""
        return self.batches[row]  # type: ignore[attr-defined, no-any-return]

    def to_trajectory(self, settings: RunSettings, terms: bool = True) -> Trajectory:
        """The recorded steps as a :class:`~gradviz.core.run.Trajectory`, with the
        optimizer's terms (if recorded) only if ``terms``."""
        left_out = () if terms else {c.series for c in TERM_COLUMNS}
        columns = {
            name: None if values is None or name in left_out
            else values.copy() if isinstance(values, np.ndarray) else tuple(values)
            for name, values in self.columns().items()
        }
        return Trajectory(settings=settings, diverged_at=self.diverged_at,
                          undefined=self.undefined, **columns)


def _series(column: Column) -> property:
    def filled(self: Recording) -> np.ndarray | Sequence[np.ndarray | None] | None:
        return self._filled(column)

    return property(filled, doc=column.series_doc())


for _column in STEP_COLUMNS:  # one property per column, named by its series
    setattr(Recording, _column.series, _series(_column))
