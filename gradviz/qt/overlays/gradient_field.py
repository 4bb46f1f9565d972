"""The field of steepest descent: -∇L as small arrows over the whole map."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from gradviz.core.field import GradientField, gradient_field
from gradviz.core.problems import Problem
from gradviz.core.space import Window
from gradviz.qt import style
from gradviz.qt.layers.arrow_layer import Arrow, ArrowLayer, ArrowStyle
from gradviz.qt.layers.corner_note import CornerNote
from gradviz.qt.layers.surface_arrows import SurfaceArrows
from gradviz.qt.overlays.base import (Companion, LastResult, Overlay, OverlayInput, OverlaySpec,
                                      Place)

ARROWS_A_SIDE = 17
FIELD_COLOUR = "#f2f2f2"
NOTE = "−∇L: arrows point downhill, lengths ∝ √|∇L|"


@dataclass(frozen=True, eq=False)
class FieldPicture:
    """What the field overlay draws: the arrows and the note that says how they are scaled."""

    tails: np.ndarray
    steps: np.ndarray
    note: str = NOTE


_last = LastResult()  # the field depends on the problem and the window alone


def field_picture(problem: Problem, window: Window) -> FieldPicture:
    """The field of ``problem`` over ``window``, computed once per problem and window."""
    def make() -> FieldPicture:
        field: GradientField = gradient_field(problem, window, ARROWS_A_SIDE)
        return FieldPicture(field.points, field.steps())
    return _last.get((id(problem), window), make)


class GradientFieldOn3D(Companion):
    """The field's arrows along the 3D view's surface: downhill everywhere, in 3D too."""

    place = Place.VIEW_3D

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        self.arrows = SurfaceArrows(view)

    def show(self, data: object | None) -> None:
        # Drawn every frame (a few hundred points): a new surface moves them.
        if isinstance(data, FieldPicture):
            self.arrows.set_arrows(data.tails, data.tails + data.steps,
                                   [FIELD_COLOUR] * len(data.tails), width=1.5)
        else:
            self.arrows.set_arrows(np.empty((0, 2)), np.empty((0, 2)), [])

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.arrows.set_scale(scale)


class GradientFieldOverlay(Overlay):
    """-∇L at the centres of a 17 x 17 grid of the view."""

    spec = OverlaySpec(
        "field", "Show gradient field", "G",
        "the negative gradient as a field of small arrows: which way is downhill everywhere",
        Place.MAP, order=40,
    )
    companions = (GradientFieldOn3D,)

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        self.layer = ArrowLayer(ArrowStyle(head=3.0, min_head=5.0, max_fraction=1.0,
                                           outline=False))
        self.layer.setZValue(2)  # over the map and contours, under the paths
        view.getPlotItem().addItem(self.layer, ignoreBounds=True)
        # Bottom right: the runs' legend and badges take the other corners first.
        self.note = CornerNote(view, (1, 1))
        self._shown: object | None = None

    @staticmethod
    def derive(given: OverlayInput) -> FieldPicture:
        return field_picture(given.problem, given.window)

    def show(self, data: object | None) -> None:
        if data is self._shown:  # the same field, frame after frame
            return
        self._shown = data
        if not isinstance(data, FieldPicture):
            self.layer.set_arrows(())
            self.note.set_text("")
            return
        self.layer.set_arrows([
            Arrow((float(a), float(b)), (float(c), float(d)), FIELD_COLOUR, width=1.3)
            for (a, b), (c, d) in zip(data.tails, data.steps)
        ])
        self.note.set_text(data.note)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.layer.set_scale(scale)
        self.note.set_scale(scale)
