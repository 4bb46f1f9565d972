"""The data with each run's model curve at its current parameters."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor

from gradviz.qt import style
from gradviz.qt.layers.curve_layer import Curve, CurveLayer
from gradviz.qt.overlays import OVERLAYS, OverlayGroup, Place
from gradviz.qt.views.panel import Panel


class FitView(Panel):
    """Scatter of (x, y), the current minibatch highlighted, one model curve per run.

    For an analytic surface there is no data; the view says so instead.
    """

    pointHovered = Signal(object)  # int | None: the data point under the mouse (or clicked), None off it

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__("Data and the model's fit", 11, parent)
        plot = self.getPlotItem()
        plot.setLabel("bottom", "input x")
        plot.setLabel("left", "output y")
        self.points = pg.ScatterPlotItem(
            size=9, brush=pg.mkBrush(style.DARK.data_points), pen=pg.mkPen("#000000", width=1)
        )
        self.points.setZValue(10)
        # The data do not move while the fits over them do: drawn from a pixmap.
        self.points.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.batch = pg.ScatterPlotItem(
            size=20, brush=pg.mkBrush(None), pen=pg.mkPen("#ffffff", width=2.5)
        )
        self.batch.setZValue(11)
        plot.addItem(self.points)
        plot.addItem(self.batch)
        self.message = pg.TextItem(color=style.DARK.muted, anchor=(0.5, 0.5))
        plot.addItem(self.message)
        self.curves = CurveLayer()
        plot.addItem(self.curves, ignoreBounds=True)  # the data sets the range, not the fits
        self._x: np.ndarray = np.empty(0)
        self._y: np.ndarray = np.empty(0)
        self._bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._user_moved = False
        self.overlays = OverlayGroup.of(Place.DATA, self, OVERLAYS)
        """The explanation overlays drawn over the data, shown by :meth:`show_overlays`."""
        # The margin that keeps whole markers in view is in pixels: recomputed
        # whenever the view's size changes (presentation mode, a dragged splitter).
        plot.vb.sigResized.connect(self._fit_range)
        plot.vb.sigRangeChangedManually.connect(self._moved_by_user)
        # Hovering picks a point; a click pins it (for a clicker or a touch screen)
        # until the next click.
        self._hovered: int | None = None
        self._pinned: int | None = None
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._mouse_clicked)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of text, points and curves."""
        self.style_panel(theme, scale)
        self.overlays.set_look(theme, scale)
        self.points.setSize(9 * scale)
        self.points.setBrush(pg.mkBrush(theme.data_points))
        self.points.setPen(pg.mkPen(theme.data_edge, width=1))
        self.batch.setSize(20 * scale)
        self.batch.setPen(pg.mkPen(theme.foreground, width=2.5 * scale))
        self.message.setColor(theme.muted)
        self._show_message()
        self._fit_range()  # the markers' sizes changed

    def show_overlays(self, data: Mapping[str, object]) -> None:
        """Draw each overlay of the data view from its entry of ``data`` (a missing one is hidden)."""
        self.overlays.show(data)

    def _show_message(self) -> None:
        self.message.setHtml(
            f"<div style='text-align:center;font-size:{round(14 * self._scale)}pt'>"
            "An analytic surface:<br>no data to fit.</div>"
        )

    def set_data(self, x: np.ndarray | None, y: np.ndarray | None,
                 x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Show the data set, or a message when ``x`` is ``None`` (an analytic surface)."""
        plot = self.getPlotItem()
        has_data = x is not None and y is not None
        self.message.setVisible(not has_data)
        self.points.setVisible(has_data)
        self.batch.setVisible(has_data)
        self._user_moved = False
        self._pinned = None
        self._tell(None)  # new data: the point pointed at is gone
        if not has_data:
            self._x = self._y = np.empty(0)
            self._bounds = None
            self.points.setData([], [])
            self._show_message()
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.message.setPos(0.5, 0.5)
            return
        self._x, self._y = np.asarray(x), np.asarray(y)
        self.points.setData(self._x, self._y)
        # The book's range, widened to every point: its lowest Gabor point
        # (y = -1.051) lies just below the book's -1.
        self._bounds = (_union(x_range, self._x), _union(y_range, self._y))
        self._fit_range()

    def point_at(self, scene_pos: QPointF) -> int | None:
        """The index of the data point drawn under ``scene_pos``, if any."""
        if not self.points.isVisible() or self._x.size == 0:
            return None
        hits = self.points.pointsAt(self.points.mapFromScene(scene_pos))
        return int(hits[0].index()) if len(hits) else None

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        if self._pinned is None:
            self._tell(self.point_at(scene_pos))

    def _mouse_clicked(self, event: object) -> None:
        index = self.point_at(event.scenePos())  # type: ignore[attr-defined]
        self._pinned = None if index == self._pinned else index
        self._tell(index if self._pinned is not None else None)

    def _tell(self, index: int | None) -> None:
        if index != self._hovered:
            self._hovered = index
            self.pointHovered.emit(index)

    def _moved_by_user(self) -> None:
        self._user_moved = True

    def _fit_range(self) -> None:
        """Show ``_bounds`` with a margin that holds the widest marker (a ring of the
        current minibatch) whole around every point, unless the user zoomed or panned."""
        if self._bounds is None or self._user_moved:
            return
        vb = self.getPlotItem().vb
        pen = 2.5 * self._scale  # the ring's pen, drawn half outside its circle
        margin = 20 * self._scale / 2 + pen / 2 + 2  # pixels; 2 for antialiasing
        (x_low, x_high), (y_low, y_high) = self._bounds
        x_pad = _padding(x_high - x_low, margin, vb.width())
        y_pad = _padding(y_high - y_low, margin, vb.height())
        vb.setRange(xRange=(x_low - x_pad, x_high + x_pad),
                    yRange=(y_low - y_pad, y_high + y_pad), padding=0)

    def set_curves(self, curves: list[tuple[int, str, np.ndarray, np.ndarray]]) -> None:
        """Draw the ``(run_id, colour, x, f)`` model curves (only these)."""
        # Thinner when there are many: overlapping fits stay distinguishable.
        width = (3 if len(curves) <= 3 else 2) * self._scale
        self.curves.set_curves([
            Curve(xs, fs, QColor(self._theme.run_colour(colour)), width)
            for _, colour, xs, fs in curves
        ])

    def set_batch(self, indices: np.ndarray | None) -> None:
        """Ring the points of the current minibatch (none for full batch)."""
        if indices is None or self._x.size == 0:
            self.batch.setData([], [])
        else:
            self.batch.setData(self._x[indices], self._y[indices])


def _union(limits: tuple[float, float], values: np.ndarray) -> tuple[float, float]:
    """``limits`` widened to hold the finite ``values``."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return limits
    return min(limits[0], float(finite.min())), max(limits[1], float(finite.max()))


def _padding(span: float, margin: float, pixels: float) -> float:
    """The padding in data units that leaves ``margin`` pixels at each end when a
    ``span`` plus twice the padding fills ``pixels``."""
    # Not laid out yet, or so small that the points would have under a third of it (a
    # short view in presentation mode, its title on two lines): a tenth each side.
    if pixels <= 3 * margin:
        return 0.1 * span
    return span * margin / (pixels - 2 * margin)
