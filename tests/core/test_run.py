"""Runs: the notebook numbers, recorded steps, divergence and settings."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from core_reference import problem
from hypothesis import given, settings
from hypothesis import strategies as st

import gradviz
from gradviz.core.batching import batches
from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import MODELS, make_problem
from gradviz.core.run import RunSettings, Step, Trajectory, iterate, run
from gradviz.core.schedules import parse_schedule

# lecture-math.md, "Numbers to reproduce" (notebook 6_4).
NOTEBOOK = [
    ("sgd", {}, 0.9363, (0.0363, 14.4101)),
    ("momentum", {}, 0.7459, (0.0210, 15.0705)),
    ("nesterov", {}, 0.8034, (0.0374, 14.8278)),
    ("nesterov", {"lookahead": "slide"}, 0.8034, (0.0374, 14.8278)),
    ("nesterov", {"lookahead": "book"}, 0.8009, None),
]
NOTEBOOK_IDS = ["sgd", "momentum", "nesterov", "nesterov-slide", "nesterov-book"]


@pytest.mark.parametrize(("optimizer", "extra", "loss", "phi"), NOTEBOOK, ids=NOTEBOOK_IDS)
def test_notebook_6_4_numbers_with_defaults(optimizer, extra, loss, phi) -> None:
    path = gradviz.run(
        gradviz.make_problem("gabor"), optimizer=optimizer, batching="notebook", seed=1,
        steps=81, **extra,
    )
    # The defaults resolve to the notebook's recipe.
    resolved = path.settings
    assert resolved.hyperparameters["lr"] == 0.6
    assert resolved.batch_size == 5
    assert resolved.start == (-1.5, 6.5)
    if optimizer != "sgd":
        assert resolved.hyperparameters["beta"] == 0.6
    assert path.updates == 81 and path.diverged_at is None
    assert path.final_loss == pytest.approx(loss, abs=5e-5)
    if phi is not None:
        np.testing.assert_allclose(path.final_phi, phi, atol=5e-5)
    assert f"final loss = {loss:.4f}" in path.summary()


@pytest.mark.parametrize(("optimizer", "extra", "loss", "phi"), NOTEBOOK, ids=NOTEBOOK_IDS)
def test_notebook_6_4_numbers_with_explicit_settings(optimizer, extra, loss, phi) -> None:
    hyper = {"lr": 0.6, **({} if optimizer == "sgd" else {"beta": 0.6}), **extra}
    settings_ = RunSettings(
        optimizer=optimizer, hyperparameters=hyper, batch_size=5, batching="notebook", seed=1,
        start=(-1.5, 6.5), steps=81,
    )
    path = run(make_problem("gabor", envelope=32.0), settings_)
    assert path.final_loss == pytest.approx(loss, abs=5e-5)
    if phi is not None:
        np.testing.assert_allclose(path.final_phi, phi, atol=5e-5)
    # Keyword overrides give the same run.
    again = run(make_problem("gabor"), optimizer=optimizer, batching="notebook", seed=1,
                steps=81, batch_size=5, start=(-1.5, 6.5), **hyper)
    np.testing.assert_array_equal(again.phi, path.phi)


def test_notebook_sgd_by_hand() -> None:
    # SGD written out as the notebook does it, independently of the optimizer classes.
    p = make_problem("gabor")
    legacy = np.random.RandomState(1)
    phi = np.array([-1.5, 6.5])
    x, y = p.data.x, p.data.y
    for _ in range(81):
        batch = legacy.permutation(30)[:5]
        z = phi[0] + 0.06 * phi[1] * x[batch]
        f = np.sin(z) * np.exp(-(z**2) / 32)
        dfdz = np.cos(z) * np.exp(-(z**2) / 32) - f * 2 * z / 32
        r = f - y[batch]
        phi = phi - 0.6 * np.array([2 * r @ dfdz, 2 * r @ (dfdz * 0.06 * x[batch])])
    path = run(p, optimizer="sgd", batching="notebook", seed=1, steps=81)
    np.testing.assert_allclose(path.final_phi, phi, rtol=1e-10)


def test_steps_record_what_each_update_did() -> None:
    p = problem("gabor")
    settings_ = RunSettings(optimizer="sgd", batching="notebook", seed=3, steps=25,
                            schedule="step:every=10,factor=0.5")
    steps = list(iterate(p, settings_))
    assert len(steps) == 26
    start = steps[0]
    assert start.update == 0 and start.epoch == 0 and not start.diverged
    np.testing.assert_array_equal(start.phi, p.start)
    assert start.loss == pytest.approx(12.7665, abs=5e-5)
    assert math.isnan(start.batch_loss) and math.isnan(start.lr)
    assert start.batch is None and np.all(np.isnan(start.grad))
    expected_batches = itertools.islice(batches(30, 5, "notebook", 3), 25)
    schedule = parse_schedule("step:every=10,factor=0.5")
    for previous, step, (epoch, batch) in zip(steps, steps[1:], expected_batches):
        assert step.update == previous.update + 1
        assert step.epoch == epoch == (previous.update * 5) // 30
        np.testing.assert_array_equal(step.batch, batch)
        assert step.lr == schedule.rate(previous.update, 0.6)
        batch_loss, grad = p.loss_and_grad(previous.phi, batch)
        assert step.batch_loss == pytest.approx(float(batch_loss), rel=1e-12)
        np.testing.assert_allclose(step.grad, grad, rtol=1e-12)
        np.testing.assert_allclose(step.phi, previous.phi - step.lr * grad, rtol=1e-12)
        assert step.loss == pytest.approx(float(p.loss(step.phi)), rel=1e-12)  # all 30 points
        assert not step.diverged


def test_trajectory_collects_the_steps() -> None:
    p = problem("linear")
    settings_ = RunSettings(optimizer="momentum", batching="epoch", seed=2, steps=13)
    steps = list(iterate(p, settings_))
    path = run(p, settings_)
    assert isinstance(path, Trajectory)
    assert path.phi.shape == (14, 2)
    np.testing.assert_array_equal(path.update, np.arange(14))
    np.testing.assert_array_equal(path.phi, [s.phi for s in steps])
    np.testing.assert_array_equal(path.loss, [s.loss for s in steps])
    np.testing.assert_array_equal(path.epoch, [s.epoch for s in steps])
    np.testing.assert_array_equal(path.lr[1:], [s.lr for s in steps[1:]])
    assert math.isnan(path.lr[0]) and math.isnan(path.batch_loss[0])
    assert path.batches[0] is None
    assert [len(b) for b in path.batches[1:]] == [5, 5, 2] * 4 + [5]  # N = 12, B = 5
    assert path.epoch.tolist() == [0] + [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4]
    assert path.final_loss == path.loss[-1]
    assert path.summary() == (
        f"final phi = ({path.phi[-1, 0]:.4f}, {path.phi[-1, 1]:.4f}), "
        f"final loss = {path.loss[-1]:.4f}, 13 updates"
    )


@pytest.mark.parametrize("model", ["linear", "ravine"])
def test_full_batch_runs_record_no_batches(model) -> None:
    steps = list(iterate(problem(model), RunSettings(optimizer="gd", steps=4)))
    assert [s.batch for s in steps] == [None] * 5
    assert [s.epoch for s in steps] == [0, 0, 1, 2, 3]  # each full-batch update is an epoch
    for previous, step in zip(steps, steps[1:]):
        assert step.batch_loss == pytest.approx(previous.loss, rel=1e-15)


def test_zero_steps() -> None:
    path = run(problem("gabor"), steps=0)
    assert path.phi.shape == (1, 2) and path.updates == 0 and path.diverged_at is None


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("model", MODELS)
def test_every_optimizer_runs_on_every_problem(optimizer, model) -> None:
    p = problem(model)
    path = run(p, optimizer=optimizer, steps=60)
    assert path.diverged_at is None
    assert np.all(np.isfinite(path.phi)) and np.all(np.isfinite(path.loss))
    assert path.final_loss < path.loss[0]
    assert path.settings.hyperparameters["lr"] == p.recommended_lr[optimizer]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_same_settings_same_path(optimizer) -> None:
    p = problem("gabor")
    a = run(p, optimizer=optimizer, batch_size=5, seed=9, steps=40)
    b = run(p, optimizer=optimizer, batch_size=5, seed=9, steps=40)
    np.testing.assert_array_equal(a.phi, b.phi)
    assert [x.tolist() for x in a.batches[1:]] == [x.tolist() for x in b.batches[1:]]
    c = run(p, optimizer=optimizer, batch_size=5, seed=10, steps=40)
    assert not np.array_equal(a.phi, c.phi)


def test_gabor_with_a_huge_rate_diverges_and_is_reported() -> None:
    path = run(problem("gabor"), lr=100.0)
    assert path.diverged_at == 1
    assert path.summary().endswith("; diverged at step 1")
    # The finite prefix is kept: here just the start point.
    np.testing.assert_array_equal(path.phi, [[-1.5, 6.5]])
    assert np.all(np.isfinite(path.loss))
    steps = list(iterate(problem("gabor"), RunSettings(hyperparameters={"lr": 100.0})))
    assert len(steps) == 2 and steps[-1].diverged and not steps[0].diverged


def test_linear_with_rate_0_045_oscillates_then_diverges() -> None:
    p = problem("linear")
    path = run(p, lr=0.045, steps=200)
    assert path.diverged_at is not None and path.diverged_at > 5
    assert path.updates == path.diverged_at - 1
    assert f"diverged at step {path.diverged_at}" in path.summary()
    assert np.all(np.isfinite(path.phi)) and np.all(np.isfinite(path.loss))
    # 0.045 is above 2 / lambda_max of the Hessian 2 X^T X (about 0.040), so the
    # distance from the minimum along the steepest direction flips sign each
    # update and grows.
    x = p.data.x
    hessian = 2 * np.array([[x.size, x.sum()], [x.sum(), x @ x]])
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    assert 2 / eigenvalues[-1] < 0.045 < 2 / eigenvalues[0]
    best, _ = p.minimum(gradviz.Window(-100, 100, -100, 100))
    along = (path.phi - best) @ eigenvectors[:, -1]
    assert np.all(np.sign(along[1:]) == -np.sign(along[:-1]))
    assert np.all(np.abs(along[1:]) > np.abs(along[:-1]))
    assert path.loss[-1] > 100 * path.loss[0]
    # Just below the threshold the same run converges.
    assert run(p, lr=0.039, steps=200).diverged_at is None


@given(
    model=st.sampled_from(MODELS),
    optimizer=st.sampled_from(list(OPTIMIZERS)),
    log_lr=st.floats(-3, 3),
    seed=st.integers(0, 1000),
    schedule=st.sampled_from(["constant", "cosine:period=10,warmup=3"]),
)
@settings(max_examples=80, deadline=None)
def test_runs_yield_finite_values_except_a_final_diverged_step(
    model, optimizer, log_lr, seed, schedule
) -> None:
    p = problem(model)
    settings_ = RunSettings(optimizer=optimizer, hyperparameters={"lr": 10.0**log_lr},
                            seed=seed, steps=30, schedule=schedule)
    steps = list(iterate(p, settings_))
    for step in steps[:-1]:
        assert not step.diverged
    for step in steps:
        if step.diverged:
            continue
        assert np.all(np.isfinite(step.phi)) and math.isfinite(step.loss)
        if step.update > 0:
            assert math.isfinite(step.batch_loss) and math.isfinite(step.lr)
            assert np.all(np.isfinite(step.grad))
    if steps[-1].diverged:
        assert steps[-1].update < 30
    else:
        assert steps[-1].update == 30
    path = Trajectory.from_steps(settings_, steps)
    assert path.diverged_at == (steps[-1].update if steps[-1].diverged else None)
    assert np.all(np.isfinite(path.phi)) and np.all(np.isfinite(path.loss))


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "optimizer", "batch_size"),
    [("gabor", "sgd", 5), ("gabor", "momentum", 5), ("gabor", "nesterov", 5),
     ("gabor", "gd", 30), ("gabor", "adam", 30), ("linear", "sgd", 5), ("ravine", "sgd", None)],
)
def test_resolve_fills_problem_dependent_defaults(model, optimizer, batch_size) -> None:
    p = problem(model)
    resolved = RunSettings(optimizer=optimizer).resolve(p)
    assert resolved.batch_size == batch_size
    assert resolved.start == p.start
    assert resolved.hyperparameters["lr"] == p.recommended_lr[optimizer]
    assert set(resolved.hyperparameters) == {h.name for h in OPTIMIZERS[optimizer].hyperparameters}
    assert resolved.resolve(p) == resolved


def test_settings_round_trip_through_plain_data() -> None:
    original = RunSettings(optimizer="nesterov", hyperparameters={"lr": 0.3, "lookahead": "book"},
                           schedule="cosine:period=50", batch_size=7, batching="fixed", seed=4,
                           start=(0.5, 10.0), steps=33)
    data = original.to_dict()
    assert data["start"] == [0.5, 10.0]
    assert RunSettings.from_dict(data) == original
    with pytest.raises(ValueError, match="unknown run setting.*colour"):
        RunSettings.from_dict({**data, "colour": "red"})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"optimizer": "lbfgs"}, HyperParameterError, "unknown optimizer 'lbfgs'"),
        ({"hyperparameters": {"lr": -1}}, HyperParameterError, "lr must be between"),
        ({"hyperparameters": {"rho": 0.9}}, HyperParameterError, "'rho'"),
        ({"schedule": "step:every=0"}, HyperParameterError, "every"),
        ({"batching": "shuffle"}, ValueError, "unknown batching 'shuffle'"),
        ({"steps": -1}, ValueError, "steps"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 2**32}, ValueError, "seed"),
        ({"seed": 1.5}, ValueError, "seed must be a whole number"),
        ({"seed": 1.0}, ValueError, "seed must be a whole number"),
        ({"seed": True}, ValueError, "seed must be a whole number"),
        ({"steps": 2.5}, ValueError, "steps must be a whole number"),
        ({"steps": "5"}, ValueError, "steps must be a whole number"),
        ({"batch_size": 0}, ValueError, "batch size"),
        ({"start": (math.nan, 0.0)}, ValueError, "start must be finite"),
    ],
)
def test_bad_settings_raise(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        RunSettings(**kwargs)


@pytest.mark.parametrize(
    ("model", "overrides", "match"),
    [
        ("gabor", {"batch_size": 31}, "between 1 and 30"),
        ("gabor", {"batch_size": 2.5}, "whole number"),
        ("linear", {"optimizer": "sgd", "batch_size": 13}, "between 1 and 12"),
        ("ravine", {"batch_size": 5}, "no data"),
    ],
)
def test_batch_sizes_that_do_not_fit_the_problem(model, overrides, match) -> None:
    with pytest.raises(ValueError, match=match):
        run(problem(model), **overrides)


def test_numpy_integers_are_whole_numbers() -> None:
    path = run(problem("gabor"), optimizer="sgd", seed=np.int64(1), steps=np.int32(3))
    assert path.updates == 3


def test_unknown_keyword_is_a_hyperparameter_error_naming_it() -> None:
    with pytest.raises(HyperParameterError, match="'momentum'"):
        run(problem("gabor"), optimizer="sgd", momentum=0.9)
    with pytest.raises(HyperParameterError, match="beta must be between"):
        run(problem("gabor"), optimizer="momentum", beta=1.5)


def test_run_keyword_hyperparameters_merge_with_settings() -> None:
    base = RunSettings(optimizer="momentum", hyperparameters={"beta": 0.9}, steps=5)
    path = run(problem("gabor"), base, lr=0.1)
    assert dict(path.settings.hyperparameters) == {"lr": 0.1, "beta": 0.9}


def test_step_is_plain_data() -> None:
    step = next(iterate(problem("ravine"), RunSettings(steps=1)))
    assert isinstance(step, Step) and isinstance(step, tuple)
    assert step._fields[:8] == ("update", "epoch", "phi", "loss", "batch_loss", "lr", "batch",
                                "grad")
