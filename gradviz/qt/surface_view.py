"""The loss landscape: heatmap, contours, colour bar, minimum, start marker and run paths."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem

from gradviz.core.space import Axis, Window
from gradviz.qt import style
from gradviz.qt.frame import RunFrame
from gradviz.qt.panel import Panel
from gradviz.qt.path_layer import PathLayer

LEGEND_MS = 100
"""The legend's losses change at most this often while runs play: faster cannot be read."""


def _cache_drawing(item: QGraphicsItem) -> None:
    """Repaint ``item`` and its children from pixmaps while they do not change."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    for child in item.childItems():
        _cache_drawing(child)


def _legend_pen(colour: object, width: float) -> QPen:
    """A pen for the legend's line samples: ``width`` legend pixels, so that an
    export at a higher pixel ratio widens it with everything else."""
    pen = pg.mkPen(colour, width=width)
    pen.setCosmetic(False)
    return pen


class SurfaceView(Panel):
    """Heatmap of the loss over (phi0, phi1) with everything drawn on it.

    Dumb view: it is told what to draw and announces what the user asks for.
    """

    startRequested = Signal(object)  # (phi0, phi1): a click on the map or a dragged start marker
    windowChanged = Signal(object)  # Window: the visible rectangle after a zoom or pan

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__("", 12, parent)
        plot = self.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        # The map and contours change only with a new surface: repaint them from
        # a cached pixmap while the paths animate over them.
        self.image.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(interactive=False, width=18)
        self.colour_bar.setImageItem(self.image, insert_in=plot)
        bar_axis = self.colour_bar.getAxis("right")
        bar_axis.setTickFont(style.axis_font(11))
        style.show_plain_values(bar_axis)
        # ColorBarItem fixes its axis at 45 pixels: too narrow for "0.2" at a
        # projector's text size (pyqtgraph then hides the labels) and for the label.
        bar_axis.setWidth(None)
        self.contours = pg.PlotDataItem(
            connect="pairs", pen=pg.mkPen(style.DARK.contour, width=1), skipFiniteCheck=True
        )
        self.contours.setZValue(-5)
        self.contours.curve.setCacheMode(
            pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
        )
        plot.addItem(self.contours)
        self.minimum = pg.ScatterPlotItem(
            symbol="star", size=22, brush=pg.mkBrush("#ffffff"), pen=pg.mkPen("#000000", width=1.5)
        )
        self.minimum.setZValue(5)
        plot.addItem(self.minimum)
        # Every run's path and current point in one item: one update per frame.
        self.paths = PathLayer()
        self.paths.setZValue(10)
        plot.addItem(self.paths, ignoreBounds=True)
        self.start = pg.TargetItem(
            pos=(0, 0), size=16, movable=True, pen=pg.mkPen("#ffffff", width=2.5),
            hoverPen=pg.mkPen("#ffff00", width=3), label="start",
            labelOpts={"color": "#ffffff", "offset": (12, 12)},
        )
        self.start.setZValue(40)
        plot.addItem(self.start)
        self.start.sigPositionChangeFinished.connect(self._start_dragged)
        self.legend = pg.LegendItem(
            offset=(-10, 10), labelTextColor="#ffffff", labelTextSize="12pt",
            brush=pg.mkBrush(0, 0, 0, 160), pen=pg.mkPen(255, 255, 255, 80),
        )
        self.legend.setParentItem(plot.vb)
        self._badges: dict[int, pg.TextItem] = {}
        self._samples: dict[int, pg.PlotDataItem] = {}  # what the legend shows for each run
        self._legend_text: dict[int, str] = {}
        self._pending_text: dict[int, str] = {}
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.setInterval(LEGEND_MS)
        self._legend_timer.timeout.connect(self._show_pending_text)
        # The start marker, the minimum and the legend sit over the animated paths:
        # repainted with them every frame, from pixmaps.
        for item in (self.start, self.minimum, self.legend):
            _cache_drawing(item)
        self._quiet = False  # True while the view range is set from code
        plot.vb.sigRangeChangedManually.connect(self._range_changed)
        plot.vb.sigRangeChanged.connect(self._range_changed_any)
        self._user_moved = False
        self.scene().sigMouseClicked.connect(self._clicked)

    # -- setters ---------------------------------------------------------------------------
    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of everything drawn (themes, presentation mode, Ctrl+Plus/Minus)."""
        self.style_panel(theme, scale)
        bar_axis = self.colour_bar.getAxis("right")
        bar_axis.setTickFont(style.axis_font(round(11 * scale)))
        bar_axis.setTextPen(pg.mkPen(theme.foreground))
        bar_axis.label.setFont(style.axis_font(round(12 * scale)))
        label = self.start.label()
        if label is not None:
            label.setFont(style.axis_font(round(11 * scale)))
            label.setColor(theme.foreground)
        self.contours.setPen(pg.mkPen(theme.contour, width=1))
        self.legend.opts["labelTextSize"] = f"{round(12 * scale)}pt"
        self.legend.opts["labelTextColor"] = pg.mkColor(theme.foreground)
        self.legend.setBrush(pg.mkBrush(theme.legend_fill))
        self.minimum.setSize(22 * scale)
        self.paths.set_scale(scale)
        self._samples.clear()  # rebuilt at the next frame with the new widths
        self._legend_text = {}

    def set_axes(self, axes: tuple[Axis, Axis]) -> None:
        """Label the axes with the parameters' symbols and meanings."""
        plot = self.getPlotItem()
        plot.setLabel("bottom", axes[0].label)
        plot.setLabel("left", axes[1].label)

    def set_colormap(self, table: np.ndarray, name: str) -> None:
        """Use the ``(256, 3)`` uint8 colour table."""
        self.colour_bar.setColorMap(pg.ColorMap(np.linspace(0, 1, len(table)), table, name=name))

    def set_surface(
        self,
        phi0: np.ndarray,
        phi1: np.ndarray,
        values: np.ndarray,
        contours: np.ndarray,
        minimum: np.ndarray,
        log_scale: bool,
    ) -> None:
        """Show a loss grid (rows over phi1), its contour segments and the minimum."""
        shown = values
        if log_scale:
            with np.errstate(divide="ignore", invalid="ignore"):
                shown = np.log10(np.where(values > 0, values, np.nan))
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1.0
        self.image.setImage(np.nan_to_num(shown, nan=low), axisOrder="row-major", autoLevels=False)
        dx = (phi0[-1] - phi0[0]) / max(1, len(phi0) - 1)
        dy = (phi1[-1] - phi1[0]) / max(1, len(phi1) - 1)
        # Each grid value is the centre of its pixel.
        self.image.setRect(
            QRectF(phi0[0] - dx / 2, phi1[0] - dy / 2, phi0[-1] - phi0[0] + dx,
                   phi1[-1] - phi1[0] + dy)
        )
        self.colour_bar.setLevels((low, high))
        self.colour_bar.setLabel("right", "log₁₀ loss" if log_scale else "loss")
        if contours.size:
            self.contours.setData(contours[:, 0], contours[:, 1])
        else:
            self.contours.setData([], [])
        self.minimum.setData([minimum[0]], [minimum[1]])

    def show_window(self, window: Window) -> None:
        """Show ``window`` without announcing it as a user's zoom."""
        self._quiet = True
        try:
            self.getPlotItem().vb.setRange(
                xRange=(window.phi0_min, window.phi0_max),
                yRange=(window.phi1_min, window.phi1_max),
                padding=0,
            )
        finally:
            self._quiet = False

    def set_start(self, phi: tuple[float, float], colour: str) -> None:
        """Place the selected run's start marker."""
        self.start.setPos(QPointF(float(phi[0]), float(phi[1])))
        self.start.setPen(pg.mkPen(colour, width=3))

    def set_runs(self, frames: list[RunFrame]) -> None:
        """Draw every run's path, current point, legend entry and badge."""
        coloured = [(frame, self._theme.run_colour(frame.colour)) for frame in frames]
        self.paths.set_runs(coloured)
        self._show_badges(frames)
        for run_id in set(self._samples) - {frame.run_id for frame in frames}:
            del self._samples[run_id]  # a removed run
        rebuild_legend = False
        for frame, colour in coloured:
            sample = self._samples.get(frame.run_id)
            if sample is None or sample.opts["pen"].color() != pg.mkColor(colour):
                widths = self.paths.path_style  # the legend shows a piece of the path
                self._samples[frame.run_id] = pg.PlotDataItem(
                    pen=_legend_pen(colour, widths.recent * self._scale),
                    shadowPen=_legend_pen(style.SHADOW, widths.shadow * self._scale),
                )
                rebuild_legend = True
        texts = {f.run_id: self._legend_entry(f) for f in frames if f.visible}
        if rebuild_legend or list(texts) != list(self._legend_text):
            self.legend.clear()
            for run_id, text in texts.items():
                self.legend.addItem(self._samples[run_id], text)
            _cache_drawing(self.legend)
            self._legend_text = texts
        elif texts != self._legend_text:
            # New losses show at once, then at most every LEGEND_MS; the last
            # values always show when the timer fires.
            self._pending_text = texts
            if not self._legend_timer.isActive():
                self._show_pending_text()

    def _show_pending_text(self) -> None:
        texts, self._pending_text = self._pending_text, {}
        if not texts or list(texts) != list(self._legend_text):
            return  # the legend was rebuilt meanwhile
        for run_id, text in texts.items():
            if self._legend_text.get(run_id) != text:
                self.legend.getLabel(self._samples[run_id]).setText(text)
        self._legend_text = texts
        self._legend_timer.start()

    def _show_badges(self, frames: list[RunFrame]) -> None:
        """A warning on the path of each run that diverged or failed."""
        plot = self.getPlotItem()
        shown = {f.run_id: f for f in frames if f.visible and f.badge and f.current_phi is not None}
        for run_id in list(self._badges):
            if run_id not in shown:
                plot.removeItem(self._badges.pop(run_id))
        for run_id, frame in shown.items():
            badge = self._badges.get(run_id)
            if badge is None:
                badge = self._badges[run_id] = pg.TextItem(
                    color="#ffffff", fill=pg.mkBrush(180, 20, 20, 220), anchor=(0, 1)
                )
                badge.setZValue(30)
                plot.addItem(badge)
            text = f"✖ {frame.badge}"
            if badge.textItem.toPlainText() != text:
                badge.setText(text)
            current = frame.current_phi
            badge.setPos(QPointF(float(current[0]), float(current[1])))

    @staticmethod
    def _legend_entry(frame: RunFrame) -> str:
        text = f"{frame.name}   loss {frame.current_loss:.4g}"
        if frame.short_badge:
            text += f"   ✖ {frame.short_badge}"
        return text

    # -- user input ---------------------------------------------------------------------------
    def _start_dragged(self) -> None:
        pos = self.start.pos()
        self.startRequested.emit((float(pos.x()), float(pos.y())))

    def _clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.startRequested.emit((float(point.x()), float(point.y())))

    def _range_changed(self, *_: object) -> None:
        self._user_moved = True

    def _range_changed_any(self, vb, ranges) -> None:  # type: ignore[no-untyped-def]
        if self._quiet or not self._user_moved:
            return
        self._user_moved = False
        (x0, x1), (y0, y1) = ranges
        if x1 > x0 and y1 > y0:
            self.windowChanged.emit(Window(float(x0), float(x1), float(y0), float(y1)))
