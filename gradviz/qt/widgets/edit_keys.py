"""The keys that end an edit in a text field: Return and Enter commit it, Escape restores it.

Escape must restore the field before it reaches the window, where it leaves
presentation mode: its shortcut override is accepted here.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent


class EditKey(Enum):
    """What a key event in a text field means for its edit."""

    OTHER = "other"
    """Not an end of the edit: the field handles it as usual."""
    CLAIMED = "claimed"
    """Escape's shortcut override, taken so the window's Esc waits for the key press."""
    COMMIT = "commit"
    RESTORE = "restore"


def edit_key(event: QEvent) -> EditKey:
    """What ``event`` (seen by a text field's event filter) does to the edit."""
    if not isinstance(event, QKeyEvent):
        return EditKey.OTHER
    key = event.key()
    if event.type() == QEvent.Type.ShortcutOverride and key == Qt.Key.Key_Escape:
        event.accept()
        return EditKey.CLAIMED
    if event.type() == QEvent.Type.KeyPress:
        if key == Qt.Key.Key_Escape:
            return EditKey.RESTORE
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return EditKey.COMMIT
    return EditKey.OTHER
