"""The one controller: owns the app's state, drives the workers, feeds the views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from gradviz.core.batching import place_in_epoch
from gradviz.core.engine import full_loss_every
from gradviz.core.explain import step_stage
from gradviz.core.fans import Fan, SeedSpread, check_fan_run, fan_settings, member_names
from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.optimizers import LR, OPTIMIZERS
from gradviz.core.palette import first_unused_colour
from gradviz.core.problems import Problem, ProblemSpec
from gradviz.core.recording import Recording
from gradviz.core.run import RunSettings
from gradviz.core.rules import RulePart
from gradviz.core.run_set import legend_name
from gradviz.core.scenes import Scene, SceneFan, SceneRun
from gradviz.core.space import Window
from gradviz.core.stability import Curvature, stable_rate, step_bound
from gradviz.qt.control.basin_control import BasinControl
from gradviz.qt.control.fan_entry import FanEntry, fan_plot
from gradviz.qt.control.spread_control import SpreadControl, spread_plot
from gradviz.qt.frame import FanPlot, RunFrame
from gradviz.qt.guard import guarded, one_line
from gradviz.qt.overlays import OVERLAY_NAMES, OVERLAYS, OverlayInput
from gradviz.qt.view_options import ViewOptions
from gradviz.qt.threads.worker_thread import WorkerThread, stop_all
from gradviz.qt.threads.workers import (
    ProblemRequest,
    ProblemResult,
    ProblemWorker,
    RunJob,
    RunProgress,
    RunWorker,
    SurfaceRequest,
    SurfaceResult,
    SurfaceWorker,
)
from gradviz.qt.timing import Debouncer, Throttle

MAX_RUNS = 8
"""Most entries of the run list: lone runs and fans (of any number of members)."""
FRAME_MS = 16
"""The views are redrawn at most this often (about 60 times a second)."""
TO_END_FRAME_MS = 250
"""... and at most this often while the runs are run to the end: each frame holds
the GIL that the worker needs (15 to 30 ms of CPU with the new steps of 8 runs to
draw), so fewer frames let the runs end sooner, and the window still moves. Against
100 ms, in turn: the UI thread's CPU while 8 runs of 12,000 updates run to the end
about halved, and their time fell from 0.54 to 0.46 s (Adam), 0.58 to 0.47 s (SGD)."""
WINDOW_DEBOUNCE_MS = 150
INTERACTIVE_GRID = 256
DEFAULT_SPEED = 20.0
FIT_SAMPLES = 200
EDITED_MARK = "Changed since the scene opened, which showed: "
"""Put before a scene's caption once its problem or runs are changed."""

# The order in which "Add run" offers optimizers: the lecture's.
_OPTIMIZER_ORDER = tuple(OPTIMIZERS)


@dataclass(frozen=True)
class KeptSetup:
    """An edited setup, kept when a scene replaced it, to go back to."""

    setup: Scene
    """Everything shown, as :meth:`AppController.to_scene` has it (and a scene file would)."""
    opened: Scene | None
    """The scene it was changed from, whose title and marked caption it shows, if any."""
    selected: int
    """The index of the selected run-list entry."""


@dataclass
class RunState:
    """One run as the controller keeps it: resolved settings, look and record."""

    run_id: int
    settings: RunSettings
    colour: str
    visible: bool = True
    generation: int = 0
    name: str | None = None
    """A fixed name for the legend; ``None`` derives one from the settings."""
    record: Recording = field(default_factory=Recording)
    error: str | None = None
    fan: FanEntry | None = None
    """The fan it is a member of, if any (its place there is ``member``)."""
    member: int = -1

    def label(self, n_points: int | None) -> str:
        """The name shown in the legend and the run list."""
        return legend_name(self.settings, self.name, n_points)

    @property
    def entry_id(self) -> int:
        """Its entry in the run list: its own id, or its fan's."""
        return self.run_id if self.fan is None else self.fan.entry_id

    @property
    def identity_colour(self) -> str:
        """Its entry's colour of the run colours (its fan's, for a member)."""
        return self.colour if self.fan is None else self.fan.colour


class AppController(QObject):
    """Holds the problem, the runs and the view options; the only place that changes them."""

    problemChanged = Signal(object)  # Problem
    surfaceChanged = Signal(object)  # SurfaceResult
    surfaceBusy = Signal(bool)  # a surface is being computed
    busyChanged = Signal(str)  # what is being computed or loaded ("" when nothing is)
    problemRefused = Signal()  # a problem asked for could not be built; the old one stays
    runsChanged = Signal(object)  # list[RunState], after an add, remove, edit or selection
    frameReady = Signal(object)  # list[RunFrame], at most once per frame
    fitReady = Signal(object)  # list[(run_id, colour, x, f)] model curves at the shown phi
    batchShown = Signal(object)  # ndarray | None: the selected run's current minibatch
    overlaysReady = Signal(object)  # dict[str, object]: each shown overlay's data for the frame
    playingChanged = Signal(bool)
    speedChanged = Signal(float)  # updates per second, 0 for as fast as possible
    optionsChanged = Signal(object, object)  # ViewOptions before, ViewOptions after
    sceneChanged = Signal(object)  # Scene: its title, caption and view options
    sceneEdited = Signal()  # the first change to the problem or runs since the scene opened
    keptChanged = Signal(object)  # KeptSetup | None: the edited setup to go back to, once changed
    timelineChanged = Signal(int, int)  # shown update, last recorded update
    message = Signal(str)  # a notice or an error for the user

    # To the workers (queued: they live in other threads).
    _job = Signal(object)
    _remove = Signal(int)
    _play = Signal()
    _to_end = Signal()
    _pause = Signal()
    _step = Signal(int)
    _speed = Signal(float)
    _surface = Signal(object)
    _load = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spec = ProblemSpec()
        self.problem: Problem = self.spec.build()
        self.window: Window = self.problem.window
        self.runs: list[RunState] = []
        self.selected_id: int | None = None
        self.playing = False
        self.options = ViewOptions()
        """How everything is drawn; replaced, never changed, and announced by
        :attr:`optionsChanged`."""
        self.grid = INTERACTIVE_GRID
        self.speed = DEFAULT_SPEED
        self.scene: Scene | None = None
        self.scene_edited = False
        """Whether the problem or the runs changed since :attr:`scene` was opened,
        so that its caption may no longer hold."""
        self._unsaved = False  # changed by the user since the last scene opened (or ever)
        self.kept: KeptSetup | None = None
        """The edited setup that the last scene opened replaced, to go back to."""
        self.position: int | None = None
        """The update shown while scrubbing the timeline; ``None`` follows the runs."""
        self.surface: SurfaceResult | None = None
        self._next_id = 0
        self._fit_x = np.linspace(*self.fit_ranges()[0], FIT_SAMPLES)
        self._request_id = 0
        self._surface_progress: float | None = None  # of the latest surface, once it reports
        self._problem_request = 0
        self._loading: str | None = None  # the data file being read, in a few words, if any
        self._new_data = False  # whether the problem asked for last is the user's new data
        self._start_threads()
        self.basins = BasinControl(self)
        """The basins of attraction laid over the map while :attr:`options` show them."""
        self.basins.failed.connect(self.message)
        self.spreads = SpreadControl(self)
        """The seed spread of the open scene's runs, if it asks for one."""
        self.spreads.failed.connect(self.message)
        self.spreads.changed.connect(self._on_spread)
        self._spread_plot: FanPlot | None = None  # made once per spread, drawn every frame
        self._stage: tuple[int, tuple[int, int, int]] | None = None  # the stage, of which update
        self.focus_point: int | None = None
        """The data point the user points at in the data view, for the overlays."""
        self.overlay_extra: dict[str, object] = {}
        """Values the window hands to the overlays by name (see :class:`OverlayInput`)."""
        self._overlay_failures: dict[str, str] = {}  # the last error told, by overlay
        self._speed.emit(self.speed)
        self._frame_ms = FRAME_MS
        self._running_to_end = False  # playing means running to the end
        self._to_end_pace = False  # frames paced for running to the end
        self._frame_throttle = Throttle(FRAME_MS, self._publish_frame, self)
        self.playingChanged.connect(self._pace_frames)
        self._window_debounce = Debouncer(WINDOW_DEBOUNCE_MS, self._request_surface, self)

    def set_frame_interval(self, milliseconds: int) -> None:
        """Redraw at most once per ``milliseconds`` (benchmarks lift the 60 Hz cap with 0);
        while the runs are run to the end, at most every :data:`TO_END_FRAME_MS`."""
        self._frame_ms = milliseconds
        self._frame_throttle.set_interval(
            max(milliseconds, TO_END_FRAME_MS) if self._to_end_pace else milliseconds)

    @property
    def frame_interval(self) -> float:
        """The shortest time between two frames now, in milliseconds."""
        return self._frame_throttle.interval_ms

    def _pace_frames(self) -> None:
        """Redraw less often while the runs are run to the end."""
        to_end = (self.playing and self._running_to_end
                  and not all(run.record.finished for run in self.runs))
        if to_end != self._to_end_pace:
            self._to_end_pace = to_end
            self.set_frame_interval(self._frame_ms)

    def request_frame(self) -> None:
        """Redraw at the next frame even if nothing has changed."""
        self._frame_throttle.request()

    def publish_now(self) -> None:
        """Redraw at once rather than at the next frame (exports draw frame by frame)."""
        self._frame_throttle.run_now()

    # -- threads -----------------------------------------------------------------------------
    def _start_threads(self) -> None:
        # Each thread starts once its worker's signals are connected.
        self.run_worker = RunWorker()
        self._run_thread = WorkerThread(self.run_worker, "gradviz-runs", self)
        self._job.connect(self.run_worker.set_run)
        self._remove.connect(self.run_worker.remove_run)
        self._play.connect(self.run_worker.play)
        self._to_end.connect(self.run_worker.run_to_end)
        self._pause.connect(self.run_worker.pause)
        self._step.connect(self.run_worker.step)
        self._speed.connect(self.run_worker.set_speed)
        self.run_worker.progressed.connect(self._on_progress)
        self.run_worker.idle.connect(self._on_idle)
        self._run_thread.start()

        self.surface_worker = SurfaceWorker()
        self._surface_thread = WorkerThread(self.surface_worker, "gradviz-surfaces", self)
        self._surface.connect(self.surface_worker.compute)
        self.surface_worker.computed.connect(self._on_surface)
        self.surface_worker.failed.connect(self._on_surface_failed)
        self.surface_worker.progressed.connect(self._on_surface_progress)
        self._surface_thread.start()

        self.problem_worker = ProblemWorker()
        self._problem_thread = WorkerThread(self.problem_worker, "gradviz-problems", self)
        self._load.connect(self.problem_worker.build)
        self.problem_worker.built.connect(self._on_problem_built)
        self._problem_thread.start()

    def is_running(self) -> bool:
        """Whether the worker threads are up (until :meth:`shutdown`)."""
        return self._run_thread.is_running()

    def shutdown(self) -> None:
        """Stop the workers and wait for their threads (call before the window closes)."""
        self._frame_throttle.stop()
        self._window_debounce.cancel()
        self.basins.cancel()  # a map asked for but not yet sent is not sent
        # A surface being computed stops at its next piece; a file being read
        # is read to its end (one file, a few seconds at most) and dropped.
        stop_all((self._run_thread, self._surface_thread, self._problem_thread,
                  self.basins.thread, self.spreads.thread))

    # -- problem and view ----------------------------------------------------------------------
    def start(self) -> None:
        """Show the initial problem with one run; call once the views are connected."""
        self._announce_problem()
        if not self.runs:
            self.add_run()
        self._unsaved = False  # the initial setup is no one's work, to keep

    def set_problem(self, spec: ProblemSpec, new_data: bool = False) -> bool:
        """Switch to the problem ``spec``; on failure report why and change nothing.

        Data from a file are read by a worker, off the UI thread: the problem
        switches when they have been read (nothing changes before), and a newer
        problem or scene asked for meanwhile replaces the request. ``new_data``: the
        spec's data are the user's, new (a file opened, synthetic points made), whose
        scale no default rate was chosen for: a run of plain gradient steps whose rate
        would diverge on them gets a round rate below its bound (:meth:`_fit_rates`).

        Returns
        -------
        bool
            Whether the problem was switched, or for data from a file whether
            reading them has started; :attr:`problemRefused` is emitted too on failure.
        """
        self._problem_request += 1
        self.problem_worker.latest_request = self._problem_request
        self._new_data = new_data
        if spec.reads_file:
            source, data = spec.data_source, spec.resolved_data
            self._loading = source.label(data)  # type: ignore[union-attr,arg-type]
            self._show_busy()
            self._load.emit(ProblemRequest(self._problem_request, spec))
            return True
        self._loading = None
        self._show_busy()
        try:
            problem = spec.build()
        except (ValueError, OSError) as exc:
            self._refuse(f"Could not load the problem: {exc}")
            return False
        self._switch_problem(spec, problem)
        return True

    @Slot(object)
    def _on_problem_built(self, result: ProblemResult) -> None:
        if result.request_id != self._problem_request:
            return  # replaced by a newer problem or scene
        self._loading = None
        self._show_busy()
        if result.problem is None:
            self._refuse(f"Could not load the problem: {result.error}")
        else:
            self._switch_problem(result.spec, result.problem)

    def _refuse(self, text: str) -> None:
        self.message.emit(text)
        self.problemRefused.emit()

    def _switch_problem(self, spec: ProblemSpec, problem: Problem) -> None:
        same_model = spec.model == self.spec.model
        # A new default start (a formula problem's Start field) moves the runs there, as
        # a new model's start does: the field is where the user asks the runs to start.
        same_start = problem.start == self.problem.start
        old_n = self.problem.n_points
        self.spec, self.problem = spec, problem
        self.window = problem.window
        for run in self.runs:
            if run.fan is None:
                run.settings = self._rebase(run.settings, old_n, problem, same_model, same_start)
        self._rebase_fans(old_n, same_model, same_start)
        if self._new_data:
            self._fit_rates()
        self._announce_problem()
        for run in self.runs:
            self._restart(run)
        self._mark_edited()
        self._changed_runs()

    @staticmethod
    def _rebase(settings: RunSettings, old_n: int | None, problem: Problem,
                keep_values: bool, keep_start: bool) -> RunSettings:
        # A new model gets its own start and recommended rate; new data for the
        # same model keeps them, with a minibatch size fitted to the new N and
        # a full batch (gradient descent) kept a full batch of the new data.
        # Without ``keep_start`` the start is the problem's (its new default start).
        n = problem.n_points
        if keep_values:
            batch = settings.batch_size
            if n is None or batch is None:
                batch = None
            else:
                batch = n if batch == old_n else min(batch, n)
            start = settings.start if keep_start else None
            return replace(settings, batch_size=batch, start=start).resolve(problem)
        values = {k: v for k, v in settings.hyperparameters.items() if k != "lr"}
        return replace(settings, hyperparameters=values, batch_size=None, start=None).resolve(
            problem
        )

    def _fit_rates(self) -> None:
        """Lower the rate of each run of plain gradient steps that would diverge on the
        problem's data to a round one below its bound (:func:`stable_rate`), and say so.

        Data of a larger scale than the lecture's (large x or y, many points) make the
        loss, summed over the points, steeper: a rate chosen for the lecture's data
        diverges at once on them. For a model linear in φ the full-data bound holds for
        every minibatch too (a batch's Hessian is part of the data's, each point's being
        positive semi-definite). A fan's members keep their rates: they are what the
        fan compares.
        """
        changed = []
        for run in self.runs:
            settings = run.settings
            lr = settings.hyperparameters.get("lr")
            if run.fan is not None or not isinstance(lr, float):
                continue
            curvature = step_bound(self.problem, settings.optimizer, np.array(settings.start))
            rate = stable_rate(curvature, lr, LR.low)
            if rate != lr:
                assert curvature is not None and curvature.bound is not None
                before = run.label(self.problem.n_points)
                run.settings = replace(settings, hyperparameters={**settings.hyperparameters,
                                                                  "lr": rate})
                still = "; the least α there is, still above it" if rate >= curvature.bound else ""
                changed.append(f"{before} → α = {rate:g} ({curvature.describe()}{still})")
        if changed:
            self.message.emit("New data: α lowered below the step-size bound, where it would "
                              "diverge: " + "; ".join(changed))

    def _announce_problem(self) -> None:
        # The fit curves are sampled at the same x every frame: compute them once.
        self._fit_x = np.linspace(*self.fit_ranges()[0], FIT_SAMPLES)
        self.problemChanged.emit(self.problem)
        self._request_surface()

    def set_window(self, window: Window) -> None:
        """The user zoomed or panned: recompute the surface once they pause."""
        self.window = window
        self._window_debounce.trigger()

    def reset_window(self) -> None:
        """Back to the problem's own view."""
        self.window = self.problem.window
        self._request_surface()

    # -- view options --------------------------------------------------------------------------
    @property
    def log_scale(self) -> bool:
        """Whether the surface is coloured by log10 of the loss (see :attr:`options`)."""
        return self.options.log_scale

    @property
    def log_loss(self) -> bool:
        """Whether the loss curves are on a log axis (see :attr:`options`)."""
        return self.options.log_loss

    def _use_options(self, options: ViewOptions, before: ViewOptions | None = None) -> bool:
        """Make ``options`` the options and announce the change from ``before``
        (by default the options until now); whether there was one."""
        before = self.options if before is None else before
        self.options = options
        if options == before:
            return False
        self.optionsChanged.emit(before, options)
        return True

    def set_log_loss(self, log: bool) -> None:
        """Draw the loss curves on a log axis, or a linear one."""
        self._use_options(replace(self.options, log_loss=bool(log)))

    def set_log_scale(self, log: bool) -> None:
        """Colour (and space the contours) by log10 of the loss."""
        if self._use_options(replace(self.options, log_scale=bool(log))):
            self._request_surface()

    def set_colormap(self, name: str) -> None:
        """Colour the surface with the colour map ``name``."""
        self._use_options(replace(self.options, colormap=name))

    def set_theme(self, name: str) -> None:
        """Use the theme ``name`` (``dark`` or ``light``) for plots and widgets."""
        self._use_options(replace(self.options, theme=name))

    def set_show_batches(self, shown: bool) -> None:
        """Show or hide the panel of epochs, updates and batch indices."""
        self._use_options(replace(self.options, show_batches=bool(shown)))
        self.request_frame()  # the panel lists the shown update's batches at once

    def set_show_basins(self, shown: bool) -> None:
        """Lay the basins of attraction of the selected run's settings over the map, or not."""
        self._use_options(replace(self.options, show_basins=bool(shown)))
        self._update_basins()

    def set_show_3d(self, shown: bool) -> None:
        """Show the loss surface in 3D beside the heatmap, or not."""
        self._use_options(replace(self.options, show_3d=bool(shown)))
        self.request_frame()  # the view draws the runs at once

    def set_overlay(self, name: str, shown: bool) -> None:
        """Show or hide the explanation overlay ``name`` (:data:`~gradviz.qt.overlays.OVERLAYS`)."""
        if name not in OVERLAY_NAMES:
            self.message.emit(f"gradviz has no overlay named {name!r}")
            return
        self._use_options(self.options.with_overlay(name, bool(shown)))
        self.request_frame()

    def set_focus_point(self, index: int | None) -> None:
        """Point the overlays at data point ``index`` (``None``: at none)."""
        if index != self.focus_point:
            self.focus_point = index
            self.request_frame()

    def set_overlay_extra(self, name: str, value: object) -> None:
        """Hand ``value`` to the overlays as ``extra[name]`` (the derivative panel's step h)."""
        self.overlay_extra[name] = value
        self.request_frame()

    @property
    def stage(self) -> int | None:
        """In step-by-step mode, the part of the shown update explained (``None``: all
        of it). It belongs to the update it was set for: showing another ends it."""
        if self._stage is None or self._stage[1] != self._stage_key(self.shown_update):
            return None
        return self._stage[0]

    @stage.setter
    def stage(self, stage: int | None) -> None:
        self._stage = None if stage is None else (stage, self._stage_key(self.shown_update))
        self.request_frame()

    def _stage_key(self, update: int) -> tuple[int, int, int]:
        run = self.selected
        return (-1, -1, update) if run is None else (run.run_id, run.generation, update)

    def step_stage(self, direction: int = 1) -> None:
        """Step-by-step mode (pauses first): the next (+1) or previous (-1) part of the
        selected run's shown update (:func:`~gradviz.core.explain.step_stage`)."""
        self.pause()
        run = self.selected
        if run is None:
            return
        stage, move = step_stage(self.stage, len(self._parts()), direction,
                                 at_start=self._shown_row(run) == 0)
        target = self.shown_update + move
        self.step(move) if move > 0 else self.step_back(-move) if move < 0 else None
        # A new update arrives later while the runs are live: the stage waits for it.
        self._stage = None if stage is None else (stage, self._stage_key(target))
        self.request_frame()

    def stage_name(self) -> str | None:
        """Where step-by-step mode is, for the status bar ("momentum (2/3)")."""
        stage = self.stage
        if stage is None:  # the common case, every frame: no optimizer is made for it
            return None
        parts = self._parts()
        if stage >= len(parts) or self._shown_row(self.selected) == 0:
            return None
        return f"{parts[stage].name} ({stage + 1}/{len(parts)})"

    def _stage_of(self, frames: list[RunFrame]) -> int | None:
        """The stage, for frames that show the update it belongs to (an animation's
        other frames explain their updates whole)."""
        run, stage = self.selected, self.stage
        shown = next((f.index for f in frames if f.selected), None)
        return stage if run is not None and shown == self._shown_row(run) else None

    def _parts(self) -> tuple[RulePart, ...]:
        run = self.selected
        return () if run is None else run.settings.make_optimizer().parts()

    def overlay_data(self, frames: list[RunFrame]) -> dict[str, object]:
        """Each shown overlay's data for ``frames`` (the app's frame, or an export's)."""
        shown = [kind for kind in OVERLAYS if kind.spec.name in self.options.overlays]
        if not shown:
            return {}
        given = OverlayInput(
            problem=self.problem, frames=tuple(frames),
            settings={run.run_id: run.settings for run in self.runs}, window=self.window,
            stage=self._stage_of(frames), focus_point=self.focus_point, extra=dict(self.overlay_extra),
        )
        data = {}
        for kind in shown:
            try:
                data[kind.spec.name] = kind.derive(given)
            except (ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
                # An overlay that cannot be computed here is left out; the rest draw.
                data[kind.spec.name] = None
                text = f"{kind.spec.text}: {one_line(exc)}"
                if self._overlay_failures.get(kind.spec.name) != text:  # once, not every frame
                    self._overlay_failures[kind.spec.name] = text
                    self.message.emit(text)
            else:
                self._overlay_failures.pop(kind.spec.name, None)
        return data

    def step_bound(self, selected: RunFrame | None) -> Curvature | None:
        """The bound beside the selected run's learning rate, at its shown point
        (:func:`~gradviz.core.stability.step_bound`)."""
        settings = self.selected_settings
        if settings is None:
            return None
        return step_bound(self.problem, settings.optimizer,
                          None if selected is None else selected.current_phi)

    def cancel_basins(self) -> None:
        """Stop computing the basins, and stop showing them."""
        self.basins.cancel()
        self.set_show_basins(False)

    def _update_basins(self) -> None:
        """Ask for the basins of what is shown now (the map in hand is kept if it is that)."""
        selected = self.selected
        if self.options.show_basins and selected is not None:
            self.basins.want(self.problem, selected.settings, self.window)
        else:
            self.basins.clear()

    def scale_text(self, direction: int) -> None:
        """Larger (+1) or smaller (-1) text, paths and markers."""
        self._use_options(self.options.text_step(direction))

    def set_presenting(self, presenting: bool) -> None:
        """Enter presentation mode (large text) or leave it (normal text)."""
        if presenting != self.options.presenting:
            self._use_options(self.options.presented(presenting))

    def _request_surface(self) -> None:
        self._window_debounce.cancel()
        self._request_id += 1
        self.surface_worker.latest_request = self._request_id
        self._surface_progress = None
        self.surfaceBusy.emit(True)
        self._show_busy()
        self._surface.emit(
            SurfaceRequest(self._request_id, self.problem, self.window, self.grid, self.log_scale)
        )
        self._update_basins()  # a new problem or window

    @Slot(object)
    @guarded("Showing the loss surface")
    def _on_surface(self, result: SurfaceResult) -> None:
        if result.request_id != self._request_id:
            return  # superseded by a newer window or problem
        self.surface = result
        self.surfaceBusy.emit(False)
        self._surface_progress = 1.0
        self._show_busy()
        self.surfaceChanged.emit(result)

    @Slot(object)
    @guarded("Showing the loss surface")
    def _on_surface_failed(self, failure: tuple[int, str]) -> None:
        request_id, text = failure
        if request_id == self._request_id:
            self.surfaceBusy.emit(False)
            self._surface_progress = 1.0
            self._show_busy()
            self.message.emit(f"Could not compute the loss surface: {text}")

    @Slot(int, float)
    def _on_surface_progress(self, request_id: int, fraction: float) -> None:
        if request_id == self._request_id:
            self._surface_progress = fraction
            self._show_busy()

    def busy_text(self) -> str:
        """What the window's busy label says: the file being read, the surface's
        progress, or "" when nothing is being computed."""
        if self._loading is not None:
            return f"reading {self._loading}…"
        if self._surface_progress is None:
            return "computing the loss surface…"
        if self._surface_progress < 1.0:
            return f"computing the loss surface… {int(100 * self._surface_progress)} %"
        return ""

    def _show_busy(self) -> None:
        self.busyChanged.emit(self.busy_text())

    # -- scenes ------------------------------------------------------------------------------
    def load_scene(self, scene: Scene) -> bool:
        """Replace the problem, view and runs with ``scene``'s; on failure change nothing."""
        try:
            problem = scene.problem.build()
            settings = [run.settings.resolve(problem) for run in scene.runs]
            fans = [(check_fan_run(problem, f.settings, f.fan), f) for f in scene.fans]
        except (ValueError, OSError) as exc:
            self.message.emit(f"Could not open the scene '{scene.name}': {exc}")
            return False
        # A key pressed by mistake (a digit, PageDown) must not lose the user's work: an
        # edited setup is kept to go back to; one not edited is the scene's, to be had again.
        kept = self._keep() if self._unsaved else self.kept
        # A data file still being read for the problem before is not wanted any more.
        self._problem_request += 1
        self.problem_worker.latest_request = self._problem_request
        self._loading = None
        self.pause()
        for run in self.runs:
            self._remove.emit(run.run_id)
        self.runs = []
        self.spec, self.problem, self.scene = scene.problem, problem, scene
        self.scene_edited = self._unsaved = False
        self.window = scene.window or problem.window
        self.grid = scene.grid
        # Set before the surface is asked for (it is coloured by log_scale) and
        # announced once the views have the new problem.
        shown = self.options
        self.options = replace(
            shown, colormap=scene.colormap, theme=scene.theme or shown.theme,
            log_scale=scene.log_scale, log_loss=scene.log_loss, show_batches=scene.show_batches,
            show_basins=scene.show_basins,
            overlays=frozenset(scene.overlays) & OVERLAY_NAMES,
        )
        unknown = [name for name in scene.overlays if name not in OVERLAY_NAMES]
        if unknown:
            self.message.emit(f"The scene '{scene.name}' asks for overlays this gradviz does "
                              f"not have: {', '.join(unknown)}; the rest of it is shown")
        for run, resolved in zip(scene.runs, settings):
            self._append_run(resolved, run.name)
        for resolved, scene_fan in fans:
            self._append_fan(resolved, scene_fan.fan, scene_fan.name)
        self.selected_id = self.runs[0].run_id
        self.set_speed(scene.speed)
        self._announce_problem()
        self._use_options(self.options, shown)
        self.spreads.want(scene)
        self.sceneChanged.emit(scene)
        self._changed_runs()
        if kept is not self.kept:
            self.kept = kept
            self.keptChanged.emit(kept)
        return True

    def _keep(self) -> KeptSetup:
        selected = next((i for i, e in enumerate(self.entries())
                         if self.selected_id in (r.run_id for r in self.runs_of(e))), 0)
        return KeptSetup(self.to_scene(), self.scene, selected)

    def back_to_kept(self) -> bool:
        """Show the kept edited setup again, as it was when a scene replaced it, through
        the path that opens a scene file; the setup shown, if edited, is kept in its
        place. Whether there was one to show and it could be opened."""
        kept, self.kept = self.kept, None  # in load_scene, the one shown if edited, or none
        if kept is None or not self.load_scene(kept.setup):
            self.kept = kept
            return False
        if self.kept is None:
            self.keptChanged.emit(None)
        # The heading of the scene it was changed from, marked as changed, as before.
        self.scene, self.scene_edited = kept.opened, kept.opened is not None
        self._unsaved = True
        self.sceneEdited.emit()
        entries = self.entries()
        if kept.selected < len(entries):
            self.select_run(self.runs_of(entries[kept.selected])[0].run_id)
        return True

    def heading(self) -> tuple[str, str]:
        """The open scene's title (after its number in the lecture) and caption, as
        shown above the landscape and in its exports: the caption after
        :data:`EDITED_MARK` once the setup changed, and ``("", "")`` without a scene."""
        scene = self.scene
        if scene is None:
            return "", ""
        number = f"{scene.number}. " if scene.number is not None else ""
        caption = f"{EDITED_MARK}{scene.caption}" if self.scene_edited else scene.caption
        return f"{number}{scene.title}", caption if scene.caption else ""

    def to_scene(self, title: str | None = None, caption: str | None = None) -> Scene:
        """The current setup as a scene, to save, with ``title`` and ``caption``
        (by default the open scene's). Every option that shapes the picture is in it;
        the text scale and presentation mode are the screen's (see :class:`ViewOptions`)."""
        scene, options = self.scene, self.options
        return Scene(
            name=scene.name if scene else "my-scene",
            title=(scene.title if scene else "My scene") if title is None else title,
            caption=(scene.caption if scene else "") if caption is None else caption,
            problem=self.spec,
            runs=tuple(SceneRun(e.settings, e.name) for e in self.entries()
                       if isinstance(e, RunState)),
            fans=tuple(SceneFan(e.settings, e.fan, e.name) for e in self.entries()
                       if isinstance(e, FanEntry)),
            window=self.window,
            colormap=options.colormap,
            theme=options.theme,
            log_scale=options.log_scale,
            log_loss=options.log_loss,
            grid=self.grid,
            speed=self.speed,
            show_batches=options.show_batches and self.problem.n_points is not None,
            show_basins=options.show_basins,
            overlays=tuple(sorted(options.overlays)),
            number=None,
            source="",
        )

    # -- runs ------------------------------------------------------------------------------
    @property
    def selected(self) -> RunState | None:
        """The run the controls edit."""
        return next((r for r in self.runs if r.run_id == self.selected_id), None)

    def add_run(self, settings: RunSettings | None = None, name: str | None = None) -> RunState | None:
        """Add a run (by default the selected run's setup with the next unused optimizer)."""
        if not self._room_for_entry():
            return None
        if settings is None:
            settings = self._next_settings()
        try:
            settings = settings.resolve(self.problem)
        except (ValueError, HyperParameterError) as exc:
            self.message.emit(f"Could not add the run: {exc}")
            return None
        run = self._append_run(settings, name)
        self.selected_id = run.run_id
        self._mark_edited()
        self._changed_runs()
        return run

    def _room_for_entry(self) -> bool:
        """Whether the run list has room for one more entry (else say so)."""
        if len(self.entries()) >= MAX_RUNS:
            self.message.emit(f"At most {MAX_RUNS} runs can be compared at once.")
            return False
        return True

    def _append_run(self, settings: RunSettings, name: str | None, colour: str | None = None,
                    at: int | None = None) -> RunState:
        """A new run of ``settings``, started, at index ``at`` of the runs (default: last)."""
        colour = colour or first_unused_colour(e.colour for e in self.entries())
        run = RunState(self._next_id, settings, colour, name=name)
        self._next_id += 1
        self.runs.insert(len(self.runs) if at is None else at, run)
        self._restart(run)
        return run

    def _next_settings(self) -> RunSettings:
        base = self.selected_settings
        used = {r.settings.optimizer for r in self.runs}
        optimizer = next((o for o in _OPTIMIZER_ORDER if o not in used), "gd")
        if base is None:
            return RunSettings(optimizer=optimizer)
        return replace(base, optimizer=optimizer, hyperparameters={}, batch_size=None)

    def duplicate_run(self) -> None:
        """Add a copy of the selected run (or fan)."""
        run = self.selected
        if run is not None and run.fan is not None:
            self.add_fan(run.fan.settings, run.fan.fan, run.fan.name)
        elif run is not None:
            self.add_run(run.settings)

    def remove_run(self, run_id: int | None = None) -> None:
        """Remove a run or a fan (default: the selected one); the last cannot be removed."""
        removed = self._entry_runs(self.selected_id if run_id is None else run_id)
        if not removed:
            return
        if len(self.entries()) <= 1:
            self.message.emit("The last run cannot be removed.")
            return
        self._drop(removed)
        if self.selected not in self.runs:
            self.selected_id = self.runs[-1].run_id
        self._mark_edited()
        self._changed_runs()

    def _drop(self, runs: list[RunState]) -> None:
        """Take ``runs`` out of the runs and the worker."""
        self.runs = [r for r in self.runs if r not in runs]
        for run in runs:
            self._remove.emit(run.run_id)

    def _entry_runs(self, any_id: int | None) -> list[RunState]:
        """The runs of the entry ``any_id`` names (a run's id, or a fan's entry id):
        a lone run, or a fan's members in order."""
        entry = next((r.entry_id for r in self.runs if any_id in (r.run_id, r.entry_id)), None)
        return [r for r in self.runs if entry is not None and r.entry_id == entry]

    def select_run(self, run_id: int) -> None:
        """Make ``run_id`` (a run, or a fan's entry: its first member) the run the controls edit."""
        runs = self._entry_runs(run_id)
        chosen = next((r for r in runs if r.run_id == run_id), None)
        if chosen is None and runs and self.selected not in runs:
            chosen = runs[0]  # a fan's entry, none of its members selected yet
        if chosen is not None and chosen.run_id != self.selected_id:
            self.selected_id = chosen.run_id
            self._changed_runs()

    def set_visible(self, run_id: int, visible: bool) -> None:
        """Show or hide a run's (or a fan's members') paths, curves and legend entry."""
        changed = [r for r in self._entry_runs(run_id) if r.visible != visible]
        for run in changed:
            run.visible = visible
        if changed:
            self._changed_runs()

    def edit_selected(self, settings: RunSettings) -> bool:
        """Apply new settings to the selected run and restart it from its start point.

        Returns
        -------
        bool
            False (with a message) if the settings do not fit the problem.
        """
        run = self.selected
        if run is None:
            return False
        if run.fan is not None:
            return self._edit_fan(run.fan, settings)
        try:
            resolved = settings.resolve(self.problem)
        except (ValueError, HyperParameterError) as exc:
            self.message.emit(str(exc))
            self._changed_runs()  # let the controls show the last good values again
            return False
        if resolved == run.settings:
            return True
        if _described_apart(run.settings, resolved):
            # A scene's name for the run ("GD α=0.02 (too small)") described the
            # optimizer it had: the legend would go on saying so. The settings name it
            # from now on. A new start or number of updates keeps the name.
            run.name = None
        run.settings = resolved
        self._restart(run)
        self._mark_edited()
        self._changed_runs()
        return True

    def set_start(self, phi: tuple[float, float]) -> None:
        """Move the selected run's (or fan's) start point (a click, a drag or the spin boxes)."""
        settings = self.selected_settings
        if settings is not None:
            self.edit_selected(replace(settings, start=(float(phi[0]), float(phi[1]))))

    # -- fans ------------------------------------------------------------------------------
    def entries(self) -> list[RunState | FanEntry]:
        """The run list's entries in order: each lone run, and each fan once."""
        entries: dict[int, RunState | FanEntry] = {}
        for run in self.runs:
            entries.setdefault(run.entry_id, run if run.fan is None else run.fan)
        return list(entries.values())

    def runs_of(self, entry: RunState | FanEntry) -> list[RunState]:
        """The runs of a run-list entry: a lone run itself, or a fan's members in order."""
        return self._entry_runs(entry.run_id if isinstance(entry, RunState) else entry.entry_id)

    @property
    def selected_settings(self) -> RunSettings | None:
        """The settings the controls edit: the selected run's, or its fan's base settings."""
        run = self.selected
        if run is None:
            return None
        return run.settings if run.fan is None else run.fan.settings

    def add_fan(self, settings: RunSettings, fan: Fan, name: str | None = None) -> bool:
        """Add a fan of ``settings`` over ``fan``'s values as one entry, and select it.

        Returns
        -------
        bool
            False (with a message, nothing changed) if the list is full or the fan
            cannot be run (see :func:`~gradviz.core.fans.check_fan_run`).
        """
        if not self._room_for_entry():
            return False
        try:
            resolved = check_fan_run(self.problem, settings, fan)
        except ValueError as exc:
            self.message.emit(f"Could not add the fan: {exc}")
            return False
        entry = self._append_fan(resolved, fan, name)
        self._fan_changed(entry)
        return True

    def fan_selected(self, fan: Fan, tell: Callable[[str], object] | None = None) -> bool:
        """Turn the selected entry into a fan over ``fan``'s values (a fan's values
        are replaced), in its place, with its colour, name and visibility.

        Parameters
        ----------
        fan : Fan
            The values.
        tell : callable, optional
            Told why the fan cannot be made (by default :attr:`message` is).

        Returns
        -------
        bool
            False (nothing changed) if the fan cannot be run.
        """
        run, settings = self.selected, self.selected_settings
        if run is None or settings is None:
            (tell or self.message.emit)("Select a run to fan out")
            return False
        try:
            resolved = check_fan_run(self.problem, settings, fan)
        except ValueError as exc:
            (tell or self.message.emit)(f"Could not fan out the run: {exc}")
            return False
        old = self._entry_runs(run.run_id)
        at = self.runs.index(old[0])
        name = run.name if run.fan is None else run.fan.name
        self._drop(old)
        entry = self._append_fan(resolved, fan, name, run.identity_colour, at)
        for member in self._entry_runs(entry.entry_id):
            member.visible = run.visible
        self._fan_changed(entry)
        return True

    def unfan_selected(self) -> bool:
        """Turn the selected fan back into its base run, in its place.

        Returns
        -------
        bool
            False (with a message) if the selected run is not a fan's.
        """
        run = self.selected
        if run is None or run.fan is None:
            self.message.emit("The selected run is not a fan: nothing to unfan.")
            return False
        self._unfan(run.fan)
        self._mark_edited()
        self._changed_runs()
        return True

    def _unfan(self, entry: FanEntry) -> RunState:
        """Replace ``entry``'s members by its base run; select that if a member was."""
        old = self._entry_runs(entry.entry_id)
        at, visible, selected = self.runs.index(old[0]), old[0].visible, self.selected in old
        self._drop(old)
        lone = self._append_run(entry.settings, entry.name, entry.colour, at)
        lone.visible = visible
        if selected:
            self.selected_id = lone.run_id
        return lone

    def _append_fan(self, settings: RunSettings, fan: Fan, name: str | None,
                    colour: str | None = None, at: int | None = None) -> FanEntry:
        """A new fan of the resolved ``settings``, its members started, at index ``at``
        of the runs (default: last)."""
        colour = colour or first_unused_colour(e.colour for e in self.entries())
        entry = FanEntry(self._next_id, fan, settings, colour, name)
        self._next_id += 1
        members = [RunState(self._next_id + i, settings, colour, fan=entry, member=i)
                   for i in range(len(fan.values))]
        self._next_id += len(members)
        at = len(self.runs) if at is None else at
        self.runs[at:at] = members
        self._fill(entry)
        return entry

    def _fill(self, entry: FanEntry, restart: bool = True) -> None:
        """Give ``entry``'s members their settings, names and colours from its base
        settings and values (and restart them)."""
        members = self._entry_runs(entry.entry_id)
        every = fan_settings(entry.settings, entry.fan)
        names, colours = member_names(entry.fan, entry.title), entry.member_colours()
        for member, settings, name, colour in zip(members, every, names, colours, strict=True):
            member.settings = settings.resolve(self.problem)
            member.name, member.colour = name, colour
            if restart:
                self._restart(member)

    def _fan_changed(self, entry: FanEntry) -> None:
        self.selected_id = self._entry_runs(entry.entry_id)[0].run_id
        self._mark_edited()
        self._changed_runs()

    def _edit_fan(self, entry: FanEntry, settings: RunSettings) -> bool:
        """Apply new base settings to ``entry``: every member restarts with them and
        its own value; the fan's own parameter is refused (the fan sets it)."""
        try:
            entry.check_kept(settings)
            resolved = check_fan_run(self.problem, settings, entry.fan)
        except ValueError as exc:
            self.message.emit(str(exc))
            self._changed_runs()  # let the controls show the last good values again
            return False
        if resolved == entry.settings:
            return True
        entry.settings = resolved
        self._fill(entry)
        self._mark_edited()
        self._changed_runs()
        return True

    def _rebase_fans(self, old_n: int | None, keep_values: bool, keep_start: bool) -> None:
        """The fans' base settings fitted to the new problem, as a run's are; a fan
        that cannot be run there (a seed fan without minibatches) becomes its base run."""
        for entry in [e for e in self.entries() if isinstance(e, FanEntry)]:
            entry.settings = self._rebase(entry.settings, old_n, self.problem, keep_values,
                                          keep_start)
            try:
                check_fan_run(self.problem, entry.settings, entry.fan)
            except ValueError as exc:
                self.message.emit(f"The fan '{entry.label()}' is now its base run: {exc}")
                self._unfan(entry)
                continue
            self._fill(entry, restart=False)

    def fan_plot(self, frames: list[RunFrame]) -> FanPlot | None:
        """The final losses of the shown fans over one parameter, as ``frames`` show
        them (see :func:`~gradviz.qt.control.fan_entry.fan_plot`)."""
        shown = {f.run_id: f for f in frames if f.visible and f.fan is not None}
        fans = [(entry, [shown[r.run_id] for r in members])
                for entry in self.entries() if isinstance(entry, FanEntry)
                and (members := self.runs_of(entry))[0].run_id in shown]
        selected = self.selected
        plot = fan_plot(fans, None if selected is None else selected.fan, self.shown_update)
        return self._spread_plot if plot is None else plot  # a scene's runs over many seeds

    def _restart(self, run: RunState) -> None:
        self.position = None
        run.generation += 1
        run.record.clear()
        run.error = None
        self.request_frame()
        self._job.emit(RunJob(run.run_id, run.generation, self.problem, run.settings))

    def _on_spread(self, spread: SeedSpread | None) -> None:
        """Make the plot of the spread of the open scene's runs (they are its runs until
        they change, which drops the spread)."""
        self._spread_plot = None if spread is None else spread_plot(
            spread, [r.label(self.problem.n_points) for r in self.runs],
            [r.colour for r in self.runs], self.runs[0].settings.seed)
        self.request_frame()

    def _mark_edited(self) -> None:
        self._unsaved = True
        if self.scene is not None and not self.scene_edited:
            self.scene_edited = True
            self.spreads.want(None)  # it was of the scene's runs, as they were
            self.sceneEdited.emit()

    def _changed_runs(self) -> None:
        self._update_basins()  # the selected run, or its settings, may have changed
        self.request_frame()
        self.runsChanged.emit(list(self.runs))

    # -- playback ------------------------------------------------------------------------------
    def play(self) -> None:
        """Advance all runs together at the chosen speed (from the scrubbed update, if any)."""
        if not self.playing:
            self._stage = None  # step by step ends when the runs move on
            if self.position is not None:
                self._resume_from_position()
            elif all(r.record.finished for r in self.runs):
                self.reset()
            self.playing = True
            self._running_to_end = False
            self._play.emit()
            self.playingChanged.emit(True)

    def pause(self) -> None:
        """Stop advancing."""
        if self.playing:
            self.playing = False
            self._pause.emit()
            self.playingChanged.emit(False)

    def toggle_play(self) -> None:
        """Play if paused, pause if playing."""
        self.pause() if self.playing else self.play()

    def step(self, count: int = 1) -> None:
        """One update forward for every run (pauses first): along the recorded
        timeline while scrubbing, otherwise a new update is computed."""
        self.pause()
        if self.position is not None and self.position + count < self.last_update:
            self.scrub(self.position + count)
            return
        if self.position is not None:
            self._resume_from_position()
        self._step.emit(count)

    def step_back(self, count: int = 1) -> None:
        """Show the update ``count`` before the one shown (pauses)."""
        self.pause()
        self.scrub(self.shown_update - count)

    @property
    def last_update(self) -> int:
        """The last update recorded by any run."""
        return max((len(r.record) for r in self.runs), default=1) - 1

    def scrub(self, update: int) -> None:
        """Show every run as it was at ``update`` (pauses); the latest update follows live."""
        self.pause()
        update = min(max(0, int(update)), self.last_update)
        self.position = None if update == self.last_update else update
        self.request_frame()

    def _resume_from_position(self) -> None:
        # Continue every run from the scrubbed update: drop what came after it
        # and let the worker recompute the (deterministic) path up to there.
        assert self.position is not None
        keep = self.position + 1
        self.position = None
        for run in self.runs:
            if len(run.record) > keep:
                run.record.truncate(keep)
                run.generation += 1
                self._job.emit(RunJob(run.run_id, run.generation, self.problem, run.settings,
                                      resume_at=keep))
        self.request_frame()

    def run_to_end(self) -> None:
        """Compute every run to its last update as fast as possible, and show it there."""
        # Scrubbed back, the window would stay at the scrubbed update while the runs ran on.
        self.position = None
        self._stage = None
        self.playing = True
        self._running_to_end = True
        self._to_end.emit()
        self.playingChanged.emit(True)

    def reset(self) -> None:
        """Every run back to its start point, paused."""
        self.pause()
        for run in self.runs:
            self._restart(run)

    def set_speed(self, updates_per_second: float) -> None:
        """Updates per second; 0 means as fast as possible."""
        self.speed = float(updates_per_second)
        self._speed.emit(self.speed)
        self.speedChanged.emit(self.speed)

    # -- streamed results ----------------------------------------------------------------------
    @Slot(object)
    @guarded("Taking in the runs' steps")
    def _on_progress(self, progress: list[RunProgress]) -> None:
        self.run_worker.acknowledge()
        runs = {r.run_id: r for r in self.runs}
        for item in progress:
            run = runs.get(item.run_id)
            if run is None or run.generation != item.generation:
                continue  # a superseded or removed run
            try:
                run.record.extend(item.piece)  # all of the piece or (failing) none of it
            except Exception as exc:  # noqa: BLE001 - the run fails, the others go on
                # Later pieces would leave a gap where this one is missing:
                # the worker drops the run, and what it has sent already is stale.
                self._remove.emit(run.run_id)
                run.generation += 1
                self._fail(run, f"its steps could not be recorded: {one_line(exc)}")
                continue
            run.record.finished = item.finished
            if item.error is not None:
                self._fail(run, item.error)
            self.request_frame()
        if any(item.finished for item in progress):
            self._pace_frames()  # the last frame of runs that have all ended comes at once

    def _fail(self, run: RunState, message: str) -> None:
        """Mark ``run`` failed with ``message``: its badge and a notice say why."""
        run.error = message
        run.record.finished = True
        self.request_frame()
        self.message.emit(f"Run '{run.label(self.problem.n_points)}' failed: {message}")

    @Slot()
    @guarded("Taking in the runs' steps")
    def _on_idle(self) -> None:
        # Ignore an idle notice sent before the runs were restarted.
        if self.playing and all(r.record.finished for r in self.runs):
            self.playing = False
            self.playingChanged.emit(False)

    # -- frames ------------------------------------------------------------------------------
    def frames(self) -> list[RunFrame]:
        """What every run looks like now."""
        return self.frames_at(self.position)

    def frames_at(self, update: int | None) -> list[RunFrame]:
        """Every run as it was at ``update`` (``None``: its latest), for an export;
        what the window shows, the timeline and playback stay as they are."""
        n = self.problem.n_points
        tags = {e.entry_id: e.tag() for e in self.entries() if isinstance(e, FanEntry)}
        # A run has diverged by the update shown if it diverged at or before it;
        # at the last update, if it diverged at all (the update it diverged at is
        # never recorded: a fan whose members all diverge has no update past the last).
        last = None if update is None or update >= self.last_update else update
        return [
            RunFrame(
                run_id=run.run_id,
                generation=run.generation,
                name=run.label(n),
                colour=run.colour,
                visible=run.visible,
                selected=run.run_id == self.selected_id,
                index=self._row(run, update),
                diverged_at=run.record.diverged_at,
                undefined=run.record.undefined,
                error=run.error,
                minibatches=(minibatches := n is not None and run.settings.batch_size != n),
                loss_every=full_loss_every(n, run.settings.batch_size) if minibatches else 1,
                fan=tags.get(run.entry_id),
                member=run.member,
                diverged_shown=run.record.diverged_at is not None and (
                    last is None or run.record.diverged_at <= last),
                **run.record.columns(),
            )
            for run in self.runs
        ]

    @property
    def planned_updates(self) -> int:
        """The runs' length: the most updates any run is set to take (the timeline's
        end, whether or not they are computed yet)."""
        return max((r.settings.steps for r in self.runs), default=0)

    @property
    def shown_update(self) -> int:
        """The update the window shows: the scrubbed one, or the last recorded."""
        return self.last_update if self.position is None else self.position

    def _shown_row(self, run: RunState) -> int:
        return self._row(run, self.position)

    @staticmethod
    def _row(run: RunState, update: int | None) -> int:
        last = len(run.record) - 1
        return last if update is None else min(update, last)

    @Slot()
    @guarded("Drawing the runs")
    def _publish_frame(self) -> None:
        frames = self.frames()
        self.frameReady.emit(frames)
        self.fitReady.emit(self._fit_curves(frames))
        selected = self.selected
        batch = None
        if selected is not None and len(selected.record):
            batch = selected.record.batch(self._shown_row(selected))
        self.batchShown.emit(batch)
        self.overlaysReady.emit(self.overlay_data(frames))
        self.timelineChanged.emit(self.shown_update, self.last_update)

    def batch_lines(self, limit: int = 40) -> list[tuple[int, int, int, tuple[int, ...] | None]]:
        """The selected run's last ``limit`` updates up to the shown one:
        (epoch, update, batch number within its epoch, data indices)."""
        run = self.selected
        if run is None or len(run.record) < 2:
            return []
        end = self._shown_row(run) + 1
        epochs = run.record.epoch[:end]
        lines = []
        for row in range(max(1, end - limit), end):  # row k is update k, as the timeline counts
            epoch, number = place_in_epoch(epochs, row)
            batch = run.record.batch(row)
            indices = None if batch is None else tuple(int(i) for i in batch)
            lines.append((epoch, row, number, indices))
        return lines

    def fit_ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The x and y ranges the data view shows, as the problem declares them."""
        return self.problem.fit_ranges()

    def _fit_curves(self, frames: list[RunFrame]) -> list[tuple[int, str, np.ndarray, np.ndarray]]:
        problem = self.problem
        if not problem.capabilities.has_fit_curve:
            return []
        return [
            (f.run_id, f.colour, self._fit_x, problem.predict(self._fit_x, f.current_phi))
            for f in frames
            if f.visible and f.current_phi is not None
        ]


def _described_apart(old: RunSettings, new: RunSettings) -> bool:
    """Whether ``new`` differs from ``old`` in what a run's name describes: anything
    but where it starts and how many updates it takes."""
    return replace(old, start=new.start, steps=new.steps) != new
