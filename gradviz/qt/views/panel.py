"""The base of the plot views: a pyqtgraph plot with a title, axis labels and a look."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from gradviz.qt import style


TITLE_SHARE = 1 / 3
"""At most this part of a view's height goes to its title's lines; a title that would
need more is cut short, so that the plot keeps its room."""


class Panel(pg.PlotWidget):
    """A plot without pyqtgraph's context menu and buttons, styled by theme and scale.

    Parameters
    ----------
    title : str
        Shown above the plot ("" for none).
    font_size : int
        Tick label size in points at scale 1.
    axis_items : dict of str to pyqtgraph.AxisItem, optional
        Axes of its own by side (``"bottom"``), in place of pyqtgraph's.
    clear_left : bool
        Whether to keep a label's height clear at its left, as the views beside the
        map do: its colour bar's label is at its right edge, theirs at their left.
    """

    def __init__(self, title: str = "", font_size: int = 11, parent=None,  # type: ignore[no-untyped-def]
                 axis_items: dict[str, pg.AxisItem] | None = None,
                 clear_left: bool = True) -> None:
        super().__init__(parent, background=style.DARK.background, axisItems=axis_items)
        self.title = title
        self.clear_left = clear_left
        self._fitting = False  # inside fit_title
        self.font_size = font_size
        plot = self.getPlotItem()
        # The animated items change every frame: Qt's spatial index would be
        # rebuilt for them each time, and a plot has too few items to need one.
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        for name in ("left", "bottom", "top", "right"):
            # An axis is repainted whenever a line drawn next to it changes (Qt
            # widens each changed area by two pixels for antialiasing): from a
            # cached pixmap, rather than by replaying all its ticks and labels.
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Wrapped again when the plot's place changes without the view's (its axis of
        # values grows with longer numbers).
        plot.vb.geometryChanged.connect(self.fit_title)
        self._scale = 1.0
        self._theme = style.DARK
        self.style_panel(style.DARK, 1.0)

    def style_panel(self, theme: style.Theme, scale: float) -> None:
        """Background, axes and title in ``theme``'s colours at ``scale``."""
        self._scale, self._theme = scale, theme
        plot = self.getPlotItem()
        self.setBackground(theme.background)
        font_size = round(self.font_size * scale)
        style.style_plot(plot, font_size, theme)
        if self.title:
            plot.setTitle(self.title, color=theme.foreground,
                          size=f"{round((self.font_size + 1) * scale)}pt")
        # A tick label is centred on its tick, so the one at the top of the plot
        # reaches half its height above it: without a title there, that half
        # would be cut off by the widget's edge (and hidden under the caption).
        top = 0 if self.title else math.ceil(QFontMetrics(style.axis_font(font_size)).height() / 2)
        # The map's colour bar "loss" at its right edge, the loss curves' "loss" at
        # their left beside it: a label's height between them, so that they never
        # read as one line (the map itself keeps its width).
        left = QFontMetrics(style.axis_font(font_size + 1)).height() if self.clear_left else 1
        plot.layout.setContentsMargins(left, 1 + top, 1, 1)
        self.fit_title()

    def fit_title(self) -> None:
        """The title in the plot's width: on one line if it fits, else wrapped, or, where
        its lines would take more than TITLE_SHARE of the view's height, cut short after
        a word with an ellipsis."""
        item = self.getPlotItem()
        if item is None or not self.title or self._fitting:  # closed, none, or doing it
            return
        self._fitting = True  # the plot fitted to the view moves it, which calls this
        try:
            label = item.titleLabel
            words = self.title.split()
            for shown in range(len(words), 0, -1):
                text = self.title if shown == len(words) else " ".join(words[:shown]) + "…"
                if label.text != text:
                    label.setText(text)
                self.wrap_title()
                if label.item.boundingRect().height() <= TITLE_SHARE * self.height():
                    break
        finally:
            self._fitting = False

    def wrap_title(self) -> None:
        """Wrap the title's text to the plot's width, its row as high as its lines.

        pyqtgraph makes a title's width the least of the plot's, so in a narrow view
        the title and the plot's right side ran off its edge; once wrapped, the plot
        is fitted to the view again.
        """
        item = self.getPlotItem()
        label = item.titleLabel
        label.item.setTextWidth(-1)
        left, _, right, _ = item.layout.getContentsMargins()
        room = max(self.width() - 2 * self.frameWidth() - item.getAxis("left").width()
                   - left - right, 80.0)
        if label.item.boundingRect().width() > room:
            label.item.setTextWidth(room)
        label.updateMin()
        # pyqtgraph fixes the title's row at 30 pixels: too short for two lines.
        height = max(30.0, label.item.boundingRect().height())
        label.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)
        least = item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        if least <= self.viewport().width() < item.geometry().width():
            pg.GraphicsView.resizeEvent(self, None)  # the plot in the view's width

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if "_theme" in vars(self):  # pyqtgraph resizes the view while it makes it, too
            self.fit_title()
