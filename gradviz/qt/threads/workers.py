"""Workers that live in QThreads: one steps the runs, one computes surfaces, one
builds problems from data files.

All are :class:`~gradviz.qt.threads.worker_thread.Worker` objects, each run by a
:class:`~gradviz.qt.threads.worker_thread.WorkerThread` (never QThread subclasses); the UI
talks to them only through queued signals, and they answer with frozen plain
data. Every run, surface and problem request carries a number so that the UI
can drop answers to requests it has since replaced.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from PySide6.QtCore import QTimer, Signal, Slot

from gradviz.core.contours import contour_levels, contour_segments
from gradviz.core.engine import Engine, StepBlock
from gradviz.core.pieces import run_piece
from gradviz.core.problems import MINIMUM_GRID, Problem, ProblemSpec
from gradviz.core.run import RunSettings, Trajectory
from gradviz.core.space import Window
from gradviz.core.surface import Surface, loss_grid_pieces, loss_surface_pieces
from gradviz.qt.guard import guarded, one_line
from gradviz.qt.threads.worker_thread import Worker

_T = TypeVar("_T")

TICK_MS = 16
"""Worker tick: at most one batch of steps reaches the UI per frame (60 Hz)."""

INSTANT_BUDGET_S = 0.012
"""Time the worker may compute per tick when playing as fast as it can; the rest
of the tick leaves the GIL to the UI thread, so the window keeps answering."""

TO_END_BUDGET_S = 0.016
"""... and when running to the end: the whole tick, so the next comes at once.
The window still answers, since the worker hands over the GIL after each piece,
and it draws less often meanwhile (the controller's ``TO_END_FRAME_MS``): 12 ms
of each tick left a quarter of the time unused."""

INSTANT_PIECE = 16
"""Updates an engine computes in its first call between checks of the time budget."""

MAX_PIECE = 256
"""Most updates of one call into an engine."""

GATHER_MS = 5
"""How long the runs set in a burst (a scene's, a fan's, a reset's) are gathered
before they get their engine: the controller sets them one by one, and this
thread may wake for the first before the last is sent. Any other call takes
them in first, so they are never stepped out of order."""

PIECE_SECONDS = 4e-3
"""Time one call into an engine may take: the GIL is handed to the UI thread
after each, and a call that takes longer makes the next one smaller."""


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


@dataclass(eq=False)
class _Run:
    """A run being stepped: its job, the engine batch that steps it and its row there."""

    job: RunJob
    batch: _Batch | None
    row: int = 0
    last: int = 0
    """The last update its engine has computed."""
    finished: bool = False
    error: str | None = None


@dataclass(eq=False)
class _Batch:
    """One engine and its runs by row (``None`` for a run since replaced or removed:
    the engine steps it on, unseen, until the others end)."""

    engine: Engine
    runs: list[_Run | None] = field(default_factory=list)
    piece: int = INSTANT_PIECE
    """Updates of its next call while running as fast as it can."""

    def live(self) -> list[_Run]:
        """Its runs still stepping."""
        return [run for run in self.runs if run is not None and not run.finished]


def _let_the_ui_run() -> None:
    """Hand the GIL to the UI thread if it is waiting.

    Stepping runs is Python work that holds the GIL. Held through a whole tick,
    it makes the UI thread wait at each of its many calls into Qt and numpy (they
    release the GIL and must take it back): painting slows to a crawl. Yielding
    after each call into an engine lets the UI in between.
    """
    time.sleep(0)


class RunWorker(Worker):
    """Steps every active run and streams their steps to the UI.

    The runs set together (within :data:`GATHER_MS`: a scene's runs, a fan's
    members) share one :class:`~gradviz.core.engine.Engine`, which steps them
    all in one call; runs set later get engines of their own, so a few engines
    may be under way at once. A run replaced or removed leaves its row, unseen.
    Each tick sends one :class:`RunProgress` per run that moved.
    """

    progressed = Signal(object)  # list[RunProgress], at most one list per tick
    idle = Signal()  # every run has finished while playing

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[int, _Run] = {}
        self._batches: list[_Batch] = []
        self._pending: dict[int, RunJob] = {}  # set this turn of the event loop, by run id
        self._made: dict[_Run, list[tuple[StepBlock, int]]] = {}  # blocks and rows to send
        self._to_end = False
        self._speed = 1.0  # updates per second (set by the controller); 0: as fast as it can
        self._owed = 0.0  # fractional updates carried to the next tick
        self._last_tick = time.perf_counter()
        self._timer: QTimer | None = None
        self._gather: QTimer | None = None
        self._turn = 0  # the batch to step first at the next tick when running to the end
        self._sent = 0  # batches of progress emitted ...
        self.delivered = 0
        """... and taken in by the UI (written by the UI thread through :meth:`acknowledge`)."""

    def start(self) -> None:
        """Create the timers in the worker's own thread."""
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.setInterval(GATHER_MS)
        self._gather.timeout.connect(self._flush)

    def stop(self) -> None:
        """Stop ticking and drop the timer here, in its own thread, before the thread quits."""
        for timer in (self._timer, self._gather):
            if timer is not None:
                timer.stop()
                timer.setParent(None)
        self._timer = self._gather = None
        self._runs.clear()
        self._batches.clear()
        self._pending.clear()
        self._made.clear()

    @Slot(object)
    def set_run(self, job: RunJob) -> None:
        """Start ``job`` from its start point, replacing any run with the same id.

        Its engine is made, and its start point sent, :data:`GATHER_MS` later (or
        before any other call is handled), with the other runs set meanwhile.
        """
        self._forget(job.run_id)
        if not self._pending and self._gather is not None:
            self._gather.start()
        self._pending[job.run_id] = job

    @Slot(int)
    def remove_run(self, run_id: int) -> None:
        """Forget a run."""
        self._forget(run_id)

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
        self._flush()
        for batch in list(self._batches):
            self._advance(batch, count)
        self._send()

    def acknowledge(self) -> None:
        """Called from the UI thread once it has taken in a batch of progress.

        The worker steps no further while two batches wait: a UI slower than the
        runs (long paths, many runs, instant speed) would otherwise fall ever
        further behind a growing queue and stop answering the user.
        """
        self.delivered += 1  # only the UI thread writes it; an int store is atomic

    def _restart_clock(self) -> None:
        self._owed = 0.0
        self._last_tick = time.perf_counter()
        if self._timer is not None and not self._timer.isActive():
            self._timer.start()

    def _forget(self, run_id: int) -> None:
        self._pending.pop(run_id, None)
        run = self._runs.pop(run_id, None)
        if run is not None and run.batch is not None:
            run.batch.runs[run.row] = None
            self._drop_ended()

    @Slot()
    @guarded("Starting a run")
    def _flush(self) -> None:
        """Give the runs set since the last call their engines and send their start points.

        Runs of one problem that resume at the same update share an engine.
        """
        if self._gather is not None:
            self._gather.stop()
        jobs, self._pending = list(self._pending.values()), {}
        groups: dict[tuple[int, int], list[RunJob]] = {}
        for job in jobs:
            groups.setdefault((id(job.problem), job.resume_at), []).append(job)
        for group in groups.values():
            self._start(group)
        self._send()

    def _start(self, jobs: list[RunJob]) -> None:
        try:
            # With the optimizers' terms (m, v, ...): the explanation overlays show them.
            engine = Engine(jobs[0].problem, [job.settings for job in jobs], terms=True)
        except Exception as exc:  # noqa: BLE001 - the runs that fail alone are reported
            if len(jobs) > 1:
                for job in jobs:
                    self._start([job])
                return
            self._runs[jobs[0].run_id] = run = _Run(jobs[0], None)
            self._fail(run, exc)
            return
        batch = _Batch(engine)
        for row, job in enumerate(jobs):
            batch.runs.append(_Run(job, batch, row))
            self._runs[job.run_id] = batch.runs[-1]  # type: ignore[assignment]
        self._batches.append(batch)
        resume_at = jobs[0].resume_at
        if resume_at:
            self._advance(batch, resume_at - 1)  # recomputed unseen (see _note)
        else:
            self._note(batch, engine.start)  # the start point, shown even when paused

    @Slot()
    @guarded("Stepping the runs")
    def _tick(self) -> None:
        if self._sent - self.delivered >= 2:
            return  # the UI is still drawing: the time owed carries to the next tick
        self._flush()
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        if not self._batches:
            self.pause()
            self.idle.emit()
            return
        if self._to_end or self._speed <= 0:
            self._advance_for(now + (TO_END_BUDGET_S if self._to_end else INSTANT_BUDGET_S))
        else:
            self._owed += self._speed * min(elapsed, 0.25)
            count = int(self._owed)
            self._owed -= count
            if count:
                for batch in list(self._batches):
                    self._advance(batch, count)
        self._send()

    def _advance_for(self, deadline: float) -> None:
        # The batches in turn, a piece each, until the time budget is used
        # (checked after every piece); the next tick starts with the batch
        # this one did not reach.
        turn = self._turn
        while self._batches:  # at least one piece per tick
            batch = self._batches[turn % len(self._batches)]
            turn += 1
            self._advance(batch, batch.piece)
            if time.perf_counter() >= deadline:
                break
        self._turn = turn % max(len(self._batches), 1)

    def _advance(self, batch: _Batch, count: int) -> None:
        """Step ``batch`` by ``count`` updates, a piece at a time, letting the UI in
        between; a fault is traced to its run (:meth:`_isolate`)."""
        while count > 0 and batch.live():
            size = min(count, batch.piece)
            before = batch.engine.update
            started = time.perf_counter()
            try:
                block = batch.engine.advance(size)
            except Exception:  # noqa: BLE001 - traced to the run at fault, the others go on
                for alone in self._isolate(batch, before, size):
                    self._advance(alone, count - size)
                return
            took = time.perf_counter() - started
            if took > PIECE_SECONDS:
                batch.piece = max(batch.piece // 2, 1)
            elif took < PIECE_SECONDS / 2 and size == batch.piece:
                batch.piece = min(2 * batch.piece, MAX_PIECE)
            self._note(batch, block)
            count -= size
            _let_the_ui_run()

    def _note(self, batch: _Batch, block: StepBlock) -> None:
        """Keep each live run's steps of ``block`` for the next send; mark the runs
        that ended."""
        engine = batch.engine
        for run in batch.live():
            made = int(block.count[run.row])
            if made:
                run.last = int(block.update[made - 1])
                if run.last >= run.job.resume_at:  # else recomputed unseen
                    self._made.setdefault(run, []).append((block, run.row))
            if engine.diverged_at[run.row] is not None or run.last >= engine.settings[run.row].steps:
                run.finished = True
                self._made.setdefault(run, [])
        self._drop_ended()

    def _isolate(self, failed: _Batch, before: int, count: int) -> list[_Batch]:
        """After ``failed``'s engine raised while making ``count`` updates from
        ``before``: step each of its live runs alone, up to ``before`` unseen,
        then one update at a time through those ``count``. The run at fault
        fails with the steps it made before the fault; the others go on, each
        in an engine of its own, which this returns."""
        self._batches.remove(failed)
        batches = []
        for run in failed.live():
            try:
                engine = Engine(run.job.problem, [run.job.settings])
                engine.advance(before)
            except Exception as exc:  # noqa: BLE001 - this run fails, the others go on
                self._fail(run, exc)
                continue
            batch = _Batch(engine, [run])
            run.batch, run.row = batch, 0
            self._batches.append(batch)
            for _ in range(count):
                if run.finished:
                    break
                try:
                    block = engine.advance(1)
                except Exception as exc:  # noqa: BLE001 - this run fails, the others go on
                    self._fail(run, exc)
                    break
                self._note(batch, block)
            if not run.finished:
                batches.append(batch)
        self._drop_ended()
        return batches

    def _fail(self, run: _Run, exc: Exception) -> None:
        run.finished, run.error = True, one_line(exc)
        self._made.setdefault(run, [])
        self._drop_ended()

    def _drop_ended(self) -> None:
        self._batches = [batch for batch in self._batches if batch.live()]

    def _send(self) -> None:
        """Send what the runs made since the last send, one item per run."""
        made, self._made = self._made, {}
        progress = [self._pack(run, blocks) for run, blocks in made.items()
                    if self._runs.get(run.job.run_id) is run]  # not replaced meanwhile
        progress = [p for p in progress if len(p.piece.update) or p.finished]
        if progress:
            self._sent += 1
            self.progressed.emit(progress)

    @staticmethod
    def _pack(run: _Run, blocks: list[tuple[StepBlock, int]]) -> RunProgress:
        job = run.job
        try:
            piece = run_piece(blocks, job.settings, job.resume_at)
        except Exception as exc:  # noqa: BLE001 - reported with the run, the app goes on
            # These steps cannot be recorded: the run ends before them, so that
            # its record is whole up to there rather than missing a piece.
            run.finished, run.error = True, f"its steps could not be recorded: {one_line(exc)}"
            piece = Trajectory.from_steps(job.settings, [])
        return RunProgress(job.run_id, job.generation, piece, run.finished, run.error)


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
