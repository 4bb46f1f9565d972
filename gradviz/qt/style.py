"""Colours, pens and fonts shared by the views."""

from __future__ import annotations

from dataclasses import dataclass

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

SHADOW = (0, 0, 0)
"""The dark outline of the runs' paths: opaque, so that it can be drawn the fast
way (see :mod:`gradviz.qt.lines`)."""


@dataclass(frozen=True)
class Theme:
    """The colours of the plots; the heatmap keeps its colour map in both themes."""

    name: str
    background: str
    foreground: str
    muted: str
    data_points: str
    data_edge: str
    contour: tuple[int, int, int, int]
    legend_fill: tuple[int, int, int, int]
    substitutions: tuple[tuple[str, str], ...] = ()
    """Run colours replaced in this theme (white cannot be seen on white)."""

    def run_colour(self, colour: str) -> str:
        """The colour a run drawn in ``colour`` takes in this theme."""
        return dict(self.substitutions).get(colour, colour)


DARK = Theme(
    "dark", "#15171a", "#e8e8e8", "#9aa0a6", "#f5f5f5", "#000000",
    (235, 235, 235, 90), (0, 0, 0, 170),
)
LIGHT = Theme(
    "light", "#ffffff", "#111111", "#555555", "#1a1a1a", "#ffffff",
    (30, 30, 30, 80), (255, 255, 255, 215),
    substitutions=(("#FFFFFF", "#000000"), ("#F0E442", "#B59F00")),
)
THEMES = {theme.name: theme for theme in (DARK, LIGHT)}


def axis_font(point_size: int = 12) -> QFont:
    """The font of tick labels."""
    font = QFont()
    font.setPointSize(point_size)
    return font


def style_plot(plot: pg.PlotItem, font_size: int = 12, theme: Theme = DARK) -> None:
    """Give a plot readable axes: larger ticks and labels in the theme's colours."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(axis_font(font_size))
        axis.setPen(pg.mkPen(theme.muted))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.label.setFont(axis_font(font_size + 1))
        show_plain_values(axis)


def show_plain_values(axis: pg.AxisItem) -> None:
    """Label ``axis``'s ticks with the values themselves, never rescaled by an SI prefix.

    "loss (x0.001)" with ticks 0-800 puzzles students. ``enableAutoSIPrefix(False)``
    alone is not enough: it computes the prefix for the current range once more and
    keeps it (pyqtgraph issue #2899), so a loss axis restyled while it spans 0-0.9
    would read 0-800 from then on. With no range allowed a prefix, that last
    computation gives the plain scale. ``setLabel`` resets the ranges, so this is
    applied whenever an axis is styled.
    """
    axis.setSIPrefixEnableRanges(())
    axis.enableAutoSIPrefix(False)


def with_alpha(colour: str, alpha: int) -> QColor:
    """``colour`` with the given alpha (0-255)."""
    result = QColor(colour)
    result.setAlpha(alpha)
    return result
