"""Two-parameter models f[x, phi] fitted to data, with analytic derivatives.

Every method broadcasts: ``x`` and ``phi0``/``phi1`` may be arrays of any
compatible shapes, so the same code evaluates one run, many runs at once, or a
whole grid of parameters. Each model declares its own parameters (the fields
of its dataclass, by the same names) and whether it has second derivatives.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.space import Axis

_CHUNK = 1 << 14
"""Elements per temporary array in the grid kernels: 128 KiB of float64, so the
few temporaries alive at once stay in a core's L2 cache."""

_MATMUL_WORK = 1 << 18
"""Multiply-adds per matrix product in the Gabor grid kernel (see its chunking)."""

_EXPONENT_LIMIT = 100.0
"""Largest exponent magnitude allowed in a factor of the Gabor grid kernel:
products of four such factors stay far from float64 overflow (e^709), and
a term lost to underflow is below e^-500."""


@dataclass(frozen=True)
class DataModel(ABC):
    """A model with two parameters ``phi0`` and ``phi1``."""

    name: ClassVar[str]
    title: ClassVar[str]
    axes: ClassVar[tuple[Axis, Axis]]
    default_truth: ClassVar[tuple[float, float]]
    """True parameters used to draw synthetic data."""
    default_x_range: ClassVar[tuple[float, float]]
    """Range of x used to draw synthetic data, and the book's data plot's x range."""
    default_y_range: ClassVar[tuple[float, float]]
    """The book's data plot's y range (for the model's own data set)."""
    parameters: ClassVar[tuple[HyperParameter, ...]] = ()
    """The model's own parameters besides phi, each a field of the same name."""
    has_second_derivatives: ClassVar[bool] = False
    """Whether :meth:`second_derivatives` is implemented."""

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

    def evaluate_for_loss(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        """Return f as :meth:`evaluate_with_gradient` computes it, to the last bit, for
        the loss alone (:meth:`~gradviz.core.losses.DataFitProblem.loss`).

        :meth:`evaluate` may round differently (it serves the fit curve and synthetic
        data). This default computes the derivatives too and drops them; a model
        overrides it with its f alone, by the same operations.
        """
        return self.evaluate_with_gradient(x, phi0, phi1)[0]

    def second_derivatives(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return d²f/dphi0², d²f/dphi0 dphi1 and d²f/dphi1², broadcasting as :meth:`evaluate`.

        Raises
        ------
        NotImplementedError
            For a model that does not declare :attr:`has_second_derivatives`.
        """
        raise NotImplementedError(f"the {self.title} has no second derivatives")

    def loss_grid(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        """Sum-of-squares loss on the grid ``phi1 x phi0`` (rows over phi1).

        The generic version broadcasts over (phi1, phi0, data) in chunks of
        rows and of data points, so every temporary stays cache-sized whatever
        the grid and the number of points; models override it with faster forms.
        """
        phi0 = np.asarray(phi0, dtype=float)
        phi1 = np.asarray(phi1, dtype=float)
        out = np.zeros((phi1.size, phi0.size))
        points = max(1, min(x.size, _CHUNK // max(1, phi0.size)))
        rows = max(1, _CHUNK // max(1, phi0.size * points))
        for first in range(0, x.size, points):
            xs, ys = x[first : first + points], y[first : first + points]
            for start in range(0, phi1.size, rows):
                block = phi1[start : start + rows, None, None]
                residual = self.evaluate(xs, phi0[None, :, None], block) - ys
                out[start : start + rows] += np.einsum("ijk,ijk->ij", residual, residual)
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
    default_y_range: ClassVar[tuple[float, float]] = (0.0, 2.0)
    has_second_derivatives: ClassVar[bool] = True

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

    def evaluate_for_loss(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        return phi0 + phi1 * x

    def second_derivatives(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        zero = np.zeros(np.broadcast_shapes(np.shape(x), np.shape(phi0), np.shape(phi1)))
        return zero, zero, zero  # f is linear in phi

    def loss_grid(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        # L is a quadratic in phi whose coefficients are sums over the data, so
        # the grid costs O(grid) whatever the number of points. Centred on the
        # means and on the least-squares slope b it is a sum of three terms that
        # are never negative (Sxx the sum of squares of x about its mean),
        #   L = n (phi0 + phi1 mean(x) - mean(y))^2 + Sxx (phi1 - b)^2 + R,
        # so nothing cancels: the expanded six-term form loses every digit of
        # the range in a tiny window around the minimum, this one keeps them.
        x_mean, y_mean = x.mean(), y.mean()
        xc, yc = x - x_mean, y - y_mean
        sxx = xc @ xc
        slope = (xc @ yc) / sxx if sxx > 0 else 0.0
        remainder = yc - slope * xc
        p0 = np.asarray(phi0, dtype=float)[None, :]
        p1 = np.asarray(phi1, dtype=float)[:, None]
        level = p0 + (p1 * x_mean - y_mean)
        return x.size * (level * level) + (sxx * (p1 - slope) ** 2 + remainder @ remainder)


ENVELOPE = HyperParameter(
    "envelope", "E", 32.0, 0.0, math.inf, log=True, open_low=True, slider=(0.5, 1000.0),
    label="Envelope E",
    help="Gabor envelope divisor: exp(-z²/E); the book uses 32, the slide text prints 8",
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
    default_y_range: ClassVar[tuple[float, float]] = (-1.0, 1.0)
    parameters: ClassVar[tuple[HyperParameter, ...]] = (ENVELOPE,)
    has_second_derivatives: ClassVar[bool] = True

    def __post_init__(self) -> None:
        ENVELOPE.validate(self.envelope)  # a HyperParameterError is a ValueError

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

    def evaluate_for_loss(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        # z as evaluate_with_gradient forms it: evaluate's (0.06 phi1) x rounds differently.
        z = phi0 + phi1 * (0.06 * x)
        return np.sin(z) * np.exp(z * z * (-1.0 / self.envelope))

    def second_derivatives(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # f depends on phi through z alone, so every second derivative is
        # f''(z) times dz/dphi_j dz/dphi_k; with k = 2/E and f' = g cos z - k z f,
        # f''(z) = -(1 + k + k² z²) f - 2 k z f'.
        f, df_dz, _ = self.evaluate_with_gradient(x, phi0, phi1)  # df/dphi0 is f'(z)
        scaled_x = 0.06 * x
        z = phi0 + phi1 * scaled_x
        k = 2.0 / self.envelope
        d2f_dz2 = -(1.0 + k + k * k * z * z) * f - 2.0 * k * z * df_dz
        return d2f_dz2, scaled_x * d2f_dz2, scaled_x * scaled_x * d2f_dz2

    def loss_grid(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        """Sum-of-squares loss on the grid ``phi1 x phi0`` (rows over phi1).

        On a regular phi0 axis the columns are cut into blocks of ``K``,
        ``phi0 = A + d`` with ``A`` a block's centre and ``d`` one of ``K``
        offsets shared by all blocks. With ``u = A + c`` and ``c = 0.06 phi1 x``,

        ``f = rho * (alpha p + beta q)``,
        ``p, q = (sin u, cos u) exp(-u^2/E)`` per (row, block, point),
        ``alpha, beta = (cos d, sin d) exp(-(d^2 + 2 d A)/E)`` per column,
        ``rho = exp(-2 d c / E)`` per (row, offset, point),

        so ``sum_i f_i^2`` and ``sum_i y_i f_i`` are five small matrix
        products over the data per row and the transcendental functions are
        evaluated per block and per offset rather than per grid cell and
        point. Every term of the expansion is bounded by the data's own size
        (``|rho alpha p| <= exp(-z^2/E) <= 1``), so the error is a few ulps of
        ``n + sum |y| + sum y^2``. Block sizes keep every factor's exponent
        within :data:`_EXPONENT_LIMIT`; where no block size can (a window far
        beyond the envelope) or phi0 is not evenly spaced, the generic form runs.
        """
        phi0 = np.asarray(phi0, dtype=float)
        phi1 = np.asarray(phi1, dtype=float)
        blocks = self._column_blocks(x, phi0, phi1)
        if blocks is None:
            return super().loss_grid(x, y, phi0, phi1)
        centres, offsets = blocks
        k = -1.0 / self.envelope
        n_blocks, size = centres.size, offsets.size
        spread = np.exp(k * offsets * offsets + (2.0 * k) * np.multiply.outer(centres, offsets))
        alpha, beta = np.cos(offsets) * spread, np.sin(offsets) * spread
        # Per column, the weights of the five data sums (rho^2 p^2, rho^2 pq,
        # rho^2 q^2, rho y p, rho y q) in L - sum y^2 = sum f^2 - 2 sum y f.
        weights = np.stack(
            [alpha * alpha, 2.0 * alpha * beta, beta * beta, -2.0 * alpha, -2.0 * beta]
        )
        sin_a, cos_a = np.sin(centres)[:, None], np.cos(centres)[:, None]
        # Few enough points per chunk that each matrix product stays below
        # _MATMUL_WORK multiply-adds, which OpenBLAS keeps on the calling
        # thread: spread over two shared cores, such small products ran up to
        # ten times slower whenever another process was busy.
        points = max(1, min(x.size, _CHUNK // n_blocks, _MATMUL_WORK // (3 * n_blocks * size)))
        rows = max(1, _CHUNK // (n_blocks * points))
        # Buffers reused by every chunk: fresh temporaries would cost more in
        # page faults than the arithmetic they hold.
        c = np.empty((rows, points))
        sin_c, cos_c = np.empty_like(c), np.empty_like(c)
        work, gauss = np.empty((2, rows, n_blocks, points))
        pq = np.empty((rows, 2, n_blocks, points))
        squares = np.empty((rows, 3, n_blocks, points))
        linear = np.empty_like(pq)
        rho, rho2 = np.empty((2, rows, points, size))
        sums = np.empty((rows, 5, n_blocks, size))
        part = np.empty_like(sums)
        out = np.empty((phi1.size, n_blocks * size))
        for start in range(0, phi1.size, rows):
            r = min(rows, phi1.size - start)
            freq = 0.06 * phi1[start : start + r, None]
            sums[:r] = 0.0
            for first in range(0, x.size, points):
                m = min(points, x.size - first)
                ys = y[first : first + m]
                cv = np.multiply(freq, x[first : first + m], out=c[:r, :m])
                sc = np.sin(cv, out=sin_c[:r, :m])[:, None]
                cc = np.cos(cv, out=cos_c[:r, :m])[:, None]
                u, g = work[:r, :, :m], gauss[:r, :, :m]
                np.add(centres[:, None], cv[:, None, :], out=u)
                np.multiply(u, u, out=g)
                g *= k
                np.exp(g, out=g)
                # sin u and cos u by the angle-sum rule: sines per block and per
                # (row, point), products per (row, block, point).
                pqv = pq[:r, :, :, :m]
                p, q = pqv[:, 0], pqv[:, 1]
                np.multiply(sin_a, cc, out=p)
                p += np.multiply(cos_a, sc, out=u)
                np.multiply(cos_a, cc, out=q)
                q -= np.multiply(sin_a, sc, out=u)
                pqv *= g[:, None]
                sq, lin = squares[:r, :, :, :m], linear[:r, :, :, :m]
                np.multiply(pqv, p[:, None], out=sq[:, :2])
                np.multiply(q, q, out=sq[:, 2])
                np.multiply(pqv, ys, out=lin)
                rv, rv2 = rho[:r, :m], rho2[:r, :m]
                np.multiply(cv[:, :, None], (2.0 * k) * offsets, out=rv)
                np.exp(rv, out=rv)
                np.multiply(rv, rv, out=rv2)
                # Merging (kind, block) into one axis keeps these views, so
                # the products write straight into ``part``.
                pv = part[:r]
                np.matmul(sq.reshape(r, -1, m), rv2, out=pv[:, :3].reshape(r, -1, size))
                np.matmul(lin.reshape(r, -1, m), rv, out=pv[:, 3:].reshape(r, -1, size))
                sums[:r] += pv
            cells = out[start : start + r].reshape(r, n_blocks, size)
            np.einsum("rmjk,mjk->rjk", sums[:r], weights, out=cells)
        values = out[:, : phi0.size]
        values += y @ y
        return np.ascontiguousarray(values)

    def _column_blocks(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Block centres and shared offsets for :meth:`loss_grid`, or ``None``."""
        cols = phi0.size
        if cols < 2:
            return None
        step = (phi0[-1] - phi0[0]) / (cols - 1)
        # Offsets are shared between blocks only on an evenly spaced axis;
        # deviations at the level of rounding phi0 itself change nothing.
        regular = phi0[0] + step * np.arange(cols)
        scale = float(np.max(np.abs(phi0)))
        if not float(np.max(np.abs(phi0 - regular))) <= 16 * np.finfo(float).eps * scale:
            return None
        s = 1.0 / self.envelope
        reach_c = 0.06 * float(np.max(np.abs(phi1), initial=0.0)) * float(np.max(np.abs(x)))
        # About sqrt(2 cols) offsets balances the work per block against per offset.
        size = min(cols, round(math.sqrt(2 * cols)))
        while size > 1:
            half = 0.5 * (size - 1) * abs(step)
            reach_a = scale + size * abs(step)  # the last block may run past the edge
            if s * half * (half + 2.0 * (reach_a + reach_c)) <= _EXPONENT_LIMIT:
                break
            size -= 1
        if size == 1:
            return None
        n_blocks = -(-cols // size)
        middle = 0.5 * (size - 1)
        centres = phi0[0] + (np.arange(n_blocks) * size + middle) * step
        offsets = (np.arange(size) - middle) * step
        return centres, offsets
