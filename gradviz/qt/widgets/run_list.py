"""The list of runs: select, show or hide, add, duplicate, remove (a fan is one entry)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


SWATCH = 14


def _swatch(colours: tuple[str, ...]) -> QIcon:
    """A square of a run's colour, or of a fan's colours side by side (smallest value left)."""
    pixmap = QPixmap(SWATCH * (2 if len(colours) > 1 else 1), SWATCH)
    painter = QPainter(pixmap)
    width = pixmap.width() / len(colours)
    for i, colour in enumerate(colours):
        painter.fillRect(round(i * width), 0, round((i + 1) * width) - round(i * width), SWATCH,
                         QColor(colour))
    painter.end()
    return QIcon(pixmap)


class RunList(QWidget):
    """Runs with their colours; the checked ones are drawn, the selected one is edited."""

    selectionRequested = Signal(int)  # run id
    visibilityRequested = Signal(int, bool)  # run id, visible
    addRequested = Signal()
    duplicateRequested = Signal()
    removeRequested = Signal()

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        # A fixed height, not just a maximum: while the controls below are being
        # rebuilt the panel is briefly too short, and a list allowed to shrink then
        # moved the buttons under it up and down.
        self.list.setFixedHeight(170)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemChanged.connect(self._item_changed)
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.add = QPushButton("Add")
        self.add.setToolTip("add a run with the next optimizer (at most 8)")
        self.duplicate = QPushButton("Duplicate")
        self.duplicate.setToolTip("add a copy of the selected run")
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("remove the selected run")
        for button, signal in ((self.add, self.addRequested),
                               (self.duplicate, self.duplicateRequested),
                               (self.remove, self.removeRequested)):
            button.clicked.connect(signal)
            buttons.addWidget(button)
        layout.addLayout(buttons)

    def set_runs(self, entries: list[tuple[int, str, tuple[str, ...], bool]],
                 selected: int | None, can_add: bool) -> None:
        """Show ``(id, name, colours, visible)`` entries (a run's colour, or a fan's
        members' colours) and select ``selected``; the ids are those the signals carry."""
        with QSignalBlocker(self.list):
            self.list.clear()
            for run_id, name, colours, visible in entries:
                item = QListWidgetItem(_swatch(colours), name)
                item.setData(Qt.ItemDataRole.UserRole, run_id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
                item.setToolTip("tick to show, untick to hide")
                self.list.addItem(item)
                if run_id == selected:
                    self.list.setCurrentItem(item)
        self.add.setEnabled(can_add)
        self.duplicate.setEnabled(can_add)
        self.remove.setEnabled(len(entries) > 1)

    def _current_changed(self, current: QListWidgetItem | None, _: object) -> None:
        if current is not None:
            self.selectionRequested.emit(int(current.data(Qt.ItemDataRole.UserRole)))

    def _item_changed(self, item: QListWidgetItem) -> None:
        self.visibilityRequested.emit(
            int(item.data(Qt.ItemDataRole.UserRole)),
            item.checkState() == Qt.CheckState.Checked,
        )
