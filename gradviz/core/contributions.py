"""The gradient as a sum over the data: each data point's own share of it.

The lecture's "Gradient descent, step 1": with the least-squares loss
L[phi] = sum_i l_i = sum_i (f[x_i, phi] - y_i)^2, the gradient is the sum of the
points' gradients, d l_i / d phi = 2 r_i df/dphi (x_i, phi) with the residual
r_i = f[x_i, phi] - y_i. A minibatch's gradient sums over its points only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.losses import Batch, DataFitProblem, Problem

NO_DATA = "an analytic surface: no data points"
"""Why a problem without data has no per-point contributions."""


@dataclass(frozen=True, eq=False)
class Contributions:
    """Each data point's share of the gradient at one point of parameter space.

    Attributes
    ----------
    phi : numpy.ndarray
        ``(2,)``, where the gradient is taken.
    indices : numpy.ndarray
        ``(B,)`` the data indices that contribute, in the batch's order.
    residuals : numpy.ndarray
        ``(B,)`` each point's residual r_i = f[x_i, phi] - y_i.
    grads : numpy.ndarray
        ``(B, 2)`` each point's gradient d l_i / d phi = 2 r_i df/dphi.
    """

    phi: np.ndarray
    indices: np.ndarray
    residuals: np.ndarray
    grads: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """The sum of the points' gradients: the (batch) gradient of the loss, ``(2,)``.

        It equals ``problem.grad(phi, batch)`` to rounding, not bit for bit: the
        problem sums with one dot product (which may use fused multiply-adds and
        another order), this sums the points' own products.
        """
        return self.grads.sum(axis=0)

    def chain(self) -> np.ndarray:
        """``(B + 1, 2)`` the partial sums 0, g_1, g_1 + g_2, ...: where each point's
        arrow starts and ends when they are drawn tip to tail; the last row is :attr:`total`."""
        return np.vstack([np.zeros((1, 2)), np.cumsum(self.grads, axis=0)])

    def position(self, index: int) -> int | None:
        """Where data point ``index`` is among :attr:`indices`, or ``None`` if it does not contribute."""
        found = np.flatnonzero(self.indices == index)
        return int(found[0]) if found.size else None


def point_contributions(problem: Problem, phi: np.ndarray, batch: Batch = None) -> Contributions:
    """Each data point's gradient d l_i / d phi at ``phi`` (shape ``(2,)``) over ``batch``
    (data indices, ``None`` for all the data).

    Raises
    ------
    ValueError
        For a problem without data (an analytic surface), a ``phi`` that is not one
        point, or batch indices outside the data.
    """
    if not isinstance(problem, DataFitProblem):
        raise ValueError(NO_DATA)
    phi = np.asarray(phi, dtype=float)
    if phi.shape != (2,):
        raise ValueError(f"contributions are taken at one point (phi0, phi1), not shape {phi.shape}")
    n = problem.dataset.n
    indices = np.arange(n) if batch is None else np.asarray(batch, dtype=np.intp).reshape(-1)
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"batch indices must lie in 0 … {n - 1}")
    x, y = problem.dataset.x[indices], problem.dataset.y[indices]
    f, df0, df1 = problem.model.evaluate_with_gradient(x, phi[0], phi[1])
    residuals = f - y
    grads = 2.0 * residuals[:, None] * np.stack((df0, df1), axis=-1)
    return Contributions(phi.copy(), indices, residuals, grads)
