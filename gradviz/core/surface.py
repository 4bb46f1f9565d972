"""Loss surfaces: the full-data loss over a grid of (phi0, phi1)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from gradviz.core.problems import Problem
from gradviz.core.space import Window

MAX_GRID = 4096
"""Largest grid side accepted: 4096 x 4096 float64 values are 128 MiB."""


@dataclass(frozen=True, eq=False)
class Surface:
    """Loss values on a regular grid; ``values[i, j]`` is at ``(phi0[j], phi1[i])``.

    Rows run over phi1 and columns over phi0, both edges of the window included.
    """

    window: Window
    phi0: np.ndarray
    phi1: np.ndarray
    values: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows over phi1, columns over phi0)``."""
        return self.values.shape  # type: ignore[return-value]


def loss_surface(
    problem: Problem, window: Window | None = None, grid: int | tuple[int, int] = 256
) -> Surface:
    """Compute the full-data loss of ``problem`` over ``window`` (default: its view).

    Parameters
    ----------
    problem : Problem
        The loss to evaluate.
    window : Window, optional
        The rectangle of parameter space; defaults to ``problem.window``.
    grid : int or (int, int)
        Points per side, or ``(rows over phi1, columns over phi0)``.

    Raises
    ------
    ValueError
        If a grid side is not an integer from 2 to :data:`MAX_GRID`.
    """
    window = window or problem.window
    rows, cols = _grid_shape(grid)
    phi0, phi1 = window.axes((rows, cols))
    values = np.asarray(problem.loss_grid(phi0, phi1), dtype=float)
    return Surface(window, phi0, phi1, values)


def _grid_shape(grid: int | tuple[int, int]) -> tuple[int, int]:
    sides = (grid, grid) if np.ndim(grid) == 0 else tuple(grid)  # type: ignore[arg-type]
    if len(sides) != 2:
        raise ValueError(f"grid must be one size or (rows, columns), got {grid!r}")
    for side in sides:
        # bool is an Integral too, but grid=True is a mistake, not a size of 1.
        # ValueError, like every other bad grid, so callers catch one thing.
        if isinstance(side, bool) or not isinstance(side, numbers.Integral):
            raise ValueError(f"grid sizes must be integers, got {side!r}")  # noqa: TRY004
        if not 2 <= side <= MAX_GRID:
            raise ValueError(f"grid must be between 2 and {MAX_GRID} points a side, got {side}")
    return int(sides[0]), int(sides[1])
