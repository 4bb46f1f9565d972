"""Field labels with a mnemonic show their whole text: "True φ₀" lost its subscript."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QLineEdit

from gradviz.qt.widgets.buddy_label import BuddyLabel, shown_text


@pytest.mark.parametrize(("text", "shown"), [
    ("&True φ₀", ("True φ₀", 0)), ("T&rue φ₁", ("True φ₁", 1)), ("a && b", ("a & b", None)),
    ("x&&&y", ("x&y", 2)), ("plain", ("plain", None)), ("end&", ("end&", None)),
])
def test_the_shown_text_drops_the_mnemonic_marks(text, shown):
    assert shown_text(text) == shown


def _ink_end(label: QLabel) -> tuple[int, int]:
    """The column and row one past the last that ``label``'s text inks, drawn by a
    twin of it with room to spare: where its text ends when nothing cuts it off."""
    twin = QLabel(label.text())
    twin.setBuddy(label.buddy())  # drawn with its mnemonic underlined, as the label is
    twin.setFont(label.font())
    twin.setAlignment(label.alignment())
    twin.resize(3 * label.width(), label.height())
    image = twin.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), :3].astype(int)
    inked = np.abs(pixels - pixels[0, -1]).max(axis=-1) > 0  # not the background's colour
    columns, rows = np.nonzero(inked.any(axis=0))[0], np.nonzero(inked.any(axis=1))[0]
    return int(columns.max()) + 1, int(rows.max()) + 1


def _buddy_labels(dialog) -> list[QLabel]:  # type: ignore[no-untyped-def]
    """The labels with a mnemonic (a form's rows named by a plain string have a buddy too)."""
    labels = [label for label in dialog.findChildren(QLabel)
              if label.buddy() is not None and shown_text(label.text())[1] is not None]
    assert labels and all(isinstance(label, BuddyLabel) for label in labels)
    return labels


def test_the_synthetic_dialog_s_labels_show_their_subscripts(window, qtbot):
    window.synthetic_data()
    dialog = window.synthetic_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    labels = _buddy_labels(dialog)
    assert {"&True φ₀", "T&rue φ₁"} <= {label.text() for label in labels}
    for label in labels:
        right, bottom = _ink_end(label)
        assert right <= label.width() and bottom <= label.height(), label.text()
    dialog.reject()


@pytest.mark.parametrize("points", [9, 14, 24])
def test_a_buddy_label_is_as_large_as_its_text_drawn(qtbot, points):
    field = QLineEdit()
    for text in ("&True φ₀", "T&rue φ₁", "&Header", "&x column", "Points &N", "S&eed"):
        label = BuddyLabel(text, field)
        qtbot.addWidget(label)
        font = label.font()
        font.setPointSize(points)
        label.setFont(font)
        label.resize(label.sizeHint())
        right, bottom = _ink_end(label)
        assert right <= label.width() and bottom <= label.height(), text
        assert label.buddy() is field
