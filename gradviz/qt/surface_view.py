"""The loss landscape: heatmap, contours, colour bar, minimum, start marker and run paths."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal

from gradviz.core.space import Axis, Window
from gradviz.qt import style
from gradviz.qt.frame import RunFrame, thinned
from gradviz.qt.panel import Panel


class _RunGraphics:
    """The items that draw one run: its trail, its recent steps and its badge.

    The latest :data:`RECENT` steps are drawn thick with a dark outline so they
    stand out on any colour map; older steps become a thin trail. Besides
    showing where the run is heading, this keeps long runs cheap to draw:
    wide antialiased lines cost Qt far more than one-pixel ones.
    """

    RECENT = 200
    TRAIL_STEP = 64

    def __init__(self, plot: pg.PlotItem, colour: str, scale: float) -> None:
        self.trail = pg.PlotDataItem(pen=pg.mkPen(colour, width=1), skipFiniteCheck=True)
        self.recent = pg.PlotDataItem(
            pen=pg.mkPen(colour, width=2.5 * scale),
            shadowPen=pg.mkPen(style.SHADOW, width=5.5 * scale),
            symbolSize=5 * scale, symbolBrush=colour, symbolPen=None,
            skipFiniteCheck=True,
        )
        self.dots = False
        self._shown: tuple[object, ...] = ()
        self._trail_key: tuple[int, tuple[float, float], int] = (-1, (0.0, 0.0), -1)
        self.badge = pg.TextItem(color="#ffffff", fill=pg.mkBrush(180, 20, 20, 220), anchor=(0, 1))
        self.badge.setZValue(30)
        for z, item in enumerate((self.trail, self.recent), start=10):
            item.setZValue(z)
            plot.addItem(item)
        plot.addItem(self.badge)
        self.colour = colour

    def remove(self, plot: pg.PlotItem) -> None:
        for item in (self.trail, self.recent, self.badge):
            plot.removeItem(item)

    def show(self, frame: RunFrame, pixel: tuple[float, float]) -> None:
        # A run that has not moved since the last frame (finished, or paused
        # while others play) costs nothing to redraw.
        shown = (frame.index, frame.generation, frame.visible, frame.badge, pixel)
        if shown == self._shown:
            return
        self._shown = shown
        for item in (self.trail, self.recent):
            item.setVisible(frame.visible)
        end = frame.index + 1
        # The trail is redrawn only when it has grown by TRAIL_STEP rows (or the
        # view or the run changed): in between, the recent segment is longer.
        split = max(0, end - self.RECENT)
        split -= split % self.TRAIL_STEP
        trail_key = (split, pixel, frame.generation)
        if trail_key != self._trail_key:
            self._trail_key = trail_key
            trail = thinned(frame.phi[: split + 1], pixel) if split else frame.phi[:0]
            self.trail.setData(trail[:, 0], trail[:, 1])
        # A dot on every step, as the book draws its short paths; a long path
        # is a line only (its dots would merge, and cost a symbol each).
        dots = split == 0
        if dots != self.dots:
            self.dots = dots
            self.recent.setSymbol("o" if dots else None)
        recent = frame.phi[split:end]
        self.recent.setData(recent[:, 0], recent[:, 1])
        current = frame.current_phi
        badge = frame.badge
        self.badge.setVisible(frame.visible and badge is not None)
        if badge is not None and current is not None:
            self.badge.setText(f"✖ {badge}")
            self.badge.setPos(QPointF(float(current[0]), float(current[1])))


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
        self.colour_bar.getAxis("right").setTickFont(style.axis_font(11))
        self.colour_bar.getAxis("right").enableAutoSIPrefix(False)
        self.contours = pg.PlotDataItem(
            connect="pairs", pen=pg.mkPen(style.DARK.contour, width=1), skipFiniteCheck=True
        )
        self.contours.setZValue(-5)
        self.contours.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.contours)
        self.minimum = pg.ScatterPlotItem(
            symbol="star", size=22, brush=pg.mkBrush("#ffffff"), pen=pg.mkPen("#000000", width=1.5)
        )
        self.minimum.setZValue(5)
        plot.addItem(self.minimum)
        # Every run's current point in one item: one update per frame, not one per run.
        self.heads = pg.ScatterPlotItem(pen=pg.mkPen("#000000", width=2))
        self.heads.setZValue(20)
        plot.addItem(self.heads)
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
        self._runs: dict[int, _RunGraphics] = {}
        self._legend_text: dict[int, str] = {}
        self._quiet = False  # True while the view range is set from code
        plot.vb.sigRangeChangedManually.connect(self._range_changed)
        plot.vb.sigRangeChanged.connect(self._range_changed_any)
        self._user_moved = False
        self.scene().sigMouseClicked.connect(self._clicked)

    # -- setters ---------------------------------------------------------------------------
    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of everything drawn (themes, presentation mode, Ctrl+Plus/Minus)."""
        self.style_panel(theme, scale)
        plot = self.getPlotItem()
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
        self.heads.setPen(pg.mkPen("#000000", width=2 * scale))
        for graphics in self._runs.values():
            graphics.remove(plot)
        self._runs.clear()  # rebuilt at the next frame with the new widths
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
        wanted = {frame.run_id for frame in frames}
        for run_id in list(self._runs):
            if run_id not in wanted:
                self._runs.pop(run_id).remove(self.getPlotItem())
        rebuild_legend = False
        size = self.getPlotItem().vb.viewPixelSize()
        pixel = (float(size[0]), float(size[1]))
        for frame in frames:
            graphics = self._runs.get(frame.run_id)
            colour = self._theme.run_colour(frame.colour)
            if graphics is None or graphics.colour != colour:
                if graphics is not None:
                    graphics.remove(self.getPlotItem())
                graphics = _RunGraphics(self.getPlotItem(), colour, self._scale)
                self._runs[frame.run_id] = graphics
                rebuild_legend = True
            graphics.show(frame, pixel)
        self._show_heads(frames)
        texts = {f.run_id: self._legend_entry(f) for f in frames if f.visible}
        if rebuild_legend or list(texts) != list(self._legend_text):
            self.legend.clear()
            for run_id, text in texts.items():
                self.legend.addItem(self._runs[run_id].recent, text)
        else:
            for run_id, text in texts.items():
                if self._legend_text.get(run_id) != text:
                    self.legend.getLabel(self._runs[run_id].recent).setText(text)
        self._legend_text = texts

    def _show_heads(self, frames: list[RunFrame]) -> None:
        shown = [f for f in frames if f.visible and f.current_phi is not None]
        points = np.array([f.current_phi for f in shown]).reshape(-1, 2)
        self.heads.setData(
            points[:, 0], points[:, 1],
            brush=[pg.mkBrush(self._theme.run_colour(f.colour)) for f in shown],
            size=[15 * self._scale * (1.3 if f.selected else 1.0) for f in shown],
        )

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
