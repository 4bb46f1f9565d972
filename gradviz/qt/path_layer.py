"""Every run's path and current point on the landscape, drawn by one graphics item.

A run's older steps form a thin trail that only ever grows, so on screen the
trails are drawn once into an image the size of the view and extended by the
new steps of each frame; only a pan, zoom, restart or scrub back redraws them
whole. The latest :data:`RECENT` steps are drawn thick with a dark outline every
frame, so each run shows where it is heading and stands out on any colour map.
Exports and screenshots get every line as a vector, at the export's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QWidget

from gradviz.qt.frame import RunFrame
from gradviz.qt.lines import distinct_pixels, draw_dots, draw_marker, draw_polyline, to_device

RECENT = 200
"""Steps drawn thick at the head of each path; older ones become the thin trail."""

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


def trail_end(frame: RunFrame) -> int:
    """The last row of ``frame``'s thin trail (0 when the whole shown path is recent)."""
    return max(0, frame.index + 1 - RECENT)


class PathLayer(pg.GraphicsObject):
    """Draws the visible runs' trails, recent steps, step dots and current points."""

    def __init__(self, style: PathStyle = PathStyle()) -> None:
        super().__init__()
        self._style = style
        self._scale = 1.0
        self._runs: list[tuple[RunFrame, QColor]] = []
        self._cache: QImage | None = None
        self._cache_key: tuple[object, ...] = ()
        self._drawn: dict[int, int] = {}  # run_id -> last trail row in the cache

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
        scale = self._scale * self._export_scale()
        painter.save()
        painter.resetTransform()
        if exporting or widget is None or painter.device() != widget:
            # An export or a grab: every line as a vector, at that device's resolution.
            for frame, colour in self._runs:
                self._draw_trail(painter, frame, colour, transform, 0, trail_end(frame), exact=True)
        else:
            painter.drawImage(0, 0, self._trails(transform, widget))
        for frame, colour in self._runs:
            self._draw_recent(painter, frame, colour, transform, scale, exact=exporting)
        self._draw_heads(painter, transform, scale, exact=exporting)
        painter.restore()

    # -- drawing ----------------------------------------------------------------------------
    def _trails(self, transform: QTransform, widget: QWidget) -> QImage:
        """The image of every trail, extended by the steps added since the last paint."""
        ratio = widget.devicePixelRatioF()
        key = (
            transform.m11(), transform.m12(), transform.m21(), transform.m22(),
            transform.dx(), transform.dy(), widget.width(), widget.height(), ratio,
            tuple((f.run_id, f.generation, c.rgba()) for f, c in self._runs),
        )
        stale = key != self._cache_key or self._cache is None or any(
            trail_end(f) < self._drawn.get(f.run_id, 0) for f, _ in self._runs  # scrubbed back
        )
        if stale:
            self._cache_key = key
            self._cache = QImage(
                round(widget.width() * ratio), round(widget.height() * ratio),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            self._cache.setDevicePixelRatio(ratio)
            self._cache.fill(0)
            self._drawn = {}
        assert self._cache is not None
        painter = QPainter(self._cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for frame, colour in self._runs:
            start, stop = self._drawn.get(frame.run_id, 0), trail_end(frame)
            if stop > start:
                self._draw_trail(painter, frame, colour, transform, start, stop, exact=False)
            self._drawn[frame.run_id] = max(start, stop)
        painter.end()
        return self._cache

    def _draw_trail(self, painter: QPainter, frame: RunFrame, colour: QColor,
                    transform: QTransform, start: int, stop: int, exact: bool) -> None:
        if stop <= start:
            return
        points = distinct_pixels(to_device(frame.phi[start: stop + 1], transform))
        draw_polyline(painter, points, colour, self._style.trail * self._export_scale(), exact)

    def _draw_recent(self, painter: QPainter, frame: RunFrame, colour: QColor,
                     transform: QTransform, scale: float, exact: bool) -> None:
        start = trail_end(frame)
        points = to_device(frame.phi[start: frame.index + 1], transform)
        lines = distinct_pixels(points)
        style = self._style
        draw_polyline(painter, lines, SHADOW, style.shadow * scale, exact,
                      hollow=style.recent * scale)
        draw_polyline(painter, lines, colour, style.recent * scale, exact)
        if start == 0:
            # A dot on every step, as the book draws its short paths; on a long
            # path they would merge into the line.
            draw_dots(painter, points, colour, style.dot * scale)

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
