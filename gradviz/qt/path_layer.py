"""Every run's path and current point on the landscape, drawn by one graphics item.

A run's latest steps (at least :data:`RECENT`, fewer than twice that) are drawn
thick with a dark outline, so each run shows where it is heading and stands out
on any colour map; older steps become a thin trail. Thick steps turn thin in
blocks of :data:`RECENT` at a time, so that on screen both parts only ever grow
between blocks: each is drawn into an image the size of the view and extended
by the new steps of each frame. A pan, a zoom, a restart, a scrub back or a new
block redraws them whole. Exports and screenshots get every line as a vector,
at the export's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QWidget

from gradviz.qt.frame import RunFrame
from gradviz.qt.lines import distinct_pixels, draw_dots, draw_marker, draw_polyline, to_device

RECENT = 100
"""Steps drawn thick at the head of each path, at least; see the module's description."""

SHADOW = QColor(0, 0, 0)
"""Opaque, so that the outline can be drawn the fast way (see :mod:`gradviz.qt.lines`)."""
HEAD_OUTLINE = QColor(0, 0, 0)


@dataclass(frozen=True)
class PathStyle:
    """Widths in device pixels at scale 1; multiplied by the view's scale."""

    trail: float = 1.0
    recent: float = 2.5
    shadow: float = 5.5
    dot: float = 5.0
    head: float = 15.0
    head_outline: float = 2.0
    selected_head: float = 1.3


def thick_start(frame: RunFrame) -> int:
    """The first row of ``frame``'s thick part, a multiple of :data:`RECENT`."""
    return max(0, (frame.index + 1 - RECENT) // RECENT * RECENT)


@dataclass
class _Canvas:
    """An image of the view that lines are added to; cleared when its key changes."""

    image: QImage | None = None
    key: tuple[object, ...] = ()
    drawn: dict[int, int] = field(default_factory=dict)
    """run_id -> the last row already drawn."""

    def painter(self, key: tuple[object, ...], widget: QWidget, clear: bool) -> QPainter:
        """A painter on the image, cleared first if ``key`` changed or ``clear``."""
        ratio = widget.devicePixelRatioF()
        if clear or key != self.key or self.image is None:
            self.key, self.drawn = key, {}
            self.image = QImage(round(widget.width() * ratio), round(widget.height() * ratio),
                                QImage.Format.Format_ARGB32_Premultiplied)
            self.image.setDevicePixelRatio(ratio)
            self.image.fill(0)
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        return painter


class PathLayer(pg.GraphicsObject):
    """Draws the visible runs' trails, recent steps, step dots and current points."""

    def __init__(self, style: PathStyle = PathStyle()) -> None:
        super().__init__()
        self._style = style
        self._scale = 1.0
        self._runs: list[tuple[RunFrame, QColor]] = []
        self._trail = _Canvas()
        self._outline = _Canvas()  # every thick part's dark outline, under ...
        self._thick = _Canvas()  # ... every thick part's colour

    # -- what to draw ---------------------------------------------------------------------
    def set_scale(self, scale: float) -> None:
        """Multiply every width (presentation mode, Ctrl+Plus/Minus)."""
        self._scale = scale
        self.update()

    def set_runs(self, runs: list[tuple[RunFrame, str]]) -> None:
        """Draw these ``(frame, colour)`` runs (hidden ones are skipped)."""
        self._runs = [(frame, QColor(colour)) for frame, colour in runs if frame.visible]
        self.update()

    # -- QGraphicsItem ----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        view = self.getViewBox()
        return QRectF() if view is None else view.viewRect()

    def viewRangeChanged(self) -> None:  # noqa: N802 (pyqtgraph's name)
        self.prepareGeometryChange()

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        if not self._runs:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        transform = painter.transform()
        exporting = bool(self._exportOpts)
        painter.save()
        painter.resetTransform()
        if exporting or widget is None or painter.device() != widget:
            # An export or a grab: every line as a vector, at that device's resolution.
            scale = self._scale * self._export_scale()
            for frame, colour in self._runs:
                self._draw_trail(painter, frame, colour, transform, 0, thick_start(frame), True)
            for outline in (True, False):
                for frame, colour in self._runs:
                    self._draw_thick(painter, frame, colour, transform, thick_start(frame),
                                     scale, outline, exact=True)
        else:
            scale = self._scale
            for image in self._grown_images(transform, widget):
                painter.drawImage(0, 0, image)
        self._draw_heads(painter, transform, scale, exact=exporting)
        painter.restore()

    # -- drawing ----------------------------------------------------------------------------
    def _grown_images(self, transform: QTransform, widget: QWidget) -> list[QImage]:
        """The trail, outline and thick images, extended by the rows added since the last paint."""
        view = (
            transform.m11(), transform.m12(), transform.m21(), transform.m22(),
            transform.dx(), transform.dy(), widget.width(), widget.height(),
            widget.devicePixelRatioF(), self._scale,
            tuple((f.run_id, f.generation, c.rgba()) for f, c in self._runs),
        )
        runs = self._runs
        painter = self._trail.painter(view, widget, clear=any(
            thick_start(f) < self._trail.drawn.get(f.run_id, 0) for f, _ in runs  # scrubbed back
        ))
        for frame, colour in runs:
            start, stop = self._trail.drawn.get(frame.run_id, 0), thick_start(frame)
            self._draw_trail(painter, frame, colour, transform, start, stop, exact=False)
            self._trail.drawn[frame.run_id] = max(start, stop)
        painter.end()
        # A new block of thin steps, or a scrub back, redraws the thick parts whole.
        thick_key = view + tuple(thick_start(f) for f, _ in runs)
        clear = any(f.index < self._thick.drawn.get(f.run_id, -1) for f, _ in runs)
        for canvas, outline in ((self._outline, True), (self._thick, False)):
            painter = canvas.painter(thick_key, widget, clear)
            for frame, colour in runs:
                start = canvas.drawn.get(frame.run_id, thick_start(frame))
                if frame.index > start or frame.run_id not in canvas.drawn:
                    self._draw_thick(painter, frame, colour, transform, start, self._scale,
                                     outline, exact=False, first_dot=frame.run_id not in canvas.drawn)
                canvas.drawn[frame.run_id] = max(start, frame.index)
            painter.end()
        return [canvas.image for canvas in (self._trail, self._outline, self._thick)
                if canvas.image is not None]

    def _draw_trail(self, painter: QPainter, frame: RunFrame, colour: QColor,
                    transform: QTransform, start: int, stop: int, exact: bool) -> None:
        if stop <= start:
            return
        points = distinct_pixels(to_device(frame.phi[start: stop + 1], transform))
        draw_polyline(painter, points, colour, self._style.trail * self._export_scale(), exact)

    def _draw_thick(self, painter: QPainter, frame: RunFrame, colour: QColor,
                    transform: QTransform, start: int, scale: float, outline: bool,
                    exact: bool, first_dot: bool = True) -> None:
        """Rows ``start`` to the shown one, as the outline or as the coloured line and dots."""
        points = to_device(frame.phi[start: frame.index + 1], transform)
        lines = distinct_pixels(points)
        style = self._style
        if outline:
            draw_polyline(painter, lines, SHADOW, style.shadow * scale, exact,
                          hollow=style.recent * scale)
            return
        draw_polyline(painter, lines, colour, style.recent * scale, exact)
        if thick_start(frame) == 0:
            # A dot on every step, as the book draws its short paths; on a long
            # path they would merge into the line.
            draw_dots(painter, points if first_dot else points[1:], colour, style.dot * scale)

    def _draw_heads(self, painter: QPainter, transform: QTransform, scale: float,
                    exact: bool) -> None:
        style = self._style
        for frame, colour in self._runs:
            current = frame.current_phi
            if current is None:
                continue
            centre = to_device(current[None, :], transform)
            if not len(centre):
                continue  # a diverged run's last point may not be finite
            diameter = style.head * scale * (style.selected_head if frame.selected else 1.0)
            draw_marker(painter, centre[0], colour, diameter, HEAD_OUTLINE,
                        style.head_outline * scale, exact)

    def _export_scale(self) -> float:
        # Exports draw at a pixel ratio of their own and say how much wider lines must be.
        return self._exportOpts.get("lineScale", 1.0) if self._exportOpts else 1.0
