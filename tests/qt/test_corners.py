"""The map's legends keep clear of the badges, the edge arrows and the overlays'
notes: moved to a free corner, or stacked past what holds theirs, in the window and
in exports."""

from __future__ import annotations

import dataclasses
import itertools

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, QSizeF
from PySide6.QtWidgets import QGraphicsItem

from finished_scenes import finished_scene

from gradviz.core.problems import ProblemSpec
from gradviz.core.scenes import Scene
from gradviz.qt.export import exporter
from gradviz.qt.export.views import LandscapeView
from gradviz.qt.layers.corners import (
    best_box,
    clear_box,
    corner_box,
    corner_offset,
    edge_boxes,
)
from gradviz.qt.layers.basin_layer import LISTED_MINIMA
from gradviz.qt.layers.label_places import label_box, place_labels
from gradviz.qt.views.surface_view import SurfaceView

AREA = QRectF(0, 0, 400, 300)
SIZE = QSizeF(120, 40)


# -- the geometry -------------------------------------------------------------------------

def test_a_box_in_a_free_corner_stays_a_margin_from_its_edges():
    assert clear_box(AREA, (1, 1), SIZE, 10, [QRectF(0, 0, 50, 50)]) == QRectF(270, 250, 120, 40)


def test_a_box_stacks_below_a_note_in_a_top_corner_and_above_a_badge_in_a_bottom_one():
    note = QRectF(5, 5, 200, 60)
    assert clear_box(AREA, (0, 0), SIZE, 10, [note]) == QRectF(10, 75, 120, 40)
    badge, beside = QRectF(300, 270, 90, 20), QRectF(250, 225, 40, 30)
    # Past the badge, then past what it meets there.
    assert clear_box(AREA, (1, 1), SIZE, 10, [badge, beside]) == QRectF(270, 175, 120, 40)


def test_a_box_that_cannot_pass_what_holds_its_corner_has_no_place_there():
    assert clear_box(AREA, (0, 0), SIZE, 10, [QRectF(0, 0, 400, 260)]) is None


def test_the_best_place_is_clear_and_a_corners_own_before_one_moved_along_its_side():
    note = QRectF(5, 5, 200, 60)
    corner, box = best_box(AREA, ((0, 0), (1, 1)), SIZE, 10, [note], lambda box: 0.0)
    assert (corner, box) == ((1, 1), corner_box(AREA, (1, 1), SIZE, 10))
    corner, box = best_box(AREA, ((0, 0), (1, 1)), SIZE, 10, [note],
                           lambda box: 5.0 if box.bottom() > 200 else 0.0)
    assert (corner, box) == ((0, 0), QRectF(10, 75, 120, 40))


def test_a_box_whose_side_is_held_to_its_end_stands_beside_what_holds_its_corner():
    note = QRectF(5, 5, 100, 290)  # notes down the whole left side
    assert clear_box(AREA, (0, 0), SIZE, 10, [note]) is None
    beside = QRectF(115, 10, 120, 40)
    assert clear_box(AREA, (0, 0), SIZE, 10, [note], sideways=True) == beside
    assert best_box(AREA, ((0, 0),), SIZE, 10, [note], lambda box: 0.0) == ((0, 0), beside)


def test_the_places_along_the_edges_run_corner_to_corner_each_with_its_nearest_corner():
    places = edge_boxes(AREA, SIZE, 10, steps=2)
    assert len(places) == 8  # three along each edge, the four corners shared
    assert ((0, 0), QRectF(10, 10, 120, 40)) in places
    assert ((1, 1), QRectF(270, 250, 120, 40)) in places
    assert ((0, 0), QRectF(10, 130, 120, 40)) in places  # the left edge's middle: the top's
    assert edge_boxes(AREA, QSizeF(500, 40), 10) == []  # wider than the area


def test_where_nothing_is_clear_the_best_place_is_the_cheapest_corner():
    everything = [AREA.adjusted(-1, -1, 1, 1)]
    corner, box = best_box(AREA, ((0, 0), (1, 1)), SIZE, 10, everything,
                           lambda box: box.top())
    assert (corner, box) == ((0, 0), corner_box(AREA, (0, 0), SIZE, 10))


def test_a_label_takes_the_first_clear_side_and_gives_way_when_none_is():
    size = QSizeF(60, 20)
    # Above right; beside the right edge, above left; under a legend, below right.
    sides = place_labels([(QPointF(100, 100), size), (QPointF(380, 100), size),
                          (QPointF(100, 200), size)], AREA, [QRectF(90, 170, 100, 25)])
    assert sides == [(0.0, 1.0), (1.0, 1.0), (0.0, 0.0)]
    # Another point's marker where it would go: the next side.
    marker = QRectF(125, 85, 14, 14)
    assert place_labels([(QPointF(100, 100), size)], AREA, [], [marker]) == [(1.0, 1.0)]
    # A label gives way to the one before it: below its point, clear of the first.
    sides = place_labels([(QPointF(100, 100), size), (QPointF(100, 115), size)], AREA, [])
    assert sides == [(0.0, 1.0), (0.0, 0.0)]
    first, second = (label_box(p, size, side) for p, side in
                     zip((QPointF(100, 100), QPointF(100, 115)), sides))
    assert not first.intersects(second)
    everywhere = [AREA]
    assert place_labels([(QPointF(100, 100), size)], AREA, everywhere) == [None]


@pytest.mark.parametrize("corner", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_a_boxs_offset_from_its_corner_anchors_it_where_it_is(qtbot, corner):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    vb = plot.getPlotItem().vb
    legend = pg.LegendItem()
    legend.setParentItem(vb)
    legend.addItem(pg.PlotDataItem(pen="w"), "a run")
    area, size = vb.boundingRect(), legend.boundingRect().size()
    box = corner_box(area, corner, size, 10).translated(0, 25 if corner[1] == 0 else -25)
    legend.anchor(corner, corner, corner_offset(area, corner, box))
    assert legend.mapRectToParent(legend.boundingRect()) == box


# -- scene 2 with the step-size bound: a badge, an edge arrow and a note ------------------

def _on_screen(view: SurfaceView, item: QGraphicsItem) -> QRectF:
    """Where ``item`` is drawn in ``view``'s pixels (right for items that ignore the
    view's transformations too, such as the edge arrows)."""
    return item.deviceTransform(view.viewportTransform()).mapRect(item.boundingRect())


def _corner_items(view: SurfaceView) -> dict[str, QRectF]:
    items: dict[str, QGraphicsItem] = {"legend": view.legend}
    items.update({f"badge {k}": badge for k, badge in view._badges.items()})
    for k, (arrow, label) in view._off_view.items():
        items.update({f"edge arrow {k}": arrow, f"edge label {k}": label})
    for name, overlay in view.overlays.overlays.items():
        note = getattr(overlay, "note", None)
        if note is not None:
            items[f"{name} note"] = note.item
    return {name: _on_screen(view, item) for name, item in items.items() if item.isVisible()}


def _assert_apart(view: SurfaceView) -> None:
    shown = _corner_items(view)
    assert {"legend", "stability note"} <= set(shown)
    assert any(name.startswith("badge") for name in shown), shown
    for (one, a), (other, b) in itertools.combinations(shown.items(), 2):
        # A run's badge or label at the view's edge stands beside its arrow's base.
        if one.split()[-1] != other.split()[-1] or "edge arrow" not in one + other:
            assert not a.intersects(b), f"{one} {a} covers {other} {b}"


def _diverged(window, qtbot):  # type: ignore[no-untyped-def]
    c = window.controller
    assert c.load_scene(next(s for s in window.scenes if s.number == 2))
    c.set_overlay("stability", True)
    c.run_to_end()
    qtbot.waitUntil(lambda: c.runs[0].record.diverged_at is not None and not c.playing,
                    timeout=20_000)
    c.publish_now()
    return c


@pytest.mark.parametrize("presenting", [False, True], ids=["window", "presentation"])
def test_in_the_window_the_legend_keeps_clear_of_the_badge_the_arrow_and_the_note(
        window, qtbot, presenting):
    c = _diverged(window, qtbot)
    if presenting:
        window.toggle_presentation()
        qtbot.waitUntil(lambda: c.options.presenting, timeout=5000)
        c.publish_now()
    _assert_apart(window.surface_view)
    if presenting:
        window.leave_presentation()


def test_after_a_resize_the_legend_is_placed_anew_clear_of_them(window, qtbot):
    _diverged(window, qtbot)
    view = window.surface_view
    for width in (1600, 900):
        window.resize(width, 800)
        qtbot.waitUntil(lambda: view.width() < width, timeout=5000)  # noqa: B023 (used at once)
        _assert_apart(view)


def _check_export(controller, size, presenting, check) -> None:  # type: ignore[no-untyped-def]
    """Export ``controller``'s landscape at ``size`` (presenting or not) and run ``check``
    on its surface view as it is laid out for the picture, when it is painted."""
    painted: list[SurfaceView] = []

    class Checked(LandscapeView):
        def paint(self, painter, target):  # type: ignore[no-untyped-def]
            super().paint(painter, target)  # laid out anew as it paints: checked as painted
            check(self.surface_view)
            painted.append(self.surface_view)

    controller.set_presenting(presenting)
    try:
        exporter.render_landscape(controller, size, Checked)
    finally:
        controller.set_presenting(False)
    assert len(painted) == 1


@pytest.mark.parametrize("presenting", [False, True], ids=["normal", "presentation"])
@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160), (1280, 1024)],
                         ids=["1920", "3840", "1280x1024"])
def test_in_an_export_the_legend_keeps_clear_of_the_badge_the_arrow_and_the_note(
        diverged, size, presenting):
    _check_export(diverged, size, presenting, _assert_apart)


def test_in_an_animation_the_legend_holds_its_text_as_it_grows_and_keeps_clear(diverged):
    """Frame by frame, with no event between a frame and its painting."""
    view = LandscapeView(diverged, 1280, 620, 1.0)
    try:
        for update in (10, diverged.last_update):  # the second adds "diverged at update 49"
            view.show_frames(diverged.frames_at(update))
        legend = view.surface_view.legend
        for _, label in legend.items:
            text = label.item.mapRectToItem(legend, label.item.boundingRect())
            assert legend.boundingRect().contains(text), (label.text, text)
        _assert_apart(view.surface_view)
    finally:
        view.close()


# -- scene 16 and a surface of many minima: the basins' legend among the minima's labels --

def _basin_legend_apart(view: SurfaceView) -> None:
    """Check that the basins' legend covers none of the runs' legend, the start marker
    and its label, the badges and notes, nor any shown label of a minimum; that those
    labels cover none of that, each other nor another minimum's marker, all inside the
    map; and that the global minimum's label, when in view, is shown."""
    assert view.basin_map is not None and view.basins.legend.isVisible()
    legend = _on_screen(view, view.basins.legend)
    others = dict(_corner_items(view))
    others.update({"start": _on_screen(view, view.start),
                   "start label": _on_screen(view, view.start_label)})
    for name, rect in others.items():
        assert not legend.intersects(rect), f"the basins' legend {legend} covers {name} {rect}"
    area = _on_screen(view, view.getPlotItem().vb)
    assert area.contains(legend)
    labels = {label.toPlainText(): _on_screen(view, label) for label in view.basins.labels
              if label.isVisible()}
    others["basins' legend"] = legend
    for text, rect in labels.items():
        assert area.contains(rect), f"{text} {rect} leaves the map {area}"
        for name, other in others.items():
            assert not rect.intersects(other), f"{text} {rect} covers {name} {other}"
    for (one, a), (other, b) in itertools.combinations(labels.items(), 2):
        assert not a.intersects(b), f"{one} {a} covers {other} {b}"
    vb, to_screen = view.getPlotItem().vb, view.viewportTransform()
    markers = [to_screen.map(vb.mapViewToScene(QPointF(*phi))) for phi in view.basin_map.minima]
    for text, rect in labels.items():
        own = int(text.split(":")[0]) - 1
        assert not any(rect.contains(m) for k, m in enumerate(markers) if k != own), text
    first = view.basin_map.minima[0]
    if view.basin_map.window.contains(*first):
        assert "1: L = " in "".join(labels), "the global minimum's label gave way"


@pytest.fixture(scope="module")
def basins_scene(qapp):  # type: ignore[no-untyped-def]
    """Scene 16 computed to its end, its basins shown."""
    yield from finished_scene(16)


MANY_MINIMA = ProblemSpec("formula-surface",
                          expression="sin(3*phi0)*cos(3*phi1) + 0.1*(phi0**2+phi1**2)",
                          bounds="-3 3 -3 3", guess="0.3 0.4")
"""A surface with 28 minima in its view, most of them in a basin of about the same size."""


@pytest.fixture(scope="module")
def many_minima(qapp):  # type: ignore[no-untyped-def]
    """Scene 16's runs, started inside the view, on :data:`MANY_MINIMA`, computed to their end."""
    def change(scene: Scene) -> Scene:
        runs = tuple(dataclasses.replace(run, settings=dataclasses.replace(run.settings,
                                                                           start=start))
                     for run, start in zip(scene.runs, [(0.3, 0.4), (-1.0, 1.2), (1.5, -1.5)]))
        return dataclasses.replace(scene, problem=MANY_MINIMA, runs=runs)

    yield from finished_scene(16, change=change)


SIZES = pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)], ids=["1920", "1280"])
PRESENTING = pytest.mark.parametrize("presenting", [False, True], ids=["normal", "presentation"])


@SIZES
@PRESENTING
def test_in_an_export_the_basins_legend_and_the_minima_labels_keep_apart(
        basins_scene, size, presenting):
    _check_export(basins_scene, size, presenting, _basin_legend_apart)


@SIZES
@PRESENTING
def test_with_many_minima_the_legend_stays_short_and_apart_from_the_labels(
        many_minima, size, presenting):
    def check(view: SurfaceView) -> None:
        _basin_legend_apart(view)
        minima = len(view.basin_map.minima)
        assert minima > 20
        # The global minimum and the 3 largest basins a line each, the rest one line,
        # not converged, diverged.
        lines = [label.text for _, label in view.basins.legend.items]
        assert len(lines) == LISTED_MINIMA + 3
        assert lines[LISTED_MINIMA].startswith(f"+ {minima - LISTED_MINIMA} more minima: ")
        # Most labels keep their place: those that gave way are the smaller basins'.
        shown = [label.isVisible() for label in view.basins.labels]
        assert sum(shown) >= len(shown) // 2

    _check_export(many_minima, size, presenting, check)


@SIZES
def test_in_the_window_the_basins_legend_and_the_minima_labels_keep_apart(window, qtbot, size):
    """At 1280 x 800 with the controls shown the map is 420 pixels wide: the legend
    finds its place only where the start's label goes to the other side of the start."""
    c = window.controller
    window.resize(*size)
    with qtbot.waitSignal(c.basins.changed, timeout=30_000,
                          check_params_cb=lambda basins: basins is not None):
        assert c.load_scene(next(s for s in window.scenes if s.number == 16))
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing and c.shown_update == c.last_update > 0,
                    timeout=20_000)
    c.publish_now()
    _basin_legend_apart(window.surface_view)
    # After a pan, the map of the new view: its legend and labels are placed anew.
    with qtbot.waitSignal(c.basins.changed, timeout=30_000,
                          check_params_cb=lambda basins: basins is not None):
        window.surface_view._range_changed()  # a user's drag, as the view box says
        window.surface_view.getPlotItem().vb.translateBy(x=1.5, y=-1.0)
    c.publish_now()
    _basin_legend_apart(window.surface_view)


# -- scene 7 with the minibatch's landscape, the step-size bound and the field ------------

def _notes_apart(view: SurfaceView) -> None:
    shown = _corner_items(view)
    assert {"legend", "stability note", "minibatch note", "field note"} <= set(shown), shown
    for (one, a), (other, b) in itertools.combinations(shown.items(), 2):
        assert not a.intersects(b), f"{one} {a} covers {other} {b}"


@pytest.mark.parametrize("update", ["start", "end"])
@pytest.mark.parametrize("presenting", [False], ids=["window"])
def test_in_the_window_the_notes_and_the_legend_stack_without_overlap(
        window, qtbot, presenting, update):
    """Not presenting: full screen is the test's 800 x 600 screen, whose map has no room
    for three notes and the legend (the exports below present at 1920 x 1080)."""
    c = window.controller
    assert c.load_scene(next(s for s in window.scenes if s.number == 7))
    for name in ("field", "minibatch", "stability"):
        c.set_overlay(name, True)
    if presenting:
        window.toggle_presentation()
        qtbot.waitUntil(lambda: c.options.presenting, timeout=5000)
    if update == "end":
        c.run_to_end()
        qtbot.waitUntil(lambda: not c.playing and c.shown_update == c.last_update > 0,
                        timeout=20_000)
    c.publish_now()

    _notes_apart(window.surface_view)
    if presenting:
        window.leave_presentation()


@pytest.fixture(scope="module")
def noted(qapp):  # type: ignore[no-untyped-def]
    """Scene 7 computed to its end with three notes on."""
    yield from finished_scene(7, ("field", "minibatch", "stability"))


@pytest.mark.parametrize("presenting", [False, True], ids=["normal", "presentation"])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (1024, 768)],
                         ids=["1920", "1280", "1024"])
def test_in_an_export_the_notes_and_the_legend_stack_without_overlap(noted, size, presenting):
    _check_export(noted, size, presenting, _notes_apart)
