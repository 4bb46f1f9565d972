"""Run > Fan over…: which parameter of the selected run to spread, over what range, how
many members. Bad values are named in the dialog, which stays open, and change nothing."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.fans import DEFAULT_FAN, MAX_FAN, SEED, Fan
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.run import RunSettings
from gradviz.qt.widgets.dialog_parts import message_line, ok_cancel

Apply = Callable[[Fan], str | None]
"""Makes the fan; returns why it could not (``None`` once done)."""


def _text(value: float) -> str:
    return f"{value:.6g}"


def default_range(parameter: HyperParameter | None, current: float) -> tuple[float, float]:
    """Where a new fan of ``parameter`` (``None``: the seed) spreads by default: a
    decade either side of ``current`` on a log scale, else from the range's low end
    to about the current value, within the declared range."""
    if parameter is None:
        return 0.0, float(DEFAULT_FAN - 1)
    if parameter.log:
        low, high = current / 10, current * 10
    else:
        low, high = parameter.low, max(current, 0.9)
        if not math.isfinite(low):
            low = current - 1.0
        if high <= low:
            high = low + 1.0
    return max(low, parameter.low), min(high, parameter.high)


class FanDialog(QDialog):
    """The parameter (the optimizer's numeric hyperparameters, and the seed of a
    minibatch run), low, high, count and log spacing of a fan of ``settings``.

    ``current`` is the selected fan, whose values it starts from; ``apply`` is
    called with the fan on OK (the dialog closes once it returns ``None``).
    """

    def __init__(self, settings: RunSettings, minibatches: bool, current: Fan | None,
                 apply: Apply, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fan over…")
        self._settings, self._apply = settings, apply
        self._declared = {h.name: h for h in OPTIMIZERS[settings.optimizer].hyperparameters
                          if not h.is_choice}
        layout = QVBoxLayout(self)
        intro = QLabel(f"One {OPTIMIZERS[settings.optimizer].title} run from one start, at "
                       f"{MAX_FAN} values at most, drawn in a colour scale of the value.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.param = QComboBox()
        for name, hyper in self._declared.items():
            self.param.addItem(f"{hyper.symbol}  {name}", name)
        if minibatches:
            self.param.addItem("seed of the minibatches", SEED)
        self.low, self.high = QLineEdit(), QLineEdit()
        self.count = QSpinBox()
        self.count.setRange(2, MAX_FAN)
        self.count.setValue(DEFAULT_FAN)
        self.log = QCheckBox("spaced evenly on a log scale")
        form.addRow("Parameter", self.param)
        form.addRow("From", self.low)
        form.addRow("To", self.high)
        form.addRow("Members", self.count)
        form.addRow("", self.log)
        layout.addLayout(form)
        self.error = message_line()
        self.error.setStyleSheet("color:#ff6b6b;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons, _ = ok_cancel(self)
        layout.addWidget(self.buttons)
        self.param.currentIndexChanged.connect(lambda _: self._show_defaults())
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._show(current)

    def _show(self, current: Fan | None) -> None:
        index = -1 if current is None else self.param.findData(current.param)
        if index < 0:
            self._show_defaults()
            return
        self.param.setCurrentIndex(index)  # shows its defaults, replaced here
        self.low.setText(_text(current.values[0]))
        self.high.setText(_text(current.values[-1]))
        self.count.setValue(len(current.values))
        self.log.setChecked(current.log)

    def _show_defaults(self) -> None:
        name = self.param.currentData()
        hyper = self._declared.get(name)
        current = self._settings.seed if hyper is None else self._settings.hyperparameters[name]
        low, high = default_range(hyper, float(current))
        self.low.setText(_text(low))
        self.high.setText(_text(high))
        self.log.setEnabled(hyper is not None)
        self.log.setChecked(hyper is not None and hyper.log)
        self.error.hide()

    def fan(self) -> Fan:
        """The fan the fields describe.

        Raises
        ------
        ValueError
            Naming the field that is wrong and why.
        """
        ends = []
        for field, what in ((self.low, "From"), (self.high, "To")):
            try:
                ends.append(float(field.text()))
            except ValueError:
                raise ValueError(f"{what} must be a number; got {field.text()!r}") from None
        return Fan.spread(self.param.currentData(), ends[0], ends[1], self.count.value(),
                          self.log.isChecked() and self.log.isEnabled())

    def accept(self) -> None:
        """Make the fan, or say what is wrong and stay open."""
        try:
            problem = self._apply(self.fan())
        except ValueError as exc:
            problem = str(exc)
        if problem is None:
            super().accept()
            return
        self.error.setText(problem)
        self.error.show()


__all__ = ["FanDialog", "default_range"]
