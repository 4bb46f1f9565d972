"""Typing into the window as a user does, for the key tests."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def type_into(qtbot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    """Click into a text field, select what it shows and type ``text`` over it."""
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is edit
    edit.selectAll()
    qtbot.keyClicks(edit, text)
