"""The gradient as a sum over the data: each point's share as a small arrow.

The lecture's "Gradient descent, step 1": dL/dφ = Σ_i dℓ_i/dφ. On the map, each
contributing point's dℓ_i/dφ = 2 r_i ∂f/∂φ is drawn tip to tail from the current
point, so the chain ends at the (batch) gradient, drawn beside it. In the data view
(:class:`Residuals`), each contributing point's residual r_i = f[x_i, φ] - y_i is a
vertical segment from the point to the fit; the point the mouse is over (or was
clicked) has its arrow and its residual highlighted, and a label in the data view with
its residual and its share. A minibatch run's
gradient sums over its batch only, and only the batch's points are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pyqtgraph as pg

from gradviz.core.contributions import NO_DATA, Contributions, point_contributions
from gradviz.qt import style
from gradviz.qt.layers.arrow_layer import Arrow, ArrowLayer, ArrowStyle
from gradviz.qt.layers.label import Label
from gradviz.qt.overlays.base import (Companion, GradientPoint, LastResult, Overlay, OverlayInput,
                                     OverlaySpec, Place)
from gradviz.qt.overlays.gradient_parts import (GRADIENT_COLOUR, MAX_ARROWS, gradient_scale, number,
                                               scale_text)

SHARE_COLOURS = ("#d9ccff", "#a98cf5")
"""Each point's arrow, alternating so that neighbours in the chain stay apart."""
FOCUS_COLOUR = "#ff4fa3"
_last = LastResult()


@dataclass(frozen=True, eq=False)
class PointShares:
    """What the overlay draws, on the map and in the data view.

    Attributes
    ----------
    at : numpy.ndarray or None
        ``(2,)`` the current point (``None`` with nothing to draw but the note).
    parts : Contributions or None
        The contributing points' shares of the gradient there.
    x, y : numpy.ndarray
        ``(B,)`` the contributing points.
    scale : float
        Arrows are ``scale`` times the shares, in parameter units.
    over : str
        Which data the gradient sums over.
    focus : Contributions or None
        The share and residual of the point pointed at (whether it contributes or not).
    focus_x, focus_y : float
        That point's place in the data view.
    in_batch : bool
        Whether the point pointed at contributes.
    colour : str
        The selected run's identity colour (its fit is the one the residuals reach).
    note : str
        Why nothing is drawn, if it is not ("an analytic surface: no data points").
    """

    at: np.ndarray | None
    parts: Contributions | None = None
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    scale: float = 1.0
    over: str = ""
    focus: Contributions | None = None
    focus_x: float = float("nan")
    focus_y: float = float("nan")
    in_batch: bool = False
    colour: str = GRADIENT_COLOUR
    note: str = ""

    def arrows(self) -> tuple[Arrow, ...]:
        """Each share from the end of the one before, then the sum from the point."""
        if self.parts is None or self.at is None:
            return ()
        s, at = self.scale, self.at
        starts = at + s * self.parts.chain()[:-1]
        focused = None if self.focus is None else self.parts.position(int(self.focus.indices[0]))
        drawn = range(len(starts)) if len(starts) <= MAX_ARROWS else ()
        arrows = [Arrow(_pair(starts[j]), _pair(s * self.parts.grads[j]),
                        SHARE_COLOURS[j % 2], 1.8) for j in drawn if j != focused]
        if focused is not None:  # its numbers are in the data view's label, beside its point
            arrows.append(Arrow(_pair(starts[focused]), _pair(s * self.parts.grads[focused]),
                                FOCUS_COLOUR, 3.5))
        # The sum, unlabelled: the gradient overlay (D) labels the same arrow.
        arrows.append(Arrow(_pair(at), _pair(s * self.parts.total), GRADIENT_COLOUR, 3.0))
        return tuple(arrows)

    def caption(self) -> str:
        """The note that says what the arrows are and how they are scaled."""
        if self.parts is None:
            return self.note
        count = len(self.parts.indices)
        drawn = ("each point's ∂ℓᵢ/∂φ, tip to tail" if count <= MAX_ARROWS
                 else f"{count} shares: too many to draw")
        return (f"Σᵢ ∂ℓᵢ/∂φ = ∇L (white)\n{drawn}\n"
                f"{self.over}, {scale_text(self.scale)}")


def _pair(values: np.ndarray) -> tuple[float, float]:
    return float(values[0]), float(values[1])


class Residuals(Companion):
    """The data view's part: each contributing point's residual as a vertical segment
    from the point to the selected run's fit, the point pointed at thick and labelled."""

    place = Place.DATA

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        plot = view.getPlotItem()
        self.segments = pg.PlotCurveItem(connect="pairs")
        self.focus = pg.PlotCurveItem()
        self.ring = pg.ScatterPlotItem(size=24, brush=pg.mkBrush(None))
        self.label = Label(anchor=(0, 0.5), fill=pg.mkBrush(0, 0, 0, 190))
        for z, item in enumerate((self.segments, self.focus, self.ring, self.label)):
            item.setZValue(12 + z)  # over the data and the batch's rings
            plot.addItem(item, ignoreBounds=True)
        self._theme = style.DARK
        self._scale = 1.0
        self.show(None)

    def show(self, data: object | None) -> None:
        if not isinstance(data, PointShares) or data.parts is None:
            for item in (self.segments, self.focus, self.ring, self.label):
                item.hide()
            return
        colour = self._theme.run_colour(data.colour)
        fitted = data.y + data.parts.residuals
        self.segments.setData(np.repeat(data.x, 2), np.column_stack([data.y, fitted]).ravel(),
                              pen=pg.mkPen(style.with_alpha(colour, 200), width=2 * self._scale))
        self.segments.show()
        shown = data.focus is not None
        for item in (self.focus, self.ring, self.label):
            item.setVisible(shown)
        if data.focus is None:
            return
        r = float(data.focus.residuals[0])
        g = data.focus.grads[0]
        dash = pg.QtCore.Qt.PenStyle.SolidLine if data.in_batch else pg.QtCore.Qt.PenStyle.DashLine
        self.focus.setData([data.focus_x, data.focus_x], [data.focus_y, data.focus_y + r],
                           pen=pg.mkPen(FOCUS_COLOUR, width=4 * self._scale, style=dash))
        self.ring.setData([data.focus_x], [data.focus_y],
                          pen=pg.mkPen(FOCUS_COLOUR, width=3 * self._scale))
        i = int(data.focus.indices[0])
        share = (f"∂ℓ/∂φ = ({number(g[0])}, {number(g[1])})" if data.in_batch
                 else "not in this batch: no share")
        self.label.setText(f"point {i}: r = f − y = {number(r)}\n{share}", FOCUS_COLOUR)
        # In a corner on the side away from the point (whole, clear of its ring), at the
        # top or bottom with fewer of the contributing points under it.
        (low, high), (bottom, top) = self.view.getPlotItem().vb.viewRange()
        right = data.focus_x < (low + high) / 2
        x, y = data.x, data.y  # the points that count: the ones to keep in sight
        side = (x > (low + high) / 2) if right else (x <= (low + high) / 2)
        third = (top - bottom) / 3
        upper = np.count_nonzero(side & (y > top - third))
        lower = np.count_nonzero(side & (y < bottom + third))
        at_top = upper <= lower
        self.label.setAnchor((1 if right else 0, 0 if at_top else 1))
        self.label.setPos(high if right else low, top if at_top else bottom)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self._theme, self._scale = theme, scale
        self.ring.setSize(24 * scale)
        self.label.setFont(style.axis_font(round(12 * scale)))


class PointGradientsOverlay(Overlay):
    """Each data point's dℓ_i/dφ at the selected run's current point, tip to tail.

    Over the data of :meth:`~gradviz.qt.overlays.base.OverlayInput.gradient_point`
    (all of it for a full-batch run, the ringed batch of the shown update for a
    minibatch run), at the scale of :class:`~gradviz.qt.overlays.gradient_parts.
    GradientPartsOverlay`'s factor, which fits this chain too: the chain ends at the tip
    of that overlay's gradient arrow.
    """

    spec = OverlaySpec(
        "shares", "Show each point's share of the gradient", "P",
        "each data point's gradient dℓᵢ/dφ, drawn tip to tail: they sum to the gradient "
        "(point at a data point to pick its arrow and residual)",
        Place.MAP, order=51,
    )
    companions = (Residuals,)

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        # Shares never shortened one by one: the chain must stay a chain (the factor fits it).
        self.layer = ArrowLayer(ArrowStyle(head=3.5, min_head=6.0, max_fraction=10.0))
        self.layer.setZValue(20)  # over the paths, under the gradient's own arrows (D)
        view.getPlotItem().addItem(self.layer, ignoreBounds=True)

    @staticmethod
    def derive(given: OverlayInput) -> PointShares | None:
        point = given.gradient_point()
        if point is None:
            return None
        if given.problem.n_points is None:
            return PointShares(point.phi, note=NO_DATA)
        focus = given.focus_point
        key = LastResult.key_of(given.problem, point, given.window, focus, point.run.colour)
        # One product per point of the batch: kept while nothing it depends on changes.
        return _last.get(key, lambda: _shares(given, point, focus))

    def show(self, data: object | None) -> None:
        shares = data if isinstance(data, PointShares) else None
        self.layer.set_arrows(() if shares is None else shares.arrows())
        # On the left (the field's note takes the bottom right), at the top or bottom
        # farther from the arrows.
        self.layer.set_note("" if shares is None else shares.caption(), (0, None))

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.layer.set_scale(scale)


def _shares(given: OverlayInput, point: GradientPoint, focus: int | None) -> PointShares:
    """What :class:`PointGradientsOverlay` draws for ``point``, data point ``focus`` picked."""
    parts = point_contributions(given.problem, point.phi, point.batch)
    scale = gradient_scale(given.problem, point, given.window)
    data = given.problem.data
    shares = PointShares(point.phi, parts, data.x[parts.indices], data.y[parts.indices],
                         scale, point.describe(given.problem.n_points), colour=point.run.colour)
    if focus is None or not 0 <= focus < data.n:
        return shares
    own = point_contributions(given.problem, point.phi, np.array([focus]))
    return replace(shares, focus=own, focus_x=float(data.x[focus]),
                   focus_y=float(data.y[focus]), in_batch=parts.position(focus) is not None)
