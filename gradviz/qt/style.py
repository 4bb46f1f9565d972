"""Colours, pens and fonts shared by the views."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
RUN_COLOURS: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#FFFFFF",  # white
)

BACKGROUND = "#15171a"
FOREGROUND = "#e8e8e8"
MUTED = "#9aa0a6"
DATA_POINTS = "#f5f5f5"
CONTOUR = (235, 235, 235, 90)
SHADOW = (0, 0, 0, 170)


def axis_font(point_size: int = 12) -> QFont:
    """The font of tick labels."""
    font = QFont()
    font.setPointSize(point_size)
    return font


def style_plot(plot: pg.PlotItem, font_size: int = 12) -> None:
    """Give a plot readable axes: larger ticks and labels in the foreground colour."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(axis_font(font_size))
        axis.setPen(pg.mkPen(MUTED))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.label.setFont(axis_font(font_size + 1))


def with_alpha(colour: str, alpha: int) -> QColor:
    """``colour`` with the given alpha (0-255)."""
    result = QColor(colour)
    result.setAlpha(alpha)
    return result
