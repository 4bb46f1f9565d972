"""Contour lines of a gridded surface by vectorized marching squares (numpy only).

Computing the lines in the core keeps them off the UI thread and lets
headless exports draw exactly what the window shows.
"""

from __future__ import annotations

import numpy as np


def contour_levels(values: np.ndarray, count: int = 24, log: bool = False) -> np.ndarray:
    """``count`` levels spread evenly over the finite range of ``values``.

    With ``log`` they are spread evenly in log10 of the value (positive values only),
    to match a logarithmic colour scale.
    """
    finite = values[np.isfinite(values)]
    if log:
        finite = finite[finite > 0]
    if finite.size == 0:
        return np.empty(0)
    low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return np.empty(0)
    if log:
        return np.logspace(np.log10(low), np.log10(high), count + 2)[1:-1]
    return np.linspace(low, high, count + 2)[1:-1]


def contour_segments(
    x: np.ndarray, y: np.ndarray, values: np.ndarray, levels: np.ndarray
) -> np.ndarray:
    """Line segments of the contours of ``values`` at ``levels``.

    Parameters
    ----------
    x, y : numpy.ndarray
        Column and row coordinates; ``values[i, j]`` is at ``(x[j], y[i])``.
    values : numpy.ndarray
        Shape ``(len(y), len(x))``.
    levels : numpy.ndarray
        The values to draw.

    Returns
    -------
    numpy.ndarray
        Shape ``(2 m, 2)``: consecutive rows are the two ends of one segment,
        ready for a "pairs" line plot.
    """
    pieces = [_level_segments(x, y, values, float(level)) for level in levels]
    pieces = [p for p in pieces if p.size]
    return np.concatenate(pieces) if pieces else np.empty((0, 2))


def _crossings(a: np.ndarray, b: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Where the level crosses between corner values ``a`` and ``b``, as a fraction."""
    crossed = (a > level) != (b > level)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(crossed, (level - a) / (b - a), 0.0)
    return crossed & np.isfinite(fraction), fraction


def _level_segments(x: np.ndarray, y: np.ndarray, v: np.ndarray, level: float) -> np.ndarray:
    # Crossings on horizontal edges (between columns) and vertical edges (between rows).
    h_cross, h_t = _crossings(v[:, :-1], v[:, 1:], level)
    v_cross, v_t = _crossings(v[:-1, :], v[1:, :], level)
    h_x = x[:-1] + h_t * np.diff(x)[None, :]
    h_y = np.broadcast_to(y[:, None], h_x.shape)
    v_y = y[:-1, None] + v_t * np.diff(y)[:, None]
    v_x = np.broadcast_to(x[None, :], v_y.shape)
    # Per cell: bottom, right, top, left edges.
    edges = (
        (h_cross[:-1, :], h_x[:-1, :], h_y[:-1, :]),
        (v_cross[:, 1:], v_x[:, 1:], v_y[:, 1:]),
        (h_cross[1:, :], h_x[1:, :], h_y[1:, :]),
        (v_cross[:, :-1], v_x[:, :-1], v_y[:, :-1]),
    )
    count = sum(e[0].astype(np.int8) for e in edges)
    # A saddle cell (four crossings) is split by the value at its centre.
    centre_high = (v[:-1, :-1] + v[:-1, 1:] + v[1:, :-1] + v[1:, 1:]) / 4 > level
    corner_high = v[:-1, :-1] > level
    joins_corner = (count == 4) & (centre_high == corner_high)
    pairs = {
        (0, 1): (count == 2) | joins_corner,
        (2, 3): (count == 2) | joins_corner,
        (0, 3): (count == 2) | ((count == 4) & ~joins_corner),
        (1, 2): (count == 2) | ((count == 4) & ~joins_corner),
        (0, 2): count == 2,
        (1, 3): count == 2,
    }
    out = []
    for (a, b), allowed in pairs.items():
        mask = allowed & edges[a][0] & edges[b][0]
        if mask.any():
            ends = np.empty((int(mask.sum()), 2, 2))
            ends[:, 0, 0], ends[:, 0, 1] = edges[a][1][mask], edges[a][2][mask]
            ends[:, 1, 0], ends[:, 1, 1] = edges[b][1][mask], edges[b][2][mask]
            out.append(ends.reshape(-1, 2))
    return np.concatenate(out) if out else np.empty((0, 2))
