"""Many curves in one graphics item: the loss curves of every run, or their model fits.

One item per view instead of one pyqtgraph curve per run: a frame costs one
call from the controller, not a dozen ``setData`` calls, and the lines are drawn
the fast way of :mod:`gradviz.qt.layers.lines`. A long curve whose x only grows (loss
against update number) is reduced to its lowest and highest point in each pixel
column, which draws the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor, QPainter, QTransform
from PySide6.QtWidgets import QWidget

from gradviz.qt.layers.lines import draw_polyline, to_device
from gradviz.qt.layers.view_layer import ViewLayer


@dataclass(frozen=True, eq=False)
class Curve:
    """A polyline in data coordinates, ``width`` device pixels wide."""

    x: np.ndarray
    y: np.ndarray
    colour: QColor
    width: float = 1.0
    increasing: bool = False
    """Whether ``x`` never decreases: long curves are then drawn per pixel column."""


def column_envelope(x: np.ndarray, y: np.ndarray, transform: QTransform) -> np.ndarray:
    """Device points of a curve whose ``x`` never decreases, reduced to the lowest and
    highest point of each pixel column it crosses (unchanged if there are few per column).

    The columns are found from ``x`` alone and only two points per column are mapped:
    a 10,000-update loss curve costs one pass over x and the reductions of y.
    """
    scale, shift = transform.m11(), transform.dx()
    axis_aligned = transform.m12() == 0 and transform.m21() == 0 and scale > 0
    if not axis_aligned or len(x) < 3:
        return to_device(np.column_stack((x, y)), transform)
    first, last = np.floor(scale * x[[0, -1]] + shift)
    if not (np.isfinite(first) and np.isfinite(last)) or 3 * (last - first + 1) >= len(x):
        return to_device(np.column_stack((x, y)), transform)
    # Each sample's pixel column, computed as the envelope's own x below: the
    # columns then agree to the last rounding.
    columns = np.floor(scale * x + shift)
    starts = np.flatnonzero(np.concatenate(([True], columns[1:] != columns[:-1])))
    with np.errstate(invalid="ignore"):  # an all-NaN column stays NaN and is dropped
        low = np.fmin.reduceat(y, starts)
        high = np.fmax.reduceat(y, starts)
    envelope = np.empty((2 * len(starts), 2))
    envelope[:, 0] = np.repeat(columns[starts] + 0.5, 2)
    envelope[0::2, 1] = transform.m22() * low + transform.dy()
    envelope[1::2, 1] = transform.m22() * high + transform.dy()
    return envelope[np.isfinite(envelope[:, 1])]


class CurveLayer(ViewLayer):
    """Draws a list of :class:`Curve` and reports their extent to the view's auto-range."""

    def __init__(self) -> None:
        super().__init__()
        self._curves: list[Curve] = []
        self._extent: tuple[tuple[float, float], tuple[float, float]] | None = None

    def set_curves(self, curves: list[Curve]) -> None:
        """Draw ``curves`` from now on (replacing the previous ones).

        Curves that differ from those drawn by less than a quarter of a pixel (a
        converged run's fit) are not redrawn.
        """
        if self._look_the_same(curves):
            return
        self._curves = curves
        self._extent = _extent(curves)
        self.informViewBoundsChanged()  # the view auto-ranges on the new extent
        self.update()

    def _look_the_same(self, curves: list[Curve]) -> bool:
        view = self.getViewBox()
        if view is None or len(curves) != len(self._curves):
            return False
        pairs = list(zip(curves, self._curves, strict=True))
        if any(new.colour != old.colour or new.width != old.width
               or new.increasing != old.increasing or new.y.shape != old.y.shape
               for new, old in pairs):
            return False  # the cheap checks first: growing loss curves stop here
        tolerance = 0.25 * abs(view.viewPixelSize()[1])
        for new, old in pairs:
            if not np.array_equal(new.x, old.x):
                return False
            with np.errstate(invalid="ignore"):  # inf - inf: not the same
                difference = np.abs(new.y - old.y)
            if not (difference <= tolerance).all():
                return False
        return True

    @property
    def curves(self) -> list[Curve]:
        """The curves drawn now."""
        return self._curves

    @property
    def extent(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The finite data's ``((x_min, x_max), (y_min, y_max))``; ``None`` without any."""
        return self._extent

    # -- pyqtgraph: auto-range --------------------------------------------------------------
    def dataBounds(  # noqa: N802 (pyqtgraph's name)
        self, axis: int, frac: float = 1.0, orthoRange: object = None  # noqa: N803
    ) -> tuple[float, float] | tuple[None, None]:
        if self._extent is None:
            return None, None
        return self._extent[axis]

    # -- QGraphicsItem ----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        if not self._curves:
            return
        exporting = self.exporting()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        transform = painter.transform()
        view = self.getViewBox()
        visible = view.viewRect() if view is not None else None
        painter.resetTransform()  # the paint guard restores the transform after
        for curve in self._curves:
            x, y = curve.x, curve.y
            if curve.increasing and visible is not None and len(x) > 2:
                # Only the stretch in view (and one point either side) is drawn.
                first = max(0, int(np.searchsorted(x, visible.left())) - 1)
                last = int(np.searchsorted(x, visible.right(), side="right")) + 1
                x, y = x[first:last], y[first:last]
            if curve.increasing:
                points = column_envelope(x, y, transform)
            else:
                points = to_device(np.column_stack((x, y)), transform)
            draw_polyline(painter, points, curve.colour, curve.width, exact=exporting)


def _extent(curves: list[Curve]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The finite data's ``((x_min, x_max), (y_min, y_max))``, or ``None`` if there is none."""
    lows: list[tuple[float, float]] = []
    highs: list[tuple[float, float]] = []
    for curve in curves:
        x, y = curve.x, curve.y
        if not len(x):
            continue
        # fmin and fmax skip NaN; only an infinity (or no finite value) needs the mask.
        extremes = (np.fmin.reduce(x), np.fmax.reduce(x), np.fmin.reduce(y), np.fmax.reduce(y))
        if not np.isfinite(extremes).all():
            finite = np.isfinite(x) & np.isfinite(y)
            if not finite.any():
                continue
            x, y = x[finite], y[finite]
            extremes = (x.min(), x.max(), y.min(), y.max())
        lows.append((extremes[0], extremes[2]))
        highs.append((extremes[1], extremes[3]))
    if not lows:
        return None
    (x_low, y_low), (x_high, y_high) = np.min(lows, axis=0), np.max(highs, axis=0)
    return (float(x_low), float(x_high)), (float(y_low), float(y_high))
