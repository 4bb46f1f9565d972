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
  both in the app and in an export's copy of that view;
- optionally :attr:`Overlay.companions`: a :class:`Companion` draws the same
  numbers at a second place (a map overlay's part in the data view);
- for a panel that hands a value to the overlays (the derivative panel's step h),
  an attribute ``extra_changed``: a ``Signal(str, object)`` of a name and value,
  which the window puts in :attr:`OverlayInput.extra`.

Nothing else needs to change for a new overlay: :mod:`gradviz.qt.overlays` finds
the modules, the window builds the menu from the specs, the views make the
overlays of their place, and scenes and view options name them by
:attr:`OverlaySpec.name`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, TypeVar

import numpy as np
import pyqtgraph as pg

from gradviz.core.problems import Problem
from gradviz.core.run_settings import RunSettings
from gradviz.core.space import Window
from gradviz.qt import style
from gradviz.qt.frame import RunFrame


T = TypeVar("T")


class Place(Enum):
    """Where an overlay draws."""

    MAP = "map"
    """Over the loss heatmap (:class:`~gradviz.qt.views.surface_view.SurfaceView`)."""
    DATA = "data"
    """Over the data and fits (:class:`~gradviz.qt.views.fit_view.FitView`)."""
    PANEL = "panel"
    """In a panel of its own, beside the views."""
    VIEW_3D = "3d"
    """On the surface in the 3D view (:class:`~gradviz.qt.views.surface_3d.Surface3DView`),
    for a :class:`Companion` of an overlay where that makes sense."""


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

    def gradient_point(self) -> GradientPoint | None:
        """Where, and over which data, the overlays that explain the gradient take it
        (:class:`GradientPoint`); ``None`` without a shown selected run. A run not yet
        stepped is at its start point."""
        run = self.selected
        if run is None:
            return None
        if run.index < 0:  # not stepped yet: at its start, before any batch
            settings = self.settings.get(run.run_id)
            start = settings.start if settings is not None else None
            phi, batch = np.asarray(start or self.problem.start, dtype=float), None
        else:
            phi, batch = np.asarray(run.current_phi, dtype=float), run.batches[run.index]
        if not np.isfinite(phi).all():
            return None
        return GradientPoint(run, phi, None if batch is None else np.asarray(batch, dtype=np.intp))


@dataclass(frozen=True, eq=False)
class GradientPoint:
    """The gradient the explanation overlays show: at the selected run's current point
    phi[i], over the points the data view rings.

    For a full-batch run (gradient descent) that is all the data: exactly the
    gradient the next update takes (the one recorded as its ``grad``, to rounding).
    For a minibatch run it is the batch of the update shown, ``batches[i]``, the one
    ringed in the data view (all the data at the start, before any batch): the next
    update's batch is drawn only when that update is made, so it is not known while
    the run waits at its last update, and a batch from elsewhere would not be the
    points the audience sees ringed. Every overlay of the gradient uses this one
    rule, so the arrows of the parts, of the points and the derivative panel agree.

    Attributes
    ----------
    run : RunFrame
        The selected run.
    phi : numpy.ndarray
        ``(2,)`` its parameters at the shown update.
    batch : numpy.ndarray or None
        The data indices summed over; ``None`` for all of them.
    """

    run: RunFrame
    phi: np.ndarray
    batch: np.ndarray | None

    def describe(self, n_points: int | None) -> str:
        """Which data the gradient sums over, in a few words ("all 12 points", "this batch
        of 5": the shown update's); empty for an analytic surface (``n_points`` ``None``)."""
        if n_points is None:
            return ""
        if self.batch is None:
            return f"all {n_points} points"
        return f"this batch of {self.batch.size}"


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
    companions: ClassVar[tuple[type[Companion], ...]] = ()
    """Parts drawn at other places from the same data (none by default)."""

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


class LastResult:
    """The last value a costly :meth:`Overlay.derive` made, kept for the frames that ask for
    it again (a paused run is drawn frame after frame; a sum over many data points is slow).

    Keys are compared with ``==``: make them of plain values (``phi.tobytes()``, not ``phi``).
    """

    def __init__(self) -> None:
        self._key: object = None
        self._value: object = None

    def get(self, key: object, make: Callable[[], T]) -> T:
        """The value for ``key``: the last one if ``key`` is the last key, else ``make()``."""
        if self._key is None or key != self._key:
            self._value, self._key = make(), key
        return self._value  # type: ignore[return-value]

    @staticmethod
    def key_of(problem: Problem, point: GradientPoint, *more: object) -> tuple[object, ...]:
        """A key for values that depend on ``problem`` and ``point`` (and ``more``)."""
        batch = None if point.batch is None else point.batch.tobytes()
        return (id(problem), point.phi.tobytes(), batch, *more)


class Companion(ABC):
    """The part of an overlay drawn at a second place from the overlay's own data
    (:attr:`Overlay.companions`): the View menu, the shortcut and :meth:`Overlay.derive`
    stay the overlay's.

    Parameters
    ----------
    view : pyqtgraph.PlotWidget
        The view of :attr:`place` it draws on.
    """

    place: ClassVar[Place]

    def __init__(self, view: pg.PlotWidget) -> None:
        self.view = view

    @abstractmethod
    def show(self, data: object | None) -> None:
        """Draw the overlay's ``data``; ``None`` hides it."""

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and sizes for ``theme`` at text ``scale``."""


@dataclass
class OverlayGroup:
    """The overlays of one place, made for one view and shown from a frame's data.

    Attributes
    ----------
    overlays : dict
        Each overlay of the place by name.
    """

    overlays: dict[str, Overlay | Companion]

    @classmethod
    def of(cls, place: Place, view: pg.PlotWidget,
           kinds: tuple[type[Overlay], ...]) -> OverlayGroup:
        """The ``kinds`` that draw at ``place``, and their companions that do, made for ``view``
        (a companion under its overlay's name)."""
        made: dict[str, Overlay | Companion] = {}
        for kind in kinds:
            if kind.spec.place is place:
                made[kind.spec.name] = kind(view)
            for part in kind.companions:
                if part.place is place:
                    made[kind.spec.name] = part(view)
        return cls(made)

    def show(self, data: Mapping[str, object]) -> None:
        """Draw each overlay's entry of ``data``; one without an entry is hidden."""
        for name, overlay in self.overlays.items():
            overlay.show(data.get(name))

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Forward the theme and text scale to every overlay."""
        for overlay in self.overlays.values():
            overlay.set_look(theme, scale)
