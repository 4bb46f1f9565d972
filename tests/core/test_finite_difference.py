"""The derivative as a limit: forward differences converge to the exact gradient as h
shrinks, in proportion to h, until rounding takes over."""

from __future__ import annotations

import numpy as np
import pytest
from core_reference import problem

from gradviz.core.finite_difference import TABLE_STEPS, forward_differences

POINTS = {"linear": (0.6, -0.2), "gabor": (0.6, -0.2), "ravine": (-0.7, -0.9)}


@pytest.mark.parametrize("name", sorted(POINTS))
def test_the_error_falls_in_proportion_to_h(name):
    p = problem(name)
    steps = 10.0 ** -np.arange(2, 7)  # 0.01 … 1e-6: truncation rules, rounding is far below
    fd = forward_differences(p, np.array(POINTS[name]), steps)
    error = np.abs(fd.error)
    ratios = error[:-1] / error[1:]  # each tenfold smaller h
    assert np.all((ratios > 9) & (ratios < 11)), ratios
    if p.capabilities.has_hessian:
        # The first-order term: the error over h tends to half the second derivative.
        second = np.diag(p.hessian(fd.phi))
        np.testing.assert_allclose(fd.error[2] / steps[2], second / 2, rtol=2e-3)


@pytest.mark.parametrize("name", sorted(POINTS))
def test_it_matches_the_exact_derivative_then_rounding_takes_over(name):
    p = problem(name)
    fd = forward_differences(p, np.array(POINTS[name]), TABLE_STEPS)
    np.testing.assert_array_equal(fd.exact, p.grad(fd.phi))
    assert fd.loss == p.loss(fd.phi[None])[0]
    best = fd.best()
    scale = np.abs(fd.exact).max()
    for k in (0, 1):
        assert abs(fd.error[best[k], k]) < 1e-6 * max(scale, 1.0)
        assert 1e-10 <= TABLE_STEPS[best[k]] <= 1e-6  # the floor, near the square root of eps
        # Below the best step the error grows again, and stays above one rounding over h.
        assert abs(fd.error[-1, k]) > abs(fd.error[best[k], k])
    assert np.all(np.abs(fd.error[-1]) > 0.01 * fd.rounding[-1])


def test_a_batch_and_bad_steps():
    p = problem("gabor")
    batch = np.array([1, 2, 3])
    fd = forward_differences(p, np.array([-1.5, 6.5]), [1e-6], batch)
    np.testing.assert_array_equal(fd.exact, p.grad(np.array([-1.5, 6.5]), batch))
    np.testing.assert_allclose(fd.quotients[0], fd.exact, rtol=1e-4)
    for bad in ([0.0], [-1e-3], [np.inf], []):
        with pytest.raises(ValueError, match="positive and finite"):
            forward_differences(p, np.array([0.0, 0.0]), bad)
    with pytest.raises(ValueError, match="one finite point"):
        forward_differences(p, np.array([np.nan, 0.0]), [1e-3])
