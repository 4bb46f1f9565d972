"""How the views share the window: labels of neighbouring views kept apart, and the
map's share of the width when the panels' column comes in."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QGraphicsTextItem

from gradviz.qt.main_window import MAP_SHARE, PANEL_SHARE


def _ink(window, view: pg.PlotWidget, label: QGraphicsTextItem) -> QRect:  # type: ignore[no-untyped-def]
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


def test_the_map_keeps_half_the_width_when_the_explanations_come_in(window, qtbot):
    window.show_scene(9)  # three plots beside the map: the fit, the loss, the seeds' strip
    qtbot.waitUntil(window.fan_view.isVisible, timeout=10_000)
    views = window._views
    map_, side, column = (views.indexOf(w) for w in
                          (window.surface_view, window._side, window._explanations_column))
    before = views.sizes()
    window.controller.set_overlay("rule", True)
    assert window._explanations_column.isVisible()
    sizes = views.sizes()
    total = sum(sizes)
    assert total == sum(before)
    assert sizes[column] >= PANEL_SHARE * total - 1
    assert sizes[map_] >= MAP_SHARE * total - 1
    # The room came from the column of plots first.
    assert before[side] - sizes[side] > before[map_] - sizes[map_] >= 0
    window.controller.set_overlay("rule", False)
    assert not window._explanations_column.isVisible()
    assert views.sizes() == before  # each got back what it gave


def test_the_plots_beside_the_map_keep_their_titles_inside_them(window, qtbot):
    window.show_scene(9)  # the seeds' strip too, with its note in its title
    qtbot.waitUntil(window.fan_view.isVisible, timeout=10_000)
    window.controller.set_overlay("rule", True)  # their column at its narrowest
    views = (window.fit_view, window.loss_view, window.fan_view)
    assert all(view.width() < 300 for view in views)

    def inside(view) -> bool:  # type: ignore[no-untyped-def]
        item = view.getPlotItem()
        # A plot's scene is its view's viewport, pixel for pixel.
        width = view.viewport().width()
        title = item.titleLabel.item.sceneBoundingRect()
        return (0 <= title.left() and title.right() <= width
                and item.vb.sceneBoundingRect().right() <= width)  # not pushed off

    # Once the axes have their widths for the new ranges and the layouts settled.
    qtbot.waitUntil(lambda: all(inside(view) for view in views), timeout=3000)


def test_a_map_made_narrow_by_hand_gives_the_explanations_no_room(window, qtbot):
    views = window._views
    total = sum(views.sizes())
    views.setSizes([round(total * 0.3), total - round(total * 0.3), 0])
    before = views.sizes()
    window.controller.set_overlay("rule", True)
    sizes = views.sizes()
    assert sizes[0] == before[0]  # below its share already: the map gives nothing
    assert sizes[2] >= PANEL_SHARE * total - 1


def test_a_title_wraps_where_there_is_height_and_is_cut_short_where_there_is_none(qtbot):
    from gradviz.qt.views.loss_view import LossView
    from gradviz.qt.views.panel import TITLE_SHARE

    view = LossView()
    qtbot.addWidget(view)
    view.show()
    text = view.getPlotItem().titleLabel.item

    def shown(width: int, height: int) -> str:
        view.resize(width, height)
        qtbot.waitUntil(lambda: view.size().toTuple() == (width, height), timeout=3000)
        return text.toPlainText()

    assert shown(600, 300) == "Loss during training"
    assert shown(200, 300) == "Loss during training"
    assert text.document().firstBlock().layout().lineCount() == 2
    cut = shown(200, 120)  # two lines would take more than its share of the height
    assert cut.endswith("…") and "Loss during training".startswith(cut[:-1])
    assert len(cut) > len("Loss…") and text.boundingRect().height() <= TITLE_SHARE * 120
    assert shown(600, 300) == "Loss during training"
