"""Problems: losses and analytic gradients, broadcasting, defaults, minima and specs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from core_reference import DATA_MODELS, problem
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.data import DataError
from gradviz.core.problems import (
    MODELS,
    DataFitProblem,
    ProblemSpec,
    describe_models,
    has_data,
    make_problem,
)
from gradviz.core.space import Window

FAST = settings(max_examples=50, deadline=None)

# Every problem once, and the Gabor model with other envelopes (the slide's 8 among them).
CASES = [(name, 32.0) for name in MODELS] + [("gabor", 8.0), ("gabor", 2.0), ("gabor", 100.0)]
CASE_IDS = [f"{name}/{env:g}" if name == "gabor" else name for name, env in CASES]


def phi_in(window: Window, u: float, v: float) -> np.ndarray:
    """A point of ``window`` grown by half its size on every side; u, v in [0, 1]."""
    return np.array(
        [
            window.phi0_min + (2 * u - 0.5) * window.width,
            window.phi1_min + (2 * v - 0.5) * window.height,
        ]
    )


def central_difference(problem_, phi: np.ndarray, batch=None) -> tuple[np.ndarray, float]:
    """Central-difference gradient and a bound on its error.

    The step is relative to phi; the bound covers rounding (eps |L| / h) and
    truncation (h^2 |L'''| / 6, estimated from two step sizes) with a wide
    safety margin, so the comparison is strict where L is smooth and never flaky.
    """
    fd = []
    for h_scale in (1e-5, 2e-5):
        g = np.empty(2)
        for k in range(2):
            h = h_scale * (1.0 + abs(phi[k]))
            e = np.zeros(2)
            e[k] = h
            g[k] = (problem_.loss(phi + e, batch) - problem_.loss(phi - e, batch)) / (2 * h)
        fd.append(g)
    loss = abs(float(problem_.loss(phi, batch)))
    rounding = 1e-15 * (1.0 + loss) / (1e-5 * (1.0 + np.abs(phi)))
    truncation = np.abs(fd[1] - fd[0])  # ~ 3/4 of 4x the truncation error at the larger step
    return fd[0], 100 * rounding + 10 * truncation + 1e-9


@pytest.mark.parametrize(("name", "envelope"), CASES, ids=CASE_IDS)
@given(u=st.floats(0, 1), v=st.floats(0, 1))
@FAST
def test_full_data_gradient_matches_central_differences(name, envelope, u, v) -> None:
    p = problem(name, envelope)
    phi = phi_in(p.window, u, v)
    loss, grad = p.loss_and_grad(phi)
    assert np.shape(loss) == () and grad.shape == (2,)
    fd, tol = central_difference(p, phi)
    np.testing.assert_array_less(np.abs(grad - fd), tol + 1e-7 * np.abs(fd))


@pytest.mark.parametrize(("name", "envelope"), [c for c in CASES if c[0] in DATA_MODELS])
@given(u=st.floats(0, 1), v=st.floats(0, 1), data=st.data())
@FAST
def test_minibatch_gradient_matches_central_differences(name, envelope, u, v, data) -> None:
    p = problem(name, envelope)
    n = p.n_points
    batch = np.array(
        data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    )
    phi = phi_in(p.window, u, v)
    loss, grad = p.loss_and_grad(phi, batch)
    fd, tol = central_difference(p, phi, batch)
    np.testing.assert_array_less(np.abs(grad - fd), tol + 1e-7 * np.abs(fd))
    # The batch loss is the SUM over the batch (not a mean), term by term.
    terms = [p.loss(phi, np.array([i])) for i in batch]
    assert float(loss) == pytest.approx(float(np.sum(terms)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", DATA_MODELS)
def test_loss_is_a_sum_not_a_mean(name) -> None:
    p = problem(name)
    phi = np.array(p.start)
    x, y = p.data.x, p.data.y
    residual = p.model.evaluate(x, phi[0], phi[1]) - y
    assert float(p.loss(phi)) == pytest.approx(float(residual @ residual), rel=1e-12)
    assert float(p.loss(phi, np.arange(p.n_points))) == pytest.approx(float(p.loss(phi)))
    grad_terms = sum(p.grad(phi, np.array([i])) for i in range(p.n_points))
    np.testing.assert_allclose(p.grad(phi), grad_terms, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "phi", "expected", "tol"),
    [
        ("linear", (0.6, -0.2), 12.367, 5e-4),
        ("gabor", (0.6, -0.2), 16.419, 5e-4),
        ("gabor", (-1.5, 6.5), 12.7665, 5e-5),
    ],
)
def test_lecture_check_values(name, phi, expected, tol) -> None:
    assert float(make_problem(name).loss(np.array(phi))) == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize(("name", "envelope"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 1, 3)], ids=str)
def test_loss_and_grad_broadcast_over_leading_axes(name, envelope, shape, rng) -> None:
    p = problem(name, envelope)
    phi = np.stack(
        [rng.uniform(p.window.phi0_min, p.window.phi0_max, shape),
         rng.uniform(p.window.phi1_min, p.window.phi1_max, shape)],
        axis=-1,
    )
    batches = [None] if p.n_points is None else [None, np.array([3, 0, 7])]
    for batch in batches:
        loss, grad = p.loss_and_grad(phi, batch)
        assert loss.shape == shape
        assert grad.shape == shape + (2,)
        for index in np.ndindex(*shape):
            one_loss, one_grad = p.loss_and_grad(phi[index], batch)
            assert loss[index] == pytest.approx(float(one_loss), rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(grad[index], one_grad, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(p.loss(phi, batch), loss, rtol=0, atol=0)
        np.testing.assert_allclose(p.grad(phi, batch), grad, rtol=0, atol=0)


@pytest.mark.parametrize(("name", "envelope"), CASES, ids=CASE_IDS)
def test_loss_grid_matches_pointwise_loss(name, envelope) -> None:
    p = problem(name, envelope)
    phi0, phi1 = p.window.axes((7, 9))
    grid = p.loss_grid(phi0, phi1)
    assert grid.shape == (7, 9)
    points = np.stack(np.meshgrid(phi0, phi1), axis=-1)  # (rows phi1, cols phi0, 2)
    np.testing.assert_allclose(grid, p.loss(points), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("name", "window", "start", "meanings", "n"),
    [
        ("linear", (0.0, 2.0, -1.0, 1.0), (1.6, -0.5), ("intercept", "slope"), 12),
        ("gabor", (-10.0, 10.0, 2.5, 22.5), (-1.5, 6.5), ("offset", "frequency"), 30),
        ("ravine", (-1.0, 1.0, -1.0, 1.0), (-0.7, -0.9), ("", ""), None),
    ],
)
def test_default_views_starts_and_axes(name, window, start, meanings, n) -> None:
    p = make_problem(name)
    assert p.name == name
    assert p.window.as_tuple() == window
    assert tuple(p.start) == start
    assert tuple(a.meaning for a in p.axes) == meanings
    assert p.n_points == n
    assert p.window.contains(*p.start)


def test_every_problem_is_described_and_starts_inside_its_view(any_problem) -> None:
    p = any_problem
    assert p.window.contains(*p.start)
    assert math.isfinite(float(p.loss(np.array(p.start))))
    assert p.name in describe_models() and describe_models()[p.name]
    assert has_data(p.name) == (p.data is not None)
    assert set(p.recommended_lr) >= {"gd", "sgd", "momentum", "nesterov", "adam"}
    assert all(lr > 0 for lr in p.recommended_lr.values())


def test_models_lists_data_models_first() -> None:
    assert MODELS[:2] == ("linear", "gabor")
    assert set(MODELS) == {"linear", "gabor", "formula", "ravine", "rosenbrock", "himmelblau",
                           "saddle", "formula-surface"}


def test_linear_minimum_is_the_least_squares_solution() -> None:
    p = make_problem("linear")
    x, y = p.data.x, p.data.y
    slope = ((x - x.mean()) @ (y - y.mean())) / ((x - x.mean()) @ (x - x.mean()))
    intercept = y.mean() - slope * x.mean()
    phi, loss = p.minimum()
    np.testing.assert_allclose(phi, [intercept, slope], rtol=1e-10)
    assert loss == pytest.approx(float(p.loss(np.array([intercept, slope]))), rel=1e-12)
    np.testing.assert_allclose(p.grad(phi), 0.0, atol=1e-10)


def test_gabor_minimum_is_the_global_one_in_the_view() -> None:
    p = make_problem("gabor")
    phi, loss = p.minimum()
    assert loss == pytest.approx(0.6457, abs=1e-4)
    np.testing.assert_allclose(phi, [0.004, 16.03], atol=5e-3)
    assert np.linalg.norm(p.grad(phi)) < 1e-5
    # Nothing on a fine grid of the view is lower.
    phi0, phi1 = p.window.axes((400, 400))
    assert loss <= p.loss_grid(phi0, phi1).min() + 1e-12


def test_himmelblau_has_four_zero_minima() -> None:
    p = make_problem("himmelblau")
    minima = np.array(p.known_minima())
    assert minima.shape == (4, 2)
    np.testing.assert_allclose(p.loss(minima), 0.0, atol=1e-20)
    np.testing.assert_allclose(p.grad(minima), 0.0, atol=1e-12)
    phi, loss = p.minimum()
    assert loss == pytest.approx(0.0, abs=1e-20)
    assert any(np.allclose(phi, m) for m in minima)
    # Each minimum is found alone in a window around it.
    for m in minima:
        window = Window(m[0] - 0.5, m[0] + 0.5, m[1] - 0.5, m[1] + 0.5)
        found, _ = p.minimum(window)
        np.testing.assert_allclose(found, m)


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("ravine", (0.7, 0.0)), ("rosenbrock", (1.0, 1.0)), ("saddle", (0.0, 1.0))],
)
def test_analytic_minima(name, minimum) -> None:
    p = make_problem(name)
    phi, loss = p.minimum()
    assert float(p.loss(np.array(minimum))) == pytest.approx(loss, abs=1e-15)
    np.testing.assert_allclose(p.grad(np.array(minimum)), 0.0, atol=1e-15)
    assert loss <= p.loss_grid(*p.window.axes((101, 101))).min() + 1e-15


def test_minimum_searches_a_window_without_known_minima() -> None:
    # The Rosenbrock minimum (1, 1) lies outside; the lowest point is on the
    # window's edge, found by the grid search and the bounded refinement.
    p = make_problem("rosenbrock")
    window = Window(-2.0, 0.0, -1.0, 3.0)
    phi, loss = p.minimum(window)
    assert window.contains(*phi)
    phi0, phi1 = window.axes((201, 201))
    assert loss <= p.loss_grid(phi0, phi1).min() + 1e-9
    assert loss == pytest.approx(float(p.loss(phi)))


def test_ravine_is_the_lectures_surface() -> None:
    p = make_problem("ravine")
    for phi0, phi1 in [(-0.7, -0.9), (0.1, 0.3), (0.9, -0.5)]:
        expected = 1 - math.exp(-0.5 * 4 * phi1**2) * math.exp(-0.5 * (phi0 - 0.7) ** 2 / 4)
        assert float(p.loss(np.array([phi0, phi1]))) == pytest.approx(expected, rel=1e-13)
    # Steep in phi1, shallow in phi0: curvature 4 against 1/4 at the minimum.
    rise_phi1 = float(p.loss(np.array([0.7, 0.1])))
    rise_phi0 = float(p.loss(np.array([0.8, 0.0])))
    assert rise_phi1 > 10 * rise_phi0 > 0


def test_analytic_surfaces_ignore_batches() -> None:
    p = make_problem("himmelblau")
    phi = np.array([1.0, -1.0])
    assert float(p.loss(phi, np.array([0]))) == float(p.loss(phi))


def test_predict_evaluates_the_model() -> None:
    p = make_problem("linear")
    np.testing.assert_allclose(p.predict([0.0, 1.0, 2.0], np.array([0.5, 2.0])), [0.5, 2.5, 4.5])
    assert isinstance(p, DataFitProblem)


def test_envelope_reaches_the_model() -> None:
    p8, p32 = make_problem("gabor", envelope=8.0), make_problem("gabor")
    assert p8.model.envelope == 8.0
    assert "8" in p8.model.formula
    assert float(p8.loss(np.array([0.0, 15.0]))) != float(p32.loss(np.array([0.0, 15.0])))


def test_problem_spec_round_trip_and_data_sources(tmp_path) -> None:
    spec = ProblemSpec("gabor", None, envelope=8.0)
    assert spec.to_dict() == {"model": "gabor", "data": None, "envelope": 8.0}
    assert ProblemSpec(**spec.to_dict()) == spec
    assert make_problem("linear", data="udl-gabor").n_points == 30
    assert make_problem("linear", data="synthetic:n=17,seed=3").n_points == 17
    csv = tmp_path / "line.csv"
    csv.write_text("x,y\n0,0.5\n1,0.75\n2,1.0\n")  # y = 0.5 + 0.25 x exactly
    p = make_problem("linear", data=str(csv))
    phi, loss = p.minimum()
    np.testing.assert_allclose(phi, [0.5, 0.25], atol=1e-12)
    assert loss == pytest.approx(0.0, abs=1e-20)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "quadratic"}, "unknown model 'quadratic'"),
        ({"model": "ravine", "data": "udl-linear"}, "analytic surface"),
        ({"model": "himmelblau", "data": "synthetic"}, "analytic surface"),
        ({"model": "gabor", "envelope": 0.0}, "envelope"),
        ({"model": "gabor", "envelope": -32.0}, "envelope"),
        ({"model": "gabor", "envelope": math.nan}, "envelope"),
        ({"model": "gabor", "envelope": math.inf}, "envelope"),
    ],
)
def test_problem_spec_errors(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        ProblemSpec(**kwargs)
    with pytest.raises(ValueError, match=match):
        make_problem(**kwargs)


def test_unknown_model_lists_the_choices() -> None:
    with pytest.raises(ValueError) as info:
        make_problem("quadratic")
    assert all(name in str(info.value) for name in MODELS)


@pytest.mark.parametrize("data", ["no-such-set", "synthetic:n=1", "synthetic:bogus=1"])
def test_bad_data_raises_data_error(data, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative CSV path that cannot exist
    with pytest.raises(DataError):
        make_problem("gabor", data=data)


@pytest.mark.parametrize(("name", "envelope"), CASES, ids=CASE_IDS)
def test_many_points_at_once_equal_each_point_alone_to_the_last_bit(name, envelope, rng) -> None:
    # The engine steps many runs as rows of one array; a run alone passes a
    # (2,) phi. Both must give the same bits (a square written ** 2 did not:
    # on one point it went through pow).
    p = problem(name, envelope)
    n = p.n_points
    # Enough points that a difference of one in a thousand squares shows.
    count = 20_000 if n is None else 2_000
    phi = np.stack(
        [rng.uniform(p.window.phi0_min, p.window.phi0_max, count),
         rng.uniform(p.window.phi1_min, p.window.phi1_max, count)],
        axis=-1,
    )
    per_row = None if n is None else np.array([rng.permutation(n)[:5] for _ in range(count)])
    for batch in [None] if n is None else [None, per_row]:
        loss, grad = p.loss_and_grad(phi, batch)
        for i in range(len(phi)):
            one_loss, one_grad = p.loss_and_grad(phi[i], None if batch is None else batch[i])
            assert loss[i].tobytes() == np.float64(one_loss).tobytes(), i
            assert grad[i].tobytes() == one_grad.tobytes(), i
