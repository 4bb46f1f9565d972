"""Analytic test surfaces: losses given by a formula in (phi0, phi1), with no data.

Each gives its value, gradient and second derivatives in closed form, so
every surface has an exact Hessian.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from gradviz.core.losses import Batch, Capabilities, Problem
from gradviz.core.space import Axis, Window


class AnalyticProblem(Problem):
    """A test surface given by a formula in (phi0, phi1), with no data."""

    name: ClassVar[str]
    title: ClassVar[str]
    formula: ClassVar[str]
    axes: ClassVar[tuple[Axis, Axis]] = (Axis("phi0", "φ₀", ""), Axis("phi1", "φ₁", ""))
    window: ClassVar[Window]
    start: ClassVar[tuple[float, float]]
    recommended_lr: ClassVar[Mapping[str, float]]
    minima: ClassVar[tuple[tuple[float, float], ...]]
    capabilities: ClassVar[Capabilities] = Capabilities(has_hessian=True)

    @abstractmethod
    def value_and_grad(
        self, p0: np.ndarray, p1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Loss and its two partial derivatives at (p0, p1), broadcasting."""

    @abstractmethod
    def second_derivatives(
        self, p0: np.ndarray, p1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """d²L/dp0², d²L/dp0 dp1 and d²L/dp1² at (p0, p1), broadcasting."""

    def loss_and_grad(self, phi: np.ndarray, batch: Batch = None) -> tuple[np.ndarray, np.ndarray]:
        phi = np.asarray(phi, dtype=float)
        value, d0, d1 = self.value_and_grad(phi[..., 0], phi[..., 1])
        grad = np.empty(phi.shape)
        grad[..., 0] = d0
        grad[..., 1] = d1
        return np.asarray(value), grad

    def hessian(self, phi: np.ndarray, batch: Batch = None) -> np.ndarray:
        phi = np.asarray(phi, dtype=float)
        d00, d01, d11 = self.second_derivatives(phi[..., 0], phi[..., 1])
        out = np.empty(phi.shape + (2,))
        out[..., 0, 0] = d00
        out[..., 0, 1] = out[..., 1, 0] = d01
        out[..., 1, 1] = d11
        return out

    def loss_grid(self, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        return self.value_and_grad(np.asarray(phi0)[None, :], np.asarray(phi1)[:, None])[0]

    def known_minima(self) -> tuple[tuple[float, float], ...]:
        return self.minima


class RavineProblem(AnalyticProblem):
    """Fast in one dimension, slow in the other (the lecture's fixed-step-size surface)."""

    name = "ravine"
    title = "Ravine: steep in φ₁, shallow in φ₀"
    formula = "L = 1 − exp(−2φ₁²) · exp(−(φ₀ − 0.7)² / 8)"
    window = Window(-1.0, 1.0, -1.0, 1.0)
    start = (-0.7, -0.9)
    recommended_lr = MappingProxyType(
        {"gd": 0.1, "sgd": 0.1, "momentum": 0.1, "nesterov": 0.1,
         "normalized": 0.05, "adam": 0.05, "rmsprop": 0.02, "adagrad": 0.1}
    )
    minima = ((0.7, 0.0),)

    def value_and_grad(self, p0, p1):  # type: ignore[no-untyped-def]
        # Squares as products, never ** 2: on a numpy scalar (one run's
        # coordinate) ** goes through pow, on an array it multiplies, and the
        # two differ in the last bit about once in a thousand.
        shift = p0 - 0.7
        bump = np.exp(-2.0 * p1 * p1 - shift * shift / 8.0)
        return 1.0 - bump, bump * shift / 4.0, bump * 4.0 * p1

    def second_derivatives(self, p0, p1):  # type: ignore[no-untyped-def]
        u = p0 - 0.7
        bump = np.exp(-2.0 * p1 * p1 - u * u / 8.0)
        return bump * (1.0 - u * u / 4.0) / 4.0, -bump * u * p1, 4.0 * bump * (1.0 - 4.0 * p1 * p1)


class RosenbrockProblem(AnalyticProblem):
    """Rosenbrock's banana valley: easy to reach, slow to follow to the minimum at (1, 1)."""

    name = "rosenbrock"
    title = "Rosenbrock's banana valley"
    formula = "L = (1 − φ₀)² + 100(φ₁ − φ₀²)²"
    window = Window(-2.0, 2.0, -1.0, 3.0)
    start = (-1.2, 1.0)
    recommended_lr = MappingProxyType(
        {"gd": 0.001, "sgd": 0.001, "momentum": 0.002, "nesterov": 0.002,
         "normalized": 0.01, "adam": 0.05, "rmsprop": 0.01, "adagrad": 0.5}
    )
    minima = ((1.0, 1.0),)

    def value_and_grad(self, p0, p1):  # type: ignore[no-untyped-def]
        valley = p1 - p0 * p0
        rest = 1.0 - p0
        value = rest * rest + 100.0 * valley * valley  # a product: see RavineProblem
        return value, -2.0 * rest - 400.0 * p0 * valley, 200.0 * valley

    def second_derivatives(self, p0, p1):  # type: ignore[no-untyped-def]
        return 2.0 - 400.0 * p1 + 1200.0 * p0 * p0, -400.0 * p0, np.full(np.shape(p1), 200.0)


class HimmelblauProblem(AnalyticProblem):
    """Himmelblau's function: four minima of equal depth; the start picks the basin."""

    name = "himmelblau"
    title = "Himmelblau's function: four minima"
    formula = "L = (φ₀² + φ₁ − 11)² + (φ₀ + φ₁² − 7)²"
    window = Window(-5.0, 5.0, -5.0, 5.0)
    start = (-0.5, 0.5)
    recommended_lr = MappingProxyType(
        {"gd": 0.01, "sgd": 0.01, "momentum": 0.01, "nesterov": 0.01,
         "normalized": 0.05, "adam": 0.1, "rmsprop": 0.05, "adagrad": 0.5}
    )
    minima = (
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.283185991286170),
        (3.584428340330492, -1.848126526964404),
    )

    def value_and_grad(self, p0, p1):  # type: ignore[no-untyped-def]
        a = p0 * p0 + p1 - 11.0
        b = p0 + p1 * p1 - 7.0
        return a * a + b * b, 4.0 * a * p0 + 2.0 * b, 2.0 * a + 4.0 * b * p1

    def second_derivatives(self, p0, p1):  # type: ignore[no-untyped-def]
        a = p0 * p0 + p1 - 11.0
        b = p0 + p1 * p1 - 7.0
        return 8.0 * p0 * p0 + 4.0 * a + 2.0, 4.0 * (p0 + p1), 8.0 * p1 * p1 + 4.0 * b + 2.0


class SaddleProblem(AnalyticProblem):
    """A saddle point at the origin between two minima at (0, ±1).

    Started on the ridge, gradient descent slows to a crawl near the saddle
    before it escapes; the view is bounded to where the picture is clear.
    """

    name = "saddle"
    title = "Saddle point between two valleys"
    formula = "L = φ₀² + (φ₁² − 1)² / 4"
    window = Window(-1.5, 1.5, -1.5, 1.5)
    start = (1.3, 0.001)
    recommended_lr = MappingProxyType(
        {"gd": 0.1, "sgd": 0.1, "momentum": 0.1, "nesterov": 0.1,
         "normalized": 0.02, "adam": 0.02, "rmsprop": 0.02, "adagrad": 0.2}
    )
    minima = ((0.0, 1.0), (0.0, -1.0))

    def value_and_grad(self, p0, p1):  # type: ignore[no-untyped-def]
        well = p1 * p1 - 1.0
        return p0 * p0 + 0.25 * well * well, 2.0 * p0, well * p1

    def second_derivatives(self, p0, p1):  # type: ignore[no-untyped-def]
        return np.full(np.shape(p0), 2.0), np.zeros(np.shape(p0)), 3.0 * p1 * p1 - 1.0
