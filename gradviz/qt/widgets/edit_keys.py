"""The keys that end an edit in a text field: Return and Enter commit it, Escape restores it.

Escape must restore the field before it reaches the window, where it leaves
presentation mode: its shortcut override is accepted here.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget


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


SCENE_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}
"""The keys that open the first nine scenes, and each one's number."""


def typed_digit(event: QEvent) -> int | None:
    """The digit 1 to 9 that ``event`` types (a key press or its shortcut override,
    unmodified or on the keypad), or None."""
    if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
        return None
    assert isinstance(event, QKeyEvent)
    plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == Qt.KeyboardModifier.NoModifier
    return SCENE_DIGITS.get(Qt.Key(event.key())) if plain else None


def end_edit(field: QWidget, event: QEvent, restore: Callable[[], object],
             commit: Callable[[], bool]) -> bool:
    """Let ``event`` end ``field``'s edit if it is one of the keys that do: Escape
    calls ``restore``, Return and Enter ``commit`` (which says whether the edit is
    over; if not, the focus stays to mend it), and the focus goes to the window.
    Whether the event was taken (an event filter returns this)."""
    kind = edit_key(event)
    if kind is EditKey.OTHER:
        return False
    if kind is EditKey.RESTORE:
        restore()
    elif kind is EditKey.COMMIT and not commit():
        return True
    if kind is not EditKey.CLAIMED:
        field.window().setFocus(Qt.FocusReason.OtherFocusReason)
    return True
