"""Pieces of runs: an engine's blocks of steps cut into one run's
:class:`~gradviz.core.run.Trajectory` piece, and pieces joined.

A consumer that streams runs (the app's worker) takes
:class:`~gradviz.core.engine.StepBlock` s for many runs at a time and hands on
each run's part as the arrays a run's record is made of: no step is built as
a Python object, and the piece holds exactly what
:meth:`Trajectory.from_steps <gradviz.core.run.Trajectory.from_steps>` makes
of the same steps (the diverged step left out, its update in ``diverged_at``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from gradviz.core.columns import STEP_COLUMNS, Kind
from gradviz.core.engine import StepBlock
from gradviz.core.run import RunSettings, Trajectory, loss_undefined

_COLUMNS = tuple((c, c.dtype) for c in STEP_COLUMNS)
"""Every column with the type of its entries (looked up once: a piece is made per
run per frame)."""


def run_piece(parts: Sequence[tuple[StepBlock, int]], settings: RunSettings,
              first: int = 0) -> Trajectory:
    """One run's steps in consecutive blocks, from update ``first`` on, as a piece.

    Parameters
    ----------
    parts : sequence of (StepBlock, int)
        Consecutive blocks of the run's engine (or engines: the run's index may
        differ from block to block), each with the run's index in it.
    settings : RunSettings
        The piece's settings.
    first : int
        The first update to keep: the steps before it are left out (a run
        recomputed up to where its consumer already holds it).
    """
    spans: list[tuple[StepBlock, int, slice]] = []
    diverged_at = None
    undefined = False
    for block, run in parts:
        count = int(block.count[run])
        if not count:
            continue
        end = count
        if block.diverged[run, count - 1]:
            end = count - 1
            if block.update[end] >= first:  # else left out with the steps before it
                diverged_at = int(block.update[end])
                undefined = loss_undefined(block.phi[run, end], block.loss[run, end],
                                           block.batch_loss[run, end])
        start = min(max(0, first - int(block.update[0])), end)
        if start < end:
            spans.append((block, run, slice(start, end)))
    columns: dict[str, object] = {}
    for column, dtype in _COLUMNS:
        if column.name == "update":
            held: list[object] = [block.update[rows] for block, _, rows in spans]
        else:
            held = [getattr(block, column.name) for block, _, _ in spans]
        if column.optional and (not spans or not spans[0][0].records(column.name, spans[0][1])):
            columns[column.series] = None  # as a run without the column records it
        elif column.kind is Kind.INDICES:
            columns[column.series] = tuple(itertools.chain.from_iterable(
                (None,) * (rows.stop - rows.start) if indices[run] is None
                else indices[run][rows]
                for indices, (_, run, rows) in zip(held, spans)))
        elif column.name == "update":
            columns[column.series] = np.concatenate(held or [np.empty(0, dtype)]).astype(dtype)
        else:
            values = [np.full((rows.stop - rows.start, *column.shape), np.nan)
                      if values is None else values[run, rows]
                      for values, (_, run, rows) in zip(held, spans)]
            columns[column.series] = (np.concatenate(values).astype(dtype, copy=False)
                                      if values else np.empty((0, *column.shape), dtype))
    return Trajectory(settings=settings, diverged_at=diverged_at, undefined=undefined,  # type: ignore[arg-type]
                      **columns)


def join_pieces(pieces: Sequence[Trajectory]) -> Trajectory:
    """Consecutive pieces of one run (at least one) as one piece."""
    if len(pieces) == 1:
        return pieces[0]
    columns: dict[str, object] = {}
    for column in STEP_COLUMNS:
        held = [part for part in (getattr(p, column.series) for p in pieces) if part is not None]
        if not held:
            columns[column.series] = None
        elif column.kind is Kind.INDICES:
            columns[column.series] = tuple(itertools.chain.from_iterable(held))
        else:
            columns[column.series] = np.concatenate(held)
    ended = next((p for p in pieces if p.diverged_at is not None), None)
    return Trajectory(settings=pieces[0].settings,  # type: ignore[arg-type]
                      diverged_at=None if ended is None else ended.diverged_at,
                      undefined=ended is not None and ended.undefined, **columns)


__all__ = ["join_pieces", "run_piece"]
