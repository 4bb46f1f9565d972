"""What an overlay is: a menu entry, the numbers it needs from a frame, and how it draws.

An overlay explains something about the shown update (its steps, the gradient as a
sum over the data, the batch's own landscape, ...). It is one module of this
package holding one :class:`Overlay` subclass, which declares

- its :class:`OverlaySpec`: the View menu's entry, shortcut and tip, and where it
  draws (the loss map, the data view, or a panel of its own beside them);
- :meth:`Overlay.derive`, which turns an :class:`OverlayInput` (the frame and the
  problem, as plain data) into the numbers it draws, calling the core: the
  controller calls it for every published frame and for every frame an export
  draws, so what is drawn always belongs to the update shown with it;
- :meth:`Overlay.show`, which draws those numbers on the view it was made for,
  both in the app and in an export's copy of that view.

Nothing else needs to change for a new overlay: :mod:`gradviz.qt.overlays` finds
the modules, the window builds the menu from the specs, the views make the
overlays of their place, and scenes and view options name them by
:attr:`OverlaySpec.name`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar

import pyqtgraph as pg

from gradviz.core.problems import Problem
from gradviz.core.run_settings import RunSettings
from gradviz.core.space import Window
from gradviz.qt import style
from gradviz.qt.frame import RunFrame


class Place(Enum):
    """Where an overlay draws."""

    MAP = "map"
    """Over the loss heatmap (:class:`~gradviz.qt.views.surface_view.SurfaceView`)."""
    DATA = "data"
    """Over the data and fits (:class:`~gradviz.qt.views.fit_view.FitView`)."""
    PANEL = "panel"
    """In a panel of its own, beside the views."""


@dataclass(frozen=True)
class OverlaySpec:
    """An overlay's entry in the View menu and what it asks of the app.

    Attributes
    ----------
    name : str
        Its key in view options and scene files (``overlays = ["field"]``).
    text : str
        The View menu's text.
    shortcut : str
        Its key (shown in the menu and the shortcut overlay, F1).
    tip : str
        One line on what it shows, for tooltips and the status bar.
    place : Place
        Where it draws.
    order : int
        Its place in the View menu, smallest first.
    """

    name: str
    text: str
    shortcut: str
    tip: str
    place: Place = Place.MAP
    order: int = 100


@dataclass(frozen=True)
class OverlayInput:
    """Everything an overlay may derive its numbers from, for one drawn frame.

    Attributes
    ----------
    problem : Problem
        The loss being fitted (its data, model, gradient and Hessian).
    frames : tuple of RunFrame
        Every run as drawn now, each with its recorded rows up to ``index``.
    settings : Mapping
        Each run's resolved settings (optimizer, hyperparameters, batching) by run id.
    window : Window
        The part of the (phi0, phi1) plane the map shows.
    stage : int or None
        In step-by-step mode, the part of the shown update being explained
        (0 first); ``None`` shows the whole update.
    focus_point : int or None
        The data point the user points at in the data view, if any.
    """

    problem: Problem
    frames: tuple[RunFrame, ...]
    settings: Mapping[int, RunSettings]
    window: Window
    stage: int | None = None
    focus_point: int | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
    """Values other parts of the app hand to overlays by name (the derivative panel's step h)."""

    @property
    def selected(self) -> RunFrame | None:
        """The selected run, if it is shown."""
        return next((f for f in self.frames if f.selected and f.visible), None)


class Overlay(ABC):
    """One explanation drawn over a view (or in a panel); see the module's description.

    Parameters
    ----------
    view : pyqtgraph.PlotWidget or QWidget
        The view it draws on (for :attr:`Place.MAP` and :attr:`Place.DATA`), or the
        panel area it adds its widget to (:attr:`Place.PANEL`). Items are made here,
        hidden, and updated in place by :meth:`show`.
    """

    spec: ClassVar[OverlaySpec]

    def __init__(self, view: pg.PlotWidget) -> None:
        self.view = view

    @staticmethod
    @abstractmethod
    def derive(given: OverlayInput) -> object | None:
        """The plain data :meth:`show` draws for ``given``, or ``None`` for nothing.

        Called on the UI thread once per drawn frame: keep it well under a
        millisecond (cache what depends on the problem and window alone), or
        measure that it does not cost frames.
        """

    @abstractmethod
    def show(self, data: object | None) -> None:
        """Draw ``data`` from :meth:`derive`; ``None`` hides the overlay."""

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and sizes for ``theme`` at text ``scale`` (presentation mode: 1.75 and up)."""


@dataclass
class OverlayGroup:
    """The overlays of one place, made for one view and shown from a frame's data.

    Attributes
    ----------
    overlays : dict
        Each overlay of the place by name.
    """

    overlays: dict[str, Overlay]

    @classmethod
    def of(cls, place: Place, view: pg.PlotWidget,
           kinds: tuple[type[Overlay], ...]) -> OverlayGroup:
        """The ``kinds`` that draw at ``place``, made for ``view``."""
        return cls({kind.spec.name: kind(view) for kind in kinds if kind.spec.place is place})

    def show(self, data: Mapping[str, object]) -> None:
        """Draw each overlay's entry of ``data``; one without an entry is hidden."""
        for name, overlay in self.overlays.items():
            overlay.show(data.get(name))

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Forward the theme and text scale to every overlay."""
        for overlay in self.overlays.values():
            overlay.set_look(theme, scale)
