"""Text on a panel (pyqtgraph's TextItem with a fill or a border) whose panel is drawn
under its text by any painter: the window's, a pixmap cache's, an export's.

pyqtgraph 0.14's ``TextItem.paint``, the first time an item is painted in a scene,
replaces the painter's transform with the item's scene transform. That is right
only where scene and device coordinates agree (a view at the scene's origin). An
export renders the scene into a part of a bigger picture (below its heading, scaled
to its size) and a device cache into a pixmap of its own: there the panel went to
the scene's coordinates while the text, painted by the scene after it, stayed in
its place, so the panel stood off its text by the heading's height.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.TargetItem import TargetLabel as _TargetLabel
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter


class _PanelUnderText:
    """Paints a TextItem's panel in the painter's own coordinates, wherever it paints."""

    def paint(self, painter: QPainter, *args: object) -> None:
        """Draw the panel (the text is the child item's, painted after it)."""
        item: pg.TextItem = self  # type: ignore[assignment]
        painted_for = item.sceneTransform()  # what the painter's transform was made from
        # Unscaled and unrotated whatever the view's scale: pyqtgraph keeps that
        # transform up to date before each paint, except before an item's first.
        item.updateTransform()
        now = item.sceneTransform()
        if now != painted_for:
            # The scene -> device part of the painter's transform stays; only this
            # item's part is replaced.
            inverse, invertible = painted_for.inverted()
            painter.setTransform(now * inverse * painter.transform() if invertible else now)
        if item.border.style() == Qt.PenStyle.NoPen and item.fill.style() == Qt.BrushStyle.NoBrush:
            return
        painter.setPen(item.border)
        painter.setBrush(item.fill)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.drawPolygon(item.textItem.mapToParent(item.textItem.boundingRect()))


class Label(_PanelUnderText, pg.TextItem):
    """A :class:`pyqtgraph.TextItem` whose fill and border lie under its text in every
    picture; the same arguments."""


class TargetLabel(_PanelUnderText, _TargetLabel):
    """The label of a :class:`pyqtgraph.TargetItem` (``TargetLabel(target, text, ...)``,
    beside it at a pixel offset), with its panel under its text in every picture."""
