"""Arrows on a plot, drawn in the view's pixels: heads that keep their shape on any
axis scale, widths and labels that follow the text scale, and arrows too long to
read shortened, with their label saying so.

The explanation overlays (the update's steps, the gradient and its parts, each
data point's share of it, the field of steepest descent) all draw through one
:class:`ArrowLayer` each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF,
                           QTransform)
from PySide6.QtWidgets import QWidget

from gradviz.core.round_numbers import round_below
from gradviz.qt import style
from gradviz.qt.layers.corner_note import shown_notes
from gradviz.qt.layers.lines import to_device
from gradviz.qt.layers.view_layer import ViewLayer

OUTLINE = QColor(0, 0, 0, 170)
"""The dark edge under every arrow: it stands out on every colour map."""


@dataclass(frozen=True)
class Arrow:
    """One arrow in data coordinates.

    Attributes
    ----------
    tail : tuple of float
        Where it starts, ``(phi0, phi1)``.
    vector : tuple of float
        From its tail to its tip, in data units.
    colour : str
        ``#rrggbb``.
    width : float
        Shaft width in pixels at text scale 1.
    label : str
        Text beside its tip ("" for none).
    dashed : bool
        Drawn dashed (a point the update looks at, not a step it takes).
    """

    tail: tuple[float, float]
    vector: tuple[float, float]
    colour: str
    width: float = 3.0
    label: str = ""
    dashed: bool = False


@dataclass(frozen=True)
class ArrowStyle:
    """How arrows are drawn, in pixels at text scale 1."""

    head: float = 4.0
    """Head length, in shaft widths (at least :attr:`min_head` pixels)."""
    min_head: float = 7.0
    max_fraction: float = 0.45
    """An arrow longer than this share of the view's shorter side is shortened to it."""
    font_points: float = 12.0
    outline: bool = True
    """Whether shafts and heads have a dark edge (off for dense fields of small arrows)."""


def readable_scale(offsets: np.ndarray, size: tuple[float, float], fraction: float = 0.3,
                   quantile: float = 1.0) -> float:
    """The factor of 1, 2 or 5 times a power of ten that makes arrows drawn from one point,
    reaching ``offsets`` (``(n, 2)`` in data units), span at most about ``fraction`` of a
    view of ``size`` (its width and height in data units): the farthest one deciding, or
    the ``quantile`` of their reaches (NaN offsets are left out).

    One factor for a group keeps its geometry (parts that sum to a whole, drawn tip to
    tail, still do), where :class:`ArrowLayer` shortens each arrow alone. It grows
    small arrows as well as shrinking long ones; 1 when nothing reaches out.
    """
    reach = np.abs(np.asarray(offsets, dtype=float).reshape(-1, 2)) / np.asarray(size, dtype=float)
    reach = np.hypot(reach[:, 0], reach[:, 1])
    reach = reach[np.isfinite(reach)]
    farthest = float(np.quantile(reach, quantile)) if reach.size else 0.0
    if farthest == 0.0:
        return 1.0
    return round_below(fraction / farthest)


def shortened(length: float, limit: float) -> float:
    """The factor an arrow ``length`` pixels long is drawn at to be at most ``limit`` long."""
    return 1.0 if length <= limit or length == 0 else limit / length


class ArrowLayer(ViewLayer):
    """Draws a list of :class:`Arrow` over the view; :meth:`set_arrows` replaces them."""

    def __init__(self, arrow_style: ArrowStyle = ArrowStyle()) -> None:
        super().__init__()
        self._style = arrow_style
        self._scale = 1.0
        self._arrows: tuple[Arrow, ...] = ()
        self._note = ""
        self._corner: tuple[int, int | None] = (0, None)
        self._boxes: list[QRectF] = []  # the labels and note of the last paint, in pixels

    @property
    def arrows(self) -> tuple[Arrow, ...]:
        """The arrows drawn now."""
        return self._arrows

    @property
    def label_font(self) -> QFont:
        """The font of the arrows' labels at the current text scale."""
        return style.axis_font(round(self._style.font_points * self._scale))

    @property
    def label_boxes(self) -> tuple[QRectF, ...]:
        """Where the last paint drew the labels and the note, in the view's pixels; the
        other arrow layers over the same view keep their labels clear of these."""
        return tuple(self._boxes)

    def set_scale(self, scale: float) -> None:
        """Multiply widths, heads and label sizes (presentation mode, Ctrl+Plus/Minus)."""
        self._scale = scale
        self.update()

    @property
    def note(self) -> str:
        """The text drawn in a corner of the view ("" for none)."""
        return self._note

    def set_note(self, text: str, corner: tuple[int, int | None] = (0, None)) -> None:
        """Draw ``text`` in a corner of the view (``(0, 1)``: bottom left, ``(1, 0)``: top
        right; a side of ``None``: the top or bottom clear of the view's corner notes and
        covering fewer of the arrows' ends, the bottom if alike), on the labels' dark
        panel: what the arrows are and how they are scaled.

        Drawn in the view's pixels like the arrows, so that it sits where it should in
        exports at any size too.
        """
        if (text, corner) != (self._note, self._corner):
            self._note, self._corner = text, corner
            self.update()

    def set_arrows(self, arrows: Sequence[Arrow]) -> None:
        """Draw ``arrows`` (replacing those drawn before); an empty list hides them."""
        arrows = tuple(arrows)
        if arrows != self._arrows:
            self._arrows = arrows
            self.update()

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        self._boxes = []
        if not self._arrows and not self._note:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        transform = painter.transform()
        painter.resetTransform()  # the paint guard restores the transform after
        inside = transform.mapRect(self.boundingRect())  # the view, in pixels: labels stay in it
        tails = np.array([a.tail for a in self._arrows], dtype=float).reshape(-1, 2)
        tips = tails + np.array([a.vector for a in self._arrows], dtype=float).reshape(-1, 2)
        finite = np.isfinite(tails).all(axis=1) & np.isfinite(tips).all(axis=1)
        arrows = [a for a, ok in zip(self._arrows, finite) if ok]
        start = to_device(tails[finite], transform) if arrows else np.empty((0, 2))
        end = to_device(tips[finite], transform) if arrows else np.empty((0, 2))
        notes = self._corner_notes(transform)
        if self._note:
            self._boxes.append(self._draw_note(painter, inside, np.vstack([start, end]), notes))
        if not arrows:
            return
        device = painter.device()
        side = min(device.width(), device.height()) / max(device.devicePixelRatioF(), 1.0)
        limit = self._style.max_fraction * side
        font = self.label_font
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        labels: list[tuple[str, np.ndarray, np.ndarray, str]] = []
        for arrow, a, b in zip(arrows, start, end):
            delta = b - a
            factor = shortened(float(math.hypot(*delta)), limit)
            if factor < 1.0:
                b = a + delta * factor
            self._draw_one(painter, arrow, a, b)
            label = arrow.label + (f" (shortened ×{factor:.2g})" if factor < 1.0 and arrow.label
                                   else "")
            if label:
                labels.append((label, a, b, arrow.colour))
        # Labels last, over every shaft, each where it covers no other label and the
        # fewest points of the shafts.
        shafts = [a + (b - a) * f for _, a, b, _ in labels for f in np.linspace(0, 1, 12)]
        # Clear of the labels of the other arrow layers over the same view, too (those
        # drawn before this one in this paint, or at their last paint).
        taken: list[QRectF] = [*self._boxes, *self._others_boxes(), *notes]
        for label, a, b, colour in labels:
            box = self._draw_label(painter, metrics, label, a, b, colour, taken, shafts, inside)
            taken.append(box)
            self._boxes.append(box)

    def _corner_notes(self, transform: QTransform) -> list[QRectF]:
        """The shown corner notes of this view (:mod:`~gradviz.qt.layers.corner_note`),
        in the pixels this paint draws in."""
        box = self.getViewBox()
        if box is None:
            return []
        return [transform.mapRect(self.mapRectFromItem(box, note)) for note in shown_notes(box)]

    def _others_boxes(self) -> list[QRectF]:
        parent = self.parentItem()
        siblings = parent.childItems() if parent is not None else []
        return [box for item in siblings if isinstance(item, ArrowLayer) and item is not self
                for box in item.label_boxes]

    def _draw_one(self, painter: QPainter, arrow: Arrow, a: np.ndarray, b: np.ndarray) -> None:
        width = arrow.width * self._scale
        delta = b - a
        length = float(math.hypot(*delta))
        if length < 0.5:  # nothing to point along: a dot marks the place
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(arrow.colour))
            painter.drawEllipse(QPointF(*a), width, width)
            return
        unit = delta / length
        head = min(max(self._style.head * width, self._style.min_head * self._scale), length)
        neck = b - unit * head * 0.8
        normal = np.array([-unit[1], unit[0]]) * head * 0.45
        shaft = QPainterPath(QPointF(*a))
        shaft.lineTo(QPointF(*neck))
        tip = QPolygonF([QPointF(*b), QPointF(*(neck + normal)), QPointF(*(neck - normal))])
        dash = Qt.PenStyle.DashLine if arrow.dashed else Qt.PenStyle.SolidLine
        if self._style.outline:
            edge = QPen(OUTLINE, width + 2.5 * self._scale, dash, Qt.PenCapStyle.RoundCap)
            painter.setPen(edge)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(shaft)
            painter.setPen(QPen(OUTLINE, 2.5 * self._scale))
            painter.setBrush(OUTLINE)
            painter.drawPolygon(tip)
        colour = QColor(arrow.colour)
        painter.setPen(QPen(colour, width, dash, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(shaft)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(tip)

    def _draw_note(self, painter: QPainter, inside: QRectF, ends: np.ndarray,
                   notes: Sequence[QRectF]) -> QRectF:
        font = self.label_font
        painter.setFont(font)
        size = QFontMetricsF(font).size(0, self._note)
        pad, margin = 5.0 * self._scale, 6.0 * self._scale
        width, height = size.width() + 2 * pad, size.height() + 2 * pad
        x = inside.left() + margin if self._corner[0] == 0 else inside.right() - margin - width
        top, bottom = (QRectF(x, y, width, height) for y in (
            inside.top() + margin, inside.bottom() - margin - height))

        def covered(box: QRectF) -> int:  # never on a corner note; on few arrow ends
            return (1000 * sum(box.intersects(note) for note in notes)
                    + sum(box.contains(QPointF(*p)) for p in ends))

        if self._corner[1] is None:
            box = top if covered(top) < covered(bottom) else bottom
        else:
            box = top if self._corner[1] == 0 else bottom
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 175))
        painter.drawRoundedRect(box, 3 * self._scale, 3 * self._scale)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(box.adjusted(pad, pad, -pad, -pad),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._note)
        return box

    def _draw_label(self, painter: QPainter, metrics: QFontMetricsF, text: str,
                    a: np.ndarray, b: np.ndarray, colour: str,
                    taken: Sequence[QRectF] = (),
                    shafts: Sequence[np.ndarray] = (),
                    inside: QRectF | None = None) -> QRectF:
        """``text`` by the tip, on a dark panel so it reads on every map; the box it is
        drawn in. It goes just past the tip, or beside it, or moved up or down from
        there: where it covers none of the labels ``taken`` and the fewest of the
        points ``shafts`` of the arrows' shafts, near the tip rather than far, and
        inside the view ``inside`` (moved into it where no place is)."""
        delta = b - a
        length = float(math.hypot(*delta)) or 1.0
        size = metrics.size(0, text)
        pad = 4.0 * self._scale
        width, height = size.width() + 2 * pad, size.height() + 2 * pad
        unit = delta / length
        normal = np.array([-unit[1], unit[0]])

        def centre_along(direction: np.ndarray) -> np.ndarray:
            # As far from the tip as the box reaches along ``direction``, and a pad.
            reach = 0.5 * (abs(direction[0]) * width + abs(direction[1]) * height)
            return b + direction * (reach + pad)

        homes = [QRectF(c[0] - width / 2, c[1] - height / 2, width, height)
                 for c in (centre_along(d) for d in (unit, normal, -normal))]
        best: tuple[float, QRectF] | None = None
        for shift, box in ((shift, home.translated(0, shift * (height + pad)))
                           for shift in (0, 1, -1, 2, -2) for home in homes):
            if inside is not None:  # judged where it would be drawn: whole, in the view
                box = _moved_into(box, inside)
            covered = sum(box.contains(QPointF(*p)) for p in shafts)
            # A label on another never; a little of a shaft rather than far from its tip.
            score = 1000 * sum(box.intersects(other) for other in taken) + covered + 4 * abs(shift)
            if best is None or score < best[0]:
                best = score, box
            if score == 0:
                break
        assert best is not None
        box = best[1]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 175))
        painter.drawRoundedRect(box, 3 * self._scale, 3 * self._scale)
        painter.setPen(QColor(colour).lighter(130))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        return box


def _moved_into(box: QRectF, inside: QRectF) -> QRectF:
    """``box`` moved the least that puts it inside ``inside`` (as far as it fits)."""
    moved = QRectF(box)
    moved.moveLeft(max(inside.left(), min(box.left(), inside.right() - box.width())))
    moved.moveTop(max(inside.top(), min(box.top(), inside.bottom() - box.height())))
    return moved
