"""The data with each run's model curve at its current parameters."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from gradviz.qt import style
from gradviz.qt.curve_layer import Curve, CurveLayer
from gradviz.qt.panel import Panel


class FitView(Panel):
    """Scatter of (x, y), the current minibatch highlighted, one model curve per run.

    For an analytic surface there is no data; the view says so instead.
    """

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

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of text, points and curves."""
        self.style_panel(theme, scale)
        self.points.setSize(9 * scale)
        self.points.setBrush(pg.mkBrush(theme.data_points))
        self.points.setPen(pg.mkPen(theme.data_edge, width=1))
        self.batch.setSize(20 * scale)
        self.batch.setPen(pg.mkPen(theme.foreground, width=2.5 * scale))
        self.message.setColor(theme.muted)
        self._show_message()

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
        if not has_data:
            self._x = self._y = np.empty(0)
            self.points.setData([], [])
            self._show_message()
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.message.setPos(0.5, 0.5)
            return
        self._x, self._y = np.asarray(x), np.asarray(y)
        self.points.setData(self._x, self._y)
        plot.setRange(xRange=x_range, yRange=y_range, padding=0.02)

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
