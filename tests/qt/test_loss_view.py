"""The loss view: whole-number update ticks, curves as bold as the paths in
presentation mode, and a fresh range when its curves are gone."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QPainter, QPicture

from gradviz.qt import style
from gradviz.qt.views.loss_view import EMPTY_UPDATES


def _tick_labels(axis: pg.AxisItem) -> list[str]:
    """The tick labels ``axis`` paints now, as pyqtgraph's ``paint`` computes them."""
    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]]


def _assert_about(shown, wanted) -> None:  # type: ignore[no-untyped-def]
    """``shown`` ranges are ``wanted`` with pyqtgraph's padding (up to a tenth, by size)."""
    for (low, high), (want_low, want_high) in zip(shown, wanted, strict=True):
        margin = 0.1 * (want_high - want_low)
        assert want_low - margin <= low <= want_low and want_high <= high <= want_high + margin


@pytest.fixture
def view(window):  # type: ignore[no-untyped-def]
    return window.loss_view


def _frames(window, qtbot, updates: int):  # type: ignore[no-untyped-def]
    c = window.controller
    c.step(updates)
    qtbot.waitUntil(lambda: len(c.selected.record) >= updates + 1, timeout=5000)
    return c.frames()


@pytest.mark.parametrize("updates", [1, 2, 3])
def test_the_update_axis_ticks_only_whole_numbers(window, qtbot, view, updates):
    view.set_runs(_frames(window, qtbot, updates))
    labels = _tick_labels(view.getPlotItem().getAxis("bottom"))
    assert labels and all(text.lstrip("\u2212-").isdigit() for text in labels), labels
    assert str(updates) in labels or updates == 3  # 0..3 may tick 0 and 2 only


def test_in_presentation_mode_the_curves_are_as_bold_as_the_paths(window, qtbot, view):
    frames = _frames(window, qtbot, 3)
    view.set_look(style.DARK, 1.0)
    view.set_runs(frames)
    assert {curve.width for curve in view.curves.curves} == {1.0}
    view.set_look(style.DARK, 1.75)
    view.set_runs(frames)
    recent = window.surface_view.paths.path_style.recent
    assert view.curves.curves[-1].width == pytest.approx(recent * 1.75)


def test_with_its_curves_gone_it_shows_a_fresh_range_not_the_last_one(window, qtbot, view):
    view.set_runs(_frames(window, qtbot, 3))
    box = view.getPlotItem().vb
    box.setRange(xRange=(-5000, 5000), yRange=(-30, 30), padding=0)  # as a fan left it
    view.set_runs([])
    _assert_about(box.viewRange(), (EMPTY_UPDATES, (0.0, 1.0)))
    labels = _tick_labels(view.getPlotItem().getAxis("bottom"))
    assert "0" in labels and "10" in labels and all(text.isdigit() for text in labels), labels
    # New curves are auto-ranged again: updates 0 to 8, with a margin.
    frames = _frames(window, qtbot, 5)
    assert len(frames[0].loss) == 9
    view.set_runs(frames)
    box.prepareForPaint()
    assert 8 < box.viewRange()[0][1] < 9


def test_a_curve_of_one_point_shows_the_first_updates_not_the_last_width(window, qtbot, view):
    # A run restarted (new data, a fan unfanned) has only its start: pyqtgraph would
    # keep the last range's width about it (updates -5000 to 5000).
    view.set_runs(_frames(window, qtbot, 3))
    box = view.getPlotItem().vb
    box.setRange(xRange=(0, 10_000), padding=0, disableAutoRange=False)
    c = window.controller
    c.scrub(0)
    frames = c.frames()
    assert all(f.index == 0 for f in frames)
    view.set_runs(frames)
    loss = float(frames[0].loss[0])
    _assert_about(box.viewRange(), (EMPTY_UPDATES, (0.9 * loss, 1.1 * loss)))
