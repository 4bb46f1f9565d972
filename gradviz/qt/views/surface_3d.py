"""The loss surface in 3D: the heatmap's grid as a coloured surface in the same colour
map, its contours on it, and every run's path and current point drawn on the surface.

The view's window maps to a square of side :data:`BOX` around the origin and the
loss range the colour bar shows (log10 of the loss on the log colour scale) to the
height :data:`HEIGHT`, so every problem looks alike in shape: the colour of a point
and its height say the same thing. A path is drawn at the recorded loss of each
update, lifted by :data:`LIFT` so the surface does not swallow it.

It is an OpenGL widget: make one only where :func:`gradviz.qt.gl_check.opengl_problem`
returns ``None`` (elsewhere the first paint crashes the interpreter). Text (axis
labels, legend, key help) is painted with QPainter over the OpenGL picture: on screen
by a transparent widget above it, in exports onto the image.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMatrix4x4,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QVector3D,
)
from PySide6.QtWidgets import QWidget

from gradviz.qt import style
from gradviz.qt.frame import RunFrame
from gradviz.qt.overlays import OVERLAYS, OverlayGroup, Place

BOX = 2.0
"""The side of the square the view's window is drawn on (scene units)."""
HEIGHT = 0.7
"""The height of the shown loss range (scene units)."""
LIFT = 0.015
"""How far paths float above the surface, in scene units."""
CONTOUR_LIFT = 0.004
"""How far the contour lines float above the surface: enough to win the depth test."""

TURN_DEGREES = 5.0
"""What one press of Shift+Left/Right (Shift+Up/Down) turns the camera by."""
ZOOM_STEP = 0.9
"""What one press of Shift+PageUp (PageDown) multiplies (divides) the distance by."""
KEYS_HELP = ("drag or Shift+arrows: turn · wheel or Shift+PgUp/PgDn: zoom · "
             "Shift+Home: back to the first angle")
"""The view's own keys (none is a window shortcut: those keep working over it)."""


FOV = (30.0, 27.0)
"""The least horizontal and vertical field of view in degrees: the box fills about
that much of a picture of any shape (pyqtgraph's own field of view is horizontal
only, which loses the box off the top and bottom of a wide picture)."""


@dataclass(frozen=True)
class Camera:
    """Where the 3D view looks from: angles in degrees, distance in scene units."""

    azimuth: float = -102.0
    elevation: float = 44.0
    distance: float = 5.2


# Each item sets its whole depth state: pyqtgraph leaves GL state as the last item set it.
_DEPTH = {GL.GL_DEPTH_TEST: True, "glDepthFunc": (GL.GL_LEQUAL,), GL.GL_CULL_FACE: False}
_OPAQUE = {**_DEPTH, GL.GL_BLEND: False}
_TRANSLUCENT = {**_DEPTH, GL.GL_BLEND: True,
                "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
# The surface is pushed back a little in depth, so that lines lying on it win.
_SURFACE = {**_OPAQUE, GL.GL_POLYGON_OFFSET_FILL: True, "glPolygonOffset": (1.0, 1.0)}
# Where each run is now shows even behind a hill: the one thing never to lose.
_ON_TOP = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: False, GL.GL_CULL_FACE: False}


def _rgba(colour: object) -> tuple[float, float, float, float]:
    """``colour`` (a name or an RGB(A) tuple of 0-255) as OpenGL's floats."""
    qcolour = QColor(*colour) if isinstance(colour, tuple) else QColor(str(colour))
    return qcolour.getRgbF()


def bilinear(phi0: np.ndarray, phi1: np.ndarray, grid: np.ndarray,
             points: np.ndarray) -> np.ndarray:
    """``grid`` (rows over ``phi1``, columns over ``phi0``) interpolated at the
    ``(n, 2)`` ``points``, which are clipped into the grid."""
    def place(axis: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        step = (axis[-1] - axis[0]) / max(1, len(axis) - 1)
        where = np.clip((values - axis[0]) / step if step else 0.0 * values, 0, len(axis) - 1)
        low = np.minimum(np.floor(where).astype(int), max(0, len(axis) - 2))
        return low, where - low

    j, u = place(phi0, points[:, 0])
    i, v = place(phi1, points[:, 1])
    i1, j1 = np.minimum(i + 1, grid.shape[0] - 1), np.minimum(j + 1, grid.shape[1] - 1)
    return ((1 - v) * ((1 - u) * grid[i, j] + u * grid[i, j1])
            + v * ((1 - u) * grid[i1, j] + u * grid[i1, j1]))


class _Text(QWidget):
    """The view's text, painted by a transparent widget over the OpenGL picture (text
    painted into the picture itself is lost from the window's screenshots)."""

    def __init__(self, view: Surface3DView) -> None:
        super().__init__(view)
        self.view = view
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        try:
            self.view.paint_text(painter, QRectF(self.rect()))
        finally:
            painter.end()


class Surface3DView(gl.GLViewWidget):
    """The loss surface in 3D with the runs' paths on it, turned with the mouse or keys.

    Dumb view: it is told what to draw (the same calls as
    :class:`~gradviz.qt.views.surface_view.SurfaceView`) and changes only its camera.
    """

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it too
        self.setToolTip(f"The loss surface in 3D: {KEYS_HELP}")
        self.setMinimumSize(200, 150)
        self._theme = style.DARK
        self._scale = 1.0
        self._table = np.zeros((256, 3), dtype=np.uint8)
        self._frames: list[RunFrame] = []
        self._grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._undefined = np.zeros((0, 0), dtype=bool)  # the grid's NaN cells
        self._levels = (0.0, 1.0)
        self._log = False
        self._text = _Text(self)
        self.on_screen = True
        """On screen the key help is painted at the bottom; in an export the legend is
        painted at the top instead (on screen the heatmap's is beside it)."""
        self.surface = gl.GLSurfacePlotItem(computeNormals=False, glOptions=_SURFACE)
        self.contours = gl.GLLinePlotItem(mode="lines", glOptions=_TRANSLUCENT)
        self.axes = gl.GLLinePlotItem(mode="lines", glOptions=_OPAQUE)
        # Each run's path: a dark outline under its colour, as on the heatmap. Every
        # run is one item's segments, so a frame costs one update per item, not per run.
        self.shadows = gl.GLLinePlotItem(mode="lines", glOptions=_OPAQUE)
        self.paths = gl.GLLinePlotItem(mode="lines", glOptions=_OPAQUE)
        self.head_outlines = gl.GLScatterPlotItem(pxMode=True, glOptions=_ON_TOP)
        self.heads = gl.GLScatterPlotItem(pxMode=True, glOptions=_ON_TOP)
        self.minimum = gl.GLScatterPlotItem(pxMode=True, glOptions=_OPAQUE)
        for depth, item in enumerate((self.surface, self.contours, self.axes, self.shadows,
                                      self.paths, self.minimum, self.head_outlines,
                                      self.heads)):
            item.setDepthValue(depth)  # drawn in this order: outlines before colours
            item.setVisible(False)  # until there is something to draw
            self.addItem(item)
        self.axes.setVisible(True)
        self._draw_axes()
        self.overlays = OverlayGroup.of(Place.VIEW_3D, self, OVERLAYS)
        """The explanation overlays' parts drawn on the surface (:meth:`show_overlays`)."""
        self.set_camera(Camera())
        self.set_look(style.DARK, 1.0)

    # -- setters -------------------------------------------------------------------------
    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of everything drawn (themes, presentation mode, Ctrl+Plus/Minus)."""
        self._theme, self._scale = theme, scale
        self.setBackgroundColor(theme.background)
        self._widen(1.0)
        self.axes.setData(color=_rgba(theme.muted))
        self.contours.setData(color=_rgba(theme.contour))
        self.set_runs(self._frames)
        self.overlays.set_look(theme, scale)
        self.update()

    def _widen(self, ratio: float) -> None:
        """Line widths and point sizes for ``ratio`` device pixels per logical pixel."""
        scale = self._scale * ratio
        self.shadows.setData(width=5.0 * scale)
        self.paths.setData(width=3.0 * scale)
        self.contours.setData(width=1.0 * ratio)
        self.axes.setData(width=1.5 * scale)
        self.head_outlines.setData(size=19.0 * scale)
        self.heads.setData(size=15.0 * scale)
        self.minimum.setData(size=16.0 * scale)

    def set_colormap(self, table: np.ndarray, name: str) -> None:
        """Use the ``(256, 3)`` uint8 colour table (``name`` is the map's, as on the heatmap)."""
        self._table = np.asarray(table, dtype=np.uint8)
        self._colour_surface()

    def set_surface(
        self,
        phi0: np.ndarray,
        phi1: np.ndarray,
        values: np.ndarray,
        contours: np.ndarray,
        minimum: np.ndarray,
        log_scale: bool,
    ) -> None:
        """Show a loss grid (rows over phi1), its contour segments and the minimum,
        heights and colours by log10 of the loss if ``log_scale``."""
        shown = self._shown(values, log_scale)
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1.0
        self._levels, self._log = (low, high), log_scale
        self._undefined = np.isnan(values)  # drawn flat grey, at the floor
        shown = np.nan_to_num(shown, nan=low, posinf=high, neginf=low)
        self._grid = (np.asarray(phi0, float), np.asarray(phi1, float), shown)
        self.surface.setData(x=self._along(self._grid[0], self._grid[0]),
                             y=self._along(self._grid[1], self._grid[1]), z=self._height(shown).T)
        self._colour_surface()
        self.surface.setVisible(True)
        if contours.size:
            z = self._height(bilinear(*self._grid, contours)) + CONTOUR_LIFT
            self.contours.setData(pos=np.column_stack([self._xy(contours), z]))
        self.contours.setVisible(bool(contours.size))
        at = np.asarray(minimum, float).reshape(1, 2)
        z = self._height(bilinear(*self._grid, at)) + LIFT
        self.minimum.setData(pos=np.column_stack([self._xy(at), z]),
                             color=_rgba("#ffffff"))
        self.minimum.setVisible(True)
        self.set_runs(self._frames)
        self.update()

    def set_runs(self, frames: list[RunFrame]) -> None:
        """Draw each shown run's path up to its shown update and its current point."""
        self._frames = frames
        if self._grid is None:
            return
        theme = self._theme
        segments, colours, heads, head_colours = [], [], [], []
        for frame in frames:
            if not frame.visible or frame.index < 0:
                continue
            points = self.scene_points(frame.phi[: frame.index + 1], frame.loss[: frame.index + 1])
            colour = _rgba(theme.run_colour(frame.colour))
            if len(points) >= 2:
                pairs = np.repeat(points, 2, axis=0)[1:-1]  # a, b, b, c, c, d, ...
                segments.append(pairs)
                colours.append(np.tile(colour, (len(pairs), 1)))
            if len(points):  # the current update's point, or the last with a loss
                heads.append(points[-1] + (0.0, 0.0, LIFT))
                head_colours.append(colour)
        if segments:
            pos = np.concatenate(segments)
            self.paths.setData(pos=pos, color=np.concatenate(colours).astype(np.float32))
            self.shadows.setData(pos=pos, color=_rgba(style.SHADOW))
        self.paths.setVisible(bool(segments))
        self.shadows.setVisible(bool(segments))
        if heads:
            self.heads.setData(pos=np.array(heads), color=np.array(head_colours, np.float32))
            self.head_outlines.setData(pos=np.array(heads), color=_rgba(style.SHADOW))
        self.heads.setVisible(bool(heads))
        self.head_outlines.setVisible(bool(heads))
        self.update()

    # -- the camera ------------------------------------------------------------------------
    def camera(self) -> Camera:
        """Where the view looks from now."""
        return Camera(float(self.opts["azimuth"]), float(self.opts["elevation"]),
                      float(self.opts["distance"]))

    def set_camera(self, camera: Camera) -> None:
        """Look from ``camera`` at the middle of the box."""
        self.setCameraPosition(pos=QVector3D(0.0, 0.0, HEIGHT * 0.2), distance=camera.distance,
                               elevation=camera.elevation, azimuth=camera.azimuth)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Shift+arrows turn the camera, Shift+PageUp/PageDown zoom, Shift+Home resets;
        every other key goes to the window (its shortcuts work over this view)."""
        if event.modifiers() != Qt.KeyboardModifier.ShiftModifier:
            event.ignore()
            return
        key, turn = event.key(), TURN_DEGREES
        moves = {Qt.Key.Key_Left: (turn, 0.0), Qt.Key.Key_Right: (-turn, 0.0),
                 Qt.Key.Key_Up: (0.0, turn), Qt.Key.Key_Down: (0.0, -turn)}
        if key in moves:
            self.orbit(*moves[key])
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.opts["distance"] *= ZOOM_STEP if key == Qt.Key.Key_PageUp else 1 / ZOOM_STEP
            self.update()
        elif key == Qt.Key.Key_Home:
            self.set_camera(Camera())
        else:
            event.ignore()
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        event.ignore()  # pyqtgraph's own arrow handling is replaced by keyPressEvent's

    def show_overlays(self, data: Mapping[str, object]) -> None:
        """Draw each overlay's part on the surface from its entry of ``data``."""
        self.overlays.show(data)

    # -- scene coordinates ---------------------------------------------------------------
    def on_surface(self, phi: np.ndarray) -> np.ndarray:
        """Where the ``(n, 2)`` points ``phi`` lie on the drawn surface (clipped into the
        box, lifted by :data:`LIFT` so lines along it are not hidden in it); ``(0, 3)``
        before there is a surface."""
        if self._grid is None:
            return np.empty((0, 3))
        phi = np.asarray(phi, float).reshape(-1, 2)
        z = self._height(np.nan_to_num(bilinear(*self._grid, phi), nan=self._levels[0])) + LIFT
        return np.column_stack([self._xy(phi), z])

    def scene_points(self, phi: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """Where rows of ``phi`` with full-data ``loss`` are drawn: the rows with a
        finite loss and phi, clipped into the box, lifted by :data:`LIFT`."""
        phi = np.asarray(phi, float).reshape(-1, 2)
        loss = np.asarray(loss, float).reshape(-1)
        keep = np.isfinite(loss) & np.isfinite(phi).all(axis=1)
        shown = self._shown(loss[keep], self._log)
        z = self._height(np.nan_to_num(shown, nan=self._levels[0])) + LIFT
        return np.column_stack([self._xy(phi[keep]), z])

    def _xy(self, phi: np.ndarray) -> np.ndarray:
        """``(n, 2)`` phi in the box, clipped to its sides."""
        assert self._grid is not None
        return np.column_stack([self._along(phi[:, 0], self._grid[0]),
                                self._along(phi[:, 1], self._grid[1])])

    @staticmethod
    def _along(values: np.ndarray, axis: np.ndarray) -> np.ndarray:
        """Values of the parameter of grid ``axis`` along its side of the box, clipped to it."""
        span = float(axis[-1] - axis[0]) or 1.0
        return np.clip(((values - axis[0]) / span - 0.5) * BOX, -BOX / 2, BOX / 2)

    @staticmethod
    def _shown(values: np.ndarray, log_scale: bool) -> np.ndarray:
        if not log_scale:
            return np.asarray(values, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.where(values > 0, values, np.nan))

    def _height(self, shown: np.ndarray) -> np.ndarray:
        low, high = self._levels
        return np.clip((shown - low) / (high - low), 0.0, 1.0) * HEIGHT

    def _colour_surface(self) -> None:
        if self._grid is None:
            return
        low, high = self._levels
        t = np.clip((self._grid[2] - low) / (high - low), 0.0, 1.0)
        index = np.round(t * (len(self._table) - 1)).astype(int)
        rgba = np.empty(index.shape + (4,), dtype=np.float32)
        rgba[..., :3] = self._table[index] / 255.0
        rgba[self._undefined, :3] = np.array(style.UNDEFINED_GREYS[0]) / 255.0
        rgba[..., 3] = 1.0
        self.surface.setData(colors=np.ascontiguousarray(rgba.transpose(1, 0, 2)))
        self.update()

    def _draw_axes(self) -> None:
        """The box's front edge (phi0), left edge (phi1) and back right upright (the
        loss: seen beside the surface from the front)."""
        h = BOX / 2
        self.axes.setData(pos=np.array([(-h, -h, 0.0), (h, -h, 0.0), (-h, -h, 0.0), (-h, h, 0.0),
                                        (h, h, 0.0), (h, h, HEIGHT)]))

    # -- text over the picture -------------------------------------------------------------
    def _labels(self, width: float, height: float) -> list[tuple[QPointF, str, Qt.AlignmentFlag]]:
        """The axis labels and tick values at pixels of a ``width`` x ``height`` picture,
        each with the side of its text that touches its point."""
        if self._grid is None:
            return []
        phi0, phi1, _ = self._grid
        low, high = self._levels
        h, gap = BOX / 2, 0.08  # the labels sit a little outside the box's edges

        def loss(shown: float) -> float:  # the loss at a height
            return 10.0 ** shown if self._log else shown

        a = Qt.AlignmentFlag
        places = [  # along the front edge (phi0), the left edge (phi1), the corner (loss)
            ((-h, -h - gap, 0.0), f"{phi0[0]:.3g}", a.AlignTop),
            ((0.0, -h - gap, 0.0), "φ₀", a.AlignTop),
            ((h, -h - gap, 0.0), f"{phi0[-1]:.3g}", a.AlignTop),
            # Standing on its point, clear of phi0's first value hanging below the corner.
            ((-h - gap, -h + gap, 0.0), f"{phi1[0]:.3g}", a.AlignRight | a.AlignBottom),
            ((-h - gap, 0.0, 0.0), "φ₁", a.AlignRight),
            ((-h - gap, h, 0.0), f"{phi1[-1]:.3g}", a.AlignRight),
            ((h, h, HEIGHT + gap / 2),  # the base of the upright is behind the surface
             f"loss {loss(low):.3g} to {loss(high):.3g}{' (log scale)' if self._log else ''}",
             a.AlignBottom),
        ]
        mvp = self.projectionMatrix((0, 0, width, height), (0, 0, width, height)) * self.viewMatrix()
        labels = []
        for point, text, side in places:
            clip = mvp.map(QVector3D(*point))  # divided by w: normalized device coordinates
            labels.append((QPointF((clip.x() + 1) / 2 * width, (1 - clip.y()) / 2 * height),
                           text, side))
        return labels

    def _legend(self) -> list[tuple[str, str]]:
        """The legend's lines and colours: each shown run, or each fan once, with its loss."""
        lines, fans = [], set()
        for frame in self._frames:
            if not frame.visible:
                continue
            if frame.fan is not None:
                if frame.fan.entry_id not in fans:
                    fans.add(frame.fan.entry_id)
                    lines.append((frame.fan.name, self._theme.run_colour(frame.colour)))
                continue
            loss = frame.loss_text()
            lines.append((frame.name if loss is None else f"{frame.name}   loss {loss}",
                          self._theme.run_colour(frame.colour)))
        return lines

    def text_font(self) -> QFont:
        """The font of the labels and the legend at the view's scale."""
        font = QFont()
        font.setPointSizeF(12 * self._scale)
        return font

    def paint_text(self, painter: QPainter, area: QRectF) -> None:
        """Paint the labels, the legend and (on screen) the key help over the picture
        filling ``area`` of ``painter`` (logical pixels)."""
        theme, scale = self._theme, self._scale
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = self.text_font()
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        painter.setPen(QColor(theme.foreground))
        for point, text, side in self._labels(area.width(), area.height()):
            size = metrics.size(0, text)
            box = QRectF(0, 0, size.width(), size.height())
            box.moveCenter(point + area.topLeft())
            if side & Qt.AlignmentFlag.AlignTop:  # the text hangs below its point
                box.moveTop(area.top() + point.y())
            elif side & Qt.AlignmentFlag.AlignBottom:  # the text stands on its point
                box.moveBottom(area.top() + point.y())
            if side & Qt.AlignmentFlag.AlignRight:  # the text ends at its point
                box.moveRight(area.left() + point.x())
            # Kept whole inside the picture: a narrow pane at a projector's text size
            # would cut the labels at its sides.
            box.moveLeft(min(max(box.left(), area.left()), area.right() - box.width()))
            box.moveTop(min(max(box.top(), area.top()), area.bottom() - box.height()))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        margin, line = 8 * scale, metrics.height()
        top = area.top() + margin
        for text, colour in [] if self.on_screen else self._legend()[:12]:
            swatch = QRectF(area.left() + margin, top + line * 0.3, line * 0.9, line * 0.4)
            painter.fillRect(swatch, QColor(colour))
            painter.setPen(QColor(theme.foreground))
            painter.drawText(QPointF(swatch.right() + margin, top + metrics.ascent()), text)
            top += line
        if self.on_screen:
            small = QFont(font)
            small.setPointSizeF(10 * scale)
            painter.setFont(small)
            painter.setPen(QColor(theme.muted))
            painter.drawText(area.adjusted(margin, margin, -margin, -margin),
                             int(Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft
                                 | Qt.TextFlag.TextWordWrap), KEYS_HELP)

    def update(self) -> None:  # type: ignore[override]
        """Repaint the picture and the text over it."""
        super().update()
        if hasattr(self, "_text"):  # pyqtgraph repaints while it is being made
            self._text.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._text.setGeometry(self.rect())

    def projectionMatrix(self, region, viewport) -> QMatrix4x4:  # type: ignore[no-untyped-def]  # noqa: N802
        """pyqtgraph's projection, its (horizontal) field of view set for the picture's
        shape so that :data:`FOV` fits both ways; kept in ``opts``, where pyqtgraph's
        mouse panning reads it."""
        width, height = viewport[2], viewport[3]
        wide = 2 * math.degrees(math.atan(math.tan(math.radians(FOV[1] / 2)) * width
                                          / max(height, 1)))
        self.opts["fov"] = max(FOV[0], wide)
        return super().projectionMatrix(region, viewport)

    # -- pictures -----------------------------------------------------------------------
    def render_image(self, width: int, height: int, ratio: float = 1.0) -> QImage:
        """The 3D picture (without text) as a ``width`` x ``height`` image, its lines
        and points ``ratio`` times as wide as on screen (an export's pixel ratio)."""
        self._widen(ratio)
        try:
            pixels = self.renderToArray((width, height))  # BGRA rows, top first
        finally:
            self._widen(1.0)
        image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32)
        return image.convertToFormat(QImage.Format.Format_RGB32)  # a copy: pixels go


