"""Problems: a loss over the (phi0, phi1) plane with its gradient, view and start point.

A problem is either a model fitted to data (:class:`DataFitProblem`, loss =
sum of squared residuals over the data or over a minibatch of it) or an
analytic test surface with no data (:class:`AnalyticProblem`).

All losses and gradients broadcast over leading axes: ``phi`` has shape
``(..., 2)``, the loss ``(...)`` and the gradient ``(..., 2)``, so many runs
(or a whole grid of starts) can be stepped at once.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from gradviz.core.data import (
    BUILTIN_DATASETS,
    DataError,
    Dataset,
    load_builtin,
    load_csv,
    parse_synthetic,
    synthetic,
)
from gradviz.core.models import DataModel, GaborModel, LinearModel
from gradviz.core.space import Axis, Window

Batch = np.ndarray | None
"""Indices of the data points in a minibatch; ``None`` means all of them.

Shape ``(B,)`` for one batch that every point of ``phi`` sees, or ``phi``'s
leading shape and ``B``, one batch per point (many runs, each on its own)."""

MINIMUM_GRID = 201
"""Points a side of the grid that :meth:`Problem.minimum` searches before refining."""


class Problem(ABC):
    """A differentiable loss over two parameters, with everything needed to show it."""

    name: str
    title: str
    axes: tuple[Axis, Axis]
    window: Window
    """Default view window."""
    start: tuple[float, float]
    """Default start point."""
    recommended_lr: Mapping[str, float]
    """Learning rate that shows each optimizer well on this problem (by optimizer name)."""

    @property
    def data(self) -> Dataset | None:
        """The data fitted, or ``None`` for an analytic surface."""
        return None

    @property
    def n_points(self) -> int | None:
        """Number of data points, or ``None`` for an analytic surface."""
        return None if self.data is None else self.data.n

    @abstractmethod
    def loss_and_grad(self, phi: np.ndarray, batch: Batch = None) -> tuple[np.ndarray, np.ndarray]:
        """Loss and gradient at ``phi`` (shape ``(..., 2)``) over ``batch``."""

    def loss(self, phi: np.ndarray, batch: Batch = None) -> np.ndarray:
        """Loss at ``phi`` over ``batch`` (all data when ``None``)."""
        return self.loss_and_grad(phi, batch)[0]

    def grad(self, phi: np.ndarray, batch: Batch = None) -> np.ndarray:
        """Gradient of the loss at ``phi`` over ``batch``."""
        return self.loss_and_grad(phi, batch)[1]

    @abstractmethod
    def loss_grid(self, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        """Full-data loss on the grid of ``phi1`` rows by ``phi0`` columns."""

    def known_minima(self) -> tuple[tuple[float, float], ...]:
        """Exact global minimisers, where known in closed form."""
        return ()

    def minimum(
        self,
        window: Window | None = None,
        loss_grid: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> tuple[np.ndarray, float]:
        """The lowest point of the loss inside ``window`` (default: the problem's view).

        Known minimisers are used when they lie inside; otherwise a grid search
        is refined by gradient descent with backtracking, kept inside the window.
        ``loss_grid`` computes the search's grid in place of :meth:`loss_grid`
        (the app's worker passes one that computes in pieces and can stop).
        """
        window = window or self.window
        inside = [m for m in self.known_minima() if window.contains(*m)]
        if inside:
            points = np.array(inside, dtype=float)
            losses = self.loss(points)
            best = int(np.argmin(losses))
            return points[best], float(losses[best])
        phi0, phi1 = window.axes((MINIMUM_GRID, MINIMUM_GRID))
        grid = (loss_grid or self.loss_grid)(phi0, phi1)
        row, col = np.unravel_index(int(np.nanargmin(grid)), grid.shape)
        return self._refine(np.array([phi0[col], phi1[row]]), window)

    def _refine(self, phi: np.ndarray, window: Window) -> tuple[np.ndarray, float]:
        low = np.array([window.phi0_min, window.phi1_min])
        high = np.array([window.phi0_max, window.phi1_max])
        loss, grad = self.loss_and_grad(phi)
        step = 0.01 * min(window.width, window.height) / (float(np.linalg.norm(grad)) + 1e-300)
        for _ in range(500):
            trial = np.clip(phi - step * grad, low, high)
            trial_loss, trial_grad = self.loss_and_grad(trial)
            if trial_loss < loss:
                phi, loss, grad = trial, trial_loss, trial_grad
                step *= 1.5
            else:
                step *= 0.5
                if step * float(np.linalg.norm(grad)) < 1e-13 * max(window.width, window.height):
                    break
        return phi, float(loss)


@dataclass(eq=False)
class DataFitProblem(Problem):
    """A model fitted to data by least squares: L[phi] = sum_i (f[x_i, phi] - y_i)^2."""

    model: DataModel
    dataset: Dataset
    window: Window
    start: tuple[float, float]
    recommended_lr: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = self.model.name
        self.title = f"{self.model.title} on {self.dataset.name}"
        self.axes = self.model.axes
        self.recommended_lr = MappingProxyType(dict(self.recommended_lr))

    @property
    def data(self) -> Dataset:
        return self.dataset

    def loss_and_grad(self, phi: np.ndarray, batch: Batch = None) -> tuple[np.ndarray, np.ndarray]:
        phi = np.asarray(phi, dtype=float)
        x, y = self.dataset.x, self.dataset.y
        if batch is not None:
            x, y = x[batch], y[batch]
        if phi.ndim == 1:
            # One run: 0-d views broadcast against x more cheaply than Python
            # floats, which numpy first converts, or than (1,)-shaped views.
            phi0, phi1 = phi[..., 0], phi[..., 1]
        else:
            phi0, phi1 = phi[..., 0, None], phi[..., 1, None]
        f, df0, df1 = self.model.evaluate_with_gradient(x, phi0, phi1)
        residual = f - y
        # One product gives the loss and both halves of the gradient: on a few
        # dozen points, numpy's per-call cost outweighs the arithmetic.
        sums = np.vecdot(np.array((residual, df0, df1)), residual)
        if phi.ndim == 1:
            half = sums[1:]
            return sums[0], half + half  # 2 * half, exactly, in a cheaper call
        return sums[0], 2.0 * np.stack((sums[1], sums[2]), axis=-1)

    def predict(self, x: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """The model's output at inputs ``x`` for parameters ``phi`` (shape ``(2,)``)."""
        return self.model.evaluate(np.asarray(x, dtype=float), phi[0], phi[1])

    def loss_grid(self, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        return self.model.loss_grid(self.dataset.x, self.dataset.y, phi0, phi1)

    def known_minima(self) -> tuple[tuple[float, float], ...]:
        if isinstance(self.model, LinearModel):
            design = np.column_stack([np.ones(self.dataset.n), self.dataset.x])
            solution = np.linalg.lstsq(design, self.dataset.y, rcond=None)[0]
            return ((float(solution[0]), float(solution[1])),)
        return ()


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

    @abstractmethod
    def value_and_grad(
        self, p0: np.ndarray, p1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Loss and its two partial derivatives at (p0, p1), broadcasting."""

    def loss_and_grad(self, phi: np.ndarray, batch: Batch = None) -> tuple[np.ndarray, np.ndarray]:
        phi = np.asarray(phi, dtype=float)
        value, d0, d1 = self.value_and_grad(phi[..., 0], phi[..., 1])
        grad = np.empty(phi.shape)
        grad[..., 0] = d0
        grad[..., 1] = d1
        return np.asarray(value), grad

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


@dataclass(frozen=True)
class _DataModelEntry:
    description: str
    default_data: str
    window: Window
    start: tuple[float, float]
    recommended_lr: Mapping[str, float]


# The book's view windows and start points (lecture-math.md, "How the book draws them").
_DATA_MODELS: dict[str, _DataModelEntry] = {
    "linear": _DataModelEntry(
        "straight line phi0 + phi1 x, least squares",
        "udl-linear",
        Window(0.0, 2.0, -1.0, 1.0),
        (1.6, -0.5),
        {"gd": 0.02, "sgd": 0.05, "momentum": 0.02, "nesterov": 0.02,
         "normalized": 0.01, "adam": 0.02, "rmsprop": 0.01, "adagrad": 0.2},
    ),
    "gabor": _DataModelEntry(
        "Gabor function sin(z) exp(-z^2/envelope), z = phi0 + 0.06 phi1 x",
        "udl-gabor",
        Window(-10.0, 10.0, 2.5, 22.5),
        (-1.5, 6.5),
        {"gd": 0.1, "sgd": 0.6, "momentum": 0.6, "nesterov": 0.6,
         "normalized": 0.1, "adam": 0.1, "rmsprop": 0.05, "adagrad": 1.0},
    ),
}

_ANALYTIC: dict[str, type[AnalyticProblem]] = {
    cls.name: cls for cls in (RavineProblem, RosenbrockProblem, HimmelblauProblem, SaddleProblem)
}

MODELS: tuple[str, ...] = tuple(_DATA_MODELS) + tuple(_ANALYTIC)
"""Every problem name, data models first."""


def describe_models() -> dict[str, str]:
    """One line of description for each name in :data:`MODELS`."""
    lines = {name: entry.description for name, entry in _DATA_MODELS.items()}
    lines.update({name: f"{cls.title}: {cls.formula}" for name, cls in _ANALYTIC.items()})
    return lines


def has_data(model: str) -> bool:
    """Whether the named problem fits a model to data."""
    return model in _DATA_MODELS


def _make_data_model(model: str, envelope: float) -> DataModel:
    if model == "gabor":
        return GaborModel(envelope)
    return LinearModel()


def load_data(spec: str | None, model: DataModel, default: str) -> Dataset:
    """Resolve a data spec: ``None`` (the model's built-in set), a built-in name,
    ``synthetic:...`` or the path of a CSV file."""
    spec = default if spec is None else spec
    if spec in BUILTIN_DATASETS:
        return load_builtin(spec)
    if spec.startswith("synthetic"):
        return synthetic(model, parse_synthetic(spec))
    return load_csv(spec)


@dataclass(frozen=True)
class ProblemSpec:
    """Plain-data description of a problem, as the CLI, scenes and exports store it.

    Parameters
    ----------
    model : str
        One of :data:`MODELS`.
    data : str or None
        Built-in data set name, ``synthetic:...`` spec or CSV path; ``None`` for
        the model's own set. Must be ``None`` for analytic surfaces.
    envelope : float
        The Gabor model's envelope divisor (ignored by other models).
    """

    model: str = "gabor"
    data: str | None = None
    envelope: float = 32.0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose from {', '.join(MODELS)}")
        if self.data is not None and not has_data(self.model):
            raise ValueError(f"model {self.model!r} is an analytic surface and takes no data")
        if isinstance(self.envelope, bool) or not isinstance(self.envelope, (int, float)):
            raise ValueError(f"envelope must be a positive number, got {self.envelope!r}")
        if not (math.isfinite(self.envelope) and self.envelope > 0):
            raise ValueError(f"envelope must be a positive number, got {self.envelope:g}")

    def build(self) -> Problem:
        """Make the problem, loading its data.

        Raises
        ------
        DataError
            If the data cannot be loaded.
        """
        if self.model in _ANALYTIC:
            return _ANALYTIC[self.model]()
        entry = _DATA_MODELS[self.model]
        model = _make_data_model(self.model, self.envelope)
        dataset = load_data(self.data, model, entry.default_data)
        return DataFitProblem(model, dataset, entry.window, entry.start, entry.recommended_lr)

    def to_dict(self) -> dict[str, object]:
        """The spec as JSON-ready data."""
        return {"model": self.model, "data": self.data, "envelope": self.envelope}


def make_problem(model: str = "gabor", data: str | None = None, envelope: float = 32.0) -> Problem:
    """Build a problem by name; see :class:`ProblemSpec` for the arguments."""
    return ProblemSpec(model, data, envelope).build()


__all__ = [
    "AnalyticProblem",
    "Batch",
    "DataError",
    "DataFitProblem",
    "MINIMUM_GRID",
    "MODELS",
    "Problem",
    "ProblemSpec",
    "describe_models",
    "has_data",
    "load_data",
    "make_problem",
]
