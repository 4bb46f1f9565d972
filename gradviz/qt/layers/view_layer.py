"""The base of the items that draw the runs over a whole plot in one go."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gradviz.qt.guard import guard_paint


class ViewLayer(pg.GraphicsObject):
    """A pyqtgraph item that covers its view and draws in the view's pixels.

    A subclass's ``paint`` is guarded (:func:`gradviz.qt.guard.guard_paint`): it runs
    between a save and a restore of the painter, and an exception it raises is
    reported rather than crashing the app.
    """

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        guard_paint(cls)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        view = self.getViewBox()
        return QRectF() if view is None else view.viewRect()

    def viewRangeChanged(self) -> None:  # noqa: N802 (pyqtgraph's name)
        self.prepareGeometryChange()

    def exporting(self) -> bool:
        """Whether the item is being drawn for an export."""
        return bool(self._exportOpts)
