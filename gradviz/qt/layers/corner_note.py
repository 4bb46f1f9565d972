"""A few lines of text kept in one corner of a plot, on a dark panel that reads on any map;
several notes in one corner stack, in the order they were made."""

from __future__ import annotations

import html
import weakref
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gradviz.qt import style
from gradviz.qt.layers.label import Label

MARGIN = 6
"""Pixels between the note and the plot's edges, at text scale 1."""


_stacks: weakref.WeakKeyDictionary[pg.ViewBox, dict[tuple[int, int], list[CornerNote]]] = (
    weakref.WeakKeyDictionary())
"""The notes of each corner of each plot, first made nearest the corner."""


def shown_notes(view_box: pg.ViewBox) -> list[QRectF]:
    """Where the shown notes of ``view_box`` are, in its own (pixel) coordinates."""
    return [note.item.mapRectToParent(note.item.boundingRect())
            for stack in _stacks.get(view_box, {}).values() for note in stack
            if note.item.isVisible()]


class CornerNote:
    """A text item in ``corner`` of ``view``'s plot ((0, 0) top left, (1, 1) bottom right)
    that follows the plot when it is resized; hidden until :meth:`set_text` gives it text.
    The shown notes of one corner stack away from it, so two overlays never cover each other.

    Parameters
    ----------
    view : pyqtgraph.PlotWidget
        The plot it belongs to.
    corner : tuple of int
        Which corner.
    points : float
        Its text size at text scale 1.
    """

    def __init__(self, view: pg.PlotWidget, corner: tuple[int, int], points: float = 11.0) -> None:
        self._vb = view.getPlotItem().vb
        self._corner = corner
        self._points = points
        self._scale = 1.0
        self.item = Label(anchor=corner, fill=pg.mkBrush(0, 0, 0, 160), color="#ffffff")
        self.item.setParentItem(self._vb)
        self.item.setZValue(50)
        self.item.hide()
        self._markup = ""
        self._stack = _stacks.setdefault(self._vb, {}).setdefault(corner, [])
        self._stack.append(self)
        self._vb.sigResized.connect(self._place)

    @property
    def text(self) -> str:
        """What it shows ("" when hidden)."""
        return self.item.textItem.toPlainText() if self.item.isVisible() else ""

    def set_text(self, text: str, colour: str = "#ffffff") -> None:
        """Show ``text`` (plain, several lines allowed) in ``colour``; "" hides the note."""
        self.set_lines([(line, colour) for line in text.splitlines()])

    def set_lines(self, lines: Sequence[tuple[str, str]]) -> None:
        """Show each ``(text, colour)`` as a line of plain text in its colour; none hides it."""
        if not lines:
            if self.item.isVisible():
                self.item.hide()
                self._place()
            return
        markup = "<br>".join(f'<span style="color:{colour}">{html.escape(text)}</span>'
                             for text, colour in lines)
        if markup != self._markup:
            self._markup = markup
            self.item.setHtml(markup)
        self.item.show()
        self._place()

    def set_scale(self, scale: float) -> None:
        """Text size and margin for text ``scale`` (presentation mode: 1.75 and up)."""
        self._scale = scale
        self.item.setFont(style.axis_font(round(self._points * scale)))
        self._place()

    def fit_width(self, room: float) -> None:
        """Wrap the text to ``room`` pixels if its lines are longer (a narrow plot)."""
        self.item.setTextWidth(-1)  # its own width first
        if self.item.textItem.boundingRect().width() > room:
            self.item.setTextWidth(room)

    def _place(self, *_: object) -> None:
        """Place every shown note of this corner, each clear of those before it."""
        box = self._vb.boundingRect()
        margin = MARGIN * self._scale
        x = box.left() + margin if self._corner[0] == 0 else box.right() - margin
        y = box.top() + margin if self._corner[1] == 0 else box.bottom() - margin
        away = 1 if self._corner[1] == 0 else -1
        room = max(box.width() - 2 * margin, 40.0)
        for note in self._stack:
            if note.item.isVisible():
                note.fit_width(room)
                note.item.setPos(x, y)
                y += away * (note.item.boundingRect().height() + margin)
