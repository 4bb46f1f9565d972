"""The gradient field: the full-data gradient on a grid, drawn as arrows of steepest descent."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.core.field import gradient_field
from gradviz.core.problems import make_problem
from gradviz.core.space import Window


@pytest.mark.parametrize("model", ["linear", "gabor", "rosenbrock", "himmelblau"])
def test_each_arrow_is_the_problems_gradient_at_its_cell_centre(model):
    problem = make_problem(model)
    field = gradient_field(problem, problem.window, 9)
    assert field.points.shape == (81, 2)
    window = problem.window
    assert np.all((field.points[:, 0] > window.phi0_min) & (field.points[:, 0] < window.phi0_max))
    assert np.all((field.points[:, 1] > window.phi1_min) & (field.points[:, 1] < window.phi1_max))
    for point, grad in zip(field.points[::7], field.grad[::7]):
        np.testing.assert_allclose(grad, problem.grad(point), rtol=1e-12, atol=1e-12)


def test_steps_point_downhill_and_fit_their_cells():
    problem = make_problem("gabor")
    field = gradient_field(problem, problem.window, 17)
    steps = field.steps(fill=0.85)
    # Along -grad: parallel, opposite.
    cross = steps[:, 0] * field.grad[:, 1] - steps[:, 1] * field.grad[:, 0]
    np.testing.assert_allclose(cross, 0.0, atol=1e-12)
    assert np.all(np.einsum("ij,ij->i", steps, field.grad) <= 0)
    in_cells = np.hypot(*(steps / np.array(field.cell)).T)
    assert in_cells.max() == pytest.approx(0.85)
    # The steepest cell's arrow is the longest.
    steepest = np.argmax(np.hypot(*(field.grad / np.array(field.cell)).T))
    assert in_cells[steepest] == in_cells.max()


def test_undefined_gradients_are_nan_arrows_not_errors():
    problem = make_problem("rosenbrock")
    huge = Window(-1e150, 1e150, -1e150, 1e150)  # the loss overflows out there
    field = gradient_field(problem, huge, 5)
    assert np.isnan(field.grad).any()
    steps = field.steps()
    assert np.array_equal(np.isnan(steps), np.isnan(field.grad))


@pytest.mark.parametrize("count", [1, 201])
def test_a_grid_size_out_of_range_is_refused(count):
    problem = make_problem("linear")
    with pytest.raises(ValueError, match="2 to 200"):
        gradient_field(problem, problem.window, count)
