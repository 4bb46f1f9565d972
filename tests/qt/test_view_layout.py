"""How the views share the window: labels of neighbouring views kept apart."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontInfo

def _ink(window, view: pg.PlotWidget, label: pg.AxisItem) -> QRect:  # type: ignore[no-untyped-def]
    """Where an axis's label text is drawn, in ``window``'s coordinates: its item's
    rectangle less the text document's empty margin."""
    margin = round(label.document().documentMargin())
    rect = view.mapFromScene(label.sceneBoundingRect()).boundingRect()
    rect.moveTopLeft(view.mapTo(window, rect.topLeft()))
    return rect.adjusted(margin, margin, -margin, -margin)


@pytest.mark.parametrize("presenting", [False, True], ids=["1280x800", "presenting-1920x1080"])
def test_the_colour_bar_s_label_keeps_clear_of_the_plots_beside_the_map(window, qtbot,
                                                                        presenting):
    window.show_scene(0)
    if presenting:
        window.controller.set_presenting(True)
        qtbot.waitUntil(window.isFullScreen, timeout=3000)
        # The offscreen screen is smaller than a projector's: its look at a window
        # of the projector's size.
        window.showNormal()
        window.resize(1920, 1080)
        qtbot.waitUntil(lambda: window.surface_view.width() > 1000, timeout=3000)
    qtbot.wait(50)  # the plots' own layouts settle after the widgets'
    bar = window.surface_view.colour_bar.getAxis("right").label
    assert bar.toPlainText().strip() == "loss"
    bar_ink = _ink(window, window.surface_view, bar)
    for view in (window.fit_view, window.loss_view):
        label = view.getPlotItem().getAxis("left").label
        em = QFontInfo(label.font()).pixelSize()
        assert em >= (24 if presenting else 12)
        # At least a letter's height of space: "loss" and "loss" never read as one line.
        assert _ink(window, view, label).left() - bar_ink.right() >= em, view.title
