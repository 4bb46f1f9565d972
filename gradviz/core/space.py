"""The parameter plane: axis names and rectangular view windows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


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
