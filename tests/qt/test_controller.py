"""The controller without a window: a fake view connects to its signals and records
what it is told, as the window's views would be told it. No MainWindow is made here.

Every wait is on a signal or a condition (``qtbot.waitSignal``/``waitUntil``), never a sleep.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from gradviz.core.fans import Fan
from gradviz.core.problems import DataFitProblem, ProblemSpec
from gradviz.core.run import RunSettings
from gradviz.core.scenes import Scene, SceneRun, builtin_scenes, load_scene, save_scene
from gradviz.core.space import Window
from gradviz.core.stability import step_bound
from gradviz.qt.control.controller import (
    FRAME_MS,
    MAX_RUNS,
    TO_END_FRAME_MS,
    AppController,
)
from gradviz.qt.frame import RunFrame

SIGNALS = (
    "problemChanged", "surfaceChanged", "surfaceBusy", "busyChanged", "problemRefused",
    "runsChanged", "frameReady", "fitReady", "batchShown", "playingChanged", "speedChanged",
    "optionsChanged", "sceneChanged", "sceneEdited", "timelineChanged", "message",
)


class FakeView:
    """Stands where the window stands: told everything, asks nothing.

    ``told[signal]`` lists the payloads of every emission, in order: the value for
    a signal of one argument, a tuple for more, ``()`` for none.
    """

    def __init__(self, controller: AppController) -> None:
        self.told: dict[str, list[object]] = {name: [] for name in SIGNALS}
        for name in SIGNALS:
            getattr(controller, name).connect(lambda *args, name=name: self._note(name, args))

    def _note(self, name: str, args: tuple[object, ...]) -> None:
        self.told[name].append(args[0] if len(args) == 1 else args)

    def last(self, name: str) -> object:
        """The latest payload of ``name``."""
        return self.told[name][-1]

    def counts(self) -> dict[str, int]:
        """How often each signal has been emitted so far."""
        return {name: len(payloads) for name, payloads in self.told.items()}


@pytest.fixture
def unstarted(qapp):  # type: ignore[no-untyped-def]
    """A controller with a fake view connected, not yet started; shut down afterwards."""
    controller = AppController()
    view = FakeView(controller)
    yield controller, view
    controller.shutdown()
    controller.deleteLater()


@pytest.fixture
def started(unstarted, qtbot):  # type: ignore[no-untyped-def]
    """The controller started, its first surface and its run's start point in."""
    c, view = unstarted
    c.start()
    qtbot.waitUntil(lambda: c.surface is not None and len(c.runs[0].record) == 1, timeout=10_000)
    return c, view


def _records(c: AppController) -> list[int]:
    return [len(run.record) for run in c.runs]


def _wait_frame(qtbot, c: AppController, check) -> list[RunFrame]:  # type: ignore[no-untyped-def]
    """The next frame published that passes ``check``."""
    with qtbot.waitSignal(c.frameReady, timeout=5000, check_params_cb=check) as blocker:
        c.request_frame()
    return blocker.args[0]


def _paused_and_drained(c: AppController) -> None:
    """Pause, and take in what the worker sent before it had the pause."""
    c.pause()
    c._run_thread.settle()
    QApplication.processEvents()


def _csv(path: Path, rows: int) -> Path:
    x = np.linspace(-15.0, 15.0, rows)
    y = np.sin(0.9 * x) * np.exp(-x * x / 32.0)
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header="x,y", comments="")
    return path


def _scene(name: str) -> Scene:
    return next(s for s in builtin_scenes() if s.name == name)


# -- start -----------------------------------------------------------------------------------
def test_start_shows_the_problem_its_surface_and_one_run(unstarted, qtbot):
    c, view = unstarted
    assert not any(view.counts().values())  # nothing is told before the start
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000) as surface:
        c.start()
    assert view.told["problemChanged"] == [c.problem]
    assert c.problem.name == "gabor"
    assert surface.args[0].surface.window == c.problem.window
    assert view.told["surfaceBusy"] == [True, False]
    assert view.last("busyChanged") == ""
    (runs,) = view.told["runsChanged"]
    assert [r.run_id for r in runs] == [c.selected_id]
    assert runs[0].settings.start == c.problem.start == (-1.5, 6.5)
    frames = _wait_frame(qtbot, c, lambda frames: frames[0].index == 0)
    assert len(frames) == 1 and frames[0].selected and frames[0].visible
    np.testing.assert_allclose(frames[0].current_phi, (-1.5, 6.5))
    assert frames[0].current_loss == pytest.approx(12.7665, abs=1e-4)
    (curve,) = view.last("fitReady")  # the model at the start point, over the data's x
    assert curve[0] == frames[0].run_id and len(curve[2]) == len(curve[3])
    assert view.last("timelineChanged") == (0, 0)
    assert view.told["message"] == []


def test_start_twice_adds_no_second_run(started):
    c, view = started
    c.start()
    assert len(c.runs) == 1
    assert len(view.told["problemChanged"]) == 2  # the problem is shown again


# -- runs ------------------------------------------------------------------------------------
def test_add_takes_the_next_optimizer_in_the_lectures_order_and_a_new_colour(started):
    c, view = started
    first = c.runs[0]
    added = c.add_run()
    assert added is not None and c.selected_id == added.run_id
    assert (first.settings.optimizer, added.settings.optimizer) == ("gd", "sgd")
    assert added.colour != first.colour
    assert added.settings.start == first.settings.start  # the selected run's setup
    assert added.settings.hyperparameters["lr"] == c.problem.recommended_lr["sgd"]
    assert [r.run_id for r in view.last("runsChanged")] == [first.run_id, added.run_id]


def test_duplicate_copies_the_selected_run(started):
    c, view = started
    c.edit_selected(RunSettings(optimizer="momentum", hyperparameters={"lr": 0.3, "beta": 0.8}))
    original = c.selected
    c.duplicate_run()
    copy = c.selected
    assert copy is not original and copy.run_id != original.run_id
    assert copy.settings == original.settings
    assert copy.colour != original.colour


def test_no_more_than_max_runs(started):
    c, view = started
    for _ in range(MAX_RUNS - 1):
        c.add_run()
    assert len(c.runs) == MAX_RUNS
    told = len(view.told["runsChanged"])
    assert c.add_run() is None
    assert view.last("message") == f"At most {MAX_RUNS} runs can be compared at once."
    assert len(c.runs) == MAX_RUNS and len(view.told["runsChanged"]) == told


def test_remove_the_selected_run_selects_the_last_and_the_last_run_stays(started):
    c, view = started
    first, second, third = c.runs[0], c.add_run(), c.add_run()
    c.select_run(second.run_id)
    c.remove_run()
    assert [r.run_id for r in c.runs] == [first.run_id, third.run_id]
    assert c.selected_id == third.run_id
    c.remove_run(first.run_id)  # by id: the selection stays
    assert [r.run_id for r in c.runs] == [third.run_id] and c.selected_id == third.run_id
    told = len(view.told["runsChanged"])
    c.remove_run()
    assert view.last("message") == "The last run cannot be removed."
    assert len(c.runs) == 1 and len(view.told["runsChanged"]) == told


def test_a_removed_run_is_dropped_from_the_frames(started, qtbot):
    c, view = started
    removed = c.add_run()
    c.remove_run(removed.run_id)
    frames = _wait_frame(qtbot, c, lambda frames: len(frames) == 1)
    assert frames[0].run_id == c.runs[0].run_id


def test_select_a_run_and_only_a_known_other_one(started):
    c, view = started
    first, second = c.runs[0], c.add_run()
    told = len(view.told["runsChanged"])
    c.select_run(first.run_id)
    assert c.selected is first and len(view.told["runsChanged"]) == told + 1
    c.select_run(first.run_id)  # already selected
    c.select_run(12345)  # no such run
    assert c.selected is first and len(view.told["runsChanged"]) == told + 1
    assert second.run_id != c.selected_id


def test_a_hidden_run_has_no_fit_curve_and_a_hidden_frame(started, qtbot):
    c, view = started
    hidden, shown = c.runs[0], c.add_run()
    qtbot.waitUntil(lambda: _records(c) == [1, 1], timeout=5000)
    c.set_visible(hidden.run_id, False)
    assert not view.last("runsChanged")[0].visible
    frames = _wait_frame(qtbot, c, lambda frames: not frames[0].visible)
    assert [f.visible for f in frames] == [False, True]
    assert [curve[0] for curve in view.last("fitReady")] == [shown.run_id]
    told = len(view.told["runsChanged"])
    c.set_visible(hidden.run_id, False)  # no change: nothing said
    assert len(view.told["runsChanged"]) == told
    c.set_visible(hidden.run_id, True)
    frames = _wait_frame(qtbot, c, lambda frames: frames[0].visible)
    assert len(view.last("fitReady")) == 2


# -- editing ---------------------------------------------------------------------------------
def test_good_settings_restart_the_selected_run(started, qtbot):
    c, view = started
    run = c.selected
    generation = run.generation
    assert c.edit_selected(RunSettings(optimizer="adam", hyperparameters={"lr": 0.05}, steps=7))
    assert run.settings.optimizer == "adam" and run.settings.hyperparameters["lr"] == 0.05
    assert run.settings.batch_size == c.problem.n_points  # resolved for the problem
    assert run.generation == generation + 1
    c.run_to_end()
    qtbot.waitUntil(lambda: run.record.finished, timeout=5000)
    assert len(run.record) == 8
    assert run.record.lr[1] == 0.05
    assert view.told["message"] == []


def test_the_same_settings_again_change_nothing(started):
    c, view = started
    run = c.selected
    generation, told = run.generation, len(view.told["runsChanged"])
    assert c.edit_selected(run.settings)
    assert run.generation == generation and len(view.told["runsChanged"]) == told


def test_bad_settings_are_refused_with_a_message_and_change_nothing(started):
    c, view = started
    run = c.selected
    before, generation = run.settings, run.generation
    told = len(view.told["runsChanged"])
    assert not c.edit_selected(replace(before, optimizer="sgd", batch_size=10**6))
    assert view.last("message") == (
        "batch size must be between 1 and 30 (the number of points), got 1000000"
    )
    assert run.settings == before and run.generation == generation
    # The controls are told the runs again, to show the last good values.
    assert len(view.told["runsChanged"]) == told + 1
    assert view.last("runsChanged")[0].settings == before


def test_set_start_moves_the_selected_runs_start_and_restarts_it(started, qtbot):
    c, view = started
    run = c.selected
    c.set_start(np.array([2.0, 12.0]))
    assert run.settings.start == (2.0, 12.0)
    assert type(run.settings.start[0]) is float
    qtbot.waitUntil(lambda: len(run.record) == 1, timeout=5000)
    np.testing.assert_allclose(run.record.phi[0], (2.0, 12.0))
    frames = _wait_frame(qtbot, c, lambda frames: frames[0].index == 0
                         and tuple(frames[0].current_phi) == (2.0, 12.0))
    assert view.last("runsChanged")[0].settings.start == (2.0, 12.0)
    assert frames[0].generation == run.generation


# -- playback --------------------------------------------------------------------------------
def test_play_pause_and_step_one_update_at_a_time(started, qtbot):
    c, view = started
    run = c.runs[0]
    c.set_speed(500)
    c.play()
    assert view.told["playingChanged"] == [True]
    qtbot.waitUntil(lambda: len(run.record) > 5, timeout=5000)
    _paused_and_drained(c)
    assert view.told["playingChanged"] == [True, False]
    before = len(run.record)
    c.step(1)
    qtbot.waitUntil(lambda: len(run.record) == before + 1, timeout=5000)
    c.step(2)
    qtbot.waitUntil(lambda: len(run.record) == before + 3, timeout=5000)
    assert list(run.record.update[-3:]) == [before, before + 1, before + 2]
    assert not c.playing
    with qtbot.waitSignal(c.timelineChanged, timeout=5000,
                          check_params_cb=lambda shown, last: shown == last == before + 2):
        c.request_frame()


def test_play_when_every_run_has_finished_starts_over(started, qtbot):
    c, view = started
    c.edit_selected(replace(c.selected.settings, steps=3))
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing, timeout=5000)
    generation = c.runs[0].generation
    c.play()
    assert c.runs[0].generation == generation + 1
    qtbot.waitUntil(lambda: c.runs[0].record.finished and not c.playing, timeout=5000)
    assert len(c.runs[0].record) == 4


def test_frames_come_less_often_while_the_runs_are_run_to_the_end(started, qtbot):
    c = started[0]
    c.edit_selected(replace(c.selected.settings, steps=3))
    assert c.frame_interval == FRAME_MS
    c.run_to_end()
    assert c.frame_interval == TO_END_FRAME_MS
    qtbot.waitUntil(lambda: not c.playing, timeout=5000)
    assert c.frame_interval == FRAME_MS  # finished: frames at their usual pace again
    c.set_speed(0)  # played as fast as they can be, they are watched: every frame
    c.play()
    assert c.frame_interval == FRAME_MS
    c.pause()
    c.set_frame_interval(0)  # a benchmark lifts the cap; running to the end keeps this one
    c.run_to_end()
    assert c.frame_interval == TO_END_FRAME_MS
    c.pause()
    assert c.frame_interval == 0


def test_toggle_play(started):
    c, view = started
    c.toggle_play()
    c.toggle_play()
    assert view.told["playingChanged"] == [True, False]


def test_step_back_scrub_and_the_timeline(started, qtbot):
    c, view = started
    c.add_run(RunSettings(optimizer="adam", steps=20))
    c.edit_selected(replace(c.selected.settings, steps=10))  # two runs of different lengths
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing and _records(c)[1] == 11, timeout=5000)
    short, long_ = c.runs[1], c.runs[0]
    assert (len(short.record), len(long_.record)) == (11, 101)
    assert c.last_update == c.shown_update == 100 and c.position is None
    c.step_back(1)
    assert c.position == 99
    with qtbot.waitSignal(c.timelineChanged, timeout=5000,
                          check_params_cb=lambda shown, last: (shown, last) == (99, 100)):
        pass
    frames = c.frames()
    assert [f.index for f in frames] == [99, 10]  # a shorter run shows its last update
    c.scrub(42)
    assert c.position == 42 and [f.index for f in c.frames()] == [42, 10]
    c.step(1)  # along the recorded timeline: nothing new is computed
    assert c.position == 43 and _records(c) == [101, 11]
    c.scrub(-5)
    assert c.position == 0
    c.scrub(10**6)
    assert c.position is None and c.shown_update == 100  # the latest update follows live
    # An export may ask for any update without moving what is shown.
    assert [f.index for f in c.frames_at(7)] == [7, 7] and c.position is None


def test_play_from_a_scrubbed_update_continues_the_same_path(started, qtbot):
    c, view = started
    run = c.runs[0]
    c.edit_selected(replace(run.settings, steps=30))
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing, timeout=5000)
    whole = run.record.phi.copy()
    c.scrub(12)
    c.set_speed(0)
    c.play()
    assert c.position is None and len(run.record) == 13  # what came after is dropped
    qtbot.waitUntil(lambda: run.record.finished and not c.playing, timeout=5000)
    np.testing.assert_array_equal(run.record.phi, whole)  # recomputed to the last bit


def test_reset_takes_every_run_back_to_its_start_paused(started, qtbot):
    c, view = started
    c.add_run()
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: min(_records(c)) > 10, timeout=5000)
    c.reset()
    assert not c.playing and view.last("playingChanged") is False
    qtbot.waitUntil(lambda: _records(c) == [1, 1], timeout=5000)
    for run in c.runs:
        np.testing.assert_allclose(run.record.phi[0], run.settings.start)


def test_run_to_end_computes_every_run_and_stops_playing(started, qtbot):
    c, view = started
    c.add_run(RunSettings(optimizer="nesterov", steps=40))
    with qtbot.waitSignal(c.playingChanged, timeout=10_000,
                          check_params_cb=lambda playing: not playing):
        c.run_to_end()
    assert view.told["playingChanged"] == [True, False]
    assert all(run.record.finished for run in c.runs)
    assert _records(c) == [101, 41]
    with qtbot.waitSignal(c.timelineChanged, timeout=5000,
                          check_params_cb=lambda shown, last: shown == last == 100):
        c.request_frame()


def test_run_to_end_after_scrubbing_back_shows_the_end(started, qtbot):
    c, view = started
    c.step(5)
    qtbot.waitUntil(lambda: _records(c) == [6], timeout=5000)
    c.scrub(2)
    with qtbot.waitSignal(c.playingChanged, timeout=10_000,
                          check_params_cb=lambda playing: not playing):
        c.run_to_end()
    assert c.position is None and c.shown_update == c.last_update == 100
    assert _records(c) == [101]


def test_an_edited_scene_run_is_named_by_its_settings(started, qtbot):
    c, view = started
    assert c.load_scene(next(s for s in builtin_scenes() if s.name == "linear-gd"))
    assert c.runs[0].label(c.problem.n_points) == "GD α=0.02"  # the scene's name
    settings = c.runs[0].settings
    # Another start or number of updates: the name still says what the run is.
    assert c.edit_selected(replace(settings, start=(0.5, 0.5), steps=30))
    assert c.runs[0].label(c.problem.n_points) == "GD α=0.02"
    assert c.edit_selected(replace(c.runs[0].settings, hyperparameters={
        **settings.hyperparameters, "lr": 0.035}))
    assert c.runs[0].label(c.problem.n_points) == "GD α=0.035"


# -- problems --------------------------------------------------------------------------------
def test_a_new_model_gives_the_runs_its_own_start_and_rates(started, qtbot):
    c, view = started
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000) as surface:
        assert c.set_problem(ProblemSpec("linear"))
    assert view.last("problemChanged") is c.problem and c.problem.name == "linear"
    settings = c.runs[0].settings
    assert settings.start == (1.6, -0.5)
    assert settings.hyperparameters["lr"] == 0.02 and settings.batch_size == 12
    assert surface.args[0].surface.window == c.problem.window == c.window
    assert c.fit_ranges() == (c.problem.model.default_x_range, c.problem.model.default_y_range)
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("ravine"))
    assert c.runs[0].settings.batch_size is None  # no data, no batches
    assert c.fit_ranges() == ((0.0, 1.0), (0.0, 1.0))
    frames = _wait_frame(qtbot, c, lambda frames: tuple(frames[0].current_phi) == (-0.7, -0.9))
    assert view.last("fitReady") == []  # an analytic surface has no fit
    assert not frames[0].minibatches


def test_new_data_for_the_same_model_keep_the_runs_settings(started, qtbot):
    c, view = started
    c.edit_selected(RunSettings(optimizer="sgd", hyperparameters={"lr": 0.3}, batch_size=5,
                                start=(1.0, 10.0)))
    c.add_run(RunSettings(optimizer="gd"))  # a full batch
    assert c.set_problem(replace(c.spec, data="synthetic:n=200"))
    sgd, gd = (run.settings for run in c.runs)
    assert (sgd.hyperparameters["lr"], sgd.batch_size, sgd.start) == (0.3, 5, (1.0, 10.0))
    assert gd.batch_size == 200  # a full batch of the new data
    assert isinstance(c.problem, DataFitProblem) and c.problem.n_points == 200


def test_a_new_default_start_moves_the_runs_there(started, qtbot):
    c, view = started
    spec = ProblemSpec("formula-surface", None, expression="log(phi0) + phi1**2",
                       bounds="-1 3 -2 2", guess="1.5 1")
    assert c.set_problem(spec)
    c.add_run(RunSettings(optimizer="adam"))
    c.add_fan(RunSettings(optimizer="gd"), Fan("lr", (0.01, 0.02)))
    c.set_start((2.5, 0.5))  # a start of the fan's own, moved too
    assert c.set_problem(replace(spec, parameters={**spec.parameters, "guess": "2 -1"}))
    assert c.problem.start == (2.0, -1.0)
    assert [run.settings.start for run in c.runs] == [(2.0, -1.0)] * 4
    qtbot.waitUntil(lambda: all(len(run.record) >= 1 for run in c.runs), timeout=5000)
    for run in c.runs:  # restarted from there
        np.testing.assert_array_equal(run.record.phi[0], (2.0, -1.0))
    # A new formula with the same Start keeps the runs' own starts.
    c.set_start((2.5, 0.5))
    assert c.set_problem(replace(c.spec, parameters={**c.spec.parameters,
                                                     "expression": "log(phi0) + 2*phi1**2"}))
    assert [run.settings.start for run in c.runs] == [(2.0, -1.0)] * 2 + [(2.5, 0.5)] * 2


def test_new_data_of_a_larger_scale_get_a_stable_rate_and_say_so(started, qtbot, tmp_path):
    c, view = started
    assert c.set_problem(ProblemSpec("linear"))
    c.add_run(RunSettings(optimizer="adam"))  # steps of about α, whatever the gradient
    c.add_run(RunSettings(optimizer="gd", hyperparameters={"lr": 1e-6}))  # stable already
    x = np.linspace(0.0, 100.0, 40)
    path = tmp_path / "far.csv"
    np.savetxt(path, np.column_stack([x, 3 + 0.5 * x]), delimiter=",", header="x,y",
               comments="")
    with qtbot.waitSignal(c.problemChanged, timeout=10_000):
        assert c.set_problem(replace(c.spec, data=str(path)), new_data=True)
    bound = step_bound(c.problem, "gd", None).bound
    assert bound == pytest.approx(7.4e-6, rel=0.01)  # λmax = 2 Σ (1 + x²) roughly
    assert [run.settings.hyperparameters["lr"] for run in c.runs] == [5e-6, 0.02, 1e-6]
    assert view.last("message") == ("New data: α lowered below the step-size bound, where it "
                                    "would diverge: GD α=0.02 → α = 5e-06 (2/λmax = 7.40e-06)")
    c.run_to_end()
    qtbot.waitUntil(lambda: all(len(run.record) == 101 for run in c.runs), timeout=10_000)
    assert all(run.record.diverged_at is None for run in c.runs)
    # Built-in data (and data not asked for as new) keep the runs' rates as they are.
    c.edit_selected(replace(c.runs[-1].settings, hyperparameters={"lr": 0.02}))
    assert c.set_problem(replace(c.spec, data="udl-linear"), new_data=True)
    assert c.set_problem(replace(c.spec, data=str(path)))
    qtbot.waitUntil(lambda: c.spec.data == str(path), timeout=10_000)
    assert c.runs[-1].settings.hyperparameters["lr"] == 0.02


def test_a_problem_that_cannot_be_built_is_refused_and_nothing_changes(started):
    c, view = started
    before = (c.spec, c.problem, [run.settings for run in c.runs])
    counts = view.counts()
    assert not c.set_problem(ProblemSpec("linear", "synthetic:n=1"))
    message = view.last("message")
    assert message.startswith("Could not load the problem: synthetic data: n must be")
    assert message.endswith("got 1")
    assert (c.spec, c.problem, [run.settings for run in c.runs]) == before
    assert view.counts()["problemRefused"] == counts["problemRefused"] + 1
    assert view.counts()["problemChanged"] == counts["problemChanged"]
    assert view.counts()["runsChanged"] == counts["runsChanged"]


def test_data_from_a_file_are_read_off_the_ui_thread(started, qtbot, tmp_path):
    c, view = started
    path = _csv(tmp_path / "points.csv", 50)
    before = (c.spec, c.problem)
    with qtbot.waitSignal(c.problemChanged, timeout=10_000) as changed:
        assert c.set_problem(replace(c.spec, data=str(path)))
        # Nothing changes until the file has been read, and the view is told why it waits.
        assert (c.spec, c.problem) == before
        assert view.last("busyChanged") == "reading points.csv…"
    assert changed.args[0].n_points == 50 and c.spec.data == str(path)
    assert c.runs[0].settings.batch_size == 50
    assert view.last("busyChanged").startswith("computing the loss surface…")


def test_the_newest_problem_asked_for_wins_over_a_file_being_read(started, qtbot, tmp_path):
    c, view = started
    many, few = _csv(tmp_path / "many.csv", 20_000), _csv(tmp_path / "few.csv", 10)
    shown: list[int | None] = []
    c.problemChanged.connect(lambda problem: shown.append(problem.n_points))
    c.set_problem(replace(c.spec, data=str(many)))
    c.set_problem(replace(c.spec, data=str(few)))
    qtbot.waitUntil(lambda: c.spec.data == str(few), timeout=30_000)
    c.set_problem(replace(c.spec, data=str(many)))
    assert c.set_problem(ProblemSpec("ravine"))  # built at once, the file still being read
    # Files are read in turn: once this one is in, the one before was read and dropped.
    with qtbot.waitSignal(c.problemChanged, timeout=30_000):
        c.set_problem(ProblemSpec("gabor", data=str(few)))
    assert shown == [10, None, 10]
    assert c.spec == ProblemSpec("gabor", data=str(few))


def test_a_bad_file_is_refused_with_its_line_and_nothing_changes(started, qtbot, tmp_path):
    c, view = started
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    before = (c.spec, c.problem, [run.settings for run in c.runs])
    with qtbot.waitSignal(c.problemRefused, timeout=10_000):
        assert c.set_problem(replace(c.spec, data=str(bad)))
    assert "bad.csv, line 3" in view.last("message")
    assert (c.spec, c.problem, [run.settings for run in c.runs]) == before
    assert view.last("busyChanged") == ""


# -- view ------------------------------------------------------------------------------------
def test_a_burst_of_zooms_computes_one_surface_for_the_last(started, qtbot):
    c, view = started
    requests = view.told["surfaceBusy"].count(True)
    zooms = [Window(-5.0 + i, 5.0, 5.0, 15.0 + i) for i in range(4)]
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000) as surface:
        for zoom in zooms:
            c.set_window(zoom)
        assert c.window == zooms[-1]
    assert surface.args[0].surface.window == zooms[-1]
    assert view.told["surfaceBusy"].count(True) == requests + 1  # one request, once they paused
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000) as surface:
        c.reset_window()
    assert surface.args[0].surface.window == c.problem.window == c.window


def test_log_colour_asks_for_a_surface_with_log_contours(started, qtbot):
    c, view = started
    linear_levels = c.surface.contour_levels
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000) as surface:
        c.set_log_scale(True)
    assert c.log_scale
    levels = surface.args[0].contour_levels
    assert not np.allclose(levels, linear_levels)
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0])  # evenly spaced in log10 of the loss


def test_log_loss_and_speed_are_announced(started):
    c, view = started
    c.set_log_loss(True)
    c.set_log_loss(0)  # type: ignore[arg-type]
    told = view.told["optionsChanged"]
    assert [after.log_loss for _, after in told] == [True, False] and c.log_loss is False
    c.set_speed(250)
    c.set_speed(0)
    assert view.told["speedChanged"] == [250.0, 0.0] and c.speed == 0.0
    assert all(type(speed) is float for speed in view.told["speedChanged"])


# -- scenes ----------------------------------------------------------------------------------
def test_a_scene_replaces_the_problem_view_and_runs(started, qtbot):
    c, view = started
    scene = _scene("ravine-adam")
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.load_scene(scene)
    assert view.last("sceneChanged") == scene and c.scene == scene
    assert c.spec == scene.problem and view.last("problemChanged") is c.problem
    assert [run.settings for run in c.runs] == [
        run.settings.resolve(c.problem) for run in scene.runs
    ]
    assert [run.name for run in c.runs] == [run.name for run in scene.runs]
    assert c.selected_id == c.runs[0].run_id
    assert (c.window, c.log_scale, c.grid) == (scene.window or c.problem.window,
                                               scene.log_scale, scene.grid)
    assert view.last("speedChanged") == scene.speed
    assert c.log_loss == scene.log_loss
    assert view.told["optionsChanged"] == []  # the scene's options are those shown already
    assert not c.scene_edited and view.told["sceneEdited"] == []
    c.add_run()
    c.add_run()
    assert c.scene_edited and view.told["sceneEdited"] == [()]  # told once


def test_a_broken_scene_changes_nothing(started, tmp_path):
    c, view = started
    c.add_run()
    before = (c.spec, c.problem, c.scene, c.window, [run.settings for run in c.runs])
    counts = view.counts()
    missing = Scene("missing", "Missing data", "", ProblemSpec("linear", str(tmp_path / "no.csv")),
                    (SceneRun(RunSettings()),))
    too_big = Scene("too-big", "Batches too big", "", ProblemSpec("linear"),
                    (SceneRun(RunSettings(optimizer="sgd", batch_size=1000)),))
    for scene in (missing, too_big):
        assert not c.load_scene(scene)
        assert view.last("message").startswith(f"Could not open the scene '{scene.name}': ")
    assert (c.spec, c.problem, c.scene, c.window, [run.settings for run in c.runs]) == before
    assert view.counts() == {**counts, "message": counts["message"] + 2}


def test_a_saved_scene_opens_as_it_was_saved(started, qtbot, tmp_path):
    c, view = started
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        c.load_scene(_scene("nesterov"))
    c.edit_selected(replace(c.selected.settings, steps=55))
    c.set_window(Window(-4.0, 4.0, 6.0, 14.0))
    c.set_log_scale(True)
    c.set_log_loss(True)
    c.set_speed(75)
    c.set_colormap("viridis")
    c.set_show_batches(True)
    scene = c.to_scene("Mine", "What it shows")
    assert (scene.name, scene.title, scene.caption, scene.colormap) == (
        "nesterov", "Mine", "What it shows", "viridis")
    assert scene.runs == tuple(SceneRun(run.settings, run.name) for run in c.runs)
    assert (scene.window, scene.log_scale, scene.log_loss, scene.speed, scene.show_batches) == (
        Window(-4.0, 4.0, 6.0, 14.0), True, True, 75.0, True)
    path = tmp_path / "nesterov.toml"  # a scene's name is its file's
    save_scene(scene, path)
    saved = load_scene(path)
    assert saved == scene
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        c.load_scene(_scene("linear-gd"))  # something else in between
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000) as surface:
        assert c.load_scene(saved)
    assert c.to_scene("Mine", "What it shows") == scene
    assert surface.args[0].surface.window == Window(-4.0, 4.0, 6.0, 14.0)


def test_batches_are_not_saved_for_a_problem_without_data(started):
    c, view = started
    c.set_problem(ProblemSpec("ravine"))
    c.set_show_batches(True)
    assert not c.to_scene("t", "").show_batches


# -- view options ----------------------------------------------------------------------------
PICTURE_OPTIONS = [  # (setter, option, a value other than scene 6's)
    ("set_colormap", "colormap", "viridis"),
    ("set_theme", "theme", "light"),
    ("set_log_scale", "log_scale", True),
    ("set_log_loss", "log_loss", True),
    ("set_show_batches", "show_batches", False),
]


def _open(qtbot, c: AppController, scene: Scene) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.load_scene(scene)


@pytest.mark.parametrize(("setter", "option", "value"), PICTURE_OPTIONS)
def test_each_option_that_shapes_the_picture_is_announced_once_and_saved_in_scenes(
        started, qtbot, tmp_path, setter, option, value):
    c, view = started
    _open(qtbot, c, _scene("batches-and-epochs"))
    told = view.told["optionsChanged"]
    first, shown = getattr(c.options, option), c.options
    assert first != value
    del told[:]
    getattr(c, setter)(value)
    getattr(c, setter)(value)  # no change: nothing to tell
    assert told == [(shown, replace(shown, **{option: value}))] and c.options == told[0][1]
    path = tmp_path / "mine.toml"
    save_scene(c.to_scene(), path)
    saved = load_scene(path)
    assert getattr(saved, option) == value
    getattr(c, setter)(first)
    assert getattr(c.options, option) == first
    del told[:]
    _open(qtbot, c, saved)
    assert getattr(c.options, option) == value
    assert told == [(replace(c.options, **{option: first}), c.options)]  # once, all at once


def test_a_scene_without_a_theme_keeps_the_theme_in_use(started, qtbot):
    c, view = started
    c.set_theme("light")
    scene = _scene("nesterov")
    assert scene.theme is None
    _open(qtbot, c, scene)
    assert c.options.theme == "light" and c.to_scene().theme == "light"


def test_text_scale_and_presentation_are_the_screens_not_the_scenes(started, qtbot, tmp_path):
    c, view = started
    told = view.told["optionsChanged"]
    c.scale_text(+1)
    c.set_presenting(True)
    c.set_presenting(True)  # already presenting: nothing to tell
    assert [(before.text_scale, after.text_scale, after.presenting) for before, after in told] == [
        (1.0, 1.15, False), (1.15, 1.75, True)]
    shown = c.options
    path = tmp_path / "mine.toml"
    save_scene(c.to_scene(), path)
    assert "text_scale" not in path.read_text() and "presenting" not in path.read_text()
    _open(qtbot, c, load_scene(path))
    _open(qtbot, c, _scene("nesterov"))
    assert (c.options.text_scale, c.options.presenting) == (shown.text_scale, True)
    c.set_presenting(False)
    assert (c.options.text_scale, c.options.presenting) == (1.0, False)


def test_the_scenes_themes_are_the_apps():
    from gradviz.core.scenes import THEMES
    from gradviz.qt import style

    assert THEMES == tuple(style.THEMES)


# -- failure ---------------------------------------------------------------------------------
def test_a_diverging_run_is_badged_and_the_others_go_on(started, qtbot):
    c, view = started
    c.edit_selected(RunSettings(optimizer="gd", hyperparameters={"lr": 100.0}, steps=50))
    healthy = c.add_run(RunSettings(optimizer="adam", steps=50))
    diverging = c.runs[0]
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing, timeout=10_000)
    assert diverging.record.diverged_at == 1 and diverging.record.finished
    assert len(healthy.record) == 51 and healthy.record.diverged_at is None
    frames = _wait_frame(qtbot, c, lambda frames: frames[1].index == 50)
    badged, fine = frames
    assert badged.short_badge == "diverged at update 1"
    assert badged.badge == "diverged at update 1: learning rate too large?"
    assert fine.badge is None and np.isfinite(fine.current_loss)
    assert [run.error for run in c.runs] == [None, None]
    assert view.told["message"] == []  # a divergence is a lesson, not an error


# -- shutdown --------------------------------------------------------------------------------
def test_shutdown_stops_the_threads_even_while_the_runs_play(started, qtbot):
    c, view = started
    c.edit_selected(replace(c.selected.settings, steps=100_000))
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: len(c.runs[0].record) > 3, timeout=5000)
    assert c.is_running()
    c.shutdown()
    assert not c.is_running()
    for thread in (c._run_thread, c._surface_thread, c._problem_thread):
        assert not thread.is_running()
    c.shutdown()  # a second time does nothing
