"""The basins of attraction in the app: computed off the UI thread for the selected
run's settings over the view, recomputed when those change, never shown stale,
cancelled on request, and drawn in presentation mode and in exports."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradviz.core.run import run
from gradviz.qt.control.basin_control import BASIN_DEBOUNCE_MS, BASIN_GRID, BASIN_STEPS
from gradviz.qt.export.views import LandscapeView
from gradviz.qt.layers.basin_layer import LISTED_MINIMA
from gradviz.qt.views.surface_view import BASIN_LEGEND_TEXT


def _show_basins(window, qtbot):  # type: ignore[no-untyped-def]
    c = window.controller
    with qtbot.waitSignal(c.basins.changed, timeout=30_000,
                          check_params_cb=lambda basins: basins is not None):
        c.set_show_basins(True)
    return c.basins.basins


def test_the_map_is_the_selected_runs_over_the_view(window, qtbot):
    c = window.controller
    basins = _show_basins(window, qtbot)
    settings = c.selected.settings
    assert basins.settings.optimizer == settings.optimizer
    assert basins.settings.hyperparameters == settings.hyperparameters
    assert basins.window == c.window
    assert basins.labels.shape == (BASIN_GRID, BASIN_GRID)
    # A cell's run is the run from its centre, stepped alone.
    row, column = 37, 90
    start = (float(basins.phi0[column]), float(basins.phi1[row]))
    alone = run(c.problem, replace(settings, start=start, steps=min(settings.steps, BASIN_STEPS)))
    np.testing.assert_array_equal(basins.end_phi[row, column], alone.final_phi)
    view = window.surface_view
    assert view.basin_map is basins
    assert view.basins.image.image.shape == (BASIN_GRID, BASIN_GRID, 3)
    assert len(view.basins.legend.items) == len(basins.legend(LISTED_MINIMA))
    assert len(view.basins.markers.data) == len(basins.minima) >= 1
    assert not window.basin_progress.isVisible()  # done


def test_the_basins_legend_shows_only_with_the_map(window, qtbot):
    # Cleared but shown, the empty legend drew its fill as a dark square in a corner.
    legend = window.surface_view.basins.legend
    assert not legend.isVisible()
    _show_basins(window, qtbot)
    assert legend.isVisible()
    with qtbot.waitSignal(window.controller.basins.changed, timeout=10_000):
        window.controller.set_show_basins(False)
    assert window.surface_view.basin_map is None and not legend.isVisible()


def test_moving_the_start_keeps_the_map_and_a_new_rate_replaces_it(window, qtbot):
    c = window.controller
    first = _show_basins(window, qtbot)
    c.set_start((0.1, 0.2))
    assert not c.basins.busy and c.basins.basins is first  # every cell has its own start
    lr = float(c.selected.settings.hyperparameters["lr"])
    shown = []
    c.basins.changed.connect(shown.append)
    # Two edits in a row: the map of the first is never computed to the end nor shown.
    c.edit_selected(replace(c.selected.settings,
                            hyperparameters={**c.selected.settings.hyperparameters, "lr": lr / 2}))
    c.edit_selected(replace(c.selected.settings,
                            hyperparameters={**c.selected.settings.hyperparameters, "lr": lr / 4}))
    assert c.basins.busy
    qtbot.waitUntil(lambda: not c.basins.busy, timeout=30_000)
    assert [b.settings.hyperparameters["lr"] for b in shown] == [lr / 4]


def test_a_new_problem_drops_the_old_map_at_once(window, qtbot):
    from gradviz.core.problems import ProblemSpec

    c = window.controller
    _show_basins(window, qtbot)
    gone = []
    c.basins.changed.connect(gone.append)
    with qtbot.waitSignal(c.problemChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("linear"))
    assert gone[0] is None  # another problem's basins would mislead
    qtbot.waitUntil(lambda: c.basins.basins is not None, timeout=30_000)
    assert len(c.basins.basins.minima) == 1  # a quadratic has one basin


def test_cancel_stops_the_computation_and_the_overlay(window, qtbot):
    c = window.controller
    c.set_show_basins(True)
    assert window.basin_progress.isVisible() and window.basin_cancel.isVisible()
    window.basin_cancel.click()
    assert not c.options.show_basins and not window.basins_action.isChecked()
    assert not window.basin_progress.isVisible() and not c.basins.busy
    c.basins.thread.settle()  # whatever the worker had in hand is dropped
    qtbot.wait(2 * BASIN_DEBOUNCE_MS)  # the cancelled request would have been sent by now
    c.basins.thread.settle()
    assert c.basins.basins is None and window.surface_view.basin_map is None
    assert window.surface_view.basins.image.image is None


def test_the_overlay_is_drawn_when_presenting_and_in_exports(window, qtbot):
    c = window.controller
    basins = _show_basins(window, qtbot)
    c.set_presenting(True)
    shown = window.surface_view
    assert shown.basin_map is basins and shown.basins.image.image is not None
    # At the text scale, or smaller where the map has no clear place for it at that size.
    assert shown.basins.legend.opts["labelTextSize"] in {
        f"{round(11 * c.options.text_scale * text)}pt" for text in BASIN_LEGEND_TEXT}
    view = LandscapeView(c, 800, 600, 2.0)
    try:
        assert view.surface_view.basin_map is basins
        assert view.surface_view.basins.image.image is not None
    finally:
        view.close()
    c.set_show_basins(False)
    view = LandscapeView(c, 800, 600, 1.0)
    try:
        assert view.surface_view.basin_map is None
        assert view.surface_view.basins.image.image is None
    finally:
        view.close()


def test_a_scene_opens_with_its_basins_and_saves_them(window, qtbot):
    c = window.controller
    scene = next(s for s in window.scenes if s.show_basins)
    with qtbot.waitSignal(c.basins.changed, timeout=30_000,
                          check_params_cb=lambda basins: basins is not None):
        assert c.load_scene(scene)
    assert c.options.show_basins and window.basins_action.isChecked()
    assert len(c.basins.basins.minima) >= 2  # the Gabor view at the lecture's rate
    assert c.to_scene().show_basins
    c.set_show_basins(False)
    assert not c.to_scene().show_basins


def test_the_basins_legend_keeps_clear_of_the_runs_legend_and_the_start(window, qtbot):
    # On a projector's full screen the landscape has room for both legends beside the start.
    c = window.controller
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.surface_view.width() > 800, timeout=5000)
    _show_basins(window, qtbot)
    view = window.surface_view
    vb = view.getPlotItem().vb
    runs = view.legend.mapRectToParent(view.legend.boundingRect())
    basins = view.basins.legend.mapRectToParent(view.basins.legend.boundingRect())
    assert not runs.intersects(basins)
    start = vb.mapViewToScene(view.start.pos())
    assert not view.basins.legend.sceneBoundingRect().contains(start)
    assert c.options.show_basins
