"""The view options: every choice of how the app draws what it shows, in one value."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QSettings

from gradviz.core.colormaps import COLORMAPS
from gradviz.qt import style

TEXT_SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.4, 2.8)
"""The steps of Larger text and Smaller text."""
PRESENTATION_SCALE = 1.75  # text of at least 24 px at 1920 x 1080
THEME_SETTING = "view/theme"
"""Where the app remembers its theme between launches (QSettings)."""


def remembered_theme(settings: QSettings) -> str | None:
    """The theme the app last used, or ``None`` if ``settings`` hold none that can be read."""
    theme = settings.value(THEME_SETTING, style.DARK.name)
    return theme if isinstance(theme, str) and theme in style.THEMES else None


@dataclass(frozen=True)
class ViewOptions:
    """How the app draws what it shows. The controller owns one and replaces it
    whole on each change, announcing the values before and after; the window and
    its views show it when told and never hold a copy of their own.

    The colour map, the theme, the log colour scale, the log loss axis, the
    batches panel, the basins and the explanation overlays shape the picture and are saved in scenes (a scene that names no
    theme keeps the one in use). The text scale and presentation mode are the
    screen's, not the scene's: they suit the room the app is shown in, are never
    saved in a scene and stay as they are when one opens.

    Raises
    ------
    ValueError
        For a colour map or theme gradviz does not have.
    """

    colormap: str = "udl"
    """One of :data:`~gradviz.core.colormaps.COLORMAPS`, for the loss surface."""
    theme: str = style.DARK.name
    """One of :data:`~gradviz.qt.style.THEMES`: the plots' and widgets' colours."""
    log_scale: bool = False
    """Whether the surface is coloured (and its contours spaced) by log10 of the loss."""
    log_loss: bool = False
    """Whether the loss curves are drawn on a log axis."""
    show_batches: bool = False
    """Whether the panel of epochs, updates and batch indices is shown."""
    show_basins: bool = False
    """Whether the basins of attraction of the selected run's settings are laid over the map."""
    show_3d: bool = False
    """Whether the loss surface is shown in 3D beside the heatmap. The screen's choice
    (it needs OpenGL), kept when a scene opens and not saved in scenes."""
    overlays: frozenset[str] = frozenset()
    """The explanation overlays shown, by name (:data:`~gradviz.qt.overlays.OVERLAYS`)."""
    text_scale: float = 1.0
    """Text, paths and markers are drawn this many times their normal size."""
    presenting: bool = False
    """Whether the window is in presentation mode (full screen, controls hidden)."""

    def __post_init__(self) -> None:
        if self.colormap not in COLORMAPS:
            raise ValueError(f"unknown colour map {self.colormap!r}; "
                             f"choose from {', '.join(COLORMAPS)}")
        if self.theme not in style.THEMES:
            raise ValueError(f"unknown theme {self.theme!r}; "
                             f"choose from {', '.join(style.THEMES)}")
        object.__setattr__(self, "overlays", frozenset(self.overlays))

    def with_overlay(self, name: str, shown: bool) -> ViewOptions:
        """These options with the overlay ``name`` shown or hidden."""
        overlays = self.overlays | {name} if shown else self.overlays - {name}
        return replace(self, overlays=overlays)

    @property
    def look(self) -> style.Theme:
        """The theme's colours, with the run colours chosen for the colour map."""
        return replace(style.THEMES[self.theme], colormap=self.colormap)

    def text_step(self, direction: int) -> ViewOptions:
        """These options with the next larger (+1) or smaller (-1) of :data:`TEXT_SCALES`."""
        here = min(range(len(TEXT_SCALES)), key=lambda i: abs(TEXT_SCALES[i] - self.text_scale))
        step = min(max(here + direction, 0), len(TEXT_SCALES) - 1)
        return replace(self, text_scale=TEXT_SCALES[step])

    def presented(self, presenting: bool) -> ViewOptions:
        """These options in presentation mode, with text at least
        :data:`PRESENTATION_SCALE`, or out of it, with text at its normal size."""
        scale = max(self.text_scale, PRESENTATION_SCALE) if presenting else 1.0
        return replace(self, presenting=presenting, text_scale=scale)
