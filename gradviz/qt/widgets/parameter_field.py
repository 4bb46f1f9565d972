"""An editor generated from a declared :class:`~gradviz.core.hyperparameters.HyperParameter`."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.hyperparameters import HyperParameter, HyperParameterError
from gradviz.qt.widgets.edit_keys import end_edit

SLIDER_STEPS = 1000

def format_value(value: float | str) -> str:
    """A number as the user would type it (no needless digits)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return str(int(value))
    return f"{value:.6g}"


BAND_HEIGHT = 4
"""Pixels of the strip of coloured bands under a slider's groove."""


@dataclass(frozen=True)
class Band:
    """A range of a parameter's values that behave alike (a learning rate that
    converges, oscillates or diverges), shown as a coloured stretch of the slider.

    Attributes
    ----------
    low, high : float
        The range (``high`` may be infinite).
    colour : str
        ``#rrggbb``.
    name : str
        What the values in it do, for the tooltip.
    """

    low: float
    high: float
    colour: str
    name: str


class BandedSlider(QSlider):
    """A horizontal slider with a strip of coloured bands along the bottom of its groove."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self._bands: tuple[tuple[float, float, QColor], ...] = ()

    @property
    def bands(self) -> tuple[tuple[float, float, QColor], ...]:
        """The bands drawn: ``(from, to, colour)``, as fractions of the slider's travel."""
        return self._bands

    def set_bands(self, bands: Sequence[tuple[float, float, QColor]]) -> None:
        """Draw ``bands`` (fractions 0 to 1 of the travel); none removes the strip."""
        bands = tuple(bands)
        if bands != self._bands:
            self._bands = bands
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._bands:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                      QStyle.SubControl.SC_SliderHandle, self)
        # The handle's centre travels from half a handle in from each end.
        left = groove.left() + handle.width() / 2
        travel = max(1.0, groove.width() - handle.width())
        top = min(self.height() - BAND_HEIGHT, groove.bottom() + 1)
        painter = QPainter(self)
        painter.setPen(Qt.PenStyle.NoPen)
        for low, high, colour in self._bands:
            painter.setBrush(colour)
            painter.drawRect(QRectF(left + low * travel, top, (high - low) * travel, BAND_HEIGHT))
        painter.end()


class ParameterField(QWidget):
    """Edits one parameter: a combo box for choices, otherwise an exact text field,
    with a slider beside it for parameters that declare a range to slide through.

    A value outside the declared range is refused: the field shows the last good
    value again and :attr:`rejected` carries the reason. Return or Enter applies the
    typed value and Escape restores the last good one; both end the edit and give
    the keyboard back to the window, whose single-key shortcuts (Space, R, ...)
    would otherwise be typed into the field.
    """

    committed = Signal(str, object)  # (parameter name, validated value)
    rejected = Signal(str)  # why a typed value was refused

    def __init__(self, parameter: HyperParameter, value: float | str, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.parameter = parameter
        self._value = value
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(1)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        # What the bands mean for the value shown (the bound beside a learning rate).
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.hide()
        outer.addWidget(self.note)
        self._bands: tuple[Band, ...] = ()
        self.setToolTip(f"{parameter.symbol} — {parameter.help}")
        self.combo: QComboBox | None = None
        self.edit: QLineEdit | None = None
        self.slider: BandedSlider | None = None
        if parameter.is_choice:
            self.combo = QComboBox()
            self.combo.addItems(list(parameter.choices))
            self.combo.currentTextChanged.connect(self._choice_changed)
            layout.addWidget(self.combo)
        else:
            self._slider_range = parameter.slider_range
            if self._slider_range is not None:
                self.slider = BandedSlider()
                self.slider.setRange(0, SLIDER_STEPS)
                self.slider.valueChanged.connect(self._slider_moved)
                self.slider.sliderReleased.connect(self._slider_released)
                layout.addWidget(self.slider, 3)
            self.edit = QLineEdit()
            self.edit.setMinimumWidth(70)
            self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.edit.editingFinished.connect(self._text_committed)
            self.edit.installEventFilter(self)
            layout.addWidget(self.edit, 2)
        self.set_value(value)

    @property
    def value(self) -> float | str:
        """The last accepted value."""
        return self._value

    def set_value(self, value: float | str) -> None:
        """Show ``value`` without announcing it."""
        self._value = value
        if self.combo is not None:
            with QSignalBlocker(self.combo):
                self.combo.setCurrentText(str(value))
            return
        assert self.edit is not None
        self.edit.setText(format_value(value))
        if self.slider is not None:
            with QSignalBlocker(self.slider):
                self.slider.setValue(self._to_slider(float(value)))

    @property
    def bands(self) -> tuple[Band, ...]:
        """The bands shown along the slider."""
        return self._bands

    def set_bands(self, bands: Sequence[Band], note: str = "", colour: str = "") -> None:
        """Colour the slider's stretches of ``bands`` and show ``note`` under the field
        (a small square of ``colour`` before it, if given); no bands and no note
        remove both. The tooltip lists what each band means."""
        bands = tuple(bands)
        self._bands = bands
        if self.slider is not None and self._slider_range is not None:
            low, high = self._slider_range
            self.slider.set_bands([
                (self._fraction(max(band.low, low)), self._fraction(min(band.high, high)),
                 QColor(band.colour))
                for band in bands if band.high > low and band.low < high
            ])
            self.slider.setToolTip("\n".join(
                f"{format_value(b.low)} to "
                f"{format_value(b.high) if math.isfinite(b.high) else '∞'}: {b.name}"
                for b in bands))
        mark = f'<span style="color:{colour}">■</span> ' if colour else ""
        text = mark + html.escape(note) if note else ""
        if text != self.note.text():
            self.note.setText(text)
        self.note.setVisible(bool(note))

    # -- slider mapping: logarithmic when declared so ----------------------------------------
    def _fraction(self, value: float) -> float:
        """Where ``value`` lies along the slider, 0 to 1 (clamped to its range)."""
        return self._to_slider(value) / SLIDER_STEPS

    def _to_slider(self, value: float) -> int:
        assert self._slider_range is not None
        low, high = self._slider_range
        value = min(max(value, low), high)  # e.g. 0 updates on a log slider from 1
        if self.parameter.log:
            fraction = math.log(value / low) / math.log(high / low)
        else:
            fraction = (value - low) / (high - low)
        return round(min(max(fraction, 0.0), 1.0) * SLIDER_STEPS)

    def _from_slider(self, position: int) -> float:
        assert self._slider_range is not None
        low, high = self._slider_range
        fraction = position / SLIDER_STEPS
        if self.parameter.log:
            value = low * (high / low) ** fraction
            # Round to 3 significant digits so slider values read like typed ones.
            value = float(f"{value:.3g}")
        else:
            value = low + fraction * (high - low)
            value = float(f"{value:.4g}")
        value = min(max(value, low), high)
        return float(round(value)) if self.parameter.integer else value

    def _slider_moved(self, position: int) -> None:
        assert self.edit is not None
        self.edit.setText(format_value(self._from_slider(position)))
        if self.slider is not None and not self.slider.isSliderDown():
            self._commit(self._from_slider(position))  # keyboard or a click on the groove

    def _slider_released(self) -> None:
        assert self.slider is not None
        self._commit(self._from_slider(self.slider.value()))

    def _text_committed(self) -> None:
        assert self.edit is not None
        text = self.edit.text().strip()
        if text == format_value(self._value):
            return  # the value as shown, untouched: keep the exact value behind the digits
        self._commit(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Return, Enter and Escape in the text field end the edit (see the class)."""
        if watched is self.edit and end_edit(self, event, lambda: self.set_value(self._value),
                                             self._text_ended):
            return True
        return super().eventFilter(watched, event)

    def _text_ended(self) -> bool:
        self._text_committed()
        return True

    def _choice_changed(self, text: str) -> None:
        self._commit(text)

    def _commit(self, raw: object) -> None:
        try:
            value = self.parameter.validate(raw)
        except HyperParameterError as exc:
            self.set_value(self._value)
            self.rejected.emit(_on_screen(self.parameter, str(exc)))
            return
        if value == self._value:
            self.set_value(value)
            return
        self.set_value(value)
        self.committed.emit(self.parameter.name, value)


def _on_screen(parameter: HyperParameter, message: str) -> str:
    """``message`` about ``parameter`` naming it as the window does (``Batch size B``,
    ``α (lr)``) rather than by the name code and files use (``batch_size``)."""
    prefix = f"{parameter.name} "
    if not message.startswith(prefix):
        return message
    shown = parameter.label or (parameter.name if parameter.symbol == parameter.name
                                else f"{parameter.symbol} ({parameter.name})")
    return f"{shown} {message[len(prefix):]}"
