"""Fast line drawing with QPainter in device pixels, for the layers that animate.

Qt's raster engine strokes a wide antialiased line 5 to 20 times slower than a
one-pixel ("cosmetic") one, and a run's path or fit curve is redrawn every
frame. So a wide opaque line is drawn as one-pixel lines stamped around a small
disc: it looks the same (antialiased edges, round joins) at a fraction of the
cost. Exports pass ``exact=True`` and get Qt's real wide stroke.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pyqtgraph.functions as fn
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

MAX_STAMPED_WIDTH = 6.0
"""Wider lines need so many stamps that Qt's own stroke is cheaper."""

STROKE_PIXELS_PER_STAMP = 40.0
"""A line shorter than this many pixels per stamp is cheaper to stroke exactly: each
stamp costs a call, each pixel of an exact stroke about 1/40 of one (measured)."""


def polygon(points: np.ndarray) -> QPolygonF:
    """A ``QPolygonF`` holding the ``(n, 2)`` array ``points``, filled without a Python loop."""
    poly = fn.create_qpolygonf(len(points))
    fn.ndarray_from_qpolygonf(poly)[:] = points
    return poly


def to_device(points: np.ndarray, transform: QTransform) -> np.ndarray:
    """Map ``(n, 2)`` data points through an affine ``transform``; non-finite rows are dropped."""
    if not np.isfinite(points).all():  # a diverged run's last rows
        # Column by column: numpy reduces along a short second axis slowly.
        points = points[np.isfinite(points[:, 0]) & np.isfinite(points[:, 1])]
    linear = np.array([[transform.m11(), transform.m12()], [transform.m21(), transform.m22()]])
    return points @ linear + (transform.dx(), transform.dy())


def along(points: np.ndarray, step: float, most: int = 1000) -> np.ndarray:
    """Points at most ``step`` apart along the polyline of ``(n, 2)`` device points
    (at most ``most`` a segment): as many as its drawn length, however few the steps
    that made it (a fast first update is one long segment)."""
    if len(points) < 2:
        return points
    d = np.diff(points, axis=0)
    counts = np.clip(np.ceil(np.hypot(d[:, 0], d[:, 1]) / step), 1, most).astype(int)
    segment = np.repeat(np.arange(len(d)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    t = (np.arange(counts.sum()) - first) / counts[segment]
    return np.concatenate([points[segment] + d[segment] * t[:, None], points[-1:]])


def distinct_pixels(points: np.ndarray) -> np.ndarray:
    """Drop consecutive device points that fall in the same pixel (keeping the last):
    a converged run's thousands of tiny steps cost nothing to draw."""
    if len(points) <= 2:
        return points
    cells = np.floor(points)
    keep = np.empty(len(points), dtype=bool)
    keep[0] = True
    np.not_equal(cells[1:, 0], cells[:-1, 0], out=keep[1:])
    keep[1:] |= cells[1:, 1] != cells[:-1, 1]
    keep[-1] = True
    return points[keep]


@lru_cache(maxsize=64)
def stamp_offsets(width: float, hollow: float = 0.0) -> tuple[tuple[float, float], ...]:
    """Offsets (device pixels) at which a one-pixel line is repeated to look ``width`` wide.

    Rings a pixel apart from the line's edge inwards, and the centre. Whatever the
    line's direction, the stamps' offsets across it then lie no more than about a
    pixel apart, which one-pixel antialiased lines fill without a seam. With
    ``hollow``, only the band outside a line that wide is covered (an outline
    whose middle another line fills).
    """
    outer = (width - 1.0) / 2.0
    solid = hollow <= 1.0
    stop = 0.5 if solid else (hollow - 1.0) / 2.0 + 0.5
    # The centre needs a stamp of its own only if the rings' lines leave it uncovered.
    offsets = [(0.0, 0.0)] if solid and outer > 0.75 else []
    radius = outer
    while radius > stop or (radius == outer and outer >= 0.25):  # the edge, always
        # Enough points that the line's edge wobbles by under 0.15 px whatever its
        # direction, and neighbours are at most 1.25 px apart.
        count = max(math.ceil(math.pi / math.acos(max(-1.0, 1 - 0.15 / radius))),
                    math.ceil(2 * math.pi * radius / 1.25))
        offsets += [
            (radius * math.cos(2 * math.pi * k / count), radius * math.sin(2 * math.pi * k / count))
            for k in range(count)
        ]
        radius -= 1.0
    return tuple(offsets)


def draw_polyline(
    painter: QPainter, points: np.ndarray, colour: QColor, width: float, exact: bool = False,
    hollow: float = 0.0,
) -> None:
    """Draw the device-pixel polyline ``points`` ``width`` pixels wide with round joins.

    The painter's transform must be the identity (the device's pixels, logical ones
    on a device with a pixel ratio); it is left so. Unless ``exact``, lines narrower
    than 1.5 pixels, and opaque ones up to :data:`MAX_STAMPED_WIDTH`, take the fast
    one-pixel path; with ``hollow`` that path may leave the middle ``hollow`` pixels
    of the line to be drawn over by another. ``exact`` lines (exports) scale with the
    device's pixel ratio, as a one-pixel ("cosmetic") line would not.
    """
    draw_polylines(painter, [points], colour, width, exact, hollow)


def draw_polylines(
    painter: QPainter, pieces: list[np.ndarray], colour: QColor, width: float,
    exact: bool = False, hollow: float = 0.0,
) -> None:
    """Draw several separate polylines in one colour as :func:`draw_polyline` draws one,
    with one call to Qt rather than one per piece."""
    pieces = [piece for piece in pieces if len(piece) >= 2]
    if not pieces:
        return
    shape = _shape(pieces)
    pen = QPen(colour)
    if width < 1.5 and not exact:
        pen.setCosmetic(True)
        pen.setWidthF(1.0)
        painter.setPen(pen)
        _draw(painter, shape)
        return
    offsets = stamp_offsets(round(width * 4) / 4, round(hollow * 4) / 4)  # cached: quantized
    length = sum(_length(piece) for piece in pieces)
    if (exact or width > MAX_STAMPED_WIDTH or colour.alpha() < 255
            or length < STROKE_PIXELS_PER_STAMP * len(offsets)):
        # (A translucent colour would darken where stamps overlap.)
        pen.setWidthF(width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        _draw(painter, shape)
        return
    pen.setCosmetic(True)
    pen.setWidthF(1.0)
    painter.setPen(pen)
    for dx, dy in offsets:
        painter.setTransform(QTransform.fromTranslate(dx, dy))
        _draw(painter, shape)
    painter.resetTransform()


def _shape(pieces: list[np.ndarray]) -> QPolygonF | QPainterPath:
    """One polygon for one piece; a path of separate subpaths for several."""
    if len(pieces) == 1:
        return polygon(pieces[0])
    points = np.concatenate(pieces)
    connect = np.ones(len(points), dtype=bool)
    connect[np.cumsum([len(piece) for piece in pieces]) - 1] = False  # each piece's last point
    return fn.arrayToQPath(points[:, 0], points[:, 1], connect=connect)


def _length(points: np.ndarray) -> float:
    steps = np.diff(points, axis=0)
    return float(np.hypot(steps[:, 0], steps[:, 1]).sum())


def _draw(painter: QPainter, shape: QPolygonF | QPainterPath) -> None:
    if isinstance(shape, QPolygonF):
        painter.drawPolyline(shape)
    else:
        painter.drawPath(shape)


def draw_dots(painter: QPainter, points: np.ndarray, colour: QColor, diameter: float) -> None:
    """Draw a filled disc ``diameter`` device pixels wide at each point."""
    if len(points) == 0:
        return
    # A point drawn with a wide round-capped pen is a disc; all of them in one call.
    pen = QPen(colour)
    pen.setWidthF(diameter)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawPoints(polygon(points))


def draw_marker(
    painter: QPainter, centre: np.ndarray, colour: QColor, diameter: float,
    outline: QColor, outline_width: float, exact: bool = False,
) -> None:
    """Draw one outlined disc centred on the device point ``centre``.

    On screen it is a small image drawn once per look and reused every frame;
    with ``exact`` (exports) it is drawn as a vector.
    """
    x, y = float(centre[0]), float(centre[1])
    if exact:
        painter.setPen(QPen(outline, outline_width))
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(x, y), diameter / 2, diameter / 2)
        return
    ratio = painter.device().devicePixelRatioF()
    sprite = _marker_sprite(colour.rgba(), round(diameter * 4) / 4, outline.rgba(),
                            round(outline_width * 4) / 4, ratio)
    half = sprite.width() / ratio / 2
    painter.drawImage(QPointF(x - half, y - half), sprite)


@lru_cache(maxsize=128)
def _marker_sprite(colour: int, diameter: float, outline: int, outline_width: float,
                   ratio: float) -> QImage:
    side = math.ceil(diameter + 2 * outline_width + 2)
    sprite = QImage(math.ceil(side * ratio), math.ceil(side * ratio),
                    QImage.Format.Format_ARGB32_Premultiplied)
    sprite.setDevicePixelRatio(ratio)
    sprite.fill(0)
    painter = QPainter(sprite)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_marker(painter, np.array([side / 2, side / 2]), QColor.fromRgba(colour), diameter,
                QColor.fromRgba(outline), outline_width, exact=True)
    painter.end()
    return sprite
