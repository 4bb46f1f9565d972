"""A minibatch's own landscape: the loss of its points on a grid, and its contours."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.core.batch_surface import batch_contours, batch_loss_grid, batch_surface
from gradviz.core.problems import make_problem
from gradviz.core.space import Window


@pytest.mark.parametrize("model", ["linear", "gabor"])
@pytest.mark.parametrize("batch", [[3], [8, 2, 11, 5, 0], list(range(12))])
def test_each_cell_is_the_batch_loss_at_that_point(model, batch):
    problem = make_problem(model)
    surface = batch_surface(problem, batch, grid=(9, 11))
    assert surface.values.shape == (9, 11)
    indices = np.array(batch)
    for i in range(0, 9, 2):
        for j in range(0, 11, 3):
            phi = np.array([surface.phi0[j], surface.phi1[i]])
            expected = float(problem.loss(phi, indices))
            assert surface.values[i, j] == pytest.approx(expected, rel=1e-11, abs=1e-11)


def test_all_the_data_as_one_batch_is_the_full_surface():
    problem = make_problem("gabor")
    phi0, phi1 = problem.window.axes((40, 50))
    everything = batch_loss_grid(problem, np.arange(problem.n_points), phi0, phi1)
    np.testing.assert_array_equal(everything, problem.loss_grid(phi0, phi1))


def test_contours_are_at_the_batch_loss_and_the_lowest_point_is_lowest():
    problem = make_problem("linear")
    window = Window(-1.0, 3.0, -2.0, 2.0)
    batch = [0, 4, 9]
    contours = batch_contours(problem, batch, window, grid=60, count=8)
    assert contours.batch == (0, 4, 9)
    assert len(contours.levels) == 8 and np.all(np.diff(contours.levels) > 0)
    assert contours.segments.shape[1] == 2 and len(contours.segments) % 2 == 0
    # Every segment end lies on one of the levels (to the grid's interpolation).
    ends = problem.loss(contours.segments, np.array(batch))
    nearest = np.abs(ends[:, None] - contours.levels[None, :]).min(axis=1)
    assert np.all(nearest <= 0.02 * contours.levels.max())
    # The batch's own least-squares fit is within a grid cell of its lowest point.
    x, y = problem.dataset.x[batch], problem.dataset.y[batch]
    exact = np.linalg.lstsq(np.column_stack([np.ones(3), x]), y, rcond=None)[0]
    assert np.all(np.abs(contours.lowest - exact) <= np.array([window.width, window.height]) / 59)


def test_bad_batches_and_problems_without_data_are_told():
    problem = make_problem("linear")
    phi0, phi1 = problem.window.axes((4, 4))
    with pytest.raises(ValueError, match="at least one"):
        batch_loss_grid(problem, [], phi0, phi1)
    with pytest.raises(ValueError, match="0 to 11"):
        batch_loss_grid(problem, [3, 12], phi0, phi1)
    with pytest.raises(ValueError, match="integer"):
        batch_loss_grid(problem, [0.5], phi0, phi1)
    with pytest.raises(ValueError, match="no data points"):
        batch_loss_grid(make_problem("ravine"), [0], phi0, phi1)
