"""The batches-and-epochs panel: which points each update used, as on the lecture's slide."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit

BatchLine = tuple[int, int, int, tuple[int, ...] | None]
"""(epoch, update, batch number within the epoch, data indices or None for all)."""


class BatchPanel(QPlainTextEdit):
    """Lists epoch, update and minibatch indices of the selected run up to the shown update."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setReadOnly(True)
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(12)
        self.setFont(font)
        self._text = ""
        # The latest update is the last line: keep it in view when the text is
        # re-laid out (a larger font in presentation mode, a smaller panel), unless
        # the user has scrolled back to read earlier lines.
        self._follow_end = True
        scroll = self.verticalScrollBar()
        scroll.rangeChanged.connect(self._keep_end_in_view)
        scroll.valueChanged.connect(self._note_scrolled)

    def _keep_end_in_view(self, _minimum: int, maximum: int) -> None:
        if self._follow_end:
            self.verticalScrollBar().setValue(maximum)

    def _note_scrolled(self, value: int) -> None:
        self._follow_end = value >= self.verticalScrollBar().maximum()

    def set_scale(self, scale: float) -> None:
        """Scale the text (presentation mode)."""
        font = self.font()
        font.setPointSize(round(12 * scale))
        self.setFont(font)

    def set_lines(self, lines: list[BatchLine]) -> None:
        """Show one line per update, the latest last, with an epoch header at each new epoch."""
        out: list[str] = []
        epoch = None
        for line_epoch, update, number, indices in lines:
            if line_epoch != epoch:
                epoch = line_epoch
                out.append(f"Epoch {epoch} " + "-" * 20)
            shown = "all points" if indices is None else " ".join(f"{i:2d}" for i in indices)
            out.append(f"Update {update:4d}  batch {number}:  [{shown}]")
        text = "\n".join(out)
        if text != self._text:
            self._text = text
            self._follow_end = True
            self.setPlainText(text)
            scroll = self.verticalScrollBar()
            scroll.setValue(scroll.maximum())
