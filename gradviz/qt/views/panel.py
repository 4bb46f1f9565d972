"""The base of the plot views: a pyqtgraph plot with a title, axis labels and a look."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from gradviz.qt import style


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
    """

    def __init__(self, title: str = "", font_size: int = 11, parent=None,  # type: ignore[no-untyped-def]
                 axis_items: dict[str, pg.AxisItem] | None = None) -> None:
        super().__init__(parent, background=style.DARK.background, axisItems=axis_items)
        self.title = title
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
        # Views stand side by side with their axis labels at their outer edges (the
        # map's colour bar "loss" beside the loss curves' "loss"): half a label's
        # height each side keeps a whole one between neighbours' labels, so they
        # never read as one line.
        side = math.ceil(QFontMetrics(style.axis_font(font_size + 1)).height() / 2)
        plot.layout.setContentsMargins(side, 1 + top, side, 1)
