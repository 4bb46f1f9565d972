"""The plots show true values, whole markers and whole tick labels at every text scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPicture

from gradviz.core.problems import ProblemSpec


def _load(window, qtbot, number: int) -> None:  # type: ignore[no-untyped-def]
    c = window.controller
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.load_scene(next(s for s in window.scenes if s.number == number))


def _run_to_end(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    c = window.controller
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs), timeout=20_000)
    qtbot.waitUntil(lambda: not c.playing, timeout=3000)


def _drawn_labels(axis: pg.AxisItem) -> list[tuple[QRectF, str]]:
    """The tick labels ``axis`` paints now, as pyqtgraph's own ``paint`` computes them,
    each with its rectangle in the axis's coordinates."""
    picture = QPicture()
    painter = QPainter(picture)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in specs[2]]


def _axes(window) -> dict[str, pg.AxisItem]:  # type: ignore[no-untyped-def]
    axes = {
        f"{name} {side}": getattr(window, name).getPlotItem().getAxis(side)
        for name in ("loss_view", "fit_view", "surface_view")
        for side in ("left", "bottom")
    }
    axes["colour bar"] = window.surface_view.colour_bar.getAxis("right")
    return axes


def _check_values_match_ranges(window) -> None:  # type: ignore[no-untyped-def]
    for name, axis in _axes(window).items():
        low, high = axis.range
        span = high - low
        values = [float(text.replace("\u2212", "-")) for _, text in _drawn_labels(axis)]
        assert len(values) >= 2, name
        # The labels are the values at the ticks: inside the axis's range, and
        # spread over it (not 1000 times the values, nor a thousandth of them).
        assert all(low - 0.01 * span <= v <= high + 0.01 * span for v in values), (name, values,
                                                                                  axis.range)
        assert max(values) - min(values) >= 0.25 * span, (name, values, axis.range)
    # And the loss axis spans the losses drawn.
    curves = window.loss_view.curves.curves
    losses = np.concatenate([curve.y for curve in curves])
    losses = losses[np.isfinite(losses)]
    low, high = window.loss_view.getPlotItem().getAxis("left").range
    assert low <= losses.min() and losses.max() <= high


@pytest.mark.parametrize("number", [6, 7, 13])
def test_tick_labels_show_true_values_after_every_text_scale_change(window, qtbot, number):
    _load(window, qtbot, number)
    _run_to_end(window, qtbot)
    qtbot.waitUntil(lambda: _check_values_match_ranges(window), timeout=3000)
    for change in (lambda: window.scale_text(+1), window.toggle_presentation,
                   lambda: window.scale_text(+1), window.leave_presentation,
                   lambda: window.scale_text(-1)):
        change()
        qtbot.waitUntil(lambda: _check_values_match_ranges(window), timeout=3000)


@pytest.mark.parametrize("number", [6, 7])
def test_tick_labels_show_true_values_when_the_text_grew_before_the_run(window, qtbot, number):
    # F5 on a fresh scene, then End: the loss axes spanned one update when restyled.
    _load(window, qtbot, number)
    window.toggle_presentation()
    _run_to_end(window, qtbot)
    qtbot.waitUntil(lambda: _check_values_match_ranges(window), timeout=3000)
    window.leave_presentation()
    qtbot.waitUntil(lambda: _check_values_match_ranges(window), timeout=3000)


def _check_loss_curves(window, log: bool) -> None:  # type: ignore[no-untyped-def]
    view = window.loss_view
    frames = [f for f in window.controller.frames() if f.visible]
    transform = np.log10 if log else (lambda values: values)
    drawn = view.curves.curves[-len(frames):]  # the full losses, drawn over the batch losses
    for frame, curve in zip(frames, drawn, strict=True):
        shown = frame.loss[: frame.index + 1]
        np.testing.assert_array_equal(curve.x, frame.update[: frame.index + 1])
        np.testing.assert_allclose(curve.y, transform(shown), rtol=1e-12)
    selected = next(f for f in frames if f.selected)
    starts = np.flatnonzero(np.diff(selected.epoch[: selected.index + 1])) + 1
    x, y = view.epochs.getData()
    np.testing.assert_array_equal(x, starts)
    np.testing.assert_allclose(y, transform(selected.loss[starts]), rtol=1e-12)
    assert view.getPlotItem().getAxis("left").logMode == log
    # The view shows the curves (a loss of 11 is not drawn at "10^11").
    ys = np.concatenate([c.y for c in view.curves.curves])
    ys = ys[np.isfinite(ys)]
    y_low, y_high = view.getPlotItem().vb.viewRange()[1]
    assert y_low <= ys.min() and ys.max() <= y_high
    assert y_high - y_low <= 1.5 * (ys.max() - ys.min())


def test_log_loss_axis_redraws_the_curves_at_once_in_both_directions(window, qtbot):
    # Scene 6 runs minibatches, so the selected run's epochs are marked.
    _load(window, qtbot, 6)
    _run_to_end(window, qtbot)
    box = window.control_panel.log_loss
    assert len(window.loss_view.epochs.getData()[0]) > 0
    for position in ("finished", "scrubbed"):
        if position == "scrubbed":
            window.timeline.setValue(30)
            qtbot.waitUntil(lambda: len(window.loss_view.curves.curves[-1].x) == 31, timeout=3000)
        _check_loss_curves(window, log=False)
        box.setChecked(True)
        _check_loss_curves(window, log=True)
        box.setChecked(False)
        _check_loss_curves(window, log=False)


def test_log_loss_axis_toggled_while_paused_mid_run(window, qtbot):
    c = window.controller
    _load(window, qtbot, 6)
    c.play()
    qtbot.waitUntil(lambda: c.last_update >= 10, timeout=10_000)
    c.pause()
    qtbot.waitUntil(lambda: not c.playing, timeout=3000)
    window.control_panel.log_loss.setChecked(True)
    _check_loss_curves(window, log=True)
    window.control_panel.log_loss.setChecked(False)
    _check_loss_curves(window, log=False)


def _check_markers_inside(window) -> None:  # type: ignore[no-untyped-def]
    view = window.fit_view
    vb = view.getPlotItem().vb
    box = vb.sceneBoundingRect()
    x, y = view.points.getData()
    assert len(x) > 0
    # The marker's radius in pixels, with its outline.
    radius = view.points.opts["size"] / 2 + view.points.opts["pen"].widthF() / 2
    for px, py in zip(x, y, strict=True):
        centre = vb.mapViewToScene(pg.Point(float(px), float(py)))
        marker = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
        assert box.contains(marker), ((px, py), marker, box)


def _through_the_scales(window, qtbot, check) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: check(window), timeout=3000)
    for change in (lambda: window.scale_text(+1), window.toggle_presentation,
                   lambda: window.scale_text(+1), window.leave_presentation):
        change()
        qtbot.waitUntil(lambda: check(window), timeout=3000)


@pytest.mark.parametrize("number", [3, 6])
def test_every_gabor_data_point_is_whole_in_the_data_view(window, qtbot, number):
    c = window.controller
    _load(window, qtbot, number)
    assert c.problem.dataset.y.min() < c.problem.model.default_y_range[0]  # the book's -1.051
    _through_the_scales(window, qtbot, _check_markers_inside)


def test_loaded_data_points_are_whole_in_the_data_view(window, qtbot, tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("x,y\n0,0\n1,5\n2,-3\n3,40\n")
    c = window.controller
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        c.set_problem(ProblemSpec("linear", data=str(path)))
    _through_the_scales(window, qtbot, _check_markers_inside)


def _check_labels_inside_widgets(window) -> None:  # type: ignore[no-untyped-def]
    """No tick label reaches past the top or bottom edge of its plot's widget."""
    for name, axis in _axes(window).items():
        widget = axis.getViewWidget()
        if not widget.isVisible():
            continue  # the data view of an analytic surface
        labels = _drawn_labels(axis)
        assert labels, name
        for rect, text in labels:
            # pyqtgraph places each label in 0.8 of its text's height: the glyphs
            # reach a tenth of that height beyond it on both sides.
            whole = rect.adjusted(0, -rect.height() / 8, 0, rect.height() / 8)
            on_screen = widget.mapFromScene(axis.mapRectToScene(whole)).boundingRect()
            assert 0 <= on_screen.top() and on_screen.bottom() < widget.height(), (
                name, text, on_screen, widget.size())


@pytest.mark.parametrize("number", [1, 13])
def test_top_and_bottom_tick_labels_are_whole(window, qtbot, number):
    _load(window, qtbot, number)
    # The surface's top edge is a tick (phi1 = 1.0): its label is the one at risk.
    top = window.surface_view.getPlotItem().getAxis("left")
    assert top.range[1] == 1.0
    _through_the_scales(window, qtbot, _check_labels_inside_widgets)
