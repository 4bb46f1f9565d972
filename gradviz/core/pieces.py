"""Pieces of runs: an engine's block of steps cut into each run's
:class:`~gradviz.core.run.Trajectory` piece, and pieces joined.

A consumer that streams runs (the app's worker) takes an
:class:`~gradviz.core.engine.StepBlock` for many runs at a time and hands on
each run's part as the arrays a run's record is made of: no step is built as
a Python object, and the piece holds exactly what
:meth:`Trajectory.from_steps <gradviz.core.run.Trajectory.from_steps>` makes
of the same steps (the diverged step left out, its update in ``diverged_at``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradviz.core.columns import STEP_COLUMNS, Kind
from gradviz.core.engine import StepBlock
from gradviz.core.run import RunSettings, Trajectory


def block_piece(block: StepBlock, run: int, settings: RunSettings, first: int = 0) -> Trajectory:
    """Run ``run``'s steps in ``block`` from update ``first`` on, as a piece.

    Parameters
    ----------
    block : StepBlock
        Steps of an engine's runs.
    run : int
        The run's index in the engine.
    settings : RunSettings
        The piece's settings.
    first : int
        The first update to keep: the steps before it are left out (a run
        recomputed up to where its consumer already holds it).
    """
    count = int(block.count[run])
    diverged = count > 0 and bool(block.diverged[run, count - 1])
    end = count - 1 if diverged else count
    start = min(max(0, first - int(block.update[0])) if count else 0, end)
    rows = slice(start, end)
    kept = end - start
    columns: dict[str, object] = {}
    for column in STEP_COLUMNS:
        held = block.update if column.name == "update" else getattr(block, column.name)
        if held is None or (column.optional and not kept):
            columns[column.series] = None  # as a run without the column records it
        elif column.name == "update":
            columns[column.series] = np.array(held[rows], dtype=column.dtype)
        elif column.kind is Kind.INDICES:
            indices = held[run]
            columns[column.series] = (None,) * kept if indices is None else tuple(indices[rows])
        else:
            columns[column.series] = np.array(held[run, rows], dtype=column.dtype)
    diverged_at = int(block.update[count - 1]) if diverged else None
    return Trajectory(settings=settings, diverged_at=diverged_at, **columns)  # type: ignore[arg-type]


def join_pieces(pieces: Sequence[Trajectory]) -> Trajectory:
    """Consecutive pieces of one run (at least one) as one piece."""
    if len(pieces) == 1:
        return pieces[0]
    columns: dict[str, object] = {}
    for column in STEP_COLUMNS:
        parts = [getattr(p, column.series) for p in pieces]
        held = [part for part in parts if part is not None]
        if not held:
            columns[column.series] = None
        elif column.kind is Kind.INDICES:
            columns[column.series] = tuple(i for part in held for i in part)
        else:
            columns[column.series] = np.concatenate(held)
    diverged_at = next((p.diverged_at for p in pieces if p.diverged_at is not None), None)
    return Trajectory(settings=pieces[0].settings, diverged_at=diverged_at, **columns)  # type: ignore[arg-type]


__all__ = ["block_piece", "join_pieces"]
