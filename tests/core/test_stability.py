"""The step-size bound: the linear model's exact 2 / λmax at its minimum, the regimes of
gradient descent around it, and the local bound of other losses."""

from __future__ import annotations

import numpy as np
import pytest

import gradviz
from gradviz.core.problems import make_problem
from gradviz.core.stability import (
    Curvature,
    Regime,
    is_quadratic,
    minibatch,
    rate_words,
    stability,
    stable_rate,
    step_bound,
    takes_plain_steps,
)

START = (1.6, -0.5)  # scene 2's


@pytest.fixture(scope="module")
def linear():
    return make_problem("linear")


def test_the_linear_bound_is_two_over_the_largest_eigenvalue_at_the_minimum(linear):
    assert is_quadratic(linear)
    curvature = stability(linear)
    assert not curvature.local and curvature.positive_definite
    np.testing.assert_allclose(curvature.point, linear.known_minima()[0], rtol=1e-12)
    values = np.linalg.eigvalsh(linear.hessian(np.array(START)))
    np.testing.assert_allclose(curvature.eigenvalues, values, rtol=1e-12)
    assert curvature.lambda_max == pytest.approx(50.03, abs=0.005)  # scene 2's comment
    assert curvature.bound == pytest.approx(2.0 / values.max(), rel=1e-12)
    assert curvature.describe() == "2/λmax = 0.0400"  # scene 2: "about 0.040"
    h, v = curvature.hessian, curvature.eigenvectors
    np.testing.assert_allclose(h @ v, v * curvature.eigenvalues, atol=1e-12)


def _run(problem, lr, steps=400):
    return gradviz.run(problem, gradviz.RunSettings("gd", {"lr": lr}, start=START, steps=steps))


def test_just_below_the_bound_gd_converges_just_above_it_diverges(linear):
    curvature = stability(linear)
    minimum = linear.loss(curvature.point)
    below = _run(linear, 0.98 * curvature.bound)
    assert below.diverged_at is None
    assert below.loss[-1] == pytest.approx(float(minimum), rel=1e-9)
    np.testing.assert_allclose(below.phi[-1], curvature.point, atol=1e-6)
    above = _run(linear, 1.02 * curvature.bound)
    assert above.diverged_at is not None
    assert above.loss[above.diverged_at - 1] > 100 * linear.loss(np.array(START))


def _sign_changes(problem, curvature, lr, steps=10):
    # Few steps: at 0.9 / λmax the top direction's distance shrinks tenfold a step, to
    # rounding noise (of either sign) after about 16.
    path = _run(problem, lr, steps).phi
    along_top = (path - curvature.point) @ curvature.eigenvectors[:, -1]
    return int(np.sum(np.sign(along_top[1:]) != np.sign(along_top[:-1])))


def test_below_one_over_lambda_max_monotone_above_it_oscillates(linear):
    curvature = stability(linear)
    one = curvature.monotone_limit
    assert curvature.regime(0.9 * one) is Regime.MONOTONE
    assert curvature.regime(1.5 * one) is Regime.OSCILLATES
    assert curvature.regime(0.042) is Regime.DIVERGES  # scene 2's rate
    assert _sign_changes(linear, curvature, 0.9 * one) == 0
    assert _sign_changes(linear, curvature, 1.5 * one) == 10  # every step crosses the floor
    bands = curvature.bands()
    assert [b[2] for b in bands] == list(Regime)
    assert bands[0][0] == 0.0 and bands[1][1] == bands[2][0] == curvature.bound
    assert bands[2][1] == np.inf


def test_the_gabor_bound_is_local_at_the_point_asked_about():
    gabor = make_problem("gabor")
    assert not is_quadratic(gabor)
    with pytest.raises(ValueError, match="local"):
        stability(gabor)
    near_minimum = np.array([0.0, 15.0])
    curvature = stability(gabor, near_minimum)
    assert curvature.local and curvature.positive_definite
    np.testing.assert_array_equal(curvature.point, near_minimum)
    largest = np.linalg.eigvalsh(gabor.hessian(near_minimum))[-1]
    assert curvature.bound == pytest.approx(2.0 / largest)
    assert curvature.describe().startswith("local bound at the current point: 2/λmax = ")


def test_where_the_hessian_is_not_positive_definite_there_is_no_bound_and_it_says_so():
    gabor = make_problem("gabor")
    curvature = stability(gabor, np.array(gabor.start))
    assert not curvature.positive_definite
    assert curvature.bound is None and curvature.regime(0.1) is None and curvature.bands() == ()
    assert "not positive definite" in curvature.describe()
    saddle = make_problem("saddle")
    assert stability(saddle, np.array([0.0, 0.0])).bound is None


def test_only_plain_gradient_steps_have_this_bound():
    assert takes_plain_steps("gd") and takes_plain_steps("sgd")
    assert not any(takes_plain_steps(name) for name in ("momentum", "nesterov", "adam", "nope"))


def test_full_batch_words_say_what_the_rate_does(linear):
    curvature = stability(linear)
    assert rate_words(curvature, 0.042) == "2/\u2060λmax = 0.0400; α = 0.042 diverges"
    assert rate_words(curvature, 0.01).endswith("α = 0.01 converges monotonically")


def test_for_minibatches_the_words_give_the_full_batch_bound_and_claim_nothing_of_the_run():
    gabor = make_problem("gabor")  # 30 points; scene 9 runs SGD at 0.6 in batches of 5
    curvature = stability(gabor, np.array([0.25, 13.8]))
    assert curvature.regime(0.6) is Regime.DIVERGES  # full-batch descent would diverge
    n = gabor.n_points
    assert minibatch(5, n) == 5 and minibatch(n, n) is None and minibatch(None, n) is None
    words = rate_words(curvature, 0.6, minibatch(5, n), n)
    assert "full-batch 2/\u2060λmax" in words and f"all {n} points" in words
    assert "full-batch descent would diverge" in words and "batch of 5" in words
    assert " diverges" not in words  # the run of batches of 5 need not: scene 9's does not


def test_where_the_loss_is_undefined_there_is_no_bound_whatever_the_hessian_says():
    # log(phi0) + phi0**2 at phi0 = -2: the loss is NaN, the formal Hessian
    # (-1/phi0**2 + 2, 2) positive definite.
    surface = make_problem("formula-surface", expression="log(phi0) + phi1**2 + phi0**2")
    curvature = step_bound(surface, "gd", np.array([-2.0, 1.0]))
    assert curvature is not None and curvature.positive_definite and not curvature.loss_defined
    assert curvature.bound is None and curvature.regime(0.1) is None and curvature.bands() == ()
    assert "the loss is undefined at φ = (-2, 1)" in curvature.describe()
    assert rate_words(curvature, 0.1) == curvature.describe()
    assert step_bound(surface, "gd", np.array([2.0, 1.0])).bound is not None


def _curvature(lambda_max: float) -> Curvature:
    values = np.array([1e-3, lambda_max])
    return Curvature(np.zeros(2), np.diag(values), values, np.eye(2), local=False)


def test_a_rate_at_or_above_the_bound_is_lowered_to_a_round_one_below_it(linear):
    curvature = stability(linear)  # 2/λmax = 0.03998
    assert stable_rate(curvature, 0.02) == 0.02  # stable: kept, to the bit
    assert stable_rate(curvature, 0.1) == stable_rate(curvature, 0.03998) == 0.02
    assert _run(linear, stable_rate(curvature, 0.1)).diverged_at is None
    assert stable_rate(_curvature(50.0), 0.04) == 0.02  # a round bound is itself unstable
    assert stable_rate(_curvature(50.0), 0.5) == 0.02
    assert stable_rate(_curvature(4e3), 0.1) == 0.0002  # 2/λmax = 0.0005
    assert stable_rate(_curvature(4e7), 0.1, least=1e-6) == 1e-6  # none is stable: the least


def test_without_a_bound_the_rate_is_kept():
    assert stable_rate(None, 0.3) == 0.3
    saddle = Curvature(np.zeros(2), np.diag([-1.0, 1.0]), np.array([-1.0, 1.0]), np.eye(2),
                       local=True)
    assert stable_rate(saddle, 0.3) == 0.3
