"""The basins of attraction the app shows: asked for when what they depend on changes,
computed in a thread of their own, dropped when superseded or cancelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from PySide6.QtCore import QObject, Signal

from gradviz.core.basins import BasinMap, compute_basins
from gradviz.core.problems import Problem
from gradviz.core.run import RunSettings
from gradviz.core.space import Window
from gradviz.qt.control.compute_control import ComputeControl
from gradviz.qt.threads.compute_worker import ComputeRequest
from gradviz.qt.guard import guarded
from gradviz.qt.timing import Debouncer

BASIN_GRID = 128
"""Cells along each side of the map the app computes."""

BASIN_STEPS = 200
"""The most updates each cell's run takes in the app (fewer if the run itself has
fewer): 128 x 128 gradient descent runs of 200 updates take about 2 s here."""

BASIN_DEBOUNCE_MS = 300
"""Quiet time after a change (a zoom dragged, a learning rate typed) before a map is asked for."""


class BasinControl(ComputeControl):
    """Keeps the map of the basins for the selected run's settings and the view.

    :meth:`want` says what the map should show now; a map for anything else is
    dropped, and a new one is asked for once the changes pause. The map shown
    stays until its successor is ready, so a zoom never blanks the overlay.
    """

    changed = Signal(object)  # BasinMap | None: the map to draw
    progressed = Signal(float)  # fraction of the map computed; -1 when nothing is

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("gradviz-basins", parent)
        self.basins: BasinMap | None = None
        """The map being shown, if any."""
        self._wanted: ComputeRequest | None = None  # asked for, not yet answered
        self._basins_problem: Problem | None = None  # the problem of the map shown
        self._wanted_problem: Problem | None = None  # that of the map asked for
        self._key: tuple[object, ...] | None = None  # what the latest request is for
        self._debounce = Debouncer(BASIN_DEBOUNCE_MS, self._send_wanted, self)

    @property
    def busy(self) -> bool:
        """Whether a map is being computed or waits to be asked for."""
        return self._wanted is not None

    def want(self, problem: Problem, settings: RunSettings, window: Window) -> None:
        """Show the basins of ``settings`` (any start) on ``problem`` over ``window``."""
        steps = min(settings.steps, BASIN_STEPS)
        # The start is each cell's own, so moving the selected run's start changes nothing.
        key = (problem, replace(settings, start=None), window, steps)
        if key == self._key:
            return
        if self.basins is not None and problem is not self._basins_problem:
            self.basins = None  # another problem's map would mislead until the new one is in
            self.changed.emit(None)
        self._key = key
        # The map being computed is stale now.
        self._wanted = self._request(partial(_basins, problem, settings, window, steps))
        self._wanted_problem = problem
        self.progressed.emit(0.0)
        self._debounce.trigger()

    def cancel(self) -> None:
        """Stop computing; the map shown stays (its key is forgotten, so the next
        :meth:`want` computes again)."""
        self._debounce.cancel()
        self._supersede()
        self._wanted = None
        self._key = None
        self.progressed.emit(-1.0)

    def clear(self) -> None:
        """Stop computing and show no map."""
        self.cancel()
        if self.basins is not None:
            self.basins = None
            self.changed.emit(None)

    def _send_wanted(self) -> None:
        if self._wanted is not None:
            self._send(self._wanted)

    @guarded("Showing the basins of attraction")
    def _arrived(self, result: object) -> None:
        assert isinstance(result, BasinMap)
        assert self._wanted is not None  # cancel() would have changed the number
        self.basins, self._basins_problem = result, self._wanted_problem
        self._wanted = None
        self.progressed.emit(-1.0)
        self.changed.emit(result)

    def _refused(self, text: str) -> None:
        self._wanted = None
        self._key = None  # the same settings may be tried again
        self.progressed.emit(-1.0)
        self.failed.emit(f"Could not compute the basins of attraction: {text}")

    def _progress(self, fraction: float) -> None:
        self.progressed.emit(fraction)


def _basins(problem: Problem, settings: RunSettings, window: Window, steps: int,
            progress: Callable[[float], None], should_stop: Callable[[], bool]) -> BasinMap | None:
    """The app's map of ``settings``'s basins (see :func:`~gradviz.core.basins.compute_basins`)."""
    return compute_basins(problem, settings, window, grid=BASIN_GRID, steps=steps,
                          progress=progress, should_stop=should_stop)
