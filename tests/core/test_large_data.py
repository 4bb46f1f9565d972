"""Large data: a minibatch run records the full-data loss on a schedule, exactly, and
every other number as without it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from core_reference import problem

from gradviz.core import engine as engine_module
from gradviz.core.data import Dataset
from gradviz.core.engine import LARGE_DATA, Engine, full_loss_every
from gradviz.core.losses import DataFitProblem
from gradviz.core.pieces import run_piece
from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings, Step, Trajectory, iterate
from gradviz.core.step import escape_box, is_diverged


def bits(value: object) -> bytes:
    return np.asarray(value, dtype=float).tobytes()


def test_the_schedule_starts_beyond_the_declared_size() -> None:
    assert full_loss_every(30, 5) == full_loss_every(LARGE_DATA, 5) == 1
    assert full_loss_every(None, None) == 1
    assert full_loss_every(1_000_000, 5) == math.ceil(1_000_000 / 32)
    assert full_loss_every(1_000_000, 1000) == 1000  # at most a batch's points a step
    assert full_loss_every(LARGE_DATA + 1, 5) == math.ceil((LARGE_DATA + 1) / 32)


def scheduled(monkeypatch: pytest.MonkeyPatch, every_points: int) -> None:
    """Make the 30-point Gabor and 12-point linear problems large data, with the loss
    every N / max(every_points, B) updates."""
    monkeypatch.setattr(engine_module, "LARGE_DATA", 10)
    monkeypatch.setattr(engine_module, "FULL_LOSS_POINTS", every_points)


RUNS = [
    RunSettings(optimizer="sgd", seed=3, steps=50),  # B = 5: k = ceil(30 / 5) = 6
    RunSettings(optimizer="nesterov", batch_size=7, steps=41),  # k = 5
    RunSettings(optimizer="adam", batch_size=2, batching="notebook", steps=33),  # k = 6
    RunSettings(optimizer="gd", steps=50),  # full batch: every step
]


def assert_scheduled(steps: list[Step], plain: list[Step], every: int, full: bool) -> None:
    """``steps`` are ``plain`` but for the full-data loss, NaN off the schedule."""
    assert len(steps) == len(plain)
    last = plain[-1].update
    for a, b in zip(steps, plain):
        for name in ("phi", "batch_loss", "lr", "grad", "epoch", "diverged"):
            assert bits(getattr(a, name)) == bits(getattr(b, name)), (name, a.update)
        assert (a.batch is None) == (b.batch is None)
        assert a.batch is None or np.array_equal(a.batch, b.batch)
        due = full or a.update % every == 0 or a.update == last
        assert bits(a.loss) == (bits(b.loss) if due else bits(math.nan)), a.update


def test_scheduled_losses_are_the_full_losses_at_their_steps(monkeypatch) -> None:
    p = problem("gabor")
    plain = [list(iterate(p, s)) for s in RUNS]
    scheduled(monkeypatch, 4)
    engine = Engine(p, RUNS)
    blocks = [engine.start] + [engine.advance(n) for n in (4, 13, 50)]
    for r, settings in enumerate(RUNS):
        every = full_loss_every(30, settings.resolve(p).batch_size)
        full = settings.optimizer == "gd"
        assert full or every > 1
        assert_scheduled([s for b in blocks for s in b.steps(r)], plain[r], every, full)
        alone = list(iterate(p, settings))  # a run alone follows the same schedule
        assert_scheduled(alone, plain[r], every, full)


def test_a_diverging_run_on_large_data_stops_by_phi_and_batch_loss(monkeypatch) -> None:
    p = problem("linear")
    settings = RunSettings(optimizer="sgd", hyperparameters={"lr": 0.3}, steps=200)
    plain = list(iterate(p, settings))
    scheduled(monkeypatch, 4)  # every ceil(12 / 5) = 3 updates
    steps = list(iterate(p, settings))
    assert steps[-1].diverged and len(steps) <= len(plain)
    assert steps[-1].update % 3  # off the schedule, yet with its full-data loss
    assert bits(steps[-1].loss) == bits(p.loss_and_grad(steps[-1].phi)[0])
    centre, reach = escape_box(p.window)
    tested = [(s.phi, s.loss if s.update % 3 == 0 else s.batch_loss) for s in steps]
    assert not any(is_diverged(phi, loss, centre, reach) for phi, loss in tested[:-1])
    assert is_diverged(*tested[-1], centre, reach)
    for a, b in zip(steps, plain):  # the same path up to there
        assert bits(a.phi) == bits(b.phi)


def test_a_million_points_record_their_loss_at_the_start_the_schedule_and_the_end() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-15.0, 15.0, 1_000_000)
    base = problem("gabor")
    assert isinstance(base, DataFitProblem)
    y = base.model.evaluate(x, 0.0, 15.0) + rng.normal(0.0, 0.1, x.size)
    p = DataFitProblem(base.model, Dataset("million", x, y), base.window, base.start)
    every = full_loss_every(p.n_points, 5)
    steps = list(iterate(p, RunSettings(optimizer="sgd", steps=every + 10)))
    recorded = [s.update for s in steps if not math.isnan(s.loss)]
    assert recorded == [0, every, every + 10]
    for update in recorded:
        loss, _ = p.loss_and_grad(steps[update].phi)
        assert bits(steps[update].loss) == bits(loss)
    assert all(s.batch.size == 5 for s in steps[1:])


SQRT_MODEL = {"data": "udl-linear", "expression": "sqrt(phi0) * x + phi1",
              "bounds": "-1 3 -2 2", "guess": "1 1"}
"""A formula model undefined for phi0 < 0, where SGD at lr = 0.3 steps from some starts."""


@pytest.mark.parametrize("start", [(0.05, -1.0), (1.0, 1.0), (0.2, -1.0), (0.2, 0.0)])
@pytest.mark.parametrize("every_points", [2, 4])
def test_a_run_on_large_data_is_undefined_or_diverged_as_without_the_schedule(
    monkeypatch, start, every_points
) -> None:
    # From these starts, alone: undefined at 65, undefined at 65 (out of the view at
    # phi0 < 0), diverged at 65 (out of the view), undefined at 2.
    p = make_problem("formula", **SQRT_MODEL)
    settings = RunSettings(optimizer="sgd", hyperparameters={"lr": 0.3}, steps=100,
                           start=start).resolve(p)
    plain = Trajectory.from_steps(settings, iterate(p, settings))
    scheduled(monkeypatch, every_points)
    steps = list(iterate(p, settings))
    alone = Trajectory.from_steps(settings, iter(steps))
    engine = Engine(p, [settings, RunSettings(optimizer="adam", steps=100).resolve(p)])
    blocks = [engine.start, *(engine.advance(n) for n in (7, 30, 100))]
    piece = run_piece([(block, 0) for block in blocks], settings)
    assert plain.diverged_at is not None
    # A step off the schedule tests the batch loss, at the phi before: where the run
    # reaches an undefined point it may stop an update later, with NaN parameters.
    assert alone.diverged_at in (plain.diverged_at, plain.diverged_at + 1)
    assert alone.undefined is piece.undefined is plain.undefined
    assert piece.diverged_at == alone.diverged_at
    last = steps[-1]
    assert last.diverged and last.update == alone.diverged_at
    with np.errstate(all="ignore"):  # its full-data loss, schedule or not
        assert bits(last.loss) == bits(p.loss_and_grad(last.phi)[0])
