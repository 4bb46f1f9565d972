"""The update explained: the selected run's rule with the numbers of the shown update.

The optimizer declares its rule in parts (:mod:`gradviz.core.rules`); this panel
writes each part's formula with the update's own numbers substituted
(:func:`gradviz.core.explain.explain_update`), each part's name in the colour of
its arrow on the map, and in step-by-step mode the part being explained
highlighted and the parts still to come dimmed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QWidget

from gradviz.core.explain import Explanation, explain_rule, explain_update
from gradviz.qt import style
from gradviz.qt.overlays.base import LastResult, Overlay, OverlayInput, OverlaySpec, Place
from gradviz.qt.timing import Throttle

CURRENT = "▶ "
"""What marks the part being explained in step-by-step mode."""
TEXT_HZ = 15
"""At most this many new texts a second on screen, as the window's other numbers
while the runs play: faster cannot be read, and laying out the rule's text costs
a few milliseconds a time."""
BODY_POINTS = 11
"""The panel's text size at text scale 1: 19 pt (25 px) in presentation mode, the
least there, where Adam's seven lines must fit beside the map."""


@dataclass(frozen=True, eq=False)
class ShownUpdate:
    """The update of the selected run that the window shows, explained.

    Attributes
    ----------
    run : str
        The run's name (the user's text).
    colour : str
        The run's colour.
    explanation : Explanation
        Its update at the shown row.
    stage : int or None
        The part being explained in step-by-step mode (``None``: all of them).
    """

    run: str
    colour: str
    explanation: Explanation
    stage: int | None = None


_last = LastResult()  # per frame, both overlays ask


def shown_update(given: OverlayInput) -> ShownUpdate | None:
    """The selected run's shown update explained, with the stage that belongs to it."""
    frame = given.selected
    if frame is None or frame.run_id not in given.settings:
        return None
    settings = given.settings[frame.run_id]
    # The rows up to the shown one never change while the run's generation holds.
    key = (frame.run_id, frame.generation, frame.index, settings)
    explanation: Explanation = _last.get(key, lambda: (
        explain_update(settings, frame, frame.index) if frame.index >= 0
        else explain_rule(settings, frame.minibatches)))
    stage = given.stage
    if stage is not None and not (explanation.update and 0 <= stage < len(explanation.parts)):
        stage = None
    return ShownUpdate(frame.name, frame.colour, explanation, stage)


def _unbroken(numbers: str) -> str:
    """``numbers`` as rich text that never wraps inside a vector's parentheses."""
    return _marked(numbers).replace(", ", ",&nbsp;")


def _marked(text: str) -> str:
    """``text`` as rich text, the batch's loss ``L_B`` written with its subscript."""
    return html.escape(text).replace("L_B", "L<sub>B</sub>")


class RuleLabel(QLabel):
    """A wrapped rich-text label that asks for the height its text needs at its width:
    the panel's splitter knows nothing of height for width, and would cut the rule short."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        height = self.heightForWidth(self.width()) if self.isVisible() else 0
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)


class UpdateRuleOverlay(Overlay):
    """A panel with the selected run's update rule and the shown update's numbers."""

    spec = OverlaySpec(
        "rule", "Show the update explained", "U",
        "the selected run's update rule with the numbers of the shown update "
        "(S goes through it part by part)",
        Place.PANEL, order=10,
    )

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)  # type: ignore[arg-type]
        self.label = RuleLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)  # every user text is escaped
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.label.setContentsMargins(8, 6, 8, 6)
        self.label.setAutoFillBackground(True)
        self.label.hide()
        view.layout().addWidget(self.label)
        self._theme = style.DARK
        self._scale = 1.0
        self._shown: ShownUpdate | None = None
        self._latest: ShownUpdate | None = None
        self._throttle = Throttle(1000 / TEXT_HZ, self._catch_up, self.label)

    @staticmethod
    def derive(given: OverlayInput) -> ShownUpdate | None:
        return shown_update(given)

    def show(self, data: object | None) -> None:
        self._latest = data if isinstance(data, ShownUpdate) else None
        if self._latest is None:
            self._shown = None
            self.label.hide()
            return
        shown = self._shown
        if shown is not None and (data.explanation, data.stage, data.run) == (
                shown.explanation, shown.stage, shown.run):
            return  # the same update: nothing to lay out again
        # On screen a new text at most TEXT_HZ times a second, the last one always;
        # a copy drawn for an export (never on screen) takes every frame's.
        window = self.label.window()
        on_screen = window.isVisible() and not window.testAttribute(
            Qt.WidgetAttribute.WA_DontShowOnScreen)
        if self._throttle.ready(hold=on_screen):
            self._shown = data
            self.label.show()
            self._set_text(data)

    def _set_text(self, shown: ShownUpdate) -> None:
        self.label.setText(self.html(shown))
        if shown.stage is not None:
            # Once the label's new height is laid out, which its scroll area learns later.
            QTimer.singleShot(0, self.label, self._reveal_stage)

    def _reveal_stage(self) -> None:
        """Scroll the part being explained into view, in the scroll area that holds the
        panel, if any (the window's column does; an export's copy has none)."""
        area = self.label.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is None or area.widget() is None:
            return
        # The new height laid out, and the label rewrapped if a scroll bar came with it.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        span = self.stage_span()
        if span is None:
            return
        inner = area.widget()
        top = self.label.mapTo(inner, self.label.rect().topLeft()).y()
        margin = self.label.fontMetrics().lineSpacing()  # a line of what comes next
        area.ensureVisible(0, top + span[1], 0, margin)
        # Last, so that a part taller than the column shows from its start.
        area.ensureVisible(0, top + span[0], 0, margin)

    def stage_span(self) -> tuple[int, int] | None:
        """Where the part being explained is in the label, from its top to its bottom
        in pixels, while there is one: the first part's from the label's top (the run
        and update it explains), the last part's to its bottom (the keys that go on)."""
        if self._shown is None or self._shown.stage is None or not self.label.isVisible():
            return None
        # The label's own document is private: the same text laid out at its width.
        document = QTextDocument()
        document.setDefaultFont(self.label.font())
        document.setDocumentMargin(0)
        document.setHtml(self.label.text())
        box = self.label.contentsRect()
        document.setTextWidth(box.width())
        block = document.begin()
        while block.isValid() and not block.text().startswith(CURRENT):
            block = block.next()
        if not block.isValid():
            return None
        rect = document.documentLayout().blockBoundingRect(block)
        parts = len(self._shown.explanation.parts)
        return (0 if self._shown.stage == 0 else box.top() + round(rect.top()),
                self.label.height() if self._shown.stage == parts - 1
                else box.top() + round(rect.bottom()))

    def _catch_up(self) -> None:
        """The slot is open again: show the latest update held back, if any."""
        if self._latest is not None:
            self.show(self._latest)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self._theme, self._scale = theme, scale
        palette = self.label.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(theme.background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(theme.foreground))
        self.label.setPalette(palette)
        self.label.setFont(style.axis_font(round(BODY_POINTS * scale)))
        margin = round(8 * scale)
        self.label.setContentsMargins(margin, margin // 2, margin, margin // 2)
        if self._shown is not None:
            self._set_text(self._shown)

    def html(self, shown: ShownUpdate) -> str:
        """The panel's rich text for ``shown``: its name, the update and each part."""
        e, theme = shown.explanation, self._theme
        points = round(BODY_POINTS * self._scale)
        muted = theme.muted
        swatch = html.escape(theme.run_colour(shown.colour))
        where = [f"update {e.update}" if e.update else "at its start: no update yet"]
        if not shown.run.startswith(e.title):
            where.insert(0, e.title)
        if e.batch is not None:
            where.append(f"batch of {len(e.batch)}")
        head = (f"<div style='font-size:{round(points * 1.1)}pt'><b style='color:{swatch}'>■</b> "
                f"<b>{html.escape(shown.run)}</b> <span style='color:{muted}'>· "
                f"{html.escape(' · '.join(where))}</span></div>")
        rows = []
        gap = round(4 * self._scale)
        for i, part in enumerate(e.parts):
            current = shown.stage == i
            later = shown.stage is not None and i > shown.stage
            colour = muted if later else self._part_colour(e, part.arrow)
            text_colour = muted if later else theme.foreground
            lines = []
            for line in part.lines:
                formula = _marked(line.formula)
                if line.numbers:
                    lines.append(f"{formula} = {_unbroken(line.numbers)} = "
                                 f"<b>{_unbroken(line.result)}</b>")
                else:
                    lines.append(formula)
            background = f"background-color:{self._highlight()};" if current else ""
            marker = CURRENT if current else ""
            # Paragraphs, not a table: Qt lays a table out at twice the cost.
            rows.append(
                f"<p style='{background} color:{text_colour}; margin-top:{gap}px'>"
                f"<b style='color:{colour}'>{marker}{html.escape(part.name)}</b>&nbsp;&nbsp;"
                + "<br>".join(lines) + "</p>")
        foot = ""
        if shown.stage is not None:
            foot = (f"<div style='color:{muted}'>step by step: part {shown.stage + 1} of "
                    f"{len(e.parts)} · S next, Shift+S back</div>")
        return head + "".join(rows) + foot

    def _part_colour(self, e: Explanation, arrow: int | None) -> str:
        if arrow is None:
            return self._theme.foreground
        return self._readable(style.UPDATE_ARROW_COLOURS[e.arrows[arrow].kind])

    def _readable(self, colour: str) -> str:
        """``colour`` as text on the panel's background (the light theme darkens yellows)."""
        return dict(self._theme.substitutions).get(colour.upper(), colour)

    def _highlight(self) -> str:
        return "#3d5f8f" if self._theme.name == "dark" else "#cfe0f5"
