"""A scene's seed spread in the app: its runs' final losses over many seeds, with
the odds of the order they end in, computed when the scene opens and dropped once
its runs change."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradviz.core.fans import SeedSpread
from gradviz.core.run_set import scene_seed_spread
from gradviz.qt.control.spread_control import spread_plot


def test_the_plot_of_a_spread_says_how_often_the_order_holds() -> None:
    spread = SeedSpread((0, 1, 2, 3), np.array([[3.0, 2.0, 5.0, 1.0],
                                                [1.0, 1.0, 4.0, np.inf],
                                                [2.0, 3.0, 6.0, 2.0]]))
    plot = spread_plot(spread, ["A", "B", "C"], ["#E69F00", "#0072B2", "#009E73"], seed=0)
    assert plot.seeds and [s.title for s in plot.series] == ["A", "B", "C"]
    np.testing.assert_array_equal(plot.series[1].diverged, [False, False, False, True])
    # With seed 0 the order is B < C < A; with the others A < C (seeds 1 and 2) or
    # B diverged (seed 3), so it holds for seed 0 alone; B beats A but where it diverged.
    assert plot.note.splitlines() == ["B < C < A (as with seed 0): 1 of 4 seeds",
                                      "B beats A: 3 of 4"]


def test_scene_10_shows_its_runs_over_100_seeds_with_the_lecture_odds(window, qtbot):
    c = window.controller
    scene = next(s for s in window.scenes if s.seed_spread)
    assert c.load_scene(scene)
    qtbot.waitUntil(lambda: c.spreads.spread is not None, timeout=30_000)
    np.testing.assert_array_equal(c.spreads.spread.losses, scene_seed_spread(scene).losses)
    qtbot.waitUntil(window.fan_view.isVisible, timeout=5000)
    plot = window.fan_view.plot
    assert [s.title for s in plot.series] == ["SGD", "Momentum", "Nesterov"]
    assert all(len(s.losses) == 100 for s in plot.series)
    assert plot.note.splitlines() == [
        "Momentum < Nesterov < SGD (as with seed 1): 30 of 100 seeds",
        "Momentum beats SGD: 66 of 100",
    ]
    # Once a run is changed the spread no longer describes the runs: it goes.
    c.edit_selected(replace(c.selected.settings, steps=20))
    assert c.spreads.spread is None
    qtbot.waitUntil(lambda: not window.fan_view.isVisible(), timeout=5000)


def test_in_presentation_the_strips_keep_their_room_under_the_note(window, qtbot):
    """Scene 10 full screen: the note's lines come on top of the strips' least height,
    and the strips' names stay inside the view."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QFontMetricsF

    from gradviz.qt.views.fan_view import MIN_PLOT_HEIGHT

    c = window.controller
    assert c.load_scene(next(s for s in window.scenes if s.seed_spread))
    qtbot.waitUntil(window.fan_view.isVisible, timeout=30_000)
    window.toggle_presentation()
    qtbot.waitUntil(lambda: c.options.presenting, timeout=5000)
    view = window.fan_view
    item = view.getPlotItem()
    qtbot.waitUntil(lambda: view._scale > 1 and item.vb.height() >= MIN_PLOT_HEIGHT * view._scale,
                    timeout=5000)
    title = item.titleLabel.mapRectToScene(item.titleLabel.boundingRect())
    plot = item.vb.mapRectToScene(item.vb.boundingRect())
    axis = item.getAxis("bottom")
    names = axis.mapRectToScene(QRectF(0, 0, axis.width(), axis.height()))  # not its grid
    assert not title.intersects(plot)
    assert "66 of 100" in item.titleLabel.text
    # The view asks the splitter for all of it (the test's small screen may not have it).
    assert item.mapRectToScene(item.boundingRect()).contains(names)
    assert view.minimumHeight() >= item.effectiveSizeHint(Qt.SizeHint.MinimumSize).height()
    assert names.height() >= QFontMetricsF(axis.style["tickFont"]).height()
    window.leave_presentation()


def test_strip_names_are_cut_short_only_where_they_would_run_together(qtbot) -> None:
    from PySide6.QtGui import QFontMetrics

    from gradviz.qt.views.fan_view import FanView

    spread = SeedSpread((0, 1, 2), np.array([[3.0, 2.0, 5.0], [1.0, 1.5, 4.0],
                                             [2.0, 3.0, 6.0]]))
    titles = ["SGD", "Momentum", "Nesterov"]
    view = FanView()
    qtbot.addWidget(view)
    view.set_plot(spread_plot(spread, titles, ["#E69F00", "#0072B2", "#009E73"], seed=0))
    view.resize(900, 400)
    view.show()
    bottom = view.getPlotItem().getAxis("bottom")

    def names() -> list[str]:
        return [name for _, name in bottom._tickLevels[0]]

    qtbot.waitUntil(lambda: names() == titles, timeout=2000)  # room enough: whole
    view.resize(240, 400)
    qtbot.waitUntil(lambda: names() != titles, timeout=2000)
    room = view.getPlotItem().vb.width() / len(titles)
    metrics = QFontMetrics(bottom.style["tickFont"] or bottom.font())
    for name, title in zip(names(), titles):
        assert metrics.horizontalAdvance(name) < room  # apart from each other
        assert name == title or (name.endswith("…") and title.startswith(name[:-1]))
    assert names()[0] == "SGD"  # short names stay whole
