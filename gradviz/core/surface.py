"""Loss surfaces: the full-data loss over a grid of (phi0, phi1)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gradviz.core.problems import Problem
from gradviz.core.space import Window, grid_sides

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


MIN_PIECE_ROWS = 8
"""Fewest rows in a piece of :func:`loss_grid_pieces`: its added row costs at most an eighth more."""


def loss_grid_pieces(
    problem: Problem, phi0: np.ndarray, phi1: np.ndarray, piece_work: int = 1 << 28
) -> Iterator[tuple[float, np.ndarray | None]]:
    """``problem.loss_grid(phi0, phi1)`` computed a few rows at a time, so a caller
    can stop between pieces.

    Yields ``(fraction done, None)`` after each piece but the last, then
    ``(1.0, values)``, identical to ``problem.loss_grid``'s bit for bit. A piece
    is about ``piece_work`` grid cells times data points (at least
    :data:`MIN_PIECE_ROWS` rows).

    A problem's grid may depend on the whole range of phi1 it is given (the
    Gabor model sizes its blocks of columns by the largest ``|phi1|``), and the
    loss of a row never on the others: so every piece is computed with the row
    of largest ``|phi1|`` added, and that row dropped again.
    """
    phi0 = np.asarray(phi0, dtype=float)
    phi1 = np.asarray(phi1, dtype=float)
    rows = phi1.size
    per_row = phi0.size * max(1, problem.n_points or 1)
    step = max(MIN_PIECE_ROWS, piece_work // per_row)
    if step >= rows:
        yield 1.0, np.asarray(problem.loss_grid(phi0, phi1), dtype=float)
        return
    widest = int(np.argmax(np.abs(phi1)))
    values = np.empty((rows, phi0.size))
    for first in range(0, rows, step):
        last = min(rows, first + step)
        picked = np.arange(first, last)
        if not first <= widest < last:
            picked = np.append(picked, widest)
        piece = np.asarray(problem.loss_grid(phi0, phi1[picked]), dtype=float)
        values[first:last] = piece[: last - first]
        if last < rows:
            yield last / rows, None
    yield 1.0, values


def loss_surface_pieces(
    problem: Problem,
    window: Window | None = None,
    grid: int | tuple[int, int] = 256,
    piece_work: int = 1 << 28,
) -> Iterator[tuple[float, Surface | None]]:
    """:func:`loss_surface` computed in pieces of rows (see :func:`loss_grid_pieces`).

    Yields ``(fraction done, None)`` between pieces, then ``(1.0, surface)``
    with the values :func:`loss_surface` computes, bit for bit.
    """
    window = window or problem.window
    phi0, phi1 = window.axes(_grid_shape(grid))
    for fraction, values in loss_grid_pieces(problem, phi0, phi1, piece_work):
        yield fraction, None if values is None else Surface(window, phi0, phi1, values)


def _grid_shape(grid: int | tuple[int, int]) -> tuple[int, int]:
    return grid_sides(grid, MAX_GRID, "rows, columns", "points")
