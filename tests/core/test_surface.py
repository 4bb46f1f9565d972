"""Loss surfaces and view windows, and the fast grid kernels behind them.

The kernels are checked against plain float64 broadcasting over
(phi1, phi0, data). The tolerance is 1e-6 of the surface's value range (the
requirement is 1e-4), plus a floor for what float64 itself cannot resolve:
a few ulps of the loss's own terms, scaled by |z| because rounding
z = phi0 + 0.06 phi1 x moves f by about eps |z| in either computation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from core_reference import problem
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core import models
from gradviz.core.models import DataModel, GaborModel, LinearModel
from gradviz.core.problems import MODELS
from gradviz.core.space import Axis, Window
from gradviz.core.surface import MAX_GRID, loss_surface

EPS = np.finfo(float).eps
RANGE_TOLERANCE = 1e-6

KERNEL = settings(max_examples=150, deadline=None)


def gabor_reference(envelope: float, x, y, phi0, phi1) -> np.ndarray:
    """L on the grid by plain float64 broadcasting over (phi1, phi0, data)."""
    z = phi0[None, :, None] + 0.06 * phi1[:, None, None] * x
    f = np.sin(z) * np.exp(-z * z / envelope)
    return ((f - y) ** 2).sum(axis=-1)


def linear_reference(x, y, phi0, phi1) -> np.ndarray:
    """L of the straight line on the grid by plain broadcasting."""
    residual = phi0[None, :, None] + phi1[:, None, None] * x - y
    return (residual**2).sum(axis=-1)


def assert_close_to_reference(values, reference, floor: float) -> None:
    """Within RANGE_TOLERANCE of the reference's value range, plus ``floor``."""
    assert values.shape == reference.shape
    assert np.all(np.isfinite(values))
    value_range = float(reference.max() - reference.min())
    error = float(np.max(np.abs(values - reference)))
    assert error <= RANGE_TOLERANCE * value_range + floor, (error, value_range, floor)


def gabor_floor(x, y, phi0, phi1) -> float:
    reach = float(np.max(np.abs(phi0)) + 0.06 * np.max(np.abs(phi1)) * np.max(np.abs(x)))
    terms = x.size + 2 * float(np.abs(y).sum()) + float(y @ y)
    return 8 * EPS * (1.0 + reach) * terms


def signed_magnitude(exponents: tuple[float, float]):
    """Values of either sign (or zero) with log-uniform magnitude."""
    low, high = exponents
    magnitude = st.floats(low, high).map(lambda e: 10.0**e)
    return st.one_of(st.just(0.0), magnitude, magnitude.map(lambda v: -v))


def axis(centres, widths, size: int) -> np.ndarray:
    return np.linspace(centres - widths, centres + widths, size)


def dataset(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The book's 30 points, or random ones: few, many (several chunks), or wide."""
    if kind == "udl-gabor":
        data = problem("gabor").data
        return data.x, data.y
    rng = np.random.default_rng(seed)
    n, spread = {"few": (2, 15.0), "many": (700, 15.0), "wide": (40, 1e4)}[kind]
    return rng.uniform(-spread, spread, n), rng.normal(0.0, 0.7, n)


@pytest.mark.parametrize("model", MODELS)
def test_surface_values_are_the_pointwise_loss(model) -> None:
    p = problem(model)
    surface = loss_surface(p, grid=(6, 9))
    assert surface.shape == (6, 9)
    assert surface.window == p.window
    assert surface.phi0[0] == p.window.phi0_min and surface.phi0[-1] == p.window.phi0_max
    assert surface.phi1[0] == p.window.phi1_min and surface.phi1[-1] == p.window.phi1_max
    for i, j in [(0, 0), (5, 8), (2, 4), (3, 1)]:
        phi = np.array([surface.phi0[j], surface.phi1[i]])  # values[i, j] is at (phi0[j], phi1[i])
        assert surface.values[i, j] == pytest.approx(float(p.loss(phi)), rel=1e-10, abs=1e-12)


def test_gabor_book_grid_and_check_value() -> None:
    p = problem("gabor")
    window = Window(-1.5, 0.6, -0.2, 6.5)
    surface = loss_surface(p, window, grid=2)
    assert surface.values[1, 0] == pytest.approx(12.7665, abs=5e-5)  # (-1.5, 6.5)
    assert surface.values[0, 1] == pytest.approx(16.419, abs=5e-4)  # (0.6, -0.2)
    assert loss_surface(p, grid=200).shape == (200, 200)


@pytest.mark.parametrize("grid", [1, 0, MAX_GRID + 1, (2, 1)])
def test_bad_grid_sizes(grid) -> None:
    with pytest.raises(ValueError, match="grid must be between 2"):
        loss_surface(problem("ravine"), grid=grid)


def test_window_geometry() -> None:
    window = Window(-10.0, 10.0, 2.5, 22.5)
    assert (window.width, window.height) == (20.0, 20.0)
    assert window.as_tuple() == (-10.0, 10.0, 2.5, 22.5)
    assert window.contains(-10.0, 22.5) and not window.contains(0.0, 2.4)
    phi0, phi1 = window.axes((3, 5))
    assert phi0.tolist() == [-10.0, -5.0, 0.0, 5.0, 10.0]
    assert phi1.tolist() == [2.5, 12.5, 22.5]


@pytest.mark.parametrize(
    "bounds", [(1.0, 0.0, 0.0, 1.0), (0.0, 1.0, 1.0, 1.0), (0.0, math.inf, 0.0, 1.0),
               (math.nan, 1.0, 0.0, 1.0)]
)
def test_bad_windows(bounds) -> None:
    with pytest.raises(ValueError, match="window"):
        Window(*bounds)


def test_axis_label() -> None:
    assert Axis("phi1", "φ₁", "frequency").label == "φ₁ (frequency)"
    assert Axis("phi0", "φ₀", "").label == "φ₀"


@KERNEL
@given(
    kind=st.sampled_from(["udl-gabor", "udl-gabor", "few", "many", "wide"]),
    seed=st.integers(0, 2**16),
    envelope=st.floats(-3.0, 6.0).map(lambda e: 10.0**e),
    centre0=signed_magnitude((-2.0, 6.0)),
    centre1=signed_magnitude((-2.0, 6.0)),
    width0=st.floats(-6.0, 5.0).map(lambda e: 10.0**e),
    width1=st.floats(-6.0, 5.0).map(lambda e: 10.0**e),
    rows=st.integers(2, 40),
    cols=st.integers(2, 90),
)
def test_gabor_kernel_matches_broadcasting(
    kind, seed, envelope, centre0, centre1, width0, width1, rows, cols
) -> None:
    x, y = dataset(kind, seed)
    phi0, phi1 = axis(centre0, width0, cols), axis(centre1, width1, rows)
    values = GaborModel(envelope).loss_grid(x, y, phi0, phi1)
    reference = gabor_reference(envelope, x, y, phi0, phi1)
    assert_close_to_reference(values, reference, gabor_floor(x, y, phi0, phi1))


@pytest.mark.parametrize(
    ("envelope", "window"),
    [
        (32.0, Window(-10.0, 10.0, 2.5, 22.5)),  # the book's view
        (8.0, Window(-10.0, 10.0, 2.5, 22.5)),  # the slide's printed envelope
        (32.0, Window(-0.02, 0.02 + 1e-9, 14.9, 14.9 + 1e-7)),  # tiny, at the minimum
        (32.0, Window(-1e5, 1e5, -1e5, 1e5)),  # huge: the envelope is a speck
        (1e-3, Window(-50.0, 50.0, -40.0, 40.0)),  # an envelope much narrower than a cell
        (1e6, Window(-3e3, 3e3, -1e3, 1e3)),  # almost no envelope: sin(z) everywhere
        (2.0, Window(4e3, 4e3 + 30.0, 2.5, 22.5)),  # far from the data along phi0
    ],
)
def test_gabor_kernel_extreme_windows(envelope, window) -> None:
    x, y = dataset("udl-gabor", 0)
    phi0, phi1 = window.axes((33, 257))
    values = GaborModel(envelope).loss_grid(x, y, phi0, phi1)
    reference = gabor_reference(envelope, x, y, phi0, phi1)
    assert_close_to_reference(values, reference, gabor_floor(x, y, phi0, phi1))


def test_gabor_kernel_takes_the_fast_path_on_the_book_view() -> None:
    # The other tests would pass on the generic fallback alone; make sure the
    # blocked kernel is what runs on an ordinary view.
    data = problem("gabor").data
    phi0, phi1 = Window(-10.0, 10.0, 2.5, 22.5).axes((512, 512))
    centres, offsets = GaborModel()._column_blocks(data.x, phi0, phi1)
    assert offsets.size > 1
    assert centres.size * offsets.size >= phi0.size


@pytest.mark.parametrize(
    "phi0",
    [
        np.array([-3.0, -1.0, 0.5, 0.6, 4.0, 9.0]),  # uneven spacing
        np.linspace(1e6, 1e6 + 40.0, 50),  # no block fits the exponent limit
        np.array([2.0]),  # one column
    ],
    ids=["uneven", "far", "one-column"],
)
def test_gabor_kernel_falls_back_where_blocks_do_not_apply(phi0) -> None:
    x, y = dataset("udl-gabor", 0)
    phi1 = np.linspace(-5.0, 25.0, 7)
    model = GaborModel(0.5)
    assert model._column_blocks(x, phi0, phi1) is None
    values = model.loss_grid(x, y, phi0, phi1)
    reference = gabor_reference(0.5, x, y, phi0, phi1)
    assert_close_to_reference(values, reference, gabor_floor(x, y, phi0, phi1))


def test_small_chunks_change_nothing(monkeypatch) -> None:
    # Chunks of a few elements split rows, points and blocks at every edge.
    x, y = dataset("udl-gabor", 0)
    phi0, phi1 = np.linspace(-10.0, 10.0, 61), np.linspace(2.5, 22.5, 13)
    model = GaborModel()
    expected = model.loss_grid(x, y, phi0, phi1)
    generic = DataModel.loss_grid(model, x, y, phi0, phi1)
    monkeypatch.setattr(models, "_CHUNK", 7)
    monkeypatch.setattr(models, "_MATMUL_WORK", 100)
    np.testing.assert_allclose(model.loss_grid(x, y, phi0, phi1), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        DataModel.loss_grid(model, x, y, phi0, phi1), generic, rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(expected, generic, rtol=0, atol=1e-12)


@KERNEL
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(2, 300),
    offset=signed_magnitude((-1.0, 3.0)),
    around_minimum=st.booleans(),
    centre0=signed_magnitude((-2.0, 4.0)),
    centre1=signed_magnitude((-2.0, 4.0)),
    width0=st.floats(-7.0, 4.0).map(lambda e: 10.0**e),
    width1=st.floats(-7.0, 4.0).map(lambda e: 10.0**e),
    rows=st.integers(2, 40),
    cols=st.integers(2, 60),
)
def test_linear_closed_form_matches_broadcasting(
    seed, n, offset, around_minimum, centre0, centre1, width0, width1, rows, cols
) -> None:
    rng = np.random.default_rng(seed)
    x = offset + rng.uniform(-1.0, 1.0, n)  # data far from x = 0 too
    y = 0.3 + 0.5 * x + rng.normal(0.0, 0.2, n)
    if around_minimum:
        # Tiny windows around the least-squares line, where the expanded
        # quadratic used to cancel to noise.
        centre1, centre0 = np.polyfit(x, y, 1)
    phi0, phi1 = axis(centre0, width0, cols), axis(centre1, width1, rows)
    values = LinearModel().loss_grid(x, y, phi0, phi1)
    reference = linear_reference(x, y, phi0, phi1)
    # Each residual phi0 + phi1 x - y is itself rounded by about eps * reach.
    reach = float(np.max(np.abs(phi0)) + np.max(np.abs(phi1)) * np.max(np.abs(x)))
    reach += float(np.max(np.abs(y)))
    delta, top = 4 * EPS * reach, float(reference.max())
    floor = 2 * delta * math.sqrt(n * top) + n * delta**2 + 8 * EPS * top
    assert_close_to_reference(values, reference, floor)


def test_linear_closed_form_with_one_distinct_x() -> None:
    # All x equal: the slope is not identified and Sxx is 0.
    x, y = np.full(5, 2.0), np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    phi0, phi1 = np.linspace(-2.0, 2.0, 9), np.linspace(-1.0, 1.0, 5)
    values = LinearModel().loss_grid(x, y, phi0, phi1)
    np.testing.assert_allclose(values, linear_reference(x, y, phi0, phi1), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("model", MODELS)
def test_orientation_and_edges(model) -> None:
    # rows != columns and a grid wide enough for the Gabor kernel's blocks.
    p = problem(model)
    surface = loss_surface(p, grid=(23, 71))
    assert surface.values.shape == surface.shape == (23, 71)
    assert surface.phi0.shape == (71,) and surface.phi1.shape == (23,)
    assert (surface.phi0[0], surface.phi0[-1]) == (p.window.phi0_min, p.window.phi0_max)
    assert (surface.phi1[0], surface.phi1[-1]) == (p.window.phi1_min, p.window.phi1_max)
    cells = [(0, 0), (0, 70), (22, 0), (22, 70), (11, 35), (3, 57), (19, 8)]
    for i, j in cells:
        phi = np.array([surface.phi0[j], surface.phi1[i]])
        assert surface.values[i, j] == pytest.approx(float(p.loss(phi)), rel=1e-11, abs=1e-12)


def test_linear_check_value_on_a_surface() -> None:
    surface = loss_surface(problem("linear"), Window(0.6, 1.0, -0.2, 0.5), grid=2)
    assert surface.values[0, 0] == pytest.approx(12.367, abs=5e-4)  # (0.6, -0.2)


@pytest.mark.parametrize(
    ("model", "window", "grid", "minimisers"),
    [
        ("ravine", Window(0.2, 1.2, -1.0, 1.0), (5, 3), [(0.7, 0.0)]),
        ("rosenbrock", Window(0.0, 2.0, 0.0, 2.0), 5, [(1.0, 1.0)]),
        ("himmelblau", Window(-5.0, 5.0, -5.0, 5.0), 11, [(3.0, 2.0)]),
        ("saddle", Window(-1.0, 1.0, -2.0, 2.0), 5, [(0.0, -1.0), (0.0, 1.0)]),
    ],
)
def test_analytic_minimum_on_a_grid_through_the_minimiser(model, window, grid, minimisers) -> None:
    surface = loss_surface(problem(model), window, grid=grid)
    assert surface.values.min() == pytest.approx(0.0, abs=1e-15)
    lowest = np.argwhere(surface.values <= 1e-15)
    found = sorted((float(surface.phi0[j]), float(surface.phi1[i])) for i, j in lowest)
    np.testing.assert_allclose(found, sorted(minimisers), rtol=0, atol=1e-15)


@pytest.mark.parametrize("grid", [2.5, "64", True, (64,), (2, 3, 4), (64, 1.0)])
def test_non_integer_grid_sizes(grid) -> None:
    with pytest.raises(ValueError, match="grid"):
        loss_surface(problem("gabor"), grid=grid)


def test_numpy_integer_grid_sizes() -> None:
    surface = loss_surface(problem("saddle"), grid=(np.int64(3), np.int32(4)))
    assert surface.shape == (3, 4)

