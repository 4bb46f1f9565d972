"""The run worker on its own, driven tick by tick from the test (no thread)."""

from __future__ import annotations

from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings
from gradviz.qt.threads.workers import RunJob, RunWorker


def _worker_with_a_long_run(qapp) -> tuple[RunWorker, list[object]]:  # type: ignore[no-untyped-def]
    worker = RunWorker()
    worker.start()
    batches: list[object] = []
    worker.progressed.connect(batches.append)
    problem = make_problem("gabor")
    worker.set_run(RunJob(0, 0, problem, RunSettings(optimizer="gd", steps=5000)))
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


def test_running_to_the_end_takes_the_runs_in_turn_a_piece_at_a_time(qapp, monkeypatch):
    from gradviz.qt.threads import workers as worker_module

    # No time to spare: each tick computes one piece of one run, the next run's next.
    monkeypatch.setattr(worker_module, "INSTANT_BUDGET_S", 0.0)
    worker = RunWorker()
    worker.start()
    steps: dict[int, int] = {0: 0, 1: 0, 2: 0}

    def count(progress):  # type: ignore[no-untyped-def]
        worker.acknowledge()
        for item in progress:
            steps[item.run_id] += len(item.piece.update)

    worker.progressed.connect(count)
    problem = make_problem("gabor")
    for run_id in steps:
        worker.set_run(RunJob(run_id, 0, problem, RunSettings(optimizer="gd", steps=5000)))
    worker.run_to_end()
    for _ in range(6):
        worker._tick()
    piece = worker_module.INSTANT_PIECE
    assert steps == {0: 1 + 2 * piece, 1: 1 + 2 * piece, 2: 1 + 2 * piece}  # start + 2 pieces
    worker.stop()
