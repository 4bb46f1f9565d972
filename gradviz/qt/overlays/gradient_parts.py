"""The gradient at the current point and its two parts dL/dφ0 and dL/dφ1, as arrows.

The lecture's "Gradient" slide: each partial derivative is the rate of change
along one unit vector, and their vector sum points in the direction of greatest
increase. The arrows are the gradient itself (uphill), as the slide draws it;
the update steps the other way, -α∇L.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from gradviz.core.contributions import point_contributions
from gradviz.core.problems import Problem
from gradviz.core.space import Window
from gradviz.qt import style
from gradviz.qt.layers.arrow_layer import Arrow, ArrowLayer, ArrowStyle, readable_scale
from gradviz.qt.overlays.base import (GradientPoint, LastResult, Overlay, OverlayInput,
                                     OverlaySpec, Place)

GRADIENT_COLOUR = "#ffffff"
PART_COLOUR = "#7fdbff"
SHARE = 0.3
"""The arrows drawn from the current point reach about this share of the view (at most)."""


MAX_ARROWS = 200
"""More contributing points than this are not drawn one by one (only their sum, and the
point pointed at)."""


def gradient_scale(problem: Problem, point: GradientPoint, window: Window) -> float:
    """The one factor (1, 2 or 5 times a power of ten) every arrow of the gradient at
    ``point`` is drawn at, here and in the points' shares: the one that makes the gradient,
    and the chain of the points' shares tip to tail, reach at most :data:`SHARE` of
    ``window``, and near it.

    The gradient vanishes at a minimum, so a fixed factor would shrink the arrows to
    dots where the lecture looks hardest; the labels give the factor and the true values.
    """
    grad = np.asarray(problem.grad(point.phi, point.batch), dtype=float)
    offsets = [grad[None]]
    count = problem.n_points if point.batch is None else point.batch.size
    if count is not None and count <= MAX_ARROWS:
        offsets.append(point_contributions(problem, point.phi, point.batch).chain())
    return readable_scale(np.vstack(offsets), (window.width, window.height), SHARE)


_last = LastResult()


def number(value: float) -> str:
    """A value with four significant digits and a true minus sign."""
    return f"{value:.4g}".replace("-", "−")


def scale_text(scale: float) -> str:
    """How the arrows are scaled, in a few words: "drawn ×0.01"."""
    return f"drawn ×{scale:g}"


@dataclass(frozen=True, eq=False)
class GradientParts:
    """What the overlay draws: the gradient at ``at`` and how it is scaled.

    Attributes
    ----------
    at : numpy.ndarray
        ``(2,)`` the current point.
    grad : numpy.ndarray
        ``(2,)`` the gradient there, over ``over``.
    scale : float
        The arrows are ``scale * grad`` long in parameter units.
    over : str
        Which data the gradient sums over ("all 12 points"; empty without data).
    """

    at: np.ndarray
    grad: np.ndarray
    scale: float
    over: str

    def arrows(self) -> tuple[Arrow, ...]:
        """The gradient (solid) and its parts along φ0 and φ1 (dashed), from the point."""
        tail = (float(self.at[0]), float(self.at[1]))
        g0, g1 = (float(v) for v in self.grad)
        s = self.scale
        return (
            Arrow(tail, (s * g0, 0.0), PART_COLOUR, 2.5, f"∂L/∂φ₀ = {number(g0)}", dashed=True),
            Arrow(tail, (0.0, s * g1), PART_COLOUR, 2.5, f"∂L/∂φ₁ = {number(g1)}", dashed=True),
            Arrow(tail, (s * g0, s * g1), GRADIENT_COLOUR, 3.5,
                  f"∇L = ({number(g0)}, {number(g1)}), uphill\n"
                  + (f"{self.over}, " if self.over else "") + scale_text(s)),
        )


class GradientPartsOverlay(Overlay):
    """∇L at the selected run's current point, with its two components.

    The gradient is taken by the core at the current point phi[i] over the data of
    :meth:`~gradviz.qt.overlays.base.OverlayInput.gradient_point`: all of it for a
    full-batch run, which is exactly the gradient the next update will take (the
    recorded ``grad`` of update i + 1 is the same to rounding: the engine takes it for
    many runs at once); for a minibatch run, the shown update's batch, ringed in the
    data view, since the next update's batch is not drawn until that update is made.
    It is computed rather than read from the record so that it is the gradient *at*
    the point drawn, for every optimizer (Nesterov records its look-ahead gradient).
    """

    spec = OverlaySpec(
        "parts", "Show the gradient and its parts", "D",
        "the gradient at the current point with its components ∂L/∂φ₀ and ∂L/∂φ₁",
        Place.MAP, order=50,
    )

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        self.layer = ArrowLayer(ArrowStyle(max_fraction=0.6))
        self.layer.setZValue(21)  # over the paths (10) and the minimum (15): they start at a run's head
        view.getPlotItem().addItem(self.layer, ignoreBounds=True)

    @staticmethod
    def derive(given: OverlayInput) -> GradientParts | None:
        point = given.gradient_point()
        if point is None:
            return None
        problem = given.problem

        def parts() -> GradientParts | None:
            grad = np.asarray(problem.grad(point.phi, point.batch), dtype=float)
            if not np.isfinite(grad).all():
                return None
            return GradientParts(point.phi, grad, gradient_scale(problem, point, given.window),
                                 point.describe(problem.n_points))

        # A sum over all the data: kept while the point, its batch and the view stay.
        return _last.get(LastResult.key_of(problem, point, given.window), parts)

    def show(self, data: object | None) -> None:
        self.layer.set_arrows(data.arrows() if isinstance(data, GradientParts) else ())

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.layer.set_scale(scale)
