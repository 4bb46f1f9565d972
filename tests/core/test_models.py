"""Models f[x, phi]: formulas, analytic derivatives, broadcasting and loss grids."""

from __future__ import annotations

import math

import numpy as np
import pytest
from core_reference import UDL_GABOR_X, UDL_GABOR_Y, UDL_LINEAR_X, UDL_LINEAR_Y
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.models import DataModel, GaborModel, LinearModel

FAST = settings(max_examples=60, deadline=None)

ENVELOPES = (32.0, 8.0, 2.0, 100.0)


def reference_gabor(x: float, phi0: float, phi1: float, envelope: float = 32.0) -> float:
    """The lecture's formula, written out in scalar Python."""
    z = phi0 + 0.06 * phi1 * x
    return math.sin(z) * math.exp(-(z**2) / envelope)


def brute_loss(model: DataModel, x, y, phi0: float, phi1: float) -> float:
    return float(sum((model.evaluate(xi, phi0, phi1) - yi) ** 2 for xi, yi in zip(x, y)))


@pytest.mark.parametrize(
    ("model", "x", "y", "phi", "expected", "tol"),
    [
        # lecture-math.md, "Check values".
        (LinearModel(), UDL_LINEAR_X, UDL_LINEAR_Y, (0.6, -0.2), 12.367, 5e-4),
        (GaborModel(), UDL_GABOR_X, UDL_GABOR_Y, (0.6, -0.2), 16.419, 5e-4),
        (GaborModel(), UDL_GABOR_X, UDL_GABOR_Y, (-1.5, 6.5), 12.7665, 5e-5),
    ],
    ids=["linear(0.6,-0.2)", "gabor(0.6,-0.2)", "gabor(-1.5,6.5)"],
)
def test_lecture_check_values(model, x, y, phi, expected, tol) -> None:
    assert brute_loss(model, x, y, *phi) == pytest.approx(expected, abs=tol)
    grid = model.loss_grid(np.array(x), np.array(y), np.array([phi[0]]), np.array([phi[1]]))
    assert grid.shape == (1, 1)
    assert grid[0, 0] == pytest.approx(expected, abs=tol)


@given(
    x=st.floats(-20, 20),
    phi0=st.floats(-10, 10),
    phi1=st.floats(-25, 25),
    envelope=st.sampled_from(ENVELOPES),
)
@FAST
def test_gabor_matches_the_lecture_formula(x, phi0, phi1, envelope) -> None:
    model = GaborModel(envelope)
    assert float(model.evaluate(x, phi0, phi1)) == pytest.approx(
        reference_gabor(x, phi0, phi1, envelope), rel=1e-12, abs=1e-14
    )


@given(x=st.floats(-100, 100), phi0=st.floats(-100, 100), phi1=st.floats(-100, 100))
@FAST
def test_linear_matches_the_lecture_formula(x, phi0, phi1) -> None:
    assert float(LinearModel().evaluate(x, phi0, phi1)) == pytest.approx(
        phi0 + phi1 * x, rel=1e-12, abs=1e-12
    )


def test_gabor_default_envelope_is_the_books_32() -> None:
    # The slide prints 8.0 but the book, notebooks and plots use 32.
    assert GaborModel().envelope == 32.0
    assert "32" in GaborModel().formula
    assert "8" in GaborModel(8.0).formula


@pytest.mark.parametrize("envelope", [0.0, -1.0, math.nan, math.inf])
def test_gabor_rejects_a_bad_envelope(envelope: float) -> None:
    with pytest.raises(ValueError, match="envelope"):
        GaborModel(envelope)


MODELS_UNDER_TEST = [LinearModel()] + [GaborModel(e) for e in ENVELOPES]
MODEL_IDS = ["linear"] + [f"gabor/{e:g}" for e in ENVELOPES]


@pytest.mark.parametrize("model", MODELS_UNDER_TEST, ids=MODEL_IDS)
@given(x=st.floats(-15, 15), phi0=st.floats(-10, 10), phi1=st.floats(-25, 25))
@FAST
def test_model_derivatives_match_central_differences(model, x, phi0, phi1) -> None:
    f, d0, d1 = model.evaluate_with_gradient(np.float64(x), phi0, phi1)
    assert float(f) == pytest.approx(float(model.evaluate(x, phi0, phi1)), rel=1e-12, abs=1e-14)
    # f and its derivatives are O(1) here (|0.06 x| <= 0.9), so an absolute
    # tolerance far above the O(h^2 + eps/h) error of the difference is safe.
    h = 1e-6
    fd0 = (model.evaluate(x, phi0 + h, phi1) - model.evaluate(x, phi0 - h, phi1)) / (2 * h)
    fd1 = (model.evaluate(x, phi0, phi1 + h) - model.evaluate(x, phi0, phi1 - h)) / (2 * h)
    assert float(d0) == pytest.approx(float(fd0), abs=1e-7 * (1 + abs(x)))
    assert float(d1) == pytest.approx(float(fd1), abs=1e-7 * (1 + abs(x)))


@pytest.mark.parametrize("model", MODELS_UNDER_TEST, ids=MODEL_IDS)
def test_model_broadcasts_x_against_phi(model, rng) -> None:
    x = rng.uniform(-15, 15, 7)
    phi0 = rng.uniform(-3, 3, (4, 1))
    phi1 = rng.uniform(0, 20, (4, 1))
    f, d0, d1 = model.evaluate_with_gradient(x, phi0, phi1)
    assert f.shape == d0.shape == d1.shape == (4, 7)
    for i in range(4):
        for j in range(7):
            fi, d0i, d1i = model.evaluate_with_gradient(x[j], float(phi0[i, 0]), float(phi1[i, 0]))
            assert f[i, j] == pytest.approx(float(fi), rel=1e-12, abs=1e-15)
            assert d0[i, j] == pytest.approx(float(d0i), rel=1e-12, abs=1e-15)
            assert d1[i, j] == pytest.approx(float(d1i), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("model", MODELS_UNDER_TEST, ids=MODEL_IDS)
def test_loss_grid_matches_brute_force(model, rng) -> None:
    x = rng.uniform(-12, 12, 25)
    y = rng.normal(0, 1, 25)
    phi0 = np.linspace(-4, 4, 9)
    phi1 = np.linspace(-5, 20, 6)
    grid = model.loss_grid(x, y, phi0, phi1)
    assert grid.shape == (phi1.size, phi0.size)  # rows over phi1, columns over phi0
    expected = np.array([[brute_loss(model, x, y, p0, p1) for p0 in phi0] for p1 in phi1])
    np.testing.assert_allclose(grid, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("model", MODELS_UNDER_TEST, ids=MODEL_IDS)
def test_loss_grid_of_many_points_is_chunked_correctly(model, rng) -> None:
    # Enough data and columns that the generic form needs several row chunks.
    x = rng.uniform(-12, 12, 300)
    y = rng.normal(0, 1, 300)
    phi0 = np.linspace(-4, 4, 301)
    phi1 = np.linspace(-5, 20, 7)
    grid = model.loss_grid(x, y, phi0, phi1)
    residual = model.evaluate(x, phi0[None, :, None], phi1[:, None, None]) - y
    np.testing.assert_allclose(grid, (residual**2).sum(axis=-1), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize(
    ("model", "meanings"),
    [(LinearModel(), ("intercept", "slope")), (GaborModel(), ("offset", "frequency"))],
)
def test_axis_names(model, meanings) -> None:
    assert tuple(a.name for a in model.axes) == ("phi0", "phi1")
    assert tuple(a.meaning for a in model.axes) == meanings
    assert model.axes[1].label == f"φ₁ ({meanings[1]})"
