"""Problems: a loss over the (phi0, phi1) plane with its gradient, view and start point.

A problem is either a model fitted to data (:class:`DataFitProblem`, loss =
sum of squared residuals over the data or over a minibatch of it) or an
analytic test surface with no data (:mod:`gradviz.core.analytic`). Besides
its loss and gradient each declares its :class:`Capabilities`, so front ends
ask what a problem can do rather than what class it is.

All losses and gradients broadcast over leading axes: ``phi`` has shape
``(..., 2)``, the loss ``(...)`` and the gradient ``(..., 2)``, so many runs
(or a whole grid of starts) can be stepped at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from gradviz.core.data import Dataset
from gradviz.core.models import DataModel, LinearModel
from gradviz.core.space import Axis, Window

Batch = np.ndarray | None
"""Indices of the data points in a minibatch; ``None`` means all of them.

Shape ``(B,)`` for one batch that every point of ``phi`` sees, or ``phi``'s
leading shape and ``B``, one batch per point (many runs, each on its own)."""

Ranges = tuple[tuple[float, float], tuple[float, float]]
"""An x range and a y range."""

MINIMUM_GRID = 201
"""Points a side of the grid that :meth:`Problem.minimum` searches before refining."""

NO_DATA_RANGES: Ranges = ((0.0, 1.0), (0.0, 1.0))
"""The data view's ranges for a problem without data (nothing is drawn in them)."""

DOT_POINTS = 10_000
"""Most points of one dot product over the data (numpy's ``vecdot``, OpenBLAS's ``ddot``).
OpenBLAS splits a longer one among its threads (measured: at 10,001 elements, not at
10,000), so its last bit would depend on how many it has (the machine's cores by default),
and the thread it wakes spins for about 0.1 s of CPU after it. A loss over more points is
evaluated in chunks of this many, whose sums are added up: its bits depend on the number
of points alone, and each chunk's temporaries stay in cache (80 KB each): on a million
points the loss and its gradient of the Gabor model take 33 ms rather than 41 to 49 (the
linear model's 2.5 ms rather than 5.5), of 8 runs at once 0.26 s rather than 0.43 s with
4 MiB of temporaries rather than 427 MiB."""

_Sums = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _in_chunks(sums: _Sums, x: np.ndarray, y: np.ndarray, phi0: np.ndarray,
               phi1: np.ndarray) -> np.ndarray:
    """``sums(x, y, phi0, phi1)``, a sum over the data (the last axis of x and y), as the
    sum of its value on each chunk of :data:`DOT_POINTS` points and on the rest."""
    n = x.shape[-1]
    whole = n - n % DOT_POINTS
    parts = [sums(x[..., i : i + DOT_POINTS], y[..., i : i + DOT_POINTS], phi0, phi1)
             for i in range(0, whole, DOT_POINTS)]
    total = np.stack(parts, axis=-1).sum(axis=-1)
    return total if whole == n else total + sums(x[..., whole:], y[..., whole:], phi0, phi1)


@dataclass(frozen=True)
class Capabilities:
    """What a problem can do besides its loss and gradient."""

    has_data: bool = False
    """It fits a model to data points: it has minibatches and data to show."""
    has_fit_curve: bool = False
    """It predicts y from x (:meth:`Problem.predict`), so its fit can be drawn."""
    has_hessian: bool = False
    """It has exact second derivatives (:meth:`Problem.hessian`)."""

    def describe(self) -> str:
        """The capabilities in words (``data, fit curve, exact Hessian``); empty for none."""
        words = (("data", self.has_data), ("fit curve", self.has_fit_curve),
                 ("exact Hessian", self.has_hessian))
        return ", ".join(word for word, has in words if has)


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
    capabilities: Capabilities = Capabilities()

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

    def hessian(self, phi: np.ndarray, batch: Batch = None) -> np.ndarray:
        """Second derivatives of the loss at ``phi`` (shape ``(..., 2)``) over ``batch``,
        as matrices of shape ``(..., 2, 2)``.

        Raises
        ------
        NotImplementedError
            Unless :attr:`capabilities` declares ``has_hessian``.
        """
        raise NotImplementedError(f"problem {self.name!r} has no second derivatives")

    def predict(self, x: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """The fitted curve's y at inputs ``x`` for parameters ``phi`` (shape ``(2,)``).

        Raises
        ------
        NotImplementedError
            Unless :attr:`capabilities` declares ``has_fit_curve``.
        """
        raise NotImplementedError(f"problem {self.name!r} has no fit curve")

    def fit_ranges(self) -> Ranges:
        """The x and y ranges in which to show the data and the fit."""
        return NO_DATA_RANGES

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
        A loss undefined (NaN) on the whole grid is a :class:`ValueError`.
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
        if np.isnan(grid).all():  # a typed formula may be undefined on the whole window
            raise ValueError("the loss is undefined (NaN) everywhere in the window")
        row, col = np.unravel_index(int(np.nanargmin(grid)), grid.shape)
        # A typed formula's gradient may be inf or NaN at the edge of where it is
        # defined (sqrt at 0); such trial steps fail the descent test and are halved.
        with np.errstate(all="ignore"):
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


def _padded(values: np.ndarray, margin: float) -> tuple[float, float]:
    """The range of ``values`` widened by ``margin`` of its width on each side."""
    low, high = float(values.min()), float(values.max())
    pad = margin * (high - low) or 1.0
    return low - pad, high + pad


@dataclass(eq=False)
class DataFitProblem(Problem):
    """A model fitted to data by least squares: L[phi] = sum_i (f[x_i, phi] - y_i)^2.

    ``view_ranges`` are the x and y ranges the data are shown in (the book's
    for a model's own data); ``None`` for the data's extent with a margin.
    """

    model: DataModel
    dataset: Dataset
    window: Window
    start: tuple[float, float]
    recommended_lr: Mapping[str, float] = field(default_factory=dict)
    view_ranges: Ranges | None = None

    def __post_init__(self) -> None:
        self.name = self.model.name
        self.title = f"{self.model.title} on {self.dataset.name}"
        self.axes = self.model.axes
        self.recommended_lr = MappingProxyType(dict(self.recommended_lr))
        self.capabilities = self.capabilities_of(type(self.model))

    @staticmethod
    def capabilities_of(model: type[DataModel]) -> Capabilities:
        """What a problem fitting ``model`` to data can do, the same for every such problem."""
        return Capabilities(
            has_data=True, has_fit_curve=True, has_hessian=model.has_second_derivatives
        )

    @property
    def data(self) -> Dataset:
        return self.dataset

    def _arguments(
        self, phi: np.ndarray, batch: Batch
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """phi's number of axes, the data of ``batch`` (x and y), and phi's two
        coordinates shaped to broadcast against them."""
        phi = np.asarray(phi, dtype=float)
        x, y = self.dataset.x, self.dataset.y
        if batch is not None:
            x, y = x[batch], y[batch]
        if phi.ndim == 1:
            # One run: 0-d views broadcast against x more cheaply than Python
            # floats, which numpy first converts, or than (1,)-shaped views.
            return 1, x, y, phi[..., 0], phi[..., 1]
        return phi.ndim, x, y, phi[..., 0, None], phi[..., 1, None]

    def _sums(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        """The sums over the data of r r, r df/dphi0 and r df/dphi1, r the residual."""
        f, df0, df1 = self.model.evaluate_with_gradient(x, phi0, phi1)
        residual = f - y
        # One product gives the loss and both halves of the gradient: on a few
        # dozen points, numpy's per-call cost outweighs the arithmetic.
        return np.vecdot(np.array((residual, df0, df1)), residual)

    def _squares(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        """The sum over the data of r r, as :meth:`_sums` computes it."""
        residual = self.model.evaluate_for_loss(x, phi0, phi1) - y
        return np.vecdot(residual, residual)

    def loss_and_grad(self, phi: np.ndarray, batch: Batch = None) -> tuple[np.ndarray, np.ndarray]:
        ndim, x, y, phi0, phi1 = self._arguments(phi, batch)
        if x.shape[-1] <= DOT_POINTS:
            sums = self._sums(x, y, phi0, phi1)
        else:
            sums = _in_chunks(self._sums, x, y, phi0, phi1)
        if ndim == 1:
            half = sums[1:]
            return sums[0], half + half  # 2 * half, exactly, in a cheaper call
        if ndim == 2:
            # The same, rows laid out in C order: numpy's stack costs three times as much.
            half = sums[1:].T
            return sums[0], np.add(half, half, order="C")
        return sums[0], 2.0 * np.stack((sums[1], sums[2]), axis=-1)

    def loss(self, phi: np.ndarray, batch: Batch = None) -> np.ndarray:
        """Loss at ``phi`` over ``batch`` (all data when ``None``): the same number as
        :meth:`loss_and_grad`'s to the last bit (the same f, residual and dot product
        of the residual with itself), without the derivatives, in about half the time."""
        _, x, y, phi0, phi1 = self._arguments(phi, batch)
        if x.shape[-1] <= DOT_POINTS:
            return self._squares(x, y, phi0, phi1)
        return _in_chunks(self._squares, x, y, phi0, phi1)

    def hessian(self, phi: np.ndarray, batch: Batch = None) -> np.ndarray:
        # H = 2 sum_i (grad f_i grad f_i^T + r_i Hess f_i), r_i the residual.
        if not self.capabilities.has_hessian:
            return super().hessian(phi, batch)
        phi = np.asarray(phi, dtype=float)
        x, y = self.dataset.x, self.dataset.y
        if batch is not None:
            x, y = x[batch], y[batch]
        phi0, phi1 = phi[..., 0, None], phi[..., 1, None]
        f, df0, df1 = self.model.evaluate_with_gradient(x, phi0, phi1)
        d00, d01, d11 = self.model.second_derivatives(x, phi0, phi1)
        residual = f - y
        out = np.empty(phi.shape + (2,))
        out[..., 0, 0] = 2.0 * np.sum(df0 * df0 + residual * d00, axis=-1)
        out[..., 0, 1] = out[..., 1, 0] = 2.0 * np.sum(df0 * df1 + residual * d01, axis=-1)
        out[..., 1, 1] = 2.0 * np.sum(df1 * df1 + residual * d11, axis=-1)
        return out

    def predict(self, x: np.ndarray, phi: np.ndarray) -> np.ndarray:
        return self.model.evaluate(np.asarray(x, dtype=float), phi[0], phi[1])

    def fit_ranges(self) -> Ranges:
        if self.view_ranges is not None:
            return self.view_ranges
        return _padded(self.dataset.x, 0.05), _padded(self.dataset.y, 0.1)

    def loss_grid(self, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        return self.model.loss_grid(self.dataset.x, self.dataset.y, phi0, phi1)

    def known_minima(self) -> tuple[tuple[float, float], ...]:
        if isinstance(self.model, LinearModel):
            design = np.column_stack([np.ones(self.dataset.n), self.dataset.x])
            solution = np.linalg.lstsq(design, self.dataset.y, rcond=None)[0]
            return ((float(solution[0]), float(solution[1])),)
        return ()
