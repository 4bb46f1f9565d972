"""The run worker on its own, driven tick by tick from the test (no thread)."""

from __future__ import annotations

import itertools

import numpy as np

from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.pieces import join_pieces
from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings, Trajectory, iterate
from gradviz.qt.threads.workers import RunJob, RunProgress, RunWorker
from trajectory_checks import assert_same_trajectory


def _worker_with_a_long_run(qapp) -> tuple[RunWorker, list[object]]:  # type: ignore[no-untyped-def]
    worker = RunWorker()
    worker.start()
    batches: list[object] = []
    worker.progressed.connect(batches.append)
    problem = make_problem("gabor")
    worker.set_run(RunJob(0, 0, problem, RunSettings(optimizer="gd", steps=100_000)))
    return worker, batches


def test_the_worker_waits_while_the_ui_has_not_taken_in_its_progress(qapp):
    worker, batches = _worker_with_a_long_run(qapp)
    worker.run_to_end()
    for _ in range(5):
        worker._tick()
    # The start point and one batch of steps are waiting: no more is computed.
    assert len(batches) == 2
    worker.acknowledge()
    worker._tick()
    assert len(batches) == 3
    worker.acknowledge()
    worker.acknowledge()  # the UI has caught up: two batches may wait again
    for _ in range(5):
        worker._tick()
    assert len(batches) == 5
    worker.stop()


def test_a_ui_that_keeps_up_gets_every_tick(qapp):
    worker, batches = _worker_with_a_long_run(qapp)
    worker.run_to_end()
    for _ in range(5):
        worker.acknowledge()  # the UI takes each batch in as it comes
        worker._tick()
    assert len(batches) == 6
    worker.stop()


def test_running_to_the_end_takes_the_engines_in_turn_a_piece_at_a_time(qapp, monkeypatch):
    from gradviz.qt.threads import workers as worker_module

    # No time to spare: each tick computes one piece of one engine, the next engine's next.
    monkeypatch.setattr(worker_module, "TO_END_BUDGET_S", 0.0)
    worker = RunWorker()
    worker.start()
    ticks: list[dict[int, int]] = []

    def count(progress):  # type: ignore[no-untyped-def]
        worker.acknowledge()
        ticks.append({item.run_id: len(item.piece.update) for item in progress})

    worker.progressed.connect(count)
    problem = make_problem("gabor")
    for run_id in (0, 1):  # set together: one engine
        worker.set_run(RunJob(run_id, 0, problem, RunSettings(optimizer="gd", steps=100_000)))
    worker._flush()  # as the gathering timer does
    worker.set_run(RunJob(2, 0, problem, RunSettings(optimizer="adam", steps=5000)))
    worker._flush()
    assert ticks == [{0: 1, 1: 1}, {2: 1}]  # the start points
    worker.run_to_end()
    for _ in range(4):
        worker._tick()
    assert [sorted(tick) for tick in ticks[2:]] == [[0, 1], [2], [0, 1], [2]]
    assert all(len(set(tick.values())) == 1 and min(tick.values()) > 0 for tick in ticks)
    worker.stop()


# -- the worker on the engine ---------------------------------------------------------------
class _Collector:
    """A worker driven from the test, without a thread, and every piece it sent by run."""

    def __init__(self) -> None:
        self.worker = RunWorker()
        self.worker.start()
        self.lists: list[list[RunProgress]] = []
        self.worker.progressed.connect(self._take)

    def _take(self, progress: list[RunProgress]) -> None:
        self.worker.acknowledge()
        self.lists.append(progress)

    def set_runs(self, *jobs: RunJob) -> None:
        """Set ``jobs`` together, then take them in as the gathering timer does."""
        for job in jobs:
            self.worker.set_run(job)
        self.worker._flush()

    def items(self, run_id: int, generation: int = 0) -> list[RunProgress]:
        return [item for progress in self.lists for item in progress
                if item.run_id == run_id and item.generation == generation]

    def record(self, run_id: int, generation: int = 0) -> Trajectory:
        return join_pieces([item.piece for item in self.items(run_id, generation)])

    def finished(self, run_id: int, generation: int = 0) -> bool:
        items = self.items(run_id, generation)
        return bool(items) and items[-1].finished

    def to_end(self, limit: int = 10_000) -> None:
        self.worker.run_to_end()
        for _ in range(limit):
            if self.worker._timer is None or not self.worker._timer.isActive():
                return
            self.worker._tick()
        raise AssertionError("the runs did not end")


def _alone(problem, settings: RunSettings, steps: int | None = None) -> Trajectory:  # type: ignore[no-untyped-def]
    """The first ``steps`` steps (default all) of the run alone, through ``iterate``,
    with the optimizer's terms, as the app records them."""
    return Trajectory.from_steps(settings,
                                 itertools.islice(iterate(problem, settings, terms=True), steps))


MIXED = (
    RunSettings(optimizer="gd", steps=300),
    RunSettings(optimizer="sgd", seed=3, steps=300),
    RunSettings(optimizer="momentum", batch_size=7, batching="notebook", seed=1, steps=300),
    RunSettings(optimizer="nesterov", steps=250),
    RunSettings(optimizer="adam", schedule="step:every=20,factor=0.5", steps=300),
    RunSettings(optimizer="gd", hyperparameters={"lr": 60.0}, steps=300),  # diverges
    RunSettings(optimizer="rmsprop", start=(2.0, 6.5), steps=0),
)


def test_mixed_runs_in_one_engine_give_the_steps_of_each_run_alone(qapp):
    problem = make_problem("gabor")
    settings = [s.resolve(problem) for s in MIXED]
    driver = _Collector()
    driver.set_runs(*(RunJob(i, 0, problem, s) for i, s in enumerate(settings)))
    assert len(driver.worker._batches) == 1  # the runs of one turn share an engine
    for count in (1, 7, 1, 40):
        driver.worker.step(count)
    driver.to_end()
    for run_id, one in enumerate(settings):
        assert driver.finished(run_id)
        assert_same_trajectory(driver.record(run_id), _alone(problem, one))
    assert driver.record(5).diverged_at is not None  # the others went on past it


def test_runs_added_replaced_and_removed_mid_way_keep_their_own_steps(qapp):
    problem = make_problem("gabor")
    gd, adam, sgd = (RunSettings(optimizer=o, steps=200).resolve(problem)
                     for o in ("gd", "adam", "sgd"))
    driver = _Collector()
    driver.set_runs(RunJob(0, 0, problem, gd), RunJob(1, 0, problem, adam))
    driver.worker.step(50)
    driver.set_runs(RunJob(2, 0, problem, sgd))  # a run added while others are under way
    assert len(driver.worker._batches) == 2
    driver.worker.step(30)
    driver.worker.remove_run(1)
    driver.set_runs(RunJob(0, 1, problem, adam))  # run 0 edited: a new generation
    driver.worker.step(20)
    assert_same_trajectory(driver.record(1), _alone(problem, adam, 81))  # nothing after its removal
    assert_same_trajectory(driver.record(0), _alone(problem, gd, 81))
    assert_same_trajectory(driver.record(0, 1), _alone(problem, adam, 21))
    assert_same_trajectory(driver.record(2), _alone(problem, sgd, 51))
    driver.to_end()
    assert_same_trajectory(driver.record(0, 1), _alone(problem, adam))
    assert_same_trajectory(driver.record(2), _alone(problem, sgd))
    assert not driver.worker._batches


def test_a_run_resumed_after_scrubbing_streams_on_from_there(qapp):
    problem = make_problem("gabor")
    settings = [RunSettings(optimizer=o, seed=2, steps=150).resolve(problem)
                for o in ("sgd", "adam")]
    driver = _Collector()
    driver.set_runs(*(RunJob(i, 0, problem, s) for i, s in enumerate(settings)))
    driver.worker.step(100)
    driver.set_runs(*(RunJob(i, 1, problem, s, resume_at=40) for i, s in enumerate(settings)))
    driver.worker.step(10)
    for run_id, one in enumerate(settings):
        expected = Trajectory.from_steps(one, itertools.islice(iterate(problem, one, terms=True), 40, 50))
        assert_same_trajectory(driver.record(run_id, 1), expected)
        assert expected.update.tolist() == list(range(40, 50))


class _Clock:
    """The worker's clock, moved by the test; sleeping takes no time."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        pass


def test_at_a_set_speed_every_run_of_every_engine_gets_its_share_of_each_tick(qapp,
                                                                            monkeypatch):
    from gradviz.qt.threads import workers as worker_module

    clock = _Clock()
    monkeypatch.setattr(worker_module, "time", clock)
    problem = make_problem("gabor")
    driver = _Collector()
    driver.set_runs(RunJob(0, 0, problem, RunSettings(optimizer="gd", steps=500)),
                    RunJob(1, 0, problem, RunSettings(optimizer="sgd", steps=500)))
    driver.set_runs(RunJob(2, 0, problem, RunSettings(optimizer="adam", steps=500)))
    driver.lists.clear()
    driver.worker.set_speed(24.0)
    driver.worker.play()
    for _ in range(6):
        clock.now += 0.0625  # 1.5 updates owed per tick, exactly
        driver.worker._tick()
    per_tick = [{item.run_id: len(item.piece.update) for item in progress}
                for progress in driver.lists]
    assert per_tick == [{0: n, 1: n, 2: n} for n in (1, 2, 1, 2, 1, 2)]


class _FaultyAbove:
    """``problem``, whose loss raises wherever phi1 passes ``limit``."""

    def __init__(self, problem, limit: float) -> None:  # type: ignore[no-untyped-def]
        self._problem, self._limit = problem, limit

    def __getattr__(self, name: str) -> object:
        return getattr(self._problem, name)

    def loss_and_grad(self, phi, batch=None):  # type: ignore[no-untyped-def]
        if np.any(np.asarray(phi)[..., 1] > self._limit):
            raise FloatingPointError("injected fault")
        return self._problem.loss_and_grad(phi, batch)


def test_a_fault_in_one_run_fails_it_with_its_steps_and_the_others_go_on(qapp):
    base = make_problem("gabor")
    problem = _FaultyAbove(base, 12.0)
    settings = [RunSettings(optimizer="gd", start=start, steps=80).resolve(base)
                for start in ((2.0, 6.5), (-2.0, 6.5), (-1.5, 6.5))]
    driver = _Collector()
    driver.set_runs(*(RunJob(i, 0, problem, s) for i, s in enumerate(settings)))
    driver.to_end()
    failed = driver.items(0)[-1]
    assert failed.finished and failed.error == "FloatingPointError: injected fault"
    before = Trajectory.from_steps(settings[0], itertools.takewhile(
        lambda step: step.phi[1] <= 12.0, iterate(base, settings[0])))
    assert 1 < len(before.update) < 80
    assert_same_trajectory(driver.record(0), before)
    for run_id in (1, 2):
        assert driver.finished(run_id) and driver.items(run_id)[-1].error is None
        assert_same_trajectory(driver.record(run_id), _alone(base, settings[run_id]))


def test_a_run_that_cannot_start_fails_alone(qapp):
    base = make_problem("gabor")
    problem = _FaultyAbove(base, 12.0)
    settings = [RunSettings(optimizer="adam", start=start, steps=30).resolve(base)
                for start in ((0.0, 13.0), (-1.5, 6.5))]
    driver = _Collector()
    driver.set_runs(*(RunJob(i, 0, problem, s) for i, s in enumerate(settings)))
    assert [(item.run_id, len(item.piece.update), item.finished, item.error)
            for item in driver.lists[0]] == [
        (0, 0, True, "FloatingPointError: injected fault"), (1, 1, False, None)]
    driver.to_end()
    assert_same_trajectory(driver.record(1), _alone(base, settings[1]))


def test_run_to_end_finishes_every_run_and_then_idles(qapp):
    problem = make_problem("gabor")
    settings = [RunSettings(optimizer=o, steps=400).resolve(problem) for o in OPTIMIZERS]
    driver = _Collector()
    idle: list[bool] = []
    driver.worker.idle.connect(lambda: idle.append(True))
    driver.set_runs(*(RunJob(i, 0, problem, s) for i, s in enumerate(settings)))
    driver.to_end()
    assert idle == [True]
    for run_id, one in enumerate(settings):
        assert driver.finished(run_id)
        assert_same_trajectory(driver.record(run_id), _alone(problem, one))


def test_the_app_steps_a_scenes_runs_as_each_alone(window, qtbot):
    from gradviz.core.scenes import builtin_scenes

    c = window.controller
    scene = max(builtin_scenes(), key=lambda s: len(s.runs))
    assert len(scene.runs) >= 3 and c.load_scene(scene)
    qtbot.waitUntil(lambda: all(len(r.record) for r in c.runs), timeout=5000)
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing, timeout=60_000)
    for run in c.runs:
        assert_same_trajectory(run.record.to_trajectory(run.settings), _alone(c.problem, run.settings))
