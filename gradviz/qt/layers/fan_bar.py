"""What tells a fan's members apart on the landscape: a colour bar keyed to their
values, below the plot, and a legend sample of the fan's colours.

A fan's members are drawn in a sequential colour scale (see
:func:`gradviz.core.fans.fan_colours`); the bar shows one swatch per member,
smallest value first, labelled with the values as many as fit, and crosses out
the members that have diverged by the shown update.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from gradviz.qt import style
from gradviz.qt.frame import FanTag

SWATCH_PX = 44
"""Widest swatch of one member at scale 1: a short fan's bar stays compact."""
DIVERGED = QColor("#ff3b3b")
"""The cross over a member that diverged (the badges' red)."""


class FanBar(pg.GraphicsWidget):
    """One fan's colour bar: its title and symbol, a swatch per member, the values."""

    def __init__(self) -> None:
        super().__init__()
        self.tag: FanTag | None = None
        self.diverged: tuple[bool, ...] = ()
        self._colours: tuple[QColor, ...] = ()
        self._theme = style.DARK
        self._scale = 1.0
        self._fit_height()

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Text colour and size."""
        self._theme, self._scale = theme, scale
        self._fit_height()
        self._recolour()

    def show_fan(self, tag: FanTag, diverged: tuple[bool, ...]) -> None:
        """Show ``tag``'s members, those ``diverged`` crossed out."""
        if (tag, diverged) != (self.tag, self.diverged):
            self.tag, self.diverged = tag, diverged
            self._recolour()

    def _recolour(self) -> None:
        tag = self.tag
        self._colours = () if tag is None else tuple(
            QColor(self._theme.run_colour(c)) for c in tag.colours)
        self.update()

    def _font(self) -> QFont:
        return style.axis_font(round(11 * self._scale))

    def _fit_height(self) -> None:
        height = math.ceil(2.2 * QFontMetricsF(self._font()).height()) + 6
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)

    def paint(self, painter: QPainter, *args: object) -> None:
        tag = self.tag
        if tag is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = self._font()
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        rect = self.boundingRect()
        line = metrics.height()
        title = f"{tag.title}  {tag.symbol}"
        painter.setPen(QColor(self._theme.foreground))
        title_width = metrics.horizontalAdvance(title) + 10 * self._scale
        painter.drawText(QRectF(rect.left(), rect.top() + 3, title_width, line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        count = len(tag.labels)
        room = rect.width() - title_width - metrics.horizontalAdvance(tag.labels[-1]) / 2
        swatch = max(1.0, min(SWATCH_PX * self._scale, room / count))
        left, top = rect.left() + title_width, rect.top() + 3
        for i, colour in enumerate(self._colours):
            cell = QRectF(left + i * swatch, top, math.ceil(swatch), line)
            painter.fillRect(cell, colour)
            if i < len(self.diverged) and self.diverged[i]:
                self._cross(painter, cell)
        painter.setPen(QColor(self._theme.foreground))
        below = QRectF(0, top + line + 1, 0, line)
        for i in _labelled(tag.labels, swatch, metrics):
            width = metrics.horizontalAdvance(tag.labels[i]) + 4
            centre = left + (i + 0.5) * swatch
            below.setLeft(centre - width / 2)
            below.setWidth(width)
            painter.drawText(below, Qt.AlignmentFlag.AlignCenter, tag.labels[i])

    def _cross(self, painter: QPainter, cell: QRectF) -> None:
        """An ✖ over ``cell``: red on a dark outline, seen on every colour of the scale."""
        size = min(cell.width(), cell.height()) * 0.8
        centre = cell.center()
        ends = (QPointF(centre.x() - size / 2, centre.y() - size / 2),
                QPointF(centre.x() + size / 2, centre.y() + size / 2),
                QPointF(centre.x() - size / 2, centre.y() + size / 2),
                QPointF(centre.x() + size / 2, centre.y() - size / 2))
        for colour, width in ((QColor(0, 0, 0), 4.0), (DIVERGED, 2.0)):
            pen = QPen(colour, width * self._scale)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(ends[0], ends[1])
            painter.drawLine(ends[2], ends[3])


def _labelled(labels: tuple[str, ...], swatch: float, metrics: QFontMetricsF) -> list[int]:
    """The members whose values fit under their swatches without overlapping: every
    ``step``-th from the first, and the last."""
    widest = max(metrics.horizontalAdvance(text) for text in labels) + 8
    step = max(1, math.ceil(widest / swatch))
    chosen = list(range(0, len(labels), step))
    if chosen[-1] != len(labels) - 1:
        if (len(labels) - 1 - chosen[-1]) * swatch < widest:
            chosen.pop()
        chosen.append(len(labels) - 1)
    return chosen


class FanSample(pg.ItemSample):
    """A legend sample for a fan: a piece of path in each of its colours, in order."""

    def __init__(self, item: pg.PlotDataItem, colours: tuple[str, ...], width: float,
                 shadow: float) -> None:
        super().__init__(item)
        self.colours = colours
        self._width, self._shadow = width, shadow

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        edges = np.linspace(1.0, 19.0, len(self.colours) + 1)
        outline = QPen(QColor(*style.SHADOW), self._shadow)
        painter.setPen(outline)
        painter.drawLine(QPointF(edges[0], 11), QPointF(edges[-1], 11))
        for colour, start, stop in zip(self.colours, edges[:-1], edges[1:]):
            pen = QPen(QColor(colour), self._width)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(start, 11), QPointF(stop, 11))


__all__ = ["FanBar", "FanSample"]
