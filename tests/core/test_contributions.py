"""Each data point's share of the gradient: the shares sum to the (batch) gradient."""

from __future__ import annotations

import numpy as np
import pytest
from core_reference import problem
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.contributions import NO_DATA, point_contributions

# The problem sums the points with one dot product (fused multiply-adds, its own
# order); the contributions are summed point by point: equal to rounding, not bitwise.
# Measured against the sum of the shares' sizes, so cancelling shares are fair.
RELATIVE = 1e-12

coordinates = st.floats(-30.0, 30.0, allow_nan=False, allow_infinity=False)


def assert_sums_to_the_gradient(name: str, phi: np.ndarray, batch: np.ndarray | None) -> None:
    p = problem(name)
    parts = point_contributions(p, phi, batch)
    expected = p.grad(phi, batch)
    size = np.abs(parts.grads).sum(axis=0)
    assert np.all(np.abs(parts.total - expected) <= RELATIVE * size + 1e-300)
    np.testing.assert_array_equal(parts.chain()[-1], np.cumsum(parts.grads, axis=0)[-1])


@settings(max_examples=60, deadline=None)
@given(phi0=coordinates, phi1=coordinates, name=st.sampled_from(["linear", "gabor"]))
def test_the_shares_of_all_the_data_sum_to_the_gradient(phi0, phi1, name):
    assert_sums_to_the_gradient(name, np.array([phi0, phi1]), None)


@settings(max_examples=60, deadline=None)
@given(phi0=coordinates, phi1=coordinates, name=st.sampled_from(["linear", "gabor"]),
       data=st.data())
def test_a_minibatchs_shares_sum_to_its_gradient(phi0, phi1, name, data):
    n = problem(name).dataset.n
    batch = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                        unique=True)))
    assert_sums_to_the_gradient(name, np.array([phi0, phi1]), batch)


def test_the_lectures_formula_for_the_line():
    # d l_i / d phi = (2 (phi0 + phi1 x_i - y_i), 2 x_i (phi0 + phi1 x_i - y_i)), the slide's.
    p = problem("linear")
    phi = np.array([0.6, -0.2])
    parts = point_contributions(p, phi)
    r = phi[0] + phi[1] * p.dataset.x - p.dataset.y
    np.testing.assert_allclose(parts.residuals, r, rtol=0, atol=1e-15)
    np.testing.assert_allclose(parts.grads, np.column_stack([2 * r, 2 * p.dataset.x * r]),
                               rtol=1e-15, atol=1e-15)
    assert float(np.sum(parts.residuals ** 2)) == pytest.approx(12.367, abs=5e-4)


def test_only_the_batchs_points_contribute_in_its_order():
    parts = point_contributions(problem("gabor"), np.array([-1.5, 6.5]), np.array([27, 15, 23]))
    assert parts.indices.tolist() == [27, 15, 23]
    assert parts.grads.shape == (3, 2) and parts.chain().shape == (4, 2)
    assert parts.position(15) == 1 and parts.position(0) is None


def test_bad_input_is_told():
    with pytest.raises(ValueError, match=NO_DATA):
        point_contributions(problem("ravine"), np.array([0.0, 0.0]))
    with pytest.raises(ValueError, match="0 … 11"):
        point_contributions(problem("linear"), np.array([0.0, 0.0]), np.array([12]))
    with pytest.raises(ValueError, match="one point"):
        point_contributions(problem("linear"), np.zeros((3, 2)))
