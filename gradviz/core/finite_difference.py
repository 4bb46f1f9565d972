"""The derivative as a limit (the lecture's "Definitions" slide), computed.

The forward difference (L(phi + h e_k) - L(phi)) / h approaches dL/dphi_k as h
shrinks: its error falls in proportion to h (it is h/2 times the second
derivative, to first order). That holds until rounding takes over: L is known
to about 16 significant digits, so the difference of two nearly equal losses
keeps fewer and fewer of them, and dividing by a tiny h magnifies what is lost;
the error then grows like eps |L| / h. For the lecture's losses the two meet
near h = 1e-8, where about half the digits are right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.losses import Batch, Problem

TABLE_STEPS: np.ndarray = 10.0 ** -np.arange(0, 11)
"""The steps of the table of convergence: h = 1, 0.1, …, 1e-10."""

STEP_RANGE = (1e-12, 1.0)
"""The smallest and largest step h offered."""

EPS = float(np.finfo(float).eps)


@dataclass(frozen=True, eq=False)
class ForwardDifferences:
    """Forward differences of a loss at one point, for each coordinate and step.

    Attributes
    ----------
    phi : numpy.ndarray
        ``(2,)``, where the derivatives are taken.
    steps : numpy.ndarray
        ``(H,)`` the steps h.
    loss : float
        L(phi).
    quotients : numpy.ndarray
        ``(H, 2)``: ``quotients[j, k]`` = (L(phi + h_j e_k) - L(phi)) / h_j.
    exact : numpy.ndarray
        ``(2,)`` the exact derivatives dL/dphi_k (the problem's analytic gradient).
    """

    phi: np.ndarray
    steps: np.ndarray
    loss: float
    quotients: np.ndarray
    exact: np.ndarray

    @property
    def error(self) -> np.ndarray:
        """``(H, 2)`` each quotient minus the exact derivative."""
        return self.quotients - self.exact

    @property
    def rounding(self) -> np.ndarray:
        """``(H,)`` eps |L| / h: one rounding of L divided by h, the size below which
        the error cannot fall at that step."""
        return EPS * abs(self.loss) / self.steps

    def best(self) -> np.ndarray:
        """``(2,)`` for each coordinate, the index of the step with the smallest error."""
        return np.argmin(np.abs(self.error), axis=0)


def forward_differences(problem: Problem, phi: np.ndarray, steps: np.ndarray,
                        batch: Batch = None) -> ForwardDifferences:
    """The forward differences of ``problem``'s loss over ``batch`` at ``phi`` for each of
    ``steps`` and both coordinates, beside the exact gradient.

    L(phi) and every L(phi + h e_k) come from one evaluation of the loss, so all of
    them are rounded alike and the differences show the rounding of the loss itself.

    Raises
    ------
    ValueError
        For a ``phi`` that is not one finite point, or steps that are not positive and finite.
    """
    phi = np.asarray(phi, dtype=float)
    if phi.shape != (2,) or not np.isfinite(phi).all():
        raise ValueError("forward differences are taken at one finite point (phi0, phi1)")
    steps = np.asarray(steps, dtype=float).reshape(-1)
    if not steps.size or not (np.isfinite(steps) & (steps > 0)).all():
        raise ValueError("the steps h must be positive and finite")
    shifted = phi + steps[:, None, None] * np.eye(2)  # (H, k, 2): phi + h e_k
    points = np.concatenate([phi[None], shifted.reshape(-1, 2)])
    with np.errstate(all="ignore"):  # a huge step may overflow: an inf quotient, shown as such
        losses = np.asarray(problem.loss(points, batch), dtype=float)
        quotients = (losses[1:].reshape(-1, 2) - losses[0]) / steps[:, None]
    exact = np.asarray(problem.grad(phi, batch), dtype=float)
    return ForwardDifferences(phi.copy(), steps, float(losses[0]), quotients, exact)
