"""The editor of a formula parameter: the text checked as it is typed, a refusal
marked where it is, examples to start from, and the derivative gradviz uses."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.formula import Formula, FormulaError
from gradviz.core.formula_examples import FormulaExample
from gradviz.core.formula_problems import FormulaReader
from gradviz.core.hyperparameters import HyperParameter
from gradviz.qt.timing import Debouncer
from gradviz.qt.widgets.edit_keys import end_edit

CHECK_DELAY_MS = 150
"""Quiet time after a key before the text is read: each key would cost a parse."""

ERROR_COLOUR = "#d03030"
"""The refusal's text and the wavy line under its part (readable on light and dark)."""

_SUBSCRIPTS = {"phi0": "φ₀", "phi1": "φ₁"}


def refused_range(error: FormulaError, length: int) -> tuple[int, int]:
    """The characters ``[start, end)`` of a text of ``length`` that ``error`` points at:
    its part from its column, at least one character (the last for an error at the end)."""
    start = min(max(error.column - 1, 0), max(length - 1, 0))
    return start, min(max(start + len(error.text), start + 1), max(length, start + 1))


class _FormulaText(QPlainTextEdit):
    """A text box no wider by its own wish than a number field: the panel keeps
    its width, and a long formula wraps."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(120, super().sizeHint().height())


class FormulaEditor(QWidget):
    """Edits a formula parameter (one whose reader is a
    :class:`~gradviz.core.formula_problems.FormulaReader`).

    The text is read :data:`CHECK_DELAY_MS` after the last key; a refused one is
    marked at its column and the reason shown below it. Return, Enter or Apply
    commit a formula that reads (a refused one stays in the editor, uncommitted,
    so nothing breaks mid-typing); Escape restores the last committed one. Both
    give the keyboard back to the window, as :class:`ParameterField` does.
    """

    committed = Signal(str, object)  # (parameter name, the formula's text)
    rejected = Signal(str)  # why Enter did not commit: the formula is refused
    checked = Signal(object)  # Formula or FormulaError: the text as last read
    exampleChosen = Signal(object)  # FormulaExample picked from the list

    def __init__(self, parameter: HyperParameter, value: str,
                 examples: tuple[FormulaExample, ...] = (), parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        assert isinstance(parameter.reader, FormulaReader)
        self.parameter = parameter
        self._reader = parameter.reader
        self._value = value
        self._examples = examples
        self._read: Formula | FormulaError | None = None
        self.setToolTip(parameter.help)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = _FormulaText()
        self.edit.setTabChangesFocus(True)  # Tab moves on, as in any form
        self.edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.edit.setPlaceholderText(f"a formula in {', '.join(self._reader.variables)}")
        self.edit.setAccessibleName(f"formula {parameter.label or parameter.symbol}")
        lines = QFontMetrics(self.edit.font()).lineSpacing()
        self.edit.setFixedHeight(3 * lines + 12)  # three lines: long formulas wrap
        self.edit.installEventFilter(self)
        self.edit.textChanged.connect(self._typed)
        layout.addWidget(self.edit)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.error.hide()
        layout.addWidget(self.error)
        self.example_combo = QComboBox()
        self.example_combo.addItem("Examples…")
        for example in examples:
            self.example_combo.addItem(example.title)
            self.example_combo.setItemData(self.example_combo.count() - 1,
                                           example.expression, Qt.ItemDataRole.ToolTipRole)
        # Sized by a few letters, not by the longest title: the panel keeps its width.
        self.example_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.example_combo.setMinimumContentsLength(4)
        self.example_combo.setToolTip("start from an example: its formula, window and start")
        self.example_combo.activated.connect(self._example_picked)
        self.example_combo.setVisible(bool(examples))
        self.apply = QPushButton("Apply")
        self.apply.setToolTip("use this formula (Return)")
        self.apply.clicked.connect(self._commit)
        row = QHBoxLayout()
        row.addWidget(self.example_combo, 1)
        row.addWidget(self.apply)
        layout.addLayout(row)
        self.show_derivative = QCheckBox("Show derivative")
        self.show_derivative.setToolTip("the gradient gradviz computes from the formula")
        self.show_derivative.toggled.connect(self._show_read)
        layout.addWidget(self.show_derivative)
        # A box of its own, not a label: a derivative can run to hundreds of characters,
        # which a wrapped label in a form would draw over the rows below.
        self.derivative = _FormulaText()
        self.derivative.setReadOnly(True)
        self.derivative.setTabChangesFocus(True)
        self.derivative.setFixedHeight(4 * lines + 12)
        self.derivative.setAccessibleName("derivative")
        self.derivative.hide()
        layout.addWidget(self.derivative)
        self._debounce = Debouncer(CHECK_DELAY_MS, self.check, self)
        self.set_value(value)

    @property
    def value(self) -> str:
        """The last committed formula."""
        return self._value

    @property
    def text(self) -> str:
        """The text in the editor, as typed."""
        return self.edit.toPlainText()

    def set_value(self, value: float | str) -> None:
        """Show the formula ``value`` without announcing it."""
        self._value = str(value)
        if self.text != self._value:
            with QSignalBlocker(self.edit):
                self.edit.setPlainText(self._value)
        self.check()

    def derivative_lines(self) -> tuple[str, str] | None:
        """The derivative shown (``∂f/∂φ₀ = …``), or ``None`` while the text is refused."""
        if not isinstance(self._read, Formula):
            return None
        symbol = self.parameter.symbol
        return tuple(f"∂{symbol}/∂{_SUBSCRIPTS[name]} = {text}"  # type: ignore[return-value]
                     for name, text in zip(("phi0", "phi1"), self._read.derivative_text()))

    def check(self) -> Formula | FormulaError:
        """Read the text now: mark a refusal or show the derivative; announced by :attr:`checked`."""
        self._debounce.cancel()
        try:
            self._read = self._reader.formula(self.text)
        except FormulaError as exc:
            self._read = exc
        self._show_read()
        self.checked.emit(self._read)
        return self._read

    # -- showing ----------------------------------------------------------------------------
    def _show_read(self) -> None:
        read = self._read
        refused = isinstance(read, FormulaError)
        marks: list[QTextEdit.ExtraSelection] = []
        if isinstance(read, FormulaError):
            self.error.setText(f"column {read.column}: {read.message}")
            marks.append(self._mark(*refused_range(read, len(self.text))))
        self.error.setVisible(refused)
        self.edit.setExtraSelections(marks)
        self.apply.setEnabled(not refused and self.text != self._value)
        lines = self.derivative_lines()
        self.derivative.setPlainText("\n".join(lines) if lines else "")
        self.derivative.setVisible(self.show_derivative.isChecked() and lines is not None)

    def _mark(self, start: int, end: int) -> QTextEdit.ExtraSelection:
        mark = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.edit.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        mark.cursor = cursor  # type: ignore[misc]
        look = QTextCharFormat()
        look.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        look.setUnderlineColor(QColor(ERROR_COLOUR))
        look.setBackground(QColor(208, 48, 48, 60))
        mark.format = look  # type: ignore[misc]
        return mark

    # -- edits ------------------------------------------------------------------------------
    def _typed(self) -> None:
        self.apply.setEnabled(False)  # until the text is read
        self._debounce.trigger()

    def _commit(self) -> None:
        read = self.check()
        if isinstance(read, FormulaError):
            self.rejected.emit(f"{self.parameter.name} {read}")
            return
        if self.text != self._value:
            self._value = self.text
            self._show_read()
            self.committed.emit(self.parameter.name, self._value)

    def _example_picked(self, index: int) -> None:
        with QSignalBlocker(self.example_combo):
            self.example_combo.setCurrentIndex(0)  # the list is a menu, not a state
        if index > 0:
            self.exampleChosen.emit(self._examples[index - 1])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Return and Enter commit, Escape restores; both end the edit (see the class)."""
        if watched is self.edit and end_edit(self, event, lambda: self.set_value(self._value),
                                             self._commit_and_check):
            return True
        return super().eventFilter(watched, event)

    def _commit_and_check(self) -> bool:
        """Commit the text; whether it was a formula (else the editor keeps the focus)."""
        self._commit()
        return not isinstance(self._read, FormulaError)
