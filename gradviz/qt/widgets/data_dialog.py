"""The Open data dialog: a data file's columns and first rows, the x and y columns to fit,
and everything wrong with the file, before anything changes.

The dialog is a view: it asks for a file to be read (:attr:`DataDialog.previewRequested`)
and shows the :class:`~gradviz.core.table.Table` it is given, or the error. OK is
enabled only when the chosen columns make a data set; :meth:`DataDialog.chosen_spec`
is then the data spec to load.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.table import WHITESPACE, FileSpec, Table
from gradviz.qt.widgets.buddy_label import BuddyLabel
from gradviz.qt.widgets.dialog_parts import file_row, message_line, ok_cancel

FILE_FILTER = "Data files (*.csv *.txt *.dat *.tsv);;All files (*)"
"""What the file chooser offers."""

HEADER_CHOICES = (("detect", None), ("first line is a header", True), ("no header", False))
"""The header choices the dialog offers, with the reader's ``header`` argument for each."""

_BAD_CELL = QColor(220, 50, 47, 90)
_DELIMITERS = {",": "commas", ";": "semicolons (decimal commas)", WHITESPACE: "white space"}


def _safe_name(name: str) -> bool:
    """Whether a column name can stand in a data spec (see :class:`FileSpec`)."""
    return bool(name.strip()) and not any(c in name for c in ",:=")


class DataDialog(QDialog):
    """Preview a data file and choose its x and y columns.

    Parameters
    ----------
    path : str
        The file to preview first.
    """

    previewRequested = Signal(object)  # (path, header: bool | None): read this file

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open data")
        self.path = path
        self.table: Table | None = None
        """The table shown, once read."""

        self.file_label = QLabel()
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        chosen_row, self.choose = file_row(self.file_label, "&Choose file…", self._choose_file)

        self.header_combo = QComboBox()
        for text, _ in HEADER_CHOICES:
            self.header_combo.addItem(text)
        self.header_combo.activated.connect(lambda _: self.request_preview())
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        for combo in (self.x_combo, self.y_combo):
            combo.currentIndexChanged.connect(self._check_choice)

        form = QFormLayout()
        form.addRow("File", chosen_row)
        form.addRow(BuddyLabel("&Header", self.header_combo), self.header_combo)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        form.addRow("Read", self.summary)

        self.grid = QTableWidget()
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.grid.setMinimumSize(560, 260)
        self.grid.setToolTip("the first rows of the file; cells that are not numbers in red")

        choice = QFormLayout()
        for text, combo in (("&x column", self.x_combo), ("&y column", self.y_combo)):
            choice.addRow(BuddyLabel(text, combo), combo)

        self.problems = message_line()
        """Why OK is off: the file's error, or the chosen columns' bad cells."""
        self.notes = message_line()
        """What is wrong with columns not chosen (nothing to fix unless they are)."""
        for label in (self.problems, self.notes):
            label.hide()
        self.problems.setStyleSheet("color: #dc322f;")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("reading… %p %")
        self.progress.hide()

        self.buttons, self.ok = ok_cancel(self, "&Fit to these data")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.grid, 1)
        layout.addLayout(choice)
        layout.addWidget(self.problems)
        layout.addWidget(self.notes)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._show_path()
        self.ok.setEnabled(False)

    # -- requests ------------------------------------------------------------------------------
    @property
    def header(self) -> bool | None:
        """The header choice: ``None`` to detect it."""
        return HEADER_CHOICES[self.header_combo.currentIndex()][1]

    def request_preview(self) -> None:
        """Ask for :attr:`path` to be read with the header choice shown."""
        self.table = None
        self.ok.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.summary.setText("reading…")
        self.previewRequested.emit((self.path, self.header))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open data", self.path, FILE_FILTER)
        if path:
            self.path = path
            self._show_path()
            self.request_preview()

    def _show_path(self) -> None:
        self.file_label.setText(self.path)
        self.file_label.setToolTip(self.path)

    # -- what the reader says ------------------------------------------------------------------
    def show_progress(self, fraction: float) -> None:
        """How much of the file has been read."""
        self.progress.setValue(round(100 * fraction))

    def show_error(self, text: str) -> None:
        """The file cannot be read: say why, show no table, keep OK off."""
        self.table = None
        self.progress.hide()
        self.summary.setText("nothing read")
        self.grid.clear()
        self.grid.setRowCount(0)
        self.grid.setColumnCount(0)
        for combo in (self.x_combo, self.y_combo):
            combo.clear()
        self._say([text])

    def show_table(self, table: Table) -> None:
        """Show what was read, and choose the first two columns (or keep the choice, if the
        new reading has those columns too)."""
        old = (self.x_combo.currentIndex(), self.y_combo.currentIndex())
        self.table = table
        self.progress.hide()
        header = "a header line" if table.header else "no header line"
        shown = f" (the first {len(table.sample)} shown)" if len(table.sample) < table.rows else ""
        self.summary.setText(f"{table.rows:,} rows{shown} × {table.columns} columns, separated "
                             f"by {_DELIMITERS[table.delimiter]}; {header}")
        self._fill_grid(table)
        labels = [table.label(i) for i in range(table.columns)]
        x, y = old if 0 <= min(old) and max(old) < table.columns else (0, 1)
        for combo, index in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(labels)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._check_choice()

    def _fill_grid(self, table: Table) -> None:
        self.grid.clear()
        self.grid.setColumnCount(table.columns)
        self.grid.setRowCount(len(table.sample))
        self.grid.setHorizontalHeaderLabels([table.label(i) for i in range(table.columns)])
        self.grid.setVerticalHeaderLabels([f"line {n}" for n in table.sample_lines])
        bad = np.isnan(table.values[: len(table.sample)])
        for row, cells in enumerate(table.sample):
            for column, text in enumerate(cells[: table.columns]):
                item = QTableWidgetItem(text)
                if bad[row, column]:
                    item.setBackground(QBrush(_BAD_CELL))
                    item.setToolTip("not a usable number")
                self.grid.setItem(row, column, item)

    def _check_choice(self) -> None:
        """Enable OK if the chosen columns make a data set; say what is wrong otherwise."""
        table = self.table
        if table is None or self.x_combo.currentIndex() < 0:
            return
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        errors, notes = [], []
        for index in range(table.columns):
            problem = table.problems[index]
            if problem is None:
                continue
            count = table.bad_counts[index]
            cells = "1 cell is" if count == 1 else f"{count:,} cells are"
            reason = {"not a number": "not numbers" if count > 1 else "not a number",
                      "not finite": "not finite", "too large": "too large"}[problem.reason]
            where = f"{cells} {reason}; the first on line {problem.line}: {problem.text!r}."
            if index in (x, y):
                errors.append(f"Column {table.label(index)}: {where}")
            else:
                notes.append(f"Column {table.label(index)}, not chosen: {where}")
        if table.rows < 2:
            errors.append(f"{table.rows} data row(s): at least 2 are needed.")
        if x == y:
            notes.append("x and y are the same column.")
        if errors:
            errors.append("Choose other columns, or fix the file and choose it again.")
        self._say(errors, notes)
        self._mark_chosen(x, y)
        self.ok.setEnabled(not errors)

    def _say(self, errors: list[str], notes: tuple[str, ...] | list[str] = ()) -> None:
        for label, lines in ((self.problems, errors), (self.notes, notes)):
            label.setText("\n".join(lines))
            label.setVisible(bool(lines))

    def _mark_chosen(self, x: int, y: int) -> None:
        """Name the chosen columns in the table's header (``x: 1 (time)``)."""
        table = self.table
        assert table is not None
        for index in range(table.columns):
            roles = [r for r, i in (("x", x), ("y", y)) if i == index]
            prefix = f"{' and '.join(roles)}: " if roles else ""
            self.grid.setHorizontalHeaderItem(
                index, QTableWidgetItem(prefix + table.label(index)))
        self.grid.resizeColumnsToContents()

    # -- the answer ----------------------------------------------------------------------------
    def chosen_spec(self) -> str:
        """The data spec of the chosen columns: the bare path for a two-column file read as
        found, else ``PATH:x=…,y=…`` (names where the header has usable ones)."""
        table = self.table
        assert table is not None  # OK is enabled only with a table
        x, y = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if table.columns == 2 and (x, y) == (0, 1):
            return FileSpec(self.path, header=self.header).describe()
        names = table.names
        usable = all(_safe_name(names[i]) and names.count(names[i]) == 1 for i in (x, y))
        keys = [names[i] if usable else str(i + 1) for i in (x, y)]
        return FileSpec(self.path, keys[0], keys[1], self.header).describe()


__all__ = ["DataDialog", "FILE_FILTER", "HEADER_CHOICES"]
