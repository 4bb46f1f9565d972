"""Colours, pens and fonts shared by the views and the widgets."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette

from gradviz.core.colormaps import load_colormap
from gradviz.core.palette import RUN_COLOURS
from gradviz.core.stability import Regime

# A run keeps its entry of RUN_COLOURS (Okabe & Ito's palette, plain data in the
# core) as its identity; what it is drawn in depends on the theme and the colour
# map (see run_colour), the same in every view.
SPARE_COLOURS: tuple[str, ...] = ("#88CCEE", "#882255", "#44AA99", "#DDCC77", "#AA4499", "#EE6677")
"""Colours from Paul Tol's colour-blind-safe "muted" scheme, drawn instead of the
Okabe-Ito ones that a colour map hides."""

CLASH_DELTA_E = 20.0
"""A run colour closer than this (CIE76 Delta E) to a colour of the map is lost on it..."""
CLASH_SHARE = 0.05
"""...and may be that close to at most this share of the map's colours."""
FAR_DELTA_E = 40.0
"""The first runs' colours are chosen at least this far apart where possible, as seen
with normal vision and with deuteranopia and protanopia."""

MIN_BLACK_CONTRAST = 5.0
"""Runs end in the map's dark valleys, outlined in black: a colour darker than this
(WCAG contrast against black; Okabe-Ito's blue is 4.2) is lost there from afar."""

UNDEFINED_GREYS = ((200, 200, 200), (120, 120, 120))
"""Where the loss is undefined (NaN): the ground and the stripes of the map's hatching
(the 3D view's flat grey is the ground); greys, which no colour map shows as a loss."""

REGIME_COLOURS: dict[Regime, str] = {
    Regime.MONOTONE: "#009E73",  # Okabe-Ito's bluish green, yellow and vermillion:
    Regime.OSCILLATES: "#F0E442",  # a traffic light that deuteranopes and protanopes
    Regime.DIVERGES: "#D55E00",  # read by lightness as well as hue
}
"""The learning rates of gradient descent by what it does (the slider's bands, the bound)."""

SHADOW = (0, 0, 0)
"""The dark outline of the runs' paths: opaque, so that it can be drawn the fast
way (see :mod:`gradviz.qt.layers.lines`)."""


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
    colormap: str = "udl"
    """The heatmap's colour map, which the run colours are chosen for."""

    def run_colour(self, colour: str) -> str:
        """The colour a run with identity ``colour`` is drawn in, in every view."""
        return run_colour(colour, self, self.colormap)


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

UPDATE_ARROW_COLOURS = {
    "gradient": "#FFFFFF",
    "momentum": "#E69F00",
    "lookahead": "#F0E442",
    "step": "#FF8FD0",
}
"""The update's arrows by what they show (:class:`gradviz.core.rules.RuleArrow`), in the
map and in the panel that explains them: white, Okabe-Ito's orange and yellow, and a
light pink that none of the colour maps has (the light theme writes them darker)."""


_WIDGET_COLOURS = {
    "dark": {
        QPalette.ColorRole.Window: "#202326",
        QPalette.ColorRole.Base: "#15171a",
        QPalette.ColorRole.AlternateBase: "#2a2d31",
        QPalette.ColorRole.Button: "#2c3035",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.ToolTipBase: "#2c3035",
    },
    "light": {
        QPalette.ColorRole.Window: "#f2f2f2",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#e9e9e9",
        QPalette.ColorRole.Button: "#e4e4e4",
        QPalette.ColorRole.Highlight: "#2a62b0",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
    },
}


def widget_palette(theme: Theme) -> QPalette:
    """A widget palette that matches the plots of ``theme``."""
    palette = QPalette()
    for role, colour in _WIDGET_COLOURS[theme.name].items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText, QPalette.ColorRole.ToolTipText):
        palette.setColor(role, QColor(theme.foreground))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(theme.muted))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.muted))
    return palette


ERROR_COLOURS = ("#ff6b6b", "#c62828")
"""Red for an error's text on a dark and on a light window: each 5:1 or more against it."""


def error_colour(palette: QPalette) -> str:
    """The red an error is written in on ``palette``'s window colour (dark or light)."""
    return ERROR_COLOURS[palette.color(QPalette.ColorRole.Window).lightness() >= 128]


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


# -- run colours per theme and colour map ------------------------------------------------
_CVD = (  # Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB
    np.eye(3),
    np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
              [-0.011820, 0.042940, 0.968881]]),  # deuteranopia
    np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
              [-0.003882, -0.048116, 1.051998]]),  # protanopia
)


def lab(rgb: np.ndarray, vision: int = 0) -> np.ndarray:
    """CIE L*a*b* (D65) of ``(..., 3)`` sRGB bytes, as seen with normal vision (0),
    deuteranopia (1) or protanopia (2)."""
    srgb = np.asarray(rgb, dtype=float) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(linear @ _CVD[vision].T, 0, 1)
    xyz = linear @ np.array([[0.4124564, 0.3575761, 0.1804375],
                             [0.2126729, 0.7151522, 0.0721750],
                             [0.0193339, 0.1191920, 0.9503041]]).T
    xyz /= (0.95047, 1.0, 1.08883)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack((116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])), axis=-1)


def rgb(colour: str) -> np.ndarray:
    """The sRGB bytes of ``colour`` (any name Qt knows)."""
    return np.array(QColor(colour).getRgb()[:3], dtype=float)


@lru_cache(maxsize=1024)  # the palette's choice compares the same pairs many times
def distinctness(first: str, second: str) -> float:
    """The smallest Delta E between two colours with normal vision, deuteranopia
    and protanopia: how far apart they look to the worst-off viewer."""
    a, b = rgb(first), rgb(second)
    return min(float(np.linalg.norm(lab(a, v) - lab(b, v))) for v in range(len(_CVD)))


def clash_share(colour: str, table: np.ndarray) -> float:
    """The share of the colour map ``table``'s colours within :data:`CLASH_DELTA_E` of
    ``colour``, where a path in that colour would vanish."""
    return float(np.mean(np.linalg.norm(lab(table) - lab(rgb(colour)), axis=1) < CLASH_DELTA_E))


def contrast_with_black(colour: str) -> float:
    """The WCAG contrast ratio of ``colour`` against black: the paths' outline and
    the dark valleys where runs end."""
    srgb = rgb(colour) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return float((linear @ np.array([0.2126, 0.7152, 0.0722]) + 0.05) / 0.05)


def run_colour(colour: str, theme: Theme, colormap: str) -> str:
    """The colour a run whose identity is ``colour`` (an entry of :data:`RUN_COLOURS`)
    is drawn in with ``theme`` over ``colormap``; other colours only get the theme's
    substitutions."""
    if colour.upper() not in RUN_COLOURS:
        return dict(theme.substitutions).get(colour, colour)
    return run_palette(theme, colormap)[RUN_COLOURS.index(colour.upper())]


@lru_cache(maxsize=32)
def run_palette(theme: Theme, colormap: str) -> tuple[str, ...]:
    """The colours runs are drawn in, one per entry of :data:`RUN_COLOURS`.

    Only colours that none but :data:`CLASH_SHARE` of the map's colours come within
    :data:`CLASH_DELTA_E` of, that stand out from the theme's background (the loss
    and fit views) and from the paths' black outline; the Okabe-Ito ones first, the
    spares after. The first three, then the fourth, are the most distinct such
    colours (up to :data:`FAR_DELTA_E`; beyond it the preferred order decides).
    """
    table = load_colormap(colormap)
    substitutions = dict(theme.substitutions)
    wanted = [substitutions.get(c, c) for c in RUN_COLOURS] + list(SPARE_COLOURS)
    usable = [
        c for c in wanted
        if clash_share(c, table) <= CLASH_SHARE
        and distinctness(c, theme.background) >= 25.0
        and contrast_with_black(c) >= MIN_BLACK_CONTRAST
    ]

    def spread(colours: tuple[int, ...]) -> float:
        return min(distinctness(usable[a], usable[b])
                   for a, b in itertools.combinations(colours, 2))

    first = max(itertools.combinations(range(len(usable)), 3),
                key=lambda three: (min(spread(three), FAR_DELTA_E), [-i for i in three]))
    rest = [i for i in range(len(usable)) if i not in first]
    fourth = max(rest, key=lambda i: (min(spread(first + (i,)), FAR_DELTA_E), -i))
    order = [*first, fourth, *(i for i in rest if i != fourth)]
    chosen = [usable[i] for i in order]
    # Where too few colours pass, the least-lost others make up the last places.
    chosen += sorted((c for c in wanted if c not in chosen), key=lambda c: clash_share(c, table))
    return tuple(chosen[: len(RUN_COLOURS)])
