"""The worker that computes basins of attraction off the UI thread.

A request carries a number, as the other workers' do: the UI raises
:attr:`BasinWorker.latest_request` when it asks for another map or cancels,
and the computation in hand stops between its chunks of cells
(:func:`gradviz.core.basins.compute_basins` asks ``should_stop``), so a
superseded map is never finished nor shown.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot

from gradviz.core.basins import compute_basins
from gradviz.core.problems import Problem
from gradviz.core.run import RunSettings
from gradviz.core.space import Window
from gradviz.qt.guard import one_line
from gradviz.qt.threads.worker_thread import Worker


@dataclass(frozen=True)
class BasinRequest:
    """One map to compute: where every cell of ``grid`` x ``grid`` over ``window``
    ends after ``steps`` updates of ``settings`` (their start is each cell's)."""

    request_id: int
    problem: Problem
    settings: RunSettings
    window: Window
    grid: int
    steps: int


class BasinWorker(Worker):
    """Computes :class:`~gradviz.core.basins.BasinMap` objects, dropping stale requests."""

    computed = Signal(int, object)  # request_id, BasinMap
    failed = Signal(int, str)  # request_id, message
    progressed = Signal(int, float)  # request_id, fraction of the cells done

    def __init__(self) -> None:
        super().__init__()
        # Written by the UI thread, read here between chunks: a plain int is safe under the GIL.
        self.latest_request = 0

    def cancel_all(self) -> None:
        """Called from the UI thread before it stops this worker's thread: drop every request."""
        self.latest_request = sys.maxsize

    @Slot(object)
    def compute(self, request: BasinRequest) -> None:
        """Compute ``request`` unless a newer one was asked for (checked between chunks)."""
        number = request.request_id

        def superseded() -> bool:
            return number < self.latest_request

        if superseded():
            return
        try:
            basins = compute_basins(
                request.problem, request.settings, request.window, grid=request.grid,
                steps=request.steps,
                progress=lambda fraction: self.progressed.emit(number, fraction),
                should_stop=superseded,
            )
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app goes on
            self.failed.emit(number, one_line(exc))
            return
        if basins is not None and not superseded():
            self.computed.emit(number, basins)
