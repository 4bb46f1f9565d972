"""The stability of the step size: the Hessian's eigen-directions and the bound 2 / λmax.

On the linear model's quadratic loss the directions are drawn through the minimum
and the bound is exact; on any other loss they are the local ones at the selected
run's shown point, and the text says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor

from gradviz.core.space import Window
from gradviz.core.stability import (
    Curvature,
    Regime,
    batch_caveat,
    exact_bound,
    minibatch,
    stability,
    takes_plain_steps,
)
from gradviz.qt import style
from gradviz.qt.layers.corner_note import CornerNote, shown_notes
from gradviz.qt.layers.label import Label
from gradviz.qt.overlays.base import (
    LastResult,
    Overlay,
    OverlayInput,
    OverlaySpec,
    Place,
)

LINE_COLOUR = "#ffffff"
"""The eigen-directions: white and dashed, unlike any run's path."""
LONGEST = 0.42
"""The longer half-line's length, as a share of the view (measured per axis)."""
SHORTEST = 0.08
"""The shorter half-line's least length, as a share of the view."""


@dataclass(frozen=True, eq=False)
class StabilityPicture:
    """What the overlay draws.

    Attributes
    ----------
    curvature : Curvature or None
        The Hessian's eigen-decomposition where the lines cross, and the bound;
        ``None`` where there is no point to take it at yet (only the note shows).
    ends : numpy.ndarray
        ``(2, 2, 2)``: for each eigenvalue (ascending), its line's two ends.
    note : tuple of (str, str)
        Its lines: the bound and what the selected run's rate does, in words,
        each with its colour (the rate's in that of its regime).
    """

    curvature: Curvature | None
    ends: np.ndarray
    note: tuple[tuple[str, str], ...]
    window: Window | None = None
    """The view it was derived for (labels near its edges reach back into it)."""


def line_ends(curvature: Curvature, window: Window) -> np.ndarray:
    """The ends of the eigen-directions' lines through ``curvature.point``.

    Their lengths go as 1 / √λ, the axes of the loss's elliptic contours there
    (equal where an eigenvalue is not positive), the longer :data:`LONGEST` of the view.
    """
    vectors = curvature.eigenvectors.T  # one row per eigenvalue
    in_view = np.hypot(vectors[:, 0] / window.width, vectors[:, 1] / window.height)
    values = curvature.eigenvalues
    relative = 1.0 / np.sqrt(values) if curvature.positive_definite else np.ones(2)
    share = np.maximum(LONGEST * relative / relative.max(), SHORTEST)
    half = vectors * (share / in_view)[:, None]
    return np.stack([_inside(curvature.point, -half, window),
                     _inside(curvature.point, half, window)], axis=1)


def _inside(point: np.ndarray, steps: np.ndarray, window: Window) -> np.ndarray:
    """``point + steps`` (one row per line), each cut short where it would leave
    ``window`` (unless ``point`` itself lies outside it), so its label shows."""
    low = np.array([window.phi0_min, window.phi1_min])
    high = np.array([window.phi0_max, window.phi1_max])
    if not (np.all(point >= low) and np.all(point <= high)):
        return point + steps
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(steps > 0, (high - point) / steps,
                        np.where(steps < 0, (low - point) / steps, np.inf))
    return point + steps * np.minimum(1.0, room.min(axis=1))[:, None]


_COMPARED = {
    Regime.MONOTONE: "α = {lr} ≤ 1/λmax: {regime}",
    Regime.OSCILLATES: "1/λmax < α = {lr} < 2/λmax: {regime}",
    Regime.DIVERGES: "α = {lr} ≥ 2/λmax: {regime}",
}


def _pen(scale: float) -> object:
    pen = pg.mkPen(LINE_COLOUR, width=2.5 * scale)
    pen.setDashPattern([4.0, 3.0])  # in widths: long dashes at every scale
    return pen


def regime_words(curvature: Curvature, lr: float, batch: int | None = None) -> tuple[str, str]:
    """What ``lr`` does under ``curvature``'s bound ("here", for a local one), and the
    colour it is shown in; for a run of minibatches of ``batch`` points, what
    full-batch descent at ``lr`` would do (the bound is the full data's)."""
    regime = curvature.regime(lr)
    if regime is None:
        return "", "#ffffff"
    said = regime.value if batch is None else f"full-batch descent {regime.conditional}"
    words = _COMPARED[regime].format(lr=f"{lr:.3g}", regime=said)
    words += " here" if curvature.local else ""
    # Lightened: the traffic light's vermillion and green are dark on a dark panel.
    return words, QColor(style.REGIME_COLOURS[regime]).lighter(135).name()


NO_POINT = StabilityPicture(None, np.empty((0, 2, 2)), (
    ("local bound: the selected run has no current point", "#ffffff"),))
"""What a problem whose bound is local shows before the selected run has a point."""

_last = LastResult()


def _picture(curvature: Curvature, note: tuple[tuple[str, str], ...],
             window: Window) -> StabilityPicture:
    """The picture of ``curvature``, the same object as last time if nothing changed
    (a paused run, the quadratic's fixed minimum): the overlay then redraws nothing."""
    key = (curvature.point.tobytes(), curvature.hessian.tobytes(), curvature.local, note, window)
    return _last.get(key, lambda: StabilityPicture(curvature, line_ends(curvature, window), note,
                                                   window))


def _label_anchor(end: np.ndarray, width: float, window: Window | None) -> tuple[float, float]:
    """Beyond a line's right end ``end`` for a label ``width`` wide (data units); turned
    back into the view where it would leave it."""
    if window is None:
        return 0.0, 0.5
    x = 1.0 if end[0] + width > window.phi0_max else 0.0
    y = (0.0 if end[1] > window.phi1_max - 0.1 * window.height else
         1.0 if end[1] < window.phi1_min + 0.1 * window.height else 0.5)
    return x, y


class StabilityOverlay(Overlay):
    """The eigen-directions of the Hessian and the largest stable learning rate."""

    spec = OverlaySpec(
        "stability", "Show the step-size bound", "E",
        "the Hessian's eigen-directions and the largest stable learning rate 2/λmax "
        "(exact on the linear model, local elsewhere)",
        Place.MAP, order=60,
    )

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        plot = view.getPlotItem()
        self.lines = pg.PlotDataItem(connect="pairs", pen=_pen(1.0), skipFiniteCheck=True)
        self.lines.setZValue(6)  # over the map and the field, under the paths
        plot.addItem(self.lines, ignoreBounds=True)
        self.labels = [Label(color=LINE_COLOUR, fill=pg.mkBrush(0, 0, 0, 170), anchor=(0, 0.5))
                       for _ in range(2)]
        for label in self.labels:
            label.setZValue(7)
            # Until there is a bound: shown empty, its panel was a dark bar at φ = (0, 0).
            label.hide()
            plot.addItem(label, ignoreBounds=True)
        # Top left, under the batch's note if both show: the legend prefers the top right,
        # and the badge of a run that left the view goes to an edge.
        self.note = CornerNote(view, (0, 0), points=12)
        self._shown: object | None = None

    @property
    def shown(self) -> StabilityPicture | None:
        """The picture drawn now, if any."""
        return self._shown if isinstance(self._shown, StabilityPicture) else None

    @staticmethod
    def derive(given: OverlayInput) -> StabilityPicture | None:
        frame = given.selected
        curvature = exact_bound(given.problem)
        if curvature is None:
            point = None if frame is None else frame.current_phi
            if point is None or not np.isfinite(point).all():
                return NO_POINT
            curvature = stability(given.problem, point)
        if not curvature.loss_defined:  # no numbers to draw there, only why
            return StabilityPicture(None, NO_POINT.ends, ((curvature.describe(), "#ffffff"),))
        settings = given.settings.get(frame.run_id) if frame is not None else None
        n = given.problem.n_points
        batch = None if settings is None else minibatch(settings.batch_size, n)
        first = curvature.describe()
        if curvature.bound is not None and batch is not None:
            first += f", of the full data (all {n} points)"
        elif curvature.bound is not None and not curvature.local:
            first += ": the largest stable α"
        note = [(first, "#ffffff")]
        if frame is not None and settings is not None and takes_plain_steps(settings.optimizer):
            lr = float(frame.lr[frame.index] if frame.index >= 1
                       else settings.hyperparameters["lr"])
            words, colour = regime_words(curvature, lr, batch)
            note += [(words, colour)] if words else []
            if words and batch is not None and n is not None:
                note += [(batch_caveat(batch, n), "#ffffff")]
        return _picture(curvature, tuple(note), given.window)

    def show(self, data: object | None) -> None:
        if data is self._shown:
            return
        before, self._shown = self._shown, data
        if not isinstance(data, StabilityPicture) or data.curvature is None:
            if not isinstance(before, StabilityPicture) or before.curvature is not None:
                self.lines.setData([], [])
                for label in self.labels:
                    label.hide()
            self.note.set_lines(data.note if isinstance(data, StabilityPicture) else ())
            return
        points = data.ends.reshape(-1, 2)
        self.lines.setData(points[:, 0], points[:, 1])
        self.note.set_lines(data.note)  # first: the labels keep clear of the notes
        steepest = int(np.argmax(data.curvature.eigenvalues))
        for k, label in enumerate(self.labels):
            words = (f"λ = {data.curvature.eigenvalues[k]:#.3g}"
                     + (" (steepest)" if k == steepest else ""))
            if label.textItem.toPlainText() != words:
                label.setText(words)
            right = int(data.ends[k, 1, 0] >= data.ends[k, 0, 0])
            end = data.ends[k, right]
            if self._under_a_note(label, end, data.window):  # a long note (a minibatch's)
                end = data.ends[k, 1 - right]
            label.setAnchor(self._anchor(label, end, data.window))
            label.setPos(float(end[0]), float(end[1]))
            label.show()

    def _anchor(self, label: Label, end: np.ndarray, window: Window | None) -> tuple[float, float]:
        """``label``'s anchor beyond the line's end ``end``, turned back into the view."""
        pixel = abs(float(self.view.getPlotItem().vb.viewPixelSize()[0]))
        return _label_anchor(end, label.boundingRect().width() * pixel, window)

    def _under_a_note(self, label: Label, end: np.ndarray, window: Window | None) -> bool:
        """Whether ``label`` at the line's end ``end`` would be under a corner note of the
        plot (worked out here: the label itself moves only when next painted)."""
        box = self.view.getPlotItem().vb
        ax, ay = self._anchor(label, end, window)
        at = box.mapFromView(QPointF(float(end[0]), float(end[1])))
        size = label.boundingRect()
        rect = QRectF(at.x() - ax * size.width(), at.y() - ay * size.height(),
                      size.width(), size.height())
        return any(rect.intersects(note) for note in shown_notes(box))

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.lines.setPen(_pen(scale))
        for label in self.labels:
            label.setFont(style.axis_font(round(12 * scale)))
        self.note.set_scale(scale)
