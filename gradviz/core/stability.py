"""How large a gradient-descent step may be: the Hessian's eigen-directions and 2 / λmax.

Gradient descent ``phi <- phi - alpha g`` on a quadratic loss with Hessian ``H``
(the second derivatives of L itself, so the factor 2 of a sum of squares is in
it) multiplies the distance to the minimum along each eigenvector of ``H`` by
``1 - alpha lambda`` at every update. Along the steepest direction (``lambda``
largest) that factor is

- in ``[0, 1)`` for ``alpha <= 1 / lambda_max``: the run slides in monotonically;
- in ``(-1, 0)`` for ``1 / lambda_max < alpha < 2 / lambda_max``: it overshoots
  the valley floor each step, zig-zagging in;
- ``<= -1`` for ``alpha >= 2 / lambda_max``: each overshoot is at least as large as
  the one before, and the run never converges (it diverges above the bound).

The linear model's least squares is such a quadratic: its Hessian is the same
everywhere, and :func:`stability` gives the exact bound at its minimum. For
any other loss the same numbers at a point describe only the steps taken near
it, so they are labelled local; where the Hessian there is not positive
definite (a saddle, a ridge) there is no such bound, and :func:`stability`
says so; nor is there one where the loss itself is undefined (a formula's
``log(phi0)`` at ``phi0 < 0``), whatever its formal second derivatives are.

The bound is that of the loss the Hessian is taken of: the full data's, summed
over its N points. A minibatch of B points steps on the sum over B points, whose
curvature is another (summed over fewer points, usually flatter), so for a run of
minibatches :func:`rate_words` says what full-batch descent at its rate would do
and claims nothing about the run itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from gradviz.core.losses import Problem
from gradviz.core.optimizers import OPTIMIZERS, GradientDescent
from gradviz.core.round_numbers import round_below

LOCAL_POINTS = 100_000
"""Most data points for which :func:`step_bound` works out a local bound (each costs a
pass over the data; the app asks for it as a run moves)."""

CONSTANT_RTOL = 1e-9
"""How close the Hessians at two points must be for the loss to count as a quadratic."""


class Regime(Enum):
    """What gradient descent at a learning rate does on a quadratic."""

    MONOTONE = "converges monotonically"
    OSCILLATES = "oscillates while it converges"
    DIVERGES = "diverges"

    @property
    def conditional(self) -> str:
        """The regime of a descent not taken: "would diverge"."""
        return _WOULD[self]


_WOULD = {Regime.MONOTONE: "would converge monotonically",
          Regime.OSCILLATES: "would oscillate while it converges",
          Regime.DIVERGES: "would diverge"}


@dataclass(frozen=True, eq=False)
class Curvature:
    """The Hessian of the loss at a point, its eigen-decomposition and step-size bound.

    Attributes
    ----------
    point : numpy.ndarray
        Where the Hessian is taken, ``(phi0, phi1)``: the minimum of a quadratic,
        else the point asked about.
    hessian : numpy.ndarray
        ``(2, 2)`` second derivatives of L there.
    eigenvalues : numpy.ndarray
        ``(2,)`` in ascending order.
    eigenvectors : numpy.ndarray
        ``(2, 2)``: column ``k`` is the unit direction of ``eigenvalues[k]``.
    local : bool
        Whether the numbers hold only near :attr:`point` (the loss is not a
        quadratic); ``False`` for the exact, global bound of a quadratic.
    loss_defined : bool
        Whether the loss is finite at :attr:`point`; where it is not, there is no
        bound, whatever the formal second derivatives say.
    """

    point: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    local: bool
    loss_defined: bool = True

    @property
    def lambda_max(self) -> float:
        """The largest eigenvalue: the curvature of the steepest direction."""
        return float(self.eigenvalues[-1])

    @property
    def positive_definite(self) -> bool:
        """Whether every eigenvalue is positive (the point is at or near a minimum)."""
        return bool(self.eigenvalues[0] > 0)

    @property
    def has_bound(self) -> bool:
        """Whether there is a bound: the loss is defined and its Hessian positive definite."""
        return self.loss_defined and self.positive_definite

    @property
    def bound(self) -> float | None:
        """The largest stable learning rate 2 / λmax; ``None`` without one (:attr:`has_bound`)."""
        return 2.0 / self.lambda_max if self.has_bound else None

    @property
    def monotone_limit(self) -> float | None:
        """1 / λmax, the largest rate that never overshoots; ``None`` without a bound."""
        return 1.0 / self.lambda_max if self.has_bound else None

    def regime(self, lr: float) -> Regime | None:
        """What gradient descent at ``lr`` does (see the module); ``None`` without a bound."""
        if self.monotone_limit is None:
            return None
        if lr <= self.monotone_limit:
            return Regime.MONOTONE
        return Regime.OSCILLATES if lr < 2.0 * self.monotone_limit else Regime.DIVERGES

    def bands(self) -> tuple[tuple[float, float, Regime], ...]:
        """The learning rates of each regime, ``(low, high, regime)``, from 0 to infinity;
        empty without a bound."""
        if self.monotone_limit is None:
            return ()
        one = self.monotone_limit
        return ((0.0, one, Regime.MONOTONE), (one, 2.0 * one, Regime.OSCILLATES),
                (2.0 * one, float("inf"), Regime.DIVERGES))

    def describe(self) -> str:
        """The bound in words, ``2/λmax = 0.0400``; a local one says so, and so does
        its absence."""
        if not self.loss_defined:
            return (f"no bound at the current point: the loss is undefined at "
                    f"φ = ({self.point[0]:.3g}, {self.point[1]:.3g})")
        if self.bound is None:
            return ("no local bound at the current point: the Hessian is not positive "
                    f"definite there (λ = {self.eigenvalues[0]:.3g}, {self.eigenvalues[1]:.3g})")
        text = f"2/λmax = {self.bound:#.3g}"
        return f"local bound at the current point: {text}" if self.local else text


def curvature_at(problem: Problem, phi: np.ndarray, local: bool = True) -> Curvature:
    """The Hessian of ``problem`` at ``phi`` and its eigen-decomposition.

    Raises
    ------
    ValueError
        For a problem without exact second derivatives, or a Hessian that is
        not finite at ``phi``.
    """
    if not problem.capabilities.has_hessian:
        raise ValueError(f"problem {problem.name!r} has no exact second derivatives")
    point = np.asarray(phi, dtype=float).reshape(2)
    with np.errstate(all="ignore"):
        hessian = np.asarray(problem.hessian(point), dtype=float).reshape(2, 2)
    if not np.isfinite(hessian).all():
        raise ValueError(f"the Hessian is not finite at φ = ({point[0]:.4g}, {point[1]:.4g})")
    values, vectors = np.linalg.eigh(hessian)
    with np.errstate(all="ignore"):
        defined = bool(np.isfinite(problem.loss(point)))
    return Curvature(point, hessian, values, vectors, local, defined)


def minibatch(batch_size: int | None, n_points: int | None) -> int | None:
    """The number of points of a run's batches if fewer than all ``n_points``, else
    ``None`` (full-batch descent, or a problem without data points)."""
    if batch_size is None or n_points is None or batch_size >= n_points:
        return None
    return batch_size


def batch_caveat(batch: int, n_points: int) -> str:
    """Why the full-data bound says nothing sure about a run of batches of ``batch``."""
    return (f"a batch of {batch} of the {n_points} points sees another, usually "
            "flatter, curvature")


def rate_words(curvature: Curvature, lr: float, batch: int | None = None,
               n_points: int | None = None) -> str:
    """The bound and what ``lr`` does under it, in one line: ``2/λmax = 0.0400; α =
    0.042 diverges``; for a run of batches of ``batch`` of ``n_points`` points (see
    :func:`minibatch`), what full-batch descent at ``lr`` would do, and why that
    need not be the run's fate. Without a bound, :meth:`Curvature.describe`."""
    regime = curvature.regime(lr)
    if regime is None:
        return curvature.describe()
    where = "local bound at the current point: " if curvature.local else ""
    bound = f"2/\u2060λmax = {curvature.bound:#.3g}"  # never wrapped after the slash
    if batch is None or n_points is None:
        return f"{where}{bound}; α = {lr:.3g} {regime.value}"
    return (f"{where}full-batch {bound} (loss summed over all {n_points} points); "
            f"at α = {lr:.3g} full-batch descent {regime.conditional}; "
            f"{batch_caveat(batch, n_points)}")


def is_quadratic(problem: Problem) -> bool:
    """Whether the Hessian of ``problem`` is the same at three points of its view
    (then the loss is a quadratic and its bound is global)."""
    if not problem.capabilities.has_hessian:
        return False
    w = problem.window
    points = np.array([[w.phi0_min + 0.25 * w.width, w.phi1_min + 0.3 * w.height],
                       [w.phi0_min + 0.8 * w.width, w.phi1_min + 0.7 * w.height],
                       [w.phi0_min + 0.4 * w.width, w.phi1_min + 0.9 * w.height]])
    with np.errstate(all="ignore"):
        hessians = np.asarray(problem.hessian(points), dtype=float)
    if not np.isfinite(hessians).all():
        return False
    return bool(np.allclose(hessians[1:], hessians[0], rtol=CONSTANT_RTOL,
                            atol=CONSTANT_RTOL * float(np.abs(hessians[0]).max())))


def stability(problem: Problem, phi: np.ndarray | None = None) -> Curvature:
    """The step-size bound of ``problem``: exact at the minimum of a quadratic, else
    local at ``phi``.

    For a quadratic the minimum is one Newton step from any point (exact, since
    the gradient is linear), and ``phi`` is not needed.

    Raises
    ------
    ValueError
        For a problem without exact second derivatives; for a quadratic whose
        Hessian is singular (no single minimum); for another problem without ``phi``.
    """
    if is_quadratic(problem):
        w = problem.window
        centre = np.array([w.phi0_min + 0.5 * w.width, w.phi1_min + 0.5 * w.height])
        at_centre = curvature_at(problem, centre, local=False)
        if not at_centre.positive_definite:
            raise ValueError("the loss is a quadratic without a single minimum "
                             f"(Hessian eigenvalues {at_centre.eigenvalues[0]:.3g}, "
                             f"{at_centre.eigenvalues[1]:.3g})")
        minimum = centre - np.linalg.solve(at_centre.hessian, problem.grad(centre))
        return curvature_at(problem, minimum, local=False)
    if phi is None:
        raise ValueError(f"the loss of {problem.name!r} is not a quadratic: its bound is "
                         "local, at a point")
    return curvature_at(problem, phi, local=True)


def takes_plain_steps(optimizer: str) -> bool:
    """Whether ``optimizer`` steps ``phi - alpha g`` (gradient descent and SGD), the
    rule the bound 2 / λmax is about."""
    kind = OPTIMIZERS.get(optimizer)
    return kind is not None and issubclass(kind, GradientDescent)


_exact: tuple[Problem, Curvature | None] | None = None  # the last problem asked about


def exact_bound(problem: Problem) -> Curvature | None:
    """The exact bound at the minimum if ``problem`` is a quadratic with one, else
    ``None``; worked out once for the last problem asked about (views ask every frame)."""
    global _exact
    if _exact is None or _exact[0] is not problem:
        try:
            found = stability(problem) if is_quadratic(problem) else None
        except ValueError:  # a quadratic without a single minimum
            found = None
        _exact = problem, found
    return _exact[1]


def step_bound(problem: Problem, optimizer: str, phi: np.ndarray | None) -> Curvature | None:
    """The bound beside a run's learning rate: for plain gradient steps (see
    :func:`takes_plain_steps`), exact on a quadratic, else local at ``phi``;
    ``None`` for other optimizers, a problem without second derivatives, no finite
    ``phi``, or a local bound over more than :data:`LOCAL_POINTS` data points."""
    if not takes_plain_steps(optimizer) or not problem.capabilities.has_hessian:
        return None
    exact = exact_bound(problem)
    if exact is not None:
        return exact
    if phi is None or not np.isfinite(phi).all() or (problem.n_points or 0) > LOCAL_POINTS:
        return None
    try:
        return curvature_at(problem, phi)
    except ValueError:  # not finite there
        return None


_BELOW = 1 - 1e-9
"""A bound shrunk by this before it is rounded down: a round bound (0.04) itself is
not stable, so the rate must be the round number below it (0.02)."""


def stable_rate(curvature: Curvature | None, lr: float, least: float = 0.0) -> float:
    """A learning rate for plain gradient steps under ``curvature``'s bound: ``lr`` if it
    is below the bound (or there is none), else the largest round rate (1, 2 or 5 times
    a power of ten) below the bound, but not below ``least`` (the least rate allowed,
    where it may still be above a bound that small)."""
    bound = None if curvature is None else curvature.bound
    if bound is None or lr < bound:
        return lr
    # Read back from one digit: the double nearest to 5e-06, as the user would type it
    # (the decade times 5 is 4.9999999999999996e-06).
    return max(float(f"{round_below(bound * _BELOW):.1g}"), least)
