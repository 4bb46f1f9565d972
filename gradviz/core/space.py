"""The parameter plane: axis names and rectangular view windows."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

MAX_COORDINATE = 1e12
"""Largest parameter magnitude of a drawable window or a start point: far beyond
any demo, and small enough that losses, pixel scales and their squares stay finite."""


def start_problem(points: object) -> str | None:
    """What is wrong with ``points`` (start coordinates, any shape) as starts of
    runs: that they must be finite, or within ``±MAX_COORDINATE``; ``None`` if nothing."""
    values = np.asarray(points, dtype=float)
    if not np.isfinite(values).all():
        return "must be finite"
    if not (np.abs(values) <= MAX_COORDINATE).all():
        return f"must be within ±{MAX_COORDINATE:g}"
    return None


MIN_RELATIVE_EXTENT = 1e-9
"""Smallest window width or height as a fraction of ``max(1, |bound|)``: below it
the pixels of a view would no longer be distinct numbers (and 1 / width may overflow)."""


@dataclass(frozen=True)
class Axis:
    """One parameter axis: ``name`` for files, ``symbol`` for display, ``meaning`` in words."""

    name: str
    symbol: str
    meaning: str

    @property
    def label(self) -> str:
        """Axis label such as ``φ₁ (frequency)``."""
        return f"{self.symbol} ({self.meaning})" if self.meaning else self.symbol


@dataclass(frozen=True)
class Window:
    """A rectangle of the (phi0, phi1) plane."""

    phi0_min: float
    phi0_max: float
    phi1_min: float
    phi1_max: float

    def __post_init__(self) -> None:
        values = (self.phi0_min, self.phi0_max, self.phi1_min, self.phi1_max)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"window bounds must be finite numbers, got {values}")
        if not (self.phi0_min < self.phi0_max and self.phi1_min < self.phi1_max):
            raise ValueError(
                "window must have min < max on both axes, got "
                f"phi0 [{self.phi0_min:g}, {self.phi0_max:g}], "
                f"phi1 [{self.phi1_min:g}, {self.phi1_max:g}]"
            )

    @property
    def width(self) -> float:
        """Extent along phi0."""
        return self.phi0_max - self.phi0_min

    @property
    def height(self) -> float:
        """Extent along phi1."""
        return self.phi1_max - self.phi1_min

    def check_drawable(self) -> Window:
        """This window if a view can show it, else :class:`ValueError` saying why.

        A drawable window has finite bounds of magnitude at most
        :data:`MAX_COORDINATE`, and on each axis an extent of at least
        :data:`MIN_RELATIVE_EXTENT` times the larger of 1 and its bounds' magnitude.
        """
        for axis, low, high in (("phi0", self.phi0_min, self.phi0_max),
                                ("phi1", self.phi1_min, self.phi1_max)):
            scale = max(1.0, abs(low), abs(high))
            if scale > MAX_COORDINATE:
                raise ValueError(f"window {axis} [{low:g}, {high:g}] is too large to draw; "
                                 f"bounds must be within ±{MAX_COORDINATE:g}")
            if high - low < MIN_RELATIVE_EXTENT * scale:
                raise ValueError(
                    f"window {axis} [{low:g}, {high:g}] is too narrow to draw; its extent "
                    f"must be at least {MIN_RELATIVE_EXTENT:g} × {scale:g}"
                )
        return self

    def as_tuple(self) -> tuple[float, float, float, float]:
        """``(phi0_min, phi0_max, phi1_min, phi1_max)``."""
        return (self.phi0_min, self.phi0_max, self.phi1_min, self.phi1_max)

    def contains(self, phi0: float, phi1: float) -> bool:
        """Whether the point lies inside the window (edges included)."""
        return self.phi0_min <= phi0 <= self.phi0_max and self.phi1_min <= phi1 <= self.phi1_max

    def axes(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Grid coordinates for ``shape = (rows over phi1, columns over phi0)``.

        The points include both edges of the window.
        """
        rows, cols = shape
        return (
            np.linspace(self.phi0_min, self.phi0_max, cols),
            np.linspace(self.phi1_min, self.phi1_max, rows),
        )


def grid_sides(grid: int | tuple[int, int], limit: int, order: str,
               unit: str) -> tuple[int, int]:
    """``grid`` as its two sides: one size for both, or the pair, in the caller's ``order``
    (named in the message, e.g. ``"rows, columns"``).

    Raises
    ------
    ValueError
        Unless each side is a whole number from 2 to ``limit`` ``unit`` (``"points"``).
    """
    sides = (grid, grid) if np.ndim(grid) == 0 else tuple(grid)  # type: ignore[arg-type]
    if len(sides) != 2:
        raise ValueError(f"grid must be one size or ({order}), got {grid!r}")
    for side in sides:
        # bool is an Integral too, but grid=True is a mistake, not a size of 1.
        # ValueError, like every other bad grid, so callers catch one thing.
        if isinstance(side, bool) or not isinstance(side, numbers.Integral):
            raise ValueError(f"grid sizes must be whole numbers, got {side!r}")  # noqa: TRY004
        if not 2 <= side <= limit:
            raise ValueError(f"grid must be between 2 and {limit} {unit} a side, got {side}")
    return int(sides[0]), int(sides[1])

