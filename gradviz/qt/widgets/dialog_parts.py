"""What the app's dialogs share: OK and Cancel, and lines of plain text that say what is
wrong or worth knowing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QWidget


def ok_cancel(dialog: QDialog, ok_text: str | None = None) -> tuple[QDialogButtonBox, QPushButton]:
    """OK and Cancel that accept and reject ``dialog``, OK saying ``ok_text`` if given
    (what it does, such as "&Export"); the buttons and the OK button."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    if ok_text is not None:
        ok.setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def file_row(shown: QWidget, button_text: str,
             choose: Callable[[], object]) -> tuple[QHBoxLayout, QPushButton]:
    """``shown`` (the file's name) across the row and a button at its right that calls
    ``choose`` (to pick another file), never pressed by Enter; the row and the button."""
    button = QPushButton(button_text)
    button.setAutoDefault(False)
    button.clicked.connect(choose)
    row = QHBoxLayout()
    row.addWidget(shown, 1)
    row.addWidget(button)
    return row, button


def message_line() -> QLabel:
    """A label for a message: wrapped, and plain text, since it may quote a file name
    or a value typed, which must never be read as markup."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


__all__ = ["file_row", "message_line", "ok_cancel"]
