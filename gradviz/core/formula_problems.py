"""Problems from formulas typed by users: a model fitted to data, or a loss surface.

:class:`FormulaModel` is a :class:`~gradviz.core.models.DataModel` whose
f[x, phi] is a formula in ``x``, ``phi0`` and ``phi1``; :class:`FormulaSurface`
an :class:`~gradviz.core.analytic.AnalyticProblem` whose loss is a formula in
``phi0`` and ``phi1``. Both take their derivatives from the formula, exactly
(:mod:`gradviz.core.formula`), so they have exact Hessians. Where a formula is
undefined (the log of a negative number, a division by zero, an overflow) its
values are NaN or inf, without warnings; the loss grids hold NaN there.

Their parameters are text: the formula, and a default view window (``bounds``,
four numbers) and start point (``guess``, two numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from gradviz.core.analytic import AnalyticProblem
from gradviz.core.formula import Formula, number_text
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.models import DataModel
from gradviz.core.parsing import excerpt, finite_number, parse_float, quote
from gradviz.core.space import MAX_COORDINATE, Axis, Window

MODEL_VARIABLES = ("x", "phi0", "phi1")
"""The variables of a model's formula."""

SURFACE_VARIABLES = ("phi0", "phi1")
"""The variables of a surface's formula."""

_AXES = (Axis("phi0", "φ₀", ""), Axis("phi1", "φ₁", ""))

_GRID_BLOCK = 1 << 14
"""Cells times points per block of a formula model's loss grid: 128 KiB of float64
per temporary, so the few alive at once stay in a core's L2 cache."""


@lru_cache(maxsize=64)
def compiled(text: str, variables: tuple[str, ...]) -> Formula:
    """The formula ``text`` read and differentiated, once for each text (a scene, a spec
    and its problem all read the same one)."""
    return Formula(text, variables)


@dataclass(frozen=True)
class FormulaReader:
    """The reader of a formula parameter (:attr:`HyperParameter.reader
    <gradviz.core.hyperparameters.HyperParameter.reader>`): it checks a text as a
    formula in ``variables``, and tells an editor what a text reads as.
    """

    variables: tuple[str, ...]

    def formula(self, text: str) -> Formula:
        """``text`` read and differentiated.

        Raises
        ------
        FormulaError
            If the text is refused: what is wrong, and where.
        """
        return compiled(text, self.variables)

    def __call__(self, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be a formula (text); got {excerpt(repr(value))}")
        self.formula(value)  # a FormulaError says what and where
        return value


def _numbers(value: object, count: int) -> tuple[float, ...]:
    """``count`` finite numbers from text (separated by spaces or commas) or a sequence."""
    if isinstance(value, str):
        parts: list[object] = value.replace(",", " ").split()
    elif isinstance(value, (tuple, list)):
        parts = list(value)
    else:
        raise ValueError(f"must be {count} numbers; got {excerpt(repr(value))}")
    if len(parts) != count:
        raise ValueError(f"must be {count} numbers; got {len(parts)} in {excerpt(repr(value))}")
    out = []
    for part in parts:
        if isinstance(part, str):
            try:
                part = parse_float(part)
            except ValueError:
                raise ValueError(f"must be {count} numbers; {quote(part)} is not one") from None
        number = finite_number(part)
        if abs(number) > MAX_COORDINATE:
            raise ValueError(f"must be within ±{MAX_COORDINATE:g}; got {number:g}")
        out.append(number)
    return tuple(out)


def window_of(text: str) -> Window:
    """The window of a ``bounds`` value: phi0 min, phi0 max, phi1 min, phi1 max."""
    return Window(*_numbers(text, 4)).check_drawable()


def start_of(text: str) -> tuple[float, float]:
    """The start point of a ``guess`` value: phi0, phi1."""
    phi0, phi1 = _numbers(text, 2)
    return phi0, phi1


def _read_bounds(value: object) -> str:
    window_of(value)  # type: ignore[arg-type]
    return " ".join(map(number_text, _numbers(value, 4)))


def _read_guess(value: object) -> str:
    return " ".join(map(number_text, _numbers(value, 2)))


def model_expression(default: str) -> HyperParameter:
    """The declaration of a model's formula, ``default`` when none is given."""
    return HyperParameter(
        "expression", "f", default, reader=FormulaReader(MODEL_VARIABLES), label="f[x, φ] =",
        help="the model, a formula in x, phi0 and phi1 (numbers, + - * / **, parentheses, "
        "sin cos tan exp log sqrt abs tanh sigmoid)",
    )


def surface_expression(default: str) -> HyperParameter:
    """The declaration of a surface's formula, ``default`` when none is given."""
    return HyperParameter(
        "expression", "L", default, reader=FormulaReader(SURFACE_VARIABLES), label="L[φ] =",
        help="the loss surface, a formula in phi0 and phi1 (the same syntax)",
    )


def bounds(default: str) -> HyperParameter:
    """The declaration of a formula problem's default view window."""
    return HyperParameter(
        "bounds", "□", default, reader=_read_bounds, label="Window",
        help="the default view window: PHI0MIN PHI0MAX PHI1MIN PHI1MAX",
    )


def guess(default: str) -> HyperParameter:
    """The declaration of a formula problem's default start point."""
    return HyperParameter(
        "guess", "φ⁽⁰⁾", default, reader=_read_guess, label="Start",
        help="the default start point (the initial guess): PHI0 PHI1",
    )


@lru_cache(maxsize=256)
def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    # Cached: a run asks for the same shapes at every update, and numpy's own
    # function costs more than the arithmetic of a few dozen points.
    return np.broadcast_shapes(*shapes)


def _shaped(values: list[np.ndarray | float], *inputs: object) -> tuple[np.ndarray, ...]:
    """The program's outputs broadcast to the inputs' shape (a constant output is a float)."""
    shape = _broadcast(*(np.shape(i) for i in inputs))
    return tuple(v if np.shape(v) == shape else np.broadcast_to(v, shape) for v in values)


def _undefined_as_nan(grid: np.ndarray) -> np.ndarray:
    """``grid`` with every non-finite loss (where the formula is undefined) NaN."""
    grid[~np.isfinite(grid)] = np.nan
    return grid


DEFAULT_MODEL = "phi0 + phi1 * x"
"""A formula model's default: the straight line, as the linear model has it."""


@dataclass(frozen=True)
class FormulaModel(DataModel):
    """The model f[x, phi] given by a formula in x, phi0 and phi1.

    Raises
    ------
    FormulaError
        If the formula is refused.
    """

    expression: str = DEFAULT_MODEL
    name: ClassVar[str] = "formula"
    title: ClassVar[str] = "Formula model"
    axes: ClassVar[tuple[Axis, Axis]] = _AXES
    default_truth: ClassVar[tuple[float, float]] = (0.7, 0.5)
    default_x_range: ClassVar[tuple[float, float]] = (0.0, 2.0)
    default_y_range: ClassVar[tuple[float, float]] = (0.0, 2.0)
    parameters: ClassVar[tuple[HyperParameter, ...]] = (model_expression(DEFAULT_MODEL),)
    has_second_derivatives: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", compiled(self.expression, MODEL_VARIABLES))

    @property
    def formula(self) -> str:
        return f"f[x, φ] = {self.expression.strip()}"

    def gradient_text(self) -> tuple[str, str]:
        """df/dphi0 and df/dphi1 as the model computes them, as text."""
        return self.compiled.derivative_text()

    def evaluate(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        return _shaped(self.compiled.value_program(x, phi0, phi1), x, phi0, phi1)[0]

    def evaluate_with_gradient(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f, d0, d1 = _shaped(self.compiled.gradient_program(x, phi0, phi1), x, phi0, phi1)
        return f, d0, d1

    def evaluate_for_loss(self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        # The value program computes the formula's nodes by the same numpy calls as
        # the gradient program computes them, so its f has the same bits.
        return self.evaluate(x, phi0, phi1)

    def second_derivatives(
        self, x: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d00, d01, d11 = _shaped(self.compiled.hessian_program(x, phi0, phi1), x, phi0, phi1)
        return d00, d01, d11

    def loss_grid(
        self, x: np.ndarray, y: np.ndarray, phi0: np.ndarray, phi1: np.ndarray
    ) -> np.ndarray:
        """Sum-of-squares loss on the grid ``phi1 x phi0`` (rows over phi1), NaN where
        the formula is undefined.

        Blocks of (points, rows, columns) with the columns innermost, so every numpy
        loop runs along a row of the grid rather than along a few data points, and
        the formula's grid form (:attr:`~gradviz.core.formula.Formula.grid_program`)
        evaluates what depends on one axis alone on that axis.
        """
        phi0 = np.asarray(phi0, dtype=float)
        phi1 = np.asarray(phi1, dtype=float)
        out = np.zeros((phi1.size, phi0.size))
        rows = max(1, min(phi1.size, _GRID_BLOCK // max(1, phi0.size)))
        points = max(1, min(x.size, _GRID_BLOCK // (rows * max(1, phi0.size))))
        columns = phi0[None, None, :]
        program = self.compiled.grid_program.workspace()
        squares: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        for first in range(0, x.size, points):
            xs = x[first : first + points, None, None]
            ys = y[first : first + points, None, None]
            for start in range(0, phi1.size, rows):
                block = phi1[None, start : start + rows, None]
                (f,) = _shaped(program(xs, columns, block), xs, columns, block)
                # The block's residuals and squares in buffers of their own, reused.
                shape = (xs.shape[0], block.shape[1], columns.shape[2])
                if shape not in squares:
                    squares[shape] = np.empty(shape), np.empty(shape[1:])
                residual, square = squares[shape]
                # One point a block (grids of 16,384 cells or more): its y is a number, and
                # einsum's sum over one point is its square, the same value at a third of
                # the cost.
                if points == 1:
                    np.subtract(f, y[first], out=residual)
                    np.square(residual[0], out=square)
                else:
                    np.subtract(f, ys, out=residual)
                    np.einsum("kij,kij->ij", residual, residual, out=square)
                out[start : start + rows] += square
        return _undefined_as_nan(out)


class FormulaSurface(AnalyticProblem):
    """The loss surface given by a formula in phi0 and phi1, with its view and start.

    Parameters
    ----------
    expression : str
        The formula.
    bounds, guess : str
        The default view window and start point, as :func:`window_of` and
        :func:`start_of` read them.

    Raises
    ------
    ValueError
        A :class:`~gradviz.core.formula.FormulaError` for a refused formula, or a
        bad window or start.
    """

    name = "formula-surface"
    title = "Formula surface"
    minima = ()

    def __init__(self, expression: str, bounds: str, guess: str,
                 recommended_lr: Mapping[str, float]) -> None:
        self.compiled = compiled(expression, SURFACE_VARIABLES)
        self.expression = expression
        self.formula = f"L = {expression.strip()}"  # type: ignore[misc]
        self.window = window_of(bounds)  # type: ignore[misc]
        self.start = start_of(guess)  # type: ignore[misc]
        self.recommended_lr = MappingProxyType(dict(recommended_lr))  # type: ignore[misc]

    def gradient_text(self) -> tuple[str, str]:
        """dL/dphi0 and dL/dphi1 as the surface computes them, as text."""
        return self.compiled.derivative_text()

    def value_and_grad(self, p0, p1):  # type: ignore[no-untyped-def]
        return _shaped(self.compiled.gradient_program(p0, p1), p0, p1)

    def second_derivatives(self, p0, p1):  # type: ignore[no-untyped-def]
        return _shaped(self.compiled.hessian_program(p0, p1), p0, p1)

    def loss_grid(self, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
        p0, p1 = np.asarray(phi0, dtype=float)[None, :], np.asarray(phi1, dtype=float)[:, None]
        values = self.compiled.grid_program.workspace()(p0, p1)
        grid = np.array(_shaped(values, p0, p1)[0], dtype=float)
        return _undefined_as_nan(grid)
