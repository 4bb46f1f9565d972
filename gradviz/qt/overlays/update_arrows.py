"""The update's arrows on the map: −αg, the momentum step, Nesterov's look-ahead point
and the scaled step of Adam and friends, from where the shown update started.

The arrows are the core's (:attr:`gradviz.core.explain.Explanation.arrows`). Arrows
too short to see are drawn longer by one round factor, which their labels name
(``−αg ×10``), and arrows too long for the view are shortened by the layer, which
says so too. In step-by-step mode the arrows of the parts explained so far are
drawn, the current part's thicker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from gradviz.core.explain import magnification
from gradviz.qt import style
from gradviz.qt.layers.arrow_layer import Arrow, ArrowLayer, ArrowStyle
from gradviz.qt.layers.surface_arrows import SurfaceArrows
from gradviz.qt.overlays.base import Companion, Overlay, OverlayInput, OverlaySpec, Place
from gradviz.qt.overlays.update_rule import shown_update

WIDTH = 3.0
CURRENT_WIDTH = 5.5
"""The arrow of the part being explained in step-by-step mode."""


@dataclass(frozen=True, eq=False)
class UpdateArrows:
    """What the overlay draws: the shown update's arrows, magnified by ``factor``."""

    arrows: tuple[Arrow, ...]
    factor: float = 1.0


def arrows_of(given: OverlayInput) -> UpdateArrows | None:
    """The arrows of the selected run's shown update, as drawn on ``given.window``."""
    shown = shown_update(given)
    if shown is None:
        return None
    e = shown.explanation
    factor = magnification(e, given.window)
    origin = np.asarray(e.values.get("phi_old", (0.0, 0.0)))
    if shown.stage is None:
        drawn = {i: WIDTH for i in range(len(e.arrows))}
    else:  # the parts explained so far, the current one stressed
        drawn = {}
        for part in e.parts[: shown.stage + 1]:
            if part.arrow is not None:
                drawn[part.arrow] = WIDTH
        current = e.parts[shown.stage].arrow
        if current is not None:
            drawn[current] = CURRENT_WIDTH
    suffix = "" if factor == 1.0 else f" ×{factor:g}"
    extent = np.array([given.window.width, given.window.height])
    arrows = []
    # The longest first, underneath: a shorter arrow along it keeps its head in view.
    for i, width in sorted(drawn.items(), key=lambda item: -float(
            np.hypot(*(np.asarray(e.arrows[item[0]].vector) / extent)))):
        a = e.arrows[i]
        # Magnified about the update's start, so a look-ahead arrow still ends where
        # the gradient arrow starts.
        tail = origin + factor * (np.asarray(a.tail) - origin)
        vector = factor * np.asarray(a.vector)
        arrows.append(Arrow((float(tail[0]), float(tail[1])),
                            (float(vector[0]), float(vector[1])),
                            style.UPDATE_ARROW_COLOURS[a.kind], width, a.label + suffix,
                            a.dashed))
    return UpdateArrows(tuple(arrows), factor)


class UpdateArrowsOn3D(Companion):
    """The update's arrows along the 3D view's surface, from where the update started."""

    place = Place.VIEW_3D

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        self.arrows = SurfaceArrows(view, depth=30)

    def show(self, data: object | None) -> None:
        arrows = data.arrows if isinstance(data, UpdateArrows) else ()
        tails = np.array([a.tail for a in arrows], dtype=float).reshape(-1, 2)
        tips = tails + np.array([a.vector for a in arrows], dtype=float).reshape(-1, 2)
        self.arrows.set_arrows(tails, tips, [a.colour for a in arrows], width=WIDTH)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.arrows.set_scale(scale)


class UpdateArrowsOverlay(Overlay):
    """Arrows of the selected run's shown update, from the point it started at."""

    spec = OverlaySpec(
        "arrows", "Show the update's arrows", "V",
        "the shown update's steps as arrows: −αg, the momentum step, Nesterov's look-ahead, "
        "the scaled step",
        Place.MAP, order=20,
    )
    companions = (UpdateArrowsOn3D,)

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        self.layer = ArrowLayer(ArrowStyle(font_points=12.0))
        self.layer.setZValue(30)  # over the paths and markers: the arrows are the subject
        view.getPlotItem().addItem(self.layer, ignoreBounds=True)

    @staticmethod
    def derive(given: OverlayInput) -> UpdateArrows | None:
        return arrows_of(given)

    def show(self, data: object | None) -> None:
        self.layer.set_arrows(data.arrows if isinstance(data, UpdateArrows) else ())

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.layer.set_scale(scale)
