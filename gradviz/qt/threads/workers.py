"""Workers that live in QThreads: one steps the runs, one computes surfaces, one
builds problems from data files.

All are :class:`~gradviz.qt.threads.worker_thread.Worker` objects, each run by a
:class:`~gradviz.qt.threads.worker_thread.WorkerThread` (never QThread subclasses); the UI
talks to them only through queued signals, and they answer with frozen plain
data. Every run, surface and problem request carries a number so that the UI
can drop answers to requests it has since replaced.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from PySide6.QtCore import QTimer, Signal, Slot

from gradviz.core.contours import contour_levels, contour_segments
from gradviz.core.problems import MINIMUM_GRID, Problem, ProblemSpec
from gradviz.core.run import RunSettings, Step, Trajectory, iterate
from gradviz.core.space import Window
from gradviz.core.surface import Surface, loss_grid_pieces, loss_surface_pieces
from gradviz.qt.guard import guarded, one_line
from gradviz.qt.threads.worker_thread import Worker

_T = TypeVar("_T")

TICK_MS = 16
"""Worker tick: at most one batch of steps reaches the UI per frame (60 Hz)."""

INSTANT_BUDGET_S = 0.012
"""Time the worker may compute per tick when running as fast as it can; the rest
of the tick leaves the GIL to the UI thread, so the window keeps answering."""

INSTANT_PIECE = 16
"""Updates of one run computed between checks of the time budget."""


@dataclass(frozen=True)
class RunJob:
    """A run to (re)start: its identity, generation, problem and settings.

    ``resume_at`` > 0 continues a run whose first ``resume_at`` steps the UI
    already holds (after scrubbing back): runs are deterministic, so they are
    recomputed silently and streaming resumes from there.
    """

    run_id: int
    generation: int
    problem: Problem
    settings: RunSettings
    resume_at: int = 0


@dataclass(frozen=True)
class RunProgress:
    """New steps of one run, packed as arrays.

    ``finished`` is true when the run has no more steps (all updates done or
    diverged, in which case ``piece.diverged_at`` says where, or failed, in which
    case ``error`` says why and ``piece`` holds the steps made before the fault).
    """

    run_id: int
    generation: int
    piece: Trajectory
    finished: bool
    error: str | None = None


@dataclass
class _ActiveRun:
    job: RunJob
    steps: Iterator[Step]
    finished: bool = False
    error: str | None = None


def _let_the_ui_run() -> None:
    """Hand the GIL to the UI thread if it is waiting.

    Stepping runs is Python work that holds the GIL. Held through a whole tick,
    it makes the UI thread wait at each of its many calls into Qt and numpy (they
    release the GIL and must take it back): painting slows to a crawl. Yielding
    after each run's piece lets the UI in between.
    """
    time.sleep(0)


class RunWorker(Worker):
    """Steps every active run together and streams their steps to the UI."""

    progressed = Signal(object)  # list[RunProgress], at most one list per tick
    idle = Signal()  # every run has finished while playing

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[int, _ActiveRun] = {}
        self._to_end = False
        self._speed = 1.0  # updates per second (set by the controller); 0: as fast as it can
        self._owed = 0.0  # fractional updates carried to the next tick
        self._last_tick = time.perf_counter()
        self._timer: QTimer | None = None
        self._turn = 0  # the run to step first at the next tick when running to the end
        self._sent = 0  # batches of progress emitted ...
        self.delivered = 0
        """... and taken in by the UI (written by the UI thread through :meth:`acknowledge`)."""

    def start(self) -> None:
        """Create the tick timer in the worker's own thread."""
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def stop(self) -> None:
        """Stop ticking and drop the timer here, in its own thread, before the thread quits."""
        if self._timer is not None:
            self._timer.stop()
            self._timer.setParent(None)
            self._timer = None
        self._runs.clear()

    @Slot(object)
    @guarded("Starting a run")
    def set_run(self, job: RunJob) -> None:
        """Start ``job`` from its start point, replacing any run with the same id."""
        steps = iterate(job.problem, job.settings)
        active = _ActiveRun(job, itertools.islice(steps, job.resume_at, None))
        self._runs[job.run_id] = active
        if not job.resume_at:
            self._emit([self._advance(active, 1)])  # the start point, shown even when paused

    @Slot(int)
    def remove_run(self, run_id: int) -> None:
        """Forget a run."""
        self._runs.pop(run_id, None)

    @Slot(float)
    def set_speed(self, updates_per_second: float) -> None:
        """Set the pace; 0 means as fast as possible."""
        self._speed = updates_per_second

    @Slot()
    def play(self) -> None:
        """Advance the runs at the current speed."""
        self._to_end = False
        self._restart_clock()

    @Slot()
    def run_to_end(self) -> None:
        """Advance every run as fast as possible until all have finished."""
        self._to_end = True
        self._restart_clock()

    @Slot()
    def pause(self) -> None:
        """Stop advancing."""
        self._to_end = False
        if self._timer is not None:
            self._timer.stop()

    @Slot(int)
    @guarded("Stepping the runs")
    def step(self, count: int) -> None:
        """Advance every unfinished run by ``count`` updates now."""
        self._emit([self._advance(run, count) for run in self._unfinished()])

    def _restart_clock(self) -> None:
        self._owed = 0.0
        self._last_tick = time.perf_counter()
        if self._timer is not None and not self._timer.isActive():
            self._timer.start()

    def _unfinished(self) -> list[_ActiveRun]:
        return [run for run in self._runs.values() if not run.finished]

    def acknowledge(self) -> None:
        """Called from the UI thread once it has taken in a batch of progress.

        The worker steps no further while two batches wait: a UI slower than the
        runs (long paths, many runs, instant speed) would otherwise fall ever
        further behind a growing queue and stop answering the user.
        """
        self.delivered += 1  # only the UI thread writes it; an int store is atomic

    @Slot()
    @guarded("Stepping the runs")
    def _tick(self) -> None:
        if self._sent - self.delivered >= 2:
            return  # the UI is still drawing: the time owed carries to the next tick
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        runs = self._unfinished()
        if not runs:
            self.pause()
            self.idle.emit()
            return
        if self._to_end or self._speed <= 0:
            progress = self._advance_for(runs, now + INSTANT_BUDGET_S)
        else:
            self._owed += self._speed * min(elapsed, 0.25)
            count = int(self._owed)
            self._owed -= count
            progress = []
            if count:
                for run in runs:
                    progress.append(self._advance(run, count))
                    _let_the_ui_run()
        self._emit(progress)

    def _advance_for(self, runs: list[_ActiveRun], deadline: float) -> list[RunProgress]:
        # Step the runs in turn, a few updates at a time, until the time budget
        # is used (checked after every piece: a round of all runs can take far
        # longer than the budget), then send one progress item per run. The next
        # tick starts with the run this one did not reach.
        pieces: dict[int, list[Step]] = {run.job.run_id: [] for run in runs}
        turn = self._turn
        while any(not run.finished for run in runs):  # at least one piece per tick
            run = runs[turn % len(runs)]
            turn += 1
            if not run.finished:
                pieces[run.job.run_id].extend(self._pull(run, INSTANT_PIECE))
                _let_the_ui_run()
                if time.perf_counter() >= deadline:
                    break
        self._turn = turn % len(runs)
        return [self._pack(run, pieces[run.job.run_id]) for run in runs]

    def _advance(self, run: _ActiveRun, count: int) -> RunProgress:
        return self._pack(run, self._pull(run, count))

    def _pull(self, run: _ActiveRun, count: int) -> list[Step]:
        steps: list[Step] = []
        try:
            # Extended one step at a time: the steps made before a fault are kept.
            steps.extend(itertools.islice(run.steps, count))
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the app goes on
            run.finished, run.error = True, one_line(exc)
            return steps
        if len(steps) < count or (steps and steps[-1].diverged):
            run.finished = True
        return steps

    @staticmethod
    def _pack(run: _ActiveRun, steps: list[Step]) -> RunProgress:
        settings = run.job.settings
        try:
            piece = Trajectory.from_steps(settings, steps)
        except Exception as exc:  # noqa: BLE001 - reported with the run, the app goes on
            # These steps cannot be recorded: the run ends before them, so that
            # its record is whole up to there rather than missing a piece.
            run.finished, run.error = True, f"its steps could not be recorded: {one_line(exc)}"
            piece = Trajectory.from_steps(settings, [])
        return RunProgress(run.job.run_id, run.job.generation, piece, run.finished, run.error)

    def _emit(self, progress: list[RunProgress]) -> None:
        progress = [p for p in progress if len(p.piece.update) or p.finished]
        if progress:
            self._sent += 1
            self.progressed.emit(progress)


@dataclass(frozen=True)
class SurfaceRequest:
    """Compute the loss of ``problem`` over ``window`` on a ``grid`` x ``grid`` grid."""

    request_id: int
    problem: Problem
    window: Window
    grid: int
    log_scale: bool
    contour_count: int = 24


@dataclass(frozen=True)
class SurfaceResult:
    """A computed surface with its contour lines (segment pairs) and the window's minimum."""

    request_id: int
    surface: Surface
    contour_levels: np.ndarray
    contours: np.ndarray
    minimum: np.ndarray
    minimum_loss: float


class _Superseded(Exception):
    """Raised between the pieces of a surface once a newer request (or a shutdown) replaced it."""


class SurfaceWorker(Worker):
    """Computes surfaces and contours off the UI thread, skipping stale requests.

    The loss is computed a few rows at a time (:func:`loss_grid_pieces`), and a
    request that has been replaced stops at the next piece: a new zoom or the
    window closing never waits for a surface nobody will see.
    """

    computed = Signal(object)  # SurfaceResult
    failed = Signal(object)  # (request_id, message)
    progressed = Signal(int, float)  # request_id, fraction of the surface and minimum done

    def __init__(self) -> None:
        super().__init__()
        # Written by the UI thread, read here: a plain int is safe under the GIL.
        self.latest_request = 0
        self.pieces_done = 0
        """Pieces of loss grids computed so far (tests count them to see a cancel honoured)."""

    def cancel_all(self) -> None:
        """Called from the UI thread before it stops this worker's thread: drop every request."""
        self.latest_request = sys.maxsize

    @Slot(object)
    def compute(self, request: SurfaceRequest) -> None:
        """Compute ``request`` unless a newer one has been queued (checked between pieces)."""
        if request.request_id < self.latest_request:
            return
        try:
            result = self._compute(request)
        except _Superseded:
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app goes on
            self.failed.emit((request.request_id, one_line(exc)))
            return
        self.computed.emit(result)

    def _compute(self, request: SurfaceRequest) -> SurfaceResult:
        problem, window = request.problem, request.window
        # The surface and the minimum's grid search share the progress by their cells.
        cells = request.grid * request.grid
        share = cells / (cells + MINIMUM_GRID * MINIMUM_GRID)
        surface = self._finish(request, loss_surface_pieces(problem, window, request.grid),
                               0.0, share)
        levels = contour_levels(surface.values, request.contour_count, request.log_scale)
        segments = contour_segments(surface.phi0, surface.phi1, surface.values, levels)
        minimum, minimum_loss = problem.minimum(
            window,
            lambda phi0, phi1: self._finish(
                request, loss_grid_pieces(problem, phi0, phi1), share, 1.0 - share
            ),
        )
        return SurfaceResult(request.request_id, surface, levels, segments, minimum, minimum_loss)

    def _finish(self, request: SurfaceRequest, pieces: Iterator[tuple[float, _T | None]],
                offset: float, weight: float) -> _T:
        """The last of ``pieces``, reporting progress; :class:`_Superseded` once replaced."""
        for fraction, value in pieces:
            self.pieces_done += 1
            if request.request_id < self.latest_request:
                raise _Superseded
            if value is not None:
                return value
            self.progressed.emit(request.request_id, offset + weight * fraction)
        raise AssertionError("the pieces end with the whole")  # pragma: no cover


@dataclass(frozen=True)
class ProblemRequest:
    """Build the problem of ``spec`` (reading its data file) for request ``request_id``."""

    request_id: int
    spec: ProblemSpec


@dataclass(frozen=True)
class ProblemResult:
    """The built problem, or the message saying why it could not be built."""

    request_id: int
    spec: ProblemSpec
    problem: Problem | None
    error: str | None = None


class ProblemWorker(Worker):
    """Builds problems whose data come from a file, off the UI thread.

    Parsing a CSV of a million rows takes seconds; the UI keeps answering and
    drops the answer to a request it has since replaced.
    """

    built = Signal(object)  # ProblemResult

    def __init__(self) -> None:
        super().__init__()
        # Written by the UI thread, read here: a plain int is safe under the GIL.
        self.latest_request = 0

    def cancel_all(self) -> None:
        """Called from the UI thread before it stops this worker's thread: drop every
        request (a file being read is read to its end, a few seconds at most, and dropped)."""
        self.latest_request = sys.maxsize

    @Slot(object)
    def build(self, request: ProblemRequest) -> None:
        """Build ``request.spec`` unless a newer request has been made."""
        if request.request_id < self.latest_request:
            return
        try:
            problem = request.spec.build()
        except (ValueError, OSError) as exc:  # DataError is a ValueError
            self.built.emit(ProblemResult(request.request_id, request.spec, None, str(exc)))
            return
        self.built.emit(ProblemResult(request.request_id, request.spec, problem))
