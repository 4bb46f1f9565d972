"""Many short line segments (contour lines) drawn fast at any width.

Qt strokes a wide antialiased path of thousands of segments in tens of
milliseconds; a one-pixel one in about one. So, as :mod:`gradviz.qt.layers.lines`
does for paths, a wide line is drawn as one-pixel copies of the whole path
stamped around a small disc, and the segments are mapped to the device once.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph.functions as fn
from PySide6.QtGui import QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QWidget

from gradviz.qt.layers.lines import stamp_offsets, to_device
from gradviz.qt.layers.view_layer import ViewLayer


class SegmentLayer(ViewLayer):
    """Draws ``(2 m, 2)`` segment ends (consecutive rows are one segment) in one colour."""

    def __init__(self, colour: str, width: float = 1.0) -> None:
        super().__init__()
        self._colour = QColor(colour)
        self._width = width
        self._segments = np.empty((0, 2))

    @property
    def segments(self) -> np.ndarray:
        """The segment ends drawn, in data coordinates."""
        return self._segments

    def set_segments(self, segments: np.ndarray) -> None:
        """Draw ``segments`` in place of those before (an empty array hides them)."""
        segments = np.asarray(segments, dtype=float).reshape(-1, 2)
        if segments is self._segments or (len(segments) == 0 and len(self._segments) == 0):
            return  # the same picture: the whole view need not be repainted
        self._segments = segments
        self.update()

    def set_width(self, width: float) -> None:
        """The lines' width in pixels."""
        self._width = width
        self.update()

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        if len(self._segments) < 2:
            return
        transform = painter.transform()
        painter.resetTransform()  # the paint guard restores the transform after
        ends = self._segments[: len(self._segments) // 2 * 2]
        finite = np.isfinite(ends).all(axis=1).reshape(-1, 2).all(axis=1)
        device = to_device(ends.reshape(-1, 2, 2)[finite].reshape(-1, 2), transform)
        path = fn.arrayToQPath(device[:, 0], device[:, 1], connect="pairs")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self._colour)
        if self.exporting() or widget is None or painter.device() != widget:
            # An export or a grab: Qt's exact stroke, at that device's resolution.
            pen.setWidthF(self._width)
            painter.setPen(pen)
            painter.drawPath(path)
            return
        pen.setCosmetic(True)
        pen.setWidthF(1.0)
        painter.setPen(pen)
        offsets = stamp_offsets(round(self._width * 4) / 4) if self._width >= 1.5 else ((0, 0),)
        for dx, dy in offsets:
            painter.setTransform(QTransform.fromTranslate(dx, dy))
            painter.drawPath(path)
        painter.resetTransform()
