"""The fast paths of a run: updates computed in blocks, cheap divergence test, cached weights."""

from __future__ import annotations

import importlib
import itertools
import math

import numpy as np
import pytest
from core_reference import problem

from gradviz.core.optimizers import OPTIMIZERS, _average, _weights, make_optimizer
from gradviz.core.run import BLOCK_STEPS, RunSettings, iterate
from gradviz.core.step import is_diverged

# gradviz.core.run the module, not the function gradviz.core re-exports under that name.
run_module = importlib.import_module("gradviz.core.run")


class CountingProblem:
    """Wraps a problem and counts its loss-and-gradient evaluations."""

    def __init__(self, inner):  # type: ignore[no-untyped-def]
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    def loss_and_grad(self, phi, batch=None):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.inner.loss_and_grad(phi, batch)


def _same_steps(a, b) -> None:  # type: ignore[no-untyped-def]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x.update, x.epoch, x.diverged) == (y.update, y.epoch, y.diverged)
        np.testing.assert_array_equal(x.phi, y.phi)
        np.testing.assert_array_equal(x.grad, y.grad)
        assert x.loss == y.loss
        np.testing.assert_array_equal(x.batch_loss, y.batch_loss)  # NaN equals NaN here


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "nesterov"])
def test_one_step_at_a_time_gives_the_same_steps(optimizer) -> None:
    p = problem("gabor")
    settings = RunSettings(optimizer=optimizer, steps=100, seed=4)
    everything = list(iterate(p, settings))
    stream = iterate(p, settings)
    one_by_one = [next(stream) for _ in range(101)]
    with pytest.raises(StopIteration):
        next(stream)
    _same_steps(everything, one_by_one)


@pytest.mark.parametrize("steps", [0, 1, 2, 31, 32, 33, 64, 100])
def test_never_more_updates_than_asked(steps) -> None:
    p = CountingProblem(problem("linear"))
    settings = RunSettings(optimizer="gd", steps=steps)
    got = list(iterate(p, settings))
    assert [s.update for s in got] == list(range(steps + 1))
    assert p.calls == steps + 1  # full batch: one evaluation per recorded point


def test_blocks_run_at_most_block_steps_ahead() -> None:
    p = CountingProblem(problem("gabor"))
    stream = iterate(p, RunSettings(optimizer="adam", steps=10_000))
    for taken in range(1, 300):
        next(stream)
        computed = p.calls - 1  # the start point's evaluation aside
        assert taken - 1 <= computed <= taken - 1 + BLOCK_STEPS


def test_slow_updates_are_computed_one_at_a_time(monkeypatch) -> None:
    monkeypatch.setattr(run_module, "BLOCK_SECONDS", 0.0)  # every update counts as slow
    p = CountingProblem(problem("gabor"))
    stream = iterate(p, RunSettings(optimizer="adam", steps=50))
    for taken in range(1, 51):
        next(stream)
        assert p.calls == taken  # nothing computed ahead


def test_the_error_state_does_not_leak_into_the_consumer() -> None:
    outside = np.geterr()
    for step in iterate(problem("gabor"), RunSettings(optimizer="adam", steps=80)):
        assert np.geterr() == outside, step.update
    # ...and a huge rate still diverges silently inside the run.
    with np.errstate(all="raise"):
        steps = list(iterate(problem("linear"), RunSettings(hyperparameters={"lr": 1e3})))
    assert steps[-1].diverged


def test_a_diverged_step_ends_the_run_inside_a_block() -> None:
    steps = list(iterate(problem("linear"), RunSettings(hyperparameters={"lr": 0.045}, steps=500)))
    assert steps[-1].diverged and not any(s.diverged for s in steps[:-1])
    assert 5 < steps[-1].update < 500


def test_a_failing_evaluation_reaches_the_consumer() -> None:
    p = CountingProblem(problem("gabor"))

    def broken(phi, batch=None):  # type: ignore[no-untyped-def]
        if p.calls > 40:
            raise RuntimeError("boom")
        p.calls += 1
        return p.inner.loss_and_grad(phi, batch)

    p.loss_and_grad = broken  # type: ignore[method-assign]
    stream = iterate(p, RunSettings(optimizer="adam", steps=100))
    with pytest.raises(RuntimeError, match="boom"):
        list(stream)


@pytest.mark.parametrize(
    ("phi", "loss", "expected"),
    [
        ((0.0, 0.0), 1.0, False),
        ((0.0, 0.0), 1e12, False),
        ((0.0, 0.0), 1.01e12, True),
        ((0.0, 0.0), math.nan, True),
        ((0.0, 0.0), math.inf, True),
        ((math.nan, 0.0), 1.0, True),
        ((0.0, math.nan), 1.0, True),
        ((math.inf, 0.0), 1.0, True),
        ((0.0, -math.inf), 1.0, True),
        ((10.0, 0.0), 1.0, False),  # exactly at the reach
        ((10.5, 0.0), 1.0, True),
        ((0.0, -10.5), 1.0, True),
    ],
)
def test_divergence_test(phi, loss, expected) -> None:
    assert is_diverged(np.array(phi), loss, (0.0, 0.0), 10.0) is expected


def test_weights_are_read_only_and_shared() -> None:
    keep, mix = _weights(0.9)
    assert keep.shape == mix.shape == ()
    assert float(keep) == 0.9 and float(mix) == 1.0 - 0.9
    assert _weights(0.9)[0] is keep
    with pytest.raises(ValueError):
        keep[...] = 0.5


def test_average_matches_the_float_formula_exactly(rng) -> None:
    previous, new = rng.normal(size=(2, 7, 3, 2))
    for decay in (0.0, 0.6, 0.9, 0.99, 0.9999):
        expected = decay * previous + (1.0 - decay) * new
        np.testing.assert_array_equal(_average(previous, new, decay), expected)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_grids_of_runs_step_like_single_runs(name, rng) -> None:
    # The cached weights broadcast over leading axes as the floats did.
    optimizer = make_optimizer(name)
    p = problem("gabor")
    phi = rng.uniform(-1.0, 1.0, size=(3, 4, 2)) + np.array([0.0, 15.0])
    state = optimizer.init_state(phi)
    singles = [(phi[i, j], optimizer.init_state(phi[i, j])) for i, j in np.ndindex(3, 4)]
    for t in range(3):

        def grid_objective(q):  # type: ignore[no-untyped-def]
            return p.loss_and_grad(q)

        phi, state, _, _ = optimizer.update(phi, state, t, optimizer.lr, grid_objective)
        singles = [
            optimizer.update(q, s, t, optimizer.lr, p.loss_and_grad)[:2] for q, s in singles
        ]
    for (i, j), (q, _) in zip(np.ndindex(3, 4), singles):
        np.testing.assert_allclose(phi[i, j], q, rtol=1e-12, atol=1e-15)


def test_blocks_do_not_change_the_path() -> None:
    # A consumer that takes steps in irregular bites sees the same path.
    p = problem("gabor")
    settings = RunSettings(optimizer="adam", steps=300)
    everything = list(iterate(p, settings))
    stream = iterate(p, settings)
    bites = itertools.cycle([1, 5, 40, 2, 33])
    pieces: list = []
    while len(pieces) < len(everything):
        pieces.extend(itertools.islice(stream, next(bites)))
    _same_steps(everything, pieces)
