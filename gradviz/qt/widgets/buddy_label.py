"""A field's label with a mnemonic (Alt+letter goes to the field), sized as it is drawn."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QLabel, QWidget


def shown_text(text: str) -> tuple[str, int | None]:
    """``text`` as a label shows it, without its mnemonic marks ("&&" is one "&"),
    and where the underlined letter is, if it has one."""
    shown: list[str] = []
    at: int | None = None
    i = 0
    while i < len(text):
        if text[i] == "&" and i + 1 < len(text):
            i += 1
            if text[i] != "&" and at is None:
                at = len(shown)
        shown.append(text[i])
        i += 1
    return "".join(shown), at


class BuddyLabel(QLabel):
    """A label for ``buddy`` whose size is that of its text as drawn.

    QLabel draws its mnemonic letter underlined, which breaks the text into pieces
    shaped apart, so the letters either side of the underline lose their kerning
    (the "Tr" of "&True": 2 px at 9 pt, 5 px at 24 pt); its size hint counts them
    kerned, and the last letters were cut off (the subscript of "True φ₀"). Here the
    text is laid out as drawn, underline and all, and the label covers the glyphs'
    own boxes (from whichever font drew each: a subscript may come from another).

    Parameters
    ----------
    text : str
        The label, its mnemonic letter marked with "&".
    buddy : QWidget
        The field it names, which Alt and the letter focus.
    """

    def __init__(self, text: str, buddy: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setBuddy(buddy)

    def drawn_size(self) -> QSize:
        """The size the text takes as drawn, with the label's margins and indent."""
        text, at = shown_text(self.text())
        layout = QTextLayout(text, self.font())
        if at is not None:
            underline = QTextLayout.FormatRange()
            underline.start, underline.length = at, 1
            underline.format = QTextCharFormat()
            underline.format.setFontUnderline(True)
            layout.setFormats([underline])
        layout.beginLayout()
        line = layout.createLine()
        layout.endLayout()
        box = QRectF(0, 0, line.naturalTextWidth(), line.height())
        for run in layout.glyphRuns():
            box |= run.boundingRect()
        margins = self.contentsMargins()
        extra = 2 * self.margin() + max(0, self.indent())
        # The pixel a glyph's antialiased edge spills past its box.
        return QSize(math.ceil(box.width()) + 1 + extra + margins.left() + margins.right(),
                     math.ceil(box.height()) + extra + margins.top() + margins.bottom())

    def sizeHint(self) -> QSize:  # Qt's name
        return super().sizeHint().expandedTo(self.drawn_size())

    def minimumSizeHint(self) -> QSize:  # Qt's name
        return super().minimumSizeHint().expandedTo(self.drawn_size())


__all__ = ["BuddyLabel", "shown_text"]
