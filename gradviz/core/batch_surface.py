"""A minibatch's own loss landscape: the loss of a few data points over the view.

SGD steps downhill on the loss of its batch, not on the full-data loss the map
shows. Drawing the batch's contours over the full-data heatmap makes its noise
visible: each batch has its own valley, and the step follows that one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradviz.core.contours import contour_segments
from gradviz.core.losses import DataFitProblem, Problem
from gradviz.core.space import Window, grid_sides
from gradviz.core.surface import MAX_GRID, Surface

BATCH_GRID = 64
"""Points a side of a batch's grid in the app: its contours take about 2 ms (see the README)."""

BATCH_LEVELS = 6
"""Contour levels of a batch's loss: far fewer than the map's, so both read."""

LOWEST_SHARE = 0.03
"""The lowest contour encloses this share of the view (where the batch's loss is lowest)..."""
HIGHEST_SHARE = 0.5
"""...and the highest this share."""


def batch_indices(batch: Sequence[int] | np.ndarray, n_points: int) -> np.ndarray:
    """``batch`` as a sorted array of distinct data indices below ``n_points``.

    Raises
    ------
    ValueError
        For an empty batch, or an index that is not an integer in ``[0, n_points)``.
    """
    indices = np.asarray(batch)
    if indices.size == 0:
        raise ValueError("a minibatch needs at least one data point")
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"a minibatch is a list of integer data indices, not {batch!r:.60}")
    if indices.min() < 0 or indices.max() >= n_points:
        raise ValueError(f"minibatch indices must lie in 0 to {n_points - 1}, "
                         f"got {int(indices.min())} to {int(indices.max())}")
    return np.unique(indices)


def batch_loss_grid(problem: Problem, batch: Sequence[int] | np.ndarray,
                    phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
    """The loss of the data points ``batch`` on the grid ``phi1`` rows by ``phi0`` columns.

    The model's own grid kernel on the batch's points (the same code as the
    full-data surface), so the cost is that of a surface of ``len(batch)`` points.
    The loss sums over the batch, as a minibatch update's loss does; a point
    drawn twice in a batch counts once here, as the update's permutation never
    draws one twice.

    Raises
    ------
    ValueError
        For a problem without data (an analytic surface has no minibatches) or
        bad indices (see :func:`batch_indices`).
    """
    if not isinstance(problem, DataFitProblem):
        raise ValueError(f"problem {problem.name!r} has no data points, so no minibatches")
    data = problem.dataset
    indices = batch_indices(batch, data.n)
    return np.asarray(problem.model.loss_grid(data.x[indices], data.y[indices],
                                              np.asarray(phi0, dtype=float),
                                              np.asarray(phi1, dtype=float)), dtype=float)


def batch_surface(problem: Problem, batch: Sequence[int] | np.ndarray,
                  window: Window | None = None, grid: int | tuple[int, int] = BATCH_GRID,
                  ) -> Surface:
    """The loss of ``batch`` over ``window`` (default: the problem's view) as a :class:`Surface`."""
    window = window or problem.window
    phi0, phi1 = window.axes(grid_sides(grid, MAX_GRID, "rows, columns", "points"))
    return Surface(window, phi0, phi1, batch_loss_grid(problem, batch, phi0, phi1))


@dataclass(frozen=True, eq=False)
class BatchContours:
    """A batch's loss over a window as contour segments, with where it is lowest.

    Attributes
    ----------
    batch : tuple of int
        The data indices, sorted.
    segments : numpy.ndarray
        ``(2 m, 2)`` line segments (consecutive rows are one segment's ends).
    levels : numpy.ndarray
        The loss values of the lines.
    lowest : numpy.ndarray
        The grid point where the batch's loss is lowest, ``(phi0, phi1)``.
    """

    batch: tuple[int, ...]
    segments: np.ndarray
    levels: np.ndarray
    lowest: np.ndarray


def batch_contours(problem: Problem, batch: Sequence[int] | np.ndarray, window: Window,
                   grid: int = BATCH_GRID, count: int = BATCH_LEVELS) -> BatchContours:
    """Contours of the loss of ``batch`` over ``window``.

    The levels are quantiles of the loss over the grid, from :data:`LOWEST_SHARE`
    to :data:`HIGHEST_SHARE` of its area: each line encloses a set share of the
    view, so the lines trace the batch's valleys wherever they are and leave its
    steep walls (most of a few points' loss range) to the full-data map beneath.
    """
    surface = batch_surface(problem, batch, window, grid)
    values = surface.values
    finite = np.isfinite(values)
    if not finite.any():
        raise ValueError("the batch's loss is not finite anywhere in the view")
    levels = np.unique(np.quantile(values[finite], np.linspace(LOWEST_SHARE, HIGHEST_SHARE,
                                                                count)))
    row, col = np.unravel_index(int(np.nanargmin(np.where(finite, values, np.nan))), values.shape)
    return BatchContours(
        tuple(int(i) for i in batch_indices(batch, problem.n_points or 0)),
        contour_segments(surface.phi0, surface.phi1, values, levels),
        levels,
        np.array([surface.phi0[col], surface.phi1[row]]),
    )
