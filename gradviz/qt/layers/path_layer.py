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
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QWidget

from gradviz.qt.frame import RunFrame
from gradviz.qt.layers.lines import (
    distinct_pixels,
    draw_dots,
    draw_marker,
    draw_polyline,
    draw_polylines,
    to_device,
)
from gradviz.qt.style import SHADOW as SHADOW_RGB
from gradviz.qt.layers.view_layer import ViewLayer

RECENT = 100
"""Steps drawn thick at the head of each path, at least; see the module's description."""

SHADOW = QColor(*SHADOW_RGB)
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
    """Images of the view that lines are added to; cleared when their key changes."""

    layers: int = 1
    images: list[QImage] = field(default_factory=list)
    key: tuple[object, ...] = ()
    drawn: dict[int, int] = field(default_factory=dict)
    """run_id -> the last row already drawn."""
    extent: QRectF = field(default_factory=QRectF)
    """Where anything has been drawn (device pixels): only that part is copied to the screen."""

    def include(self, points: np.ndarray, margin: float) -> None:
        """Grow :attr:`extent` to cover ``points`` and ``margin`` pixels around them."""
        if len(points):
            low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
            self.extent = self.extent.united(
                QRectF(float(low[0]), float(low[1]), float(high[0] - low[0]),
                       float(high[1] - low[1]))
            )

    def draw_onto(self, painter: QPainter) -> None:
        """Copy the drawn part of every image onto ``painter`` (in device pixels)."""
        if self.extent.isEmpty():
            return
        ratio = self.images[0].devicePixelRatio()
        source = QRectF(self.extent.topLeft() * ratio, self.extent.size() * ratio)
        for image in self.images:
            painter.drawImage(self.extent, image, source)

    def painters(self, key: tuple[object, ...], widget: QWidget, clear: bool) -> list[QPainter]:
        """A painter on each image, cleared first if ``key`` changed or ``clear``."""
        ratio = widget.devicePixelRatioF()
        if clear or key != self.key or not self.images:
            self.key, self.drawn, self.images, self.extent = key, {}, [], QRectF()
            for _ in range(self.layers):
                image = QImage(round(widget.width() * ratio), round(widget.height() * ratio),
                               QImage.Format.Format_ARGB32_Premultiplied)
                image.setDevicePixelRatio(ratio)
                image.fill(0)
                self.images.append(image)
        painters = [QPainter(image) for image in self.images]
        for painter in painters:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        return painters


class PathLayer(ViewLayer):
    """Draws the visible runs' trails, recent steps, step dots and current points."""

    def __init__(self, style: PathStyle = PathStyle()) -> None:
        super().__init__()
        self._style = style
        self._scale = 1.0
        self._runs: list[tuple[RunFrame, QColor]] = []
        self._trail = _Canvas()
        self._thick = _Canvas(layers=2)  # every thick part's dark outline, under their colours

    @property
    def path_style(self) -> PathStyle:
        """The widths the paths are drawn with (at scale 1)."""
        return self._style

    # -- what to draw ---------------------------------------------------------------------
    def set_scale(self, scale: float) -> None:
        """Multiply every width (presentation mode, Ctrl+Plus/Minus)."""
        self._scale = scale
        self.update()

    def set_runs(self, runs: list[tuple[RunFrame, str]]) -> None:
        """Draw these ``(frame, colour)`` runs (hidden ones are skipped)."""
        shown = [(frame, QColor(colour)) for frame, colour in runs if frame.visible]
        changed = self._changed_area(self._runs, shown)
        self._runs = shown
        if changed is None:
            self.update()
        elif not changed.isEmpty():
            self.update(changed)

    def _changed_area(self, old: list[tuple[RunFrame, QColor]],
                      new: list[tuple[RunFrame, QColor]]) -> QRectF | None:
        """The part of the view (data coordinates) that differs between drawing ``old``
        and ``new``, when the runs only moved on; ``None`` when it may be anywhere.

        Repainting only around the new steps and the heads spares Qt copying the
        whole map, its contours and every path to the screen each frame.
        """
        view = self.getViewBox()
        if view is None or [f.run_id for f, _ in old] != [f.run_id for f, _ in new]:
            return None
        area = QRectF()
        for (before, colour_before), (after, colour_after) in zip(old, new, strict=True):
            if (before.generation, before.selected, colour_before.rgba()) != (
                    after.generation, after.selected, colour_after.rgba()) or (
                    after.index < before.index or thick_start(after) != thick_start(before)):
                return None
            rows = after.phi[max(before.index, 0): after.index + 1]
            rows = rows[np.isfinite(rows[:, 0]) & np.isfinite(rows[:, 1])]
            if after.index != before.index and len(rows):
                low, high = rows.min(axis=0), rows.max(axis=0)
                area = area.united(QRectF(float(low[0]), float(low[1]),
                                          float(high[0] - low[0]), float(high[1] - low[1])))
        if area.isNull():
            return area
        # Around the points: the widest thing drawn on them, the selected head.
        style = self._style
        margin = (style.head * style.selected_head / 2 + style.head_outline + 2) * self._scale
        width, height = (abs(float(size)) * margin for size in view.viewPixelSize())
        return area.adjusted(-width, -height, width, height)

    # -- QGraphicsItem ----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        if not self._runs:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        transform = painter.transform()
        exporting, scale = self.exporting(), self._scale
        painter.resetTransform()  # the paint guard restores the transform after
        if exporting or widget is None or painter.device() != widget:
            # An export or a grab: every line as a vector, at that device's resolution.
            for frame, colour in self._runs:
                self._draw_trail(painter, frame, colour, transform, 0, thick_start(frame), True)
            pieces = [
                (frame, colour, to_device(frame.phi[thick_start(frame): frame.index + 1],
                                          transform), True)
                for frame, colour in self._runs
            ]
            self._draw_thick([painter, painter], pieces, scale, exact=True)
        else:
            self._grow(transform, widget)
            self._trail.draw_onto(painter)
            self._thick.draw_onto(painter)
        self._draw_heads(painter, transform, scale, exact=exporting)

    # -- drawing ----------------------------------------------------------------------------
    def _grow(self, transform: QTransform, widget: QWidget) -> None:
        """Extend the trail, outline and thick images by the rows added since the last paint."""
        view = (
            transform.m11(), transform.m12(), transform.m21(), transform.m22(),
            transform.dx(), transform.dy(), widget.width(), widget.height(),
            widget.devicePixelRatioF(), self._scale,
            tuple((f.run_id, f.generation, c.rgba()) for f, c in self._runs),
        )
        runs = self._runs
        trail = self._trail
        (painter,) = trail.painters(view, widget, clear=any(
            thick_start(f) < trail.drawn.get(f.run_id, 0) for f, _ in runs  # scrubbed back
        ))
        for frame, colour in runs:
            start, stop = trail.drawn.get(frame.run_id, 0), thick_start(frame)
            trail.include(self._draw_trail(painter, frame, colour, transform, start, stop,
                                           exact=False), margin=2)
            trail.drawn[frame.run_id] = max(start, stop)
        painter.end()
        # A new block of thin steps, or a scrub back, redraws the thick parts whole.
        thick = self._thick
        painters = thick.painters(
            view + tuple(thick_start(f) for f, _ in runs), widget,
            clear=any(f.index < thick.drawn.get(f.run_id, -1) for f, _ in runs),
        )
        pieces = []
        for frame, colour in runs:
            drawn = thick.drawn.get(frame.run_id)
            if drawn is None or frame.index > drawn:
                start = thick_start(frame) if drawn is None else drawn
                points = to_device(frame.phi[start: frame.index + 1], transform)
                pieces.append((frame, colour, points, drawn is None))
                thick.include(points, margin=self._style.shadow * self._scale)
                thick.drawn[frame.run_id] = max(start, frame.index)
        self._draw_thick(painters, pieces, self._scale, exact=False)
        for painter in painters:
            painter.end()

    def _draw_trail(self, painter: QPainter, frame: RunFrame, colour: QColor,
                    transform: QTransform, start: int, stop: int, exact: bool) -> np.ndarray:
        """Draw rows ``start`` to ``stop`` of the thin trail; return their device points."""
        if stop <= start:
            return np.empty((0, 2))
        points = distinct_pixels(to_device(frame.phi[start: stop + 1], transform))
        draw_polyline(painter, points, colour, self._style.trail, exact)
        return points

    def _draw_thick(self, painters: list[QPainter],
                    pieces: list[tuple[RunFrame, QColor, np.ndarray, bool]],
                    scale: float, exact: bool) -> None:
        """Draw ``(frame, colour, device points, first)`` pieces of thick paths: every
        outline on ``painters[0]``, then the coloured lines and dots on ``painters[1]``.

        ``first`` says the piece starts its path (else its first point is drawn already).
        """
        style = self._style
        lines = [distinct_pixels(points) for _, _, points, _ in pieces]
        # All outlines are the same colour: one call draws them all.
        draw_polylines(painters[0], lines, SHADOW, style.shadow * scale, exact,
                       hollow=style.recent * scale)
        for (frame, colour, points, first), line in zip(pieces, lines, strict=True):
            draw_polyline(painters[1], line, colour, style.recent * scale, exact)
            if thick_start(frame) == 0:
                # A dot on every step, as the book draws its short paths; on a
                # long path they would merge into the line.
                draw_dots(painters[1], points if first else points[1:], colour,
                          style.dot * scale)

    def _draw_heads(self, painter: QPainter, transform: QTransform, scale: float,
                    exact: bool) -> None:
        style = self._style
        shown = [(f, c) for f, c in self._runs if f.current_phi is not None]
        if not shown:
            return
        centres = to_device(np.array([f.current_phi for f, _ in shown]), transform)
        if len(centres) < len(shown):  # a diverged run's last point may not be finite
            shown = [(f, c) for f, c in shown if np.isfinite(f.current_phi).all()]
        for (frame, colour), centre in zip(shown, centres, strict=True):
            diameter = style.head * scale * (style.selected_head if frame.selected else 1.0)
            draw_marker(painter, centre, colour, diameter, HEAD_OUTLINE,
                        style.head_outline * scale, exact)
