"""Exact second derivatives against central differences of the exact gradient."""

from __future__ import annotations

import numpy as np
import pytest
from core_reference import problem
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.problems import MODELS, make_problem
from gradviz.core.space import Window

FAST = settings(max_examples=50, deadline=None)

# Every problem, and the Gabor model with other envelopes (the slide's 8 among them).
CASES = [(name, 32.0) for name in MODELS] + [("gabor", 8.0), ("gabor", 2.0), ("gabor", 100.0)]
CASE_IDS = [f"{name}/{env:g}" if name == "gabor" else name for name, env in CASES]


def phi_in(window: Window, u: float, v: float) -> np.ndarray:
    """A point of ``window`` grown by half its size on every side; u, v in [0, 1]."""
    return np.array([window.phi0_min + (2 * u - 0.5) * window.width,
                     window.phi1_min + (2 * v - 0.5) * window.height])


def gradient_differences(problem_, phi: np.ndarray, batch=None) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of the gradient (column k: d grad / d phi_k) and a bound on
    their error: rounding (eps |g| / h) and truncation (estimated from two steps)."""
    fd = []
    for h_scale in (1e-5, 2e-5):
        columns = []
        for k in range(2):
            h = h_scale * (1.0 + abs(phi[k]))
            e = np.zeros(2)
            e[k] = h
            columns.append((problem_.grad(phi + e, batch) - problem_.grad(phi - e, batch)) / (2 * h))
        fd.append(np.column_stack(columns))
    size = float(np.max(np.abs(problem_.grad(phi, batch)))) + float(np.max(np.abs(fd[0])))
    rounding = 1e-15 * (1.0 + size) / (1e-5 * (1.0 + np.abs(phi)))[None, :]
    truncation = np.abs(fd[1] - fd[0])
    return fd[0], 100 * rounding + 10 * truncation + 1e-9


@pytest.mark.parametrize(("name", "envelope"), CASES, ids=CASE_IDS)
@FAST
@given(u=st.floats(0, 1), v=st.floats(0, 1))
def test_hessian_matches_central_differences_of_the_gradient(name, envelope, u, v) -> None:
    p = problem(name, envelope)
    assert p.capabilities.has_hessian
    phi = phi_in(p.window, u, v)
    exact = p.hessian(phi)
    fd, tolerance = gradient_differences(p, phi)
    assert exact.shape == (2, 2)
    assert exact[0, 1] == exact[1, 0]
    assert np.all(np.abs(exact - fd) <= tolerance), (exact, fd, tolerance)


@pytest.mark.parametrize("name", ["linear", "gabor"])
@FAST
@given(u=st.floats(0, 1), v=st.floats(0, 1), data=st.data())
def test_minibatch_hessian_matches_central_differences(name, u, v, data) -> None:
    p = problem(name)
    batch = np.array(data.draw(st.lists(st.integers(0, p.n_points - 1), min_size=1,
                                        max_size=8, unique=True)))
    phi = phi_in(p.window, u, v)
    fd, tolerance = gradient_differences(p, phi, batch)
    assert np.all(np.abs(p.hessian(phi, batch) - fd) <= tolerance)


def test_the_linear_fit_is_quadratic_so_its_hessian_is_constant() -> None:
    p = make_problem("linear")
    x = p.data.x
    expected = 2.0 * np.array([[x.size, x.sum()], [x.sum(), x @ x]])
    for phi in ([0.0, 0.0], [1.6, -0.5], [-300.0, 2e4]):
        np.testing.assert_allclose(p.hessian(np.array(phi)), expected, rtol=1e-14)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", [(3,), (4, 5)])
def test_hessian_broadcasts_over_leading_axes(name, shape, rng) -> None:
    p = problem(name)
    w = p.window
    phi = np.stack([rng.uniform(w.phi0_min, w.phi0_max, shape),
                    rng.uniform(w.phi1_min, w.phi1_max, shape)], axis=-1)
    stacked = p.hessian(phi)
    assert stacked.shape == (*shape, 2, 2)
    for index in np.ndindex(*shape):
        np.testing.assert_allclose(stacked[index], p.hessian(phi[index]), rtol=1e-12, atol=1e-12)
