"""The derivative as a limit (the lecture's "Definitions" slide), in a panel.

(L(φ + h e_k) − L(φ)) / h beside the exact ∂L/∂φ_k at the selected run's current
point, for a step h on a log slider, and a table of the error over h = 1 … 1e-10:
it shrinks in proportion to h, the limit the slide defines, until the rounding of
L in float64 takes over and it grows again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import QLabel, QSlider, QVBoxLayout, QWidget

from gradviz.core.finite_difference import (STEP_RANGE, TABLE_STEPS, ForwardDifferences,
                                            forward_differences)
from gradviz.qt import style
from gradviz.qt.overlays.base import LastResult, Overlay, OverlayInput, OverlaySpec, Place
from gradviz.qt.overlays.gradient_parts import number

STEP_KEY = "h"
"""The panel's step in :attr:`OverlayInput.extra`."""
DEFAULT_STEP = 1e-4
TABLE_GROUPS = 3
"""The table's steps are shown in up to this many groups of rows side by side (it stays short)."""
TICKS_A_DECADE = 4
"""Slider positions per factor of ten of h."""
NOTE = "errₖ = |error| ∝ h, until float64 rounding takes over (≈ ε·|L| / h)"
"""Under the table: the lecture's limit, and the floor that rounding puts under it."""


_last = LastResult()


@dataclass(frozen=True, eq=False)
class Limit:
    """What the panel shows: the differences at the chosen step and over the table's steps.

    Attributes
    ----------
    step : float
        The chosen h.
    chosen : ForwardDifferences
        At ``step`` alone.
    table : ForwardDifferences
        At :data:`TABLE_STEPS`.
    over : str
        Which data the loss sums over.
    """

    step: float
    chosen: ForwardDifferences
    table: ForwardDifferences
    over: str


def step_of(position: int) -> float:
    """The step h at slider ``position`` (0 is the smallest h)."""
    return 10.0 ** (math.log10(STEP_RANGE[0]) + position / TICKS_A_DECADE)


def position_of(step: float) -> int:
    """The slider position nearest ``step``."""
    return round((math.log10(step) - math.log10(STEP_RANGE[0])) * TICKS_A_DECADE)


class LimitPanel(QWidget):
    """The panel's widgets: dumb, shown by :meth:`show_limit`; the slider's step goes out by
    :attr:`extraChanged`. Its lines wrap and its table takes as many groups of rows side by
    side as its width holds, so that it reads at any width from about 300 pixels."""

    extraChanged = Signal(str, object)  # (STEP_KEY, the step h chosen on the slider)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        self.title = QLabel()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, position_of(STEP_RANGE[1]))
        self.slider.setValue(position_of(DEFAULT_STEP))
        self.slider.setToolTip("the step h, from 1e-12 to 1 (log scale)")
        self.values = QLabel()
        self.table = QLabel()
        self.note = QLabel(NOTE)
        for label in (self.title, self.values, self.table, self.note):
            label.setTextFormat(Qt.TextFormat.RichText)  # our own numbers only
        for label in (self.title, self.values, self.note):
            label.setWordWrap(True)
        for widget in (self.title, self.slider, self.values, self.table, self.note):
            layout.addWidget(widget)
        self.slider.valueChanged.connect(lambda value: self.extraChanged.emit(STEP_KEY, step_of(value)))
        self._limit: Limit | None = None

    def set_text_size(self, points: float) -> None:
        """Text of ``points`` points (the table a little smaller)."""
        font = style.axis_font(round(points))
        self.title.setFont(font)
        self.values.setFont(font)
        small = style.axis_font(round(points * 11 / 12))  # 19 pt in presentation: 25 px
        self.table.setFont(small)
        self.note.setFont(small)
        self.slider.setMinimumHeight(round(points * 1.6))
        self._show_table()

    def show_limit(self, limit: Limit | None) -> None:
        """Show ``limit`` (``None``: a line saying there is no point to take it at)."""
        self._limit = limit
        if limit is None:
            self.title.setText("<b>The derivative as a limit</b>: no run to take it at")
            self.values.clear()
            self.table.clear()
            return
        position = position_of(limit.step)
        if self.slider.value() != position:
            self.slider.blockSignals(True)  # shown, not chosen: nothing goes out
            self.slider.setValue(position)
            self.slider.blockSignals(False)
        self.title.setText(f"<b>The derivative as a limit, h = {short(limit.step)}</b><br>"
                           "(L(φ + h eₖ) − L(φ)) / h → ∂L/∂φₖ as h → 0")
        c = limit.chosen
        self.values.setText("<br>".join(
            f"∂L/∂φ{'₀₁'[k]} ≈ <b>{number(c.quotients[0, k])}</b>, "
            f"exact&nbsp;{number(c.exact[k])}, error&nbsp;{short(abs(c.error[0, k]))}"
            for k in (0, 1)))
        self.note.setText(NOTE + (f"<br>over {limit.over}" if limit.over else ""))
        self._show_table()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._show_table()

    def _show_table(self) -> None:
        if self._limit is None:
            return
        room = self.contentsRect().width() - 16
        document = QTextDocument()
        document.setDefaultFont(self.table.font())
        for groups in range(TABLE_GROUPS, 0, -1):  # as many side by side as fit
            html = table_html(self._limit.table, groups)
            document.setHtml(html)
            if document.idealWidth() <= room:
                break
        self.table.setText(html)
        self.table.setMinimumHeight(self.table.sizeHint().height())  # never a row cut off
        # Wrapped lines need more height than a layout's minimum tells a splitter.
        self.setMinimumHeight(self.heightForWidth(max(self.width(), 1)))


def table_html(table: ForwardDifferences, groups: int) -> str:
    """The errors of ``table`` as an HTML table, its rows in ``groups`` side by side
    (the smallest error of each coordinate in bold)."""
    best = table.best()
    rows_each = -(-len(table.steps) // groups)

    def cells(j: int) -> str:
        if j >= len(table.steps):
            return "<td></td>" * 3
        errors = "".join(
            f"<td align=right>&nbsp;{'<b>' if best[k] == j else ''}"
            f"{short(abs(table.error[j, k]), 0)}"
            f"{'</b>' if best[k] == j else ''}</td>" for k in (0, 1))
        return f"<td align=right>{short(table.steps[j])}</td>{errors}"

    gap = "<td width=10></td>"
    group = ("<th align=right>h</th><th align=right>&nbsp;err₀</th>"
             "<th align=right>&nbsp;err₁</th>")
    head = gap.join([group] * groups)
    lines = "".join(
        "<tr>" + gap.join(cells(j + g * rows_each) for g in range(groups)) + "</tr>"
        for j in range(rows_each))
    return f"<table cellspacing=0 cellpadding=1><tr>{head}</tr>{lines}</table>"


def short(value: float, digits: int = 1) -> str:
    """``value`` in short scientific notation with ``digits`` after the point (``1.2e−3``;
    ``1e−10`` for a power of ten)."""
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.{digits}e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return text.replace(".0e", "e").replace("-", "−")


class DerivativeLimitOverlay(Overlay):
    """The forward differences at the selected run's current point, over the same data as
    the gradient's arrows (:meth:`~gradviz.qt.overlays.base.OverlayInput.gradient_point`),
    so that the exact column is the arrows' ∂L/∂φ₀ and ∂L/∂φ₁."""

    spec = OverlaySpec(
        "limit", "Show the derivative as a limit", "F",
        "the forward difference (L(φ + h eₖ) − L(φ)) / h beside the exact derivative, "
        "converging as h shrinks",
        Place.PANEL, order=52,
    )

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self.panel = LimitPanel()
        view.layout().addWidget(self.panel)
        self.panel.hide()
        self.extra_changed = self.panel.extraChanged  # the window hands h to the controller

    @staticmethod
    def derive(given: OverlayInput) -> Limit | None:
        point = given.gradient_point()
        if point is None:
            return None
        step = float(given.extra.get(STEP_KEY, DEFAULT_STEP))
        step = min(max(step, STEP_RANGE[0]), STEP_RANGE[1])
        problem = given.problem

        def limit() -> Limit:
            return Limit(step, forward_differences(problem, point.phi, [step], point.batch),
                         forward_differences(problem, point.phi, TABLE_STEPS, point.batch),
                         point.describe(problem.n_points))

        # 25 losses over the whole batch: kept while the point, batch and h stay.
        return _last.get(LastResult.key_of(problem, point, step), limit)

    def show(self, data: object | None) -> None:
        self.panel.setVisible(data is not None)
        if isinstance(data, Limit):
            self.panel.show_limit(data)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.panel.set_text_size(12 * scale)
