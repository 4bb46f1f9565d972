"""The loss alone (``Problem.loss``) is loss_and_grad's loss to the last bit, for every
problem kind, every shape of phi and every kind of batch, NaN and inf included."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from core_reference import problem
from formula_checks import FORMULAS
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.data import Dataset
from gradviz.core.losses import DOT_POINTS, DataFitProblem, Problem
from gradviz.core.models import DataModel, GaborModel
from gradviz.core.problems import MODELS, make_problem

FAST = settings(max_examples=40, deadline=None)

SHAPES = [(2,), (1, 2), (7, 2), (3, 4, 2)]

MODEL_FORMULAS = [
    "phi0 * exp(-phi1 * x)",
    "sin(phi0 + 0.06*phi1*x) * exp(-(phi0 + 0.06*phi1*x)**2 / 32)",
    "log(phi0 * x) + sqrt(phi1)",  # undefined for some phi: NaN
    "1 / (phi1 - x) + phi0**3",  # inf where phi1 meets a data point's x
    "tanh(phi0) * sigmoid(phi1 * x) - abs(x)**0.5",
    "phi0 + 2",  # no x: f broadcast over the data
]

SURFACE_FORMULAS = ["(1 - phi0)**2 + 100*(phi1 - phi0**2)**2", "log(phi0) * cos(phi1)", "3"]


def bits(value: object) -> bytes:
    return np.asarray(value, dtype=float).tobytes()


def assert_same_loss(p: Problem, phi: np.ndarray, batch: np.ndarray | None = None) -> None:
    with np.errstate(all="ignore"):
        alone = p.loss(phi, batch)
        with_grad = p.loss_and_grad(phi, batch)[0]
    assert np.shape(alone) == np.shape(with_grad) == phi.shape[:-1]
    assert bits(alone) == bits(with_grad)


def points(rng: np.random.Generator, p: Problem, shape: tuple[int, ...]) -> np.ndarray:
    """Points of ``shape`` over ``p``'s view grown by half its size on every side."""
    w = p.window
    u = rng.uniform(-0.5, 1.5, shape)
    low = np.array([w.phi0_min, w.phi1_min])
    return low + u * np.array([w.width, w.height])


def batches(rng: np.random.Generator, n: int | None, shape: tuple[int, ...]) -> list:
    """No batch, one batch that every point sees, and one batch per point."""
    if n is None:
        return [None]
    size = int(rng.integers(1, n + 1))
    return [None, rng.integers(0, n, size), rng.integers(0, n, shape[:-1] + (size,))]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", SHAPES)
@given(seed=st.integers(0, 2**32 - 1))
@FAST
def test_every_built_in_problem_has_loss_and_grads_loss(name, shape, seed) -> None:
    p = problem(name)
    rng = np.random.default_rng(seed)
    phi = points(rng, p, shape)
    for batch in batches(rng, p.n_points, shape):
        assert_same_loss(p, phi, batch)


@pytest.mark.parametrize("envelope", [2.0, 8.0, 100.0])
def test_the_gabor_model_at_other_envelopes(envelope, rng) -> None:
    p = problem("gabor", envelope)
    for shape in SHAPES:
        assert_same_loss(p, points(rng, p, shape))


@given(text=st.sampled_from(MODEL_FORMULAS), shape=st.sampled_from(SHAPES),
       seed=st.integers(0, 2**32 - 1))
@FAST
def test_formula_models_have_loss_and_grads_loss(text, shape, seed) -> None:
    p = make_problem("formula", "udl-gabor", expression=text, bounds="-3 3 -3 20",
                     guess="1 1")
    rng = np.random.default_rng(seed)
    phi = points(rng, p, shape)
    for batch in batches(rng, p.n_points, shape):
        assert_same_loss(p, phi, batch)


@given(text=FORMULAS, shape=st.sampled_from(SHAPES), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=200, deadline=None, derandomize=True)
def test_random_formula_models_have_loss_and_grads_loss(text, shape, seed) -> None:
    p = make_problem("formula", "udl-gabor", expression=text, bounds="-3 3 -3 3", guess="1 1")
    rng = np.random.default_rng(seed)
    phi = points(rng, p, shape)
    for batch in batches(rng, p.n_points, shape):
        assert_same_loss(p, phi, batch)


@given(text=st.sampled_from(SURFACE_FORMULAS), shape=st.sampled_from(SHAPES),
       seed=st.integers(0, 2**32 - 1))
@FAST
def test_formula_surfaces_have_loss_and_grads_loss(text, shape, seed) -> None:
    p = make_problem("formula-surface", expression=text)
    assert_same_loss(p, points(np.random.default_rng(seed), p, shape))


@dataclass(frozen=True)
class _Cubic(DataModel):
    """A model with derivatives only: its loss alone falls back on them."""

    name: ClassVar[str] = "cubic"
    title: ClassVar[str] = "Cubic model"
    axes = GaborModel.axes

    @property
    def formula(self) -> str:
        return "f[x, φ] = φ₀ x³ + sin(φ₁ x)"

    def evaluate(self, x, phi0, phi1):  # type: ignore[no-untyped-def]
        return phi0 * x**3 + np.sin(phi1 * x)

    def evaluate_with_gradient(self, x, phi0, phi1):  # type: ignore[no-untyped-def]
        f = phi0 * (x * x * x) + np.sin(phi1 * x)  # rounds unlike evaluate
        return f, np.broadcast_to(x * x * x, f.shape), x * np.cos(phi1 * x)


def test_a_model_without_its_own_loss_alone_falls_back_on_its_gradient(rng) -> None:
    base = problem("gabor")
    p = DataFitProblem(_Cubic(), base.data, base.window, base.start)
    for shape in SHAPES:
        phi = points(rng, p, shape)
        for batch in batches(rng, p.n_points, shape):
            assert_same_loss(p, phi, batch)


def large_problem(n: int) -> DataFitProblem:
    """The Gabor model on ``n`` points drawn around the built-in set."""
    rng = np.random.default_rng(n)
    x = rng.uniform(-15.0, 15.0, n)
    y = GaborModel().evaluate(x, 0.0, 15.0) + rng.normal(0.0, 0.1, x.size)
    base = problem("gabor")
    return DataFitProblem(base.model, Dataset("large", x, y), base.window, base.start)


@pytest.mark.parametrize("n", [DOT_POINTS, DOT_POINTS + 1, 2 * DOT_POINTS, 30_011])
def test_sums_over_many_points_in_chunks(n, rng) -> None:
    p = large_problem(n)
    for shape in SHAPES:
        assert_same_loss(p, points(rng, p, shape))
    phi = points(rng, p, (5, 2))
    loss, grad = p.loss_and_grad(phi)
    for row in range(5):  # each run of a batch as alone, to the bit
        alone_loss, alone_grad = p.loss_and_grad(phi[row])
        assert bits(loss[row]) == bits(alone_loss) and bits(grad[row]) == bits(alone_grad)
    residual = p.model.evaluate_with_gradient(p.data.x, phi[0, 0], phi[0, 1])[0] - p.data.y
    exact = math.fsum(residual * residual)
    assert abs(float(loss[0]) - exact) <= 1e-13 * exact


_LOSS_BITS = """
import numpy as np
from gradviz.core.data import Dataset
from gradviz.core.losses import DataFitProblem
from gradviz.core.models import GaborModel
x = np.random.default_rng(0).uniform(-15.0, 15.0, 100_003)
y = np.sin(x)
p = DataFitProblem(GaborModel(), Dataset("d", x, y), None, (0.0, 0.0))
loss, grad = p.loss_and_grad(np.array([-1.5, 8.5]))
print(loss.tobytes().hex(), grad.tobytes().hex())
"""


def test_a_loss_over_many_points_does_not_depend_on_the_number_of_threads() -> None:
    # One OpenBLAS dot product over all the points would: it splits among its threads.
    def loss_bits(threads: str) -> str:
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads,
               "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run([sys.executable, "-c", _LOSS_BITS], env=env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    assert loss_bits("1") == loss_bits("2") == loss_bits("4")
