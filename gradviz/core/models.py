"""Two-parameter models f[x, phi] fitted to data, with analytic derivatives.

Every method broadcasts: ``x`` and ``phi0``/``phi1`` may be arrays of any
compatible shapes, so the same code evaluates one run, many runs at once, or a
whole grid of parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from gradviz.core.space import Axis


@dataclass(frozen=True)
class DataModel(ABC):
    """A model with two parameters ``phi0`` and ``phi1``."""

    name: ClassVar[str]
    title: ClassVar[str]
    axes: ClassVar[tuple[Axis, Axis]]
    default_truth: ClassVar[tuple[float, float]]
    """True parameters used to draw synthetic data."""
    default_x_range: ClassVar[tuple[float, float]]
    """Range of x used to draw synthetic data."""

    @property
    @abstractmethod
    def formula(self) -> str:
        """The model as a line of text with Unicode symbols."""

    @abstractmethod
    def evaluate(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        """Return f[x, phi], broadcasting x against phi0 and phi1."""

    @abstractmethod
    def evaluate_with_gradient(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return f and its partial derivatives df/dphi0 and df/dphi1."""

    def loss_grid(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        """Sum-of-squares loss on the grid ``phi1 x phi0`` (rows over phi1).

        The generic version broadcasts over (phi1, phi0, data) in row chunks so
        the temporaries stay small; models override it with faster forms.
        """
        phi0 = np.asarray(phi0, dtype=float)
        phi1 = np.asarray(phi1, dtype=float)
        out = np.empty((phi1.size, phi0.size))
        rows = max(1, (1 << 16) // max(1, phi0.size * x.size))
        for start in range(0, phi1.size, rows):
            block = phi1[start : start + rows, None, None]
            residual = self.evaluate(x, phi0[None, :, None], block) - y
            out[start : start + rows] = np.einsum("ijk,ijk->ij", residual, residual)
        return out


@dataclass(frozen=True)
class LinearModel(DataModel):
    """Straight line f[x, phi] = phi0 + phi1 x."""

    name: ClassVar[str] = "linear"
    title: ClassVar[str] = "Linear regression"
    axes: ClassVar[tuple[Axis, Axis]] = (
        Axis("phi0", "φ₀", "intercept"),
        Axis("phi1", "φ₁", "slope"),
    )
    default_truth: ClassVar[tuple[float, float]] = (0.7, 0.5)
    default_x_range: ClassVar[tuple[float, float]] = (0.0, 2.0)

    @property
    def formula(self) -> str:
        return "f[x, φ] = φ₀ + φ₁x"

    def evaluate(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        return phi0 + phi1 * x

    def evaluate_with_gradient(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = phi0 + phi1 * x
        return f, np.ones_like(f), np.broadcast_to(x, f.shape)

    def loss_grid(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        # L is a quadratic in phi whose six coefficients are sums over the data,
        # so the grid costs O(grid) whatever the number of points.
        n, sx, sy = x.size, x.sum(), y.sum()
        sxx, sxy, syy = x @ x, x @ y, y @ y
        p0 = np.asarray(phi0, dtype=float)[None, :]
        p1 = np.asarray(phi1, dtype=float)[:, None]
        return (
            n * p0 * p0
            + sxx * p1 * p1
            + 2.0 * sx * p0 * p1
            - 2.0 * sy * p0
            - 2.0 * sxy * p1
            + syy
        )


@dataclass(frozen=True)
class GaborModel(DataModel):
    """Gabor function f[x, phi] = sin(z) exp(-z^2 / envelope), z = phi0 + 0.06 phi1 x.

    The lecture slides print ``/ 8.0`` but their plots, the book and its
    notebooks all use 32, the default here.
    """

    envelope: float = 32.0
    name: ClassVar[str] = "gabor"
    title: ClassVar[str] = "Gabor model"
    axes: ClassVar[tuple[Axis, Axis]] = (
        Axis("phi0", "φ₀", "offset"),
        Axis("phi1", "φ₁", "frequency"),
    )
    default_truth: ClassVar[tuple[float, float]] = (0.0, 15.0)
    default_x_range: ClassVar[tuple[float, float]] = (-15.0, 15.0)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.envelope) and self.envelope > 0):
            raise ValueError(f"envelope must be a positive number, got {self.envelope}")

    @property
    def formula(self) -> str:
        return f"f[x, φ] = sin(φ₀ + 0.06φ₁x) · exp(−(φ₀ + 0.06φ₁x)² / {self.envelope:g})"

    def evaluate(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        z = phi0 + (0.06 * phi1) * x
        return np.sin(z) * np.exp(z * z * (-1.0 / self.envelope))

    def evaluate_with_gradient(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Written for few temporaries: single runs call this once per update.
        scaled_x = 0.06 * x
        z = phi0 + phi1 * scaled_x
        gauss = np.exp(z * z * (-1.0 / self.envelope))
        f = np.sin(z) * gauss
        df_dz = gauss * np.cos(z) - (2.0 / self.envelope) * (z * f)
        return f, df_dz, scaled_x * df_dz
