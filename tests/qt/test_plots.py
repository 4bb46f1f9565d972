"""The plots show true values, whole markers and whole tick labels at every text scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPicture


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
