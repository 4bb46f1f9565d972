"""Loss against update number for every run."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from gradviz.qt import style
from gradviz.qt.layers.curve_layer import Curve, CurveLayer
from gradviz.qt.frame import RunFrame
from gradviz.qt.views.panel import Panel


LOSS_WIDTH = 1.0
"""A full-data loss curve's width in pixels, at text scale 1 or less."""
PRESENTED_WIDTH = 2.5
"""Its width per unit of a larger text scale (presentation mode): that of the map's
paths, so the curves are as bold as the paths they belong to."""
EMPTY_UPDATES = (0.0, 10.0)
"""The updates shown while there are no curves (not the stale range of runs gone, a
fan unfanned, data replaced); the losses then go from 0 to 1 (0.01 to 1 on a log axis).
Curves of one point show as many updates from theirs."""


class UpdateAxis(pg.AxisItem):
    """An axis of update numbers: ticks at whole numbers only (there is no update 0.5)."""

    def tickSpacing(  # pyqtgraph's names
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        return [(spacing, offset) for spacing, offset in levels if spacing >= 1] or [(1.0, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{round(v * scale):d}" for v in values]


class LossView(Panel):
    """Full-data loss per update for each run, the minibatch loss as a faint line,
    and the selected run's epoch starts marked."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__("Loss during training", 11, parent,
                         axis_items={"bottom": UpdateAxis("bottom")})
        plot = self.getPlotItem()
        plot.setLabel("bottom", "update")
        plot.setLabel("left", "loss")
        plot.showGrid(x=True, y=True, alpha=0.15)
        self.curves = CurveLayer()
        plot.addItem(self.curves)
        self.epochs = pg.ScatterPlotItem(
            symbol="t1", size=9, brush=pg.mkBrush(style.DARK.foreground), pen=None
        )
        self.epochs.setZValue(20)
        plot.addItem(self.epochs)
        self._log = False
        self._holding = False  # the range is one of _held_range's, not the auto-range's
        self._frames: list[RunFrame] = []  # drawn again at once when the axis changes

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of text and lines."""
        self.style_panel(theme, scale)
        self.epochs.setSize(9 * scale)
        self.epochs.setBrush(pg.mkBrush(theme.foreground))

    def set_log_scale(self, log: bool) -> None:
        """Show the loss axis logarithmically, with the curves drawn in the new scale now.

        The curves hold log10 of the losses on a log axis (pyqtgraph transforms only
        its own data items): redrawn here rather than at the next frame, which does
        not come while the runs are paused or finished.
        """
        self._log = log
        self.getPlotItem().setLogMode(y=log)
        self.set_runs(self._frames)

    def set_runs(self, frames: list[RunFrame]) -> None:
        """Draw each visible run's loss curves up to its shown position."""
        self._frames = frames
        batches: list[Curve] = []
        losses: list[Curve] = []
        epoch_x: list[np.ndarray] = []
        epoch_y: list[np.ndarray] = []
        scale = self._scale
        width = LOSS_WIDTH if scale <= 1 else PRESENTED_WIDTH * scale
        batch_width = 1.0 if scale <= 1 else scale
        for frame in (f for f in frames if f.visible):
            colour = self._theme.run_colour(frame.colour)
            shown = slice(0, frame.index + 1)
            steps = frame.update[shown]
            losses.append(Curve(steps, self._positive(frame.loss[shown]), QColor(colour),
                                width, increasing=True))
            if frame.minibatches:
                batches.append(Curve(steps, self._positive(frame.batch_loss[shown]),
                                     style.with_alpha(colour, 90), batch_width, increasing=True))
                if frame.selected:
                    epochs = frame.epoch[shown]
                    starts = np.flatnonzero(np.diff(epochs)) + 1
                    if 0 < starts.size <= 500:  # beyond that the marks merge into a bar
                        marks = _on_curve(frame.loss[shown], starts)
                        kept = np.isfinite(marks)
                        epoch_x.append(starts[kept].astype(float))
                        epoch_y.append(self._positive(marks[kept]))
        # The faint batch losses first, so every run's full loss is drawn over them.
        self.curves.set_curves(batches + losses)
        if epoch_x:
            self.epochs.setData(np.concatenate(epoch_x), np.concatenate(epoch_y))
        else:
            self.epochs.setData([], [])
        view = self.getPlotItem().vb
        held = self._held_range()
        if held is not None:
            view.setRange(xRange=held[0], yRange=held[1])  # stops the auto-range
        elif self._holding:
            view.enableAutoRange()
        self._holding = held is not None
        # Settle the auto-range now: left to the paint, it changes the axes there
        # and costs a second paint of the whole view.
        view.prepareForPaint()

    def _held_range(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The range to show instead of the auto-range's, for no curves or curves of one
        point (a run restarted: new data, a fan unfanned), where pyqtgraph would keep
        the last range's width about them (updates -5000 to 5000); ``None`` otherwise."""
        extent = self.curves.extent
        if extent is None:
            return EMPTY_UPDATES, (-2.0, 0.0) if self._log else (0.0, 1.0)
        (x_low, x_high), (y_low, y_high) = extent
        if x_high > x_low and y_high > y_low:
            return None
        if y_high == y_low:  # a tenth of the loss either side (half a decade on a log axis)
            half = 0.5 if self._log else max(0.1 * abs(y_low), 1e-3)
            y_low, y_high = y_low - half, y_high + half
        return (x_low, max(x_high, x_low + EMPTY_UPDATES[1])), (y_low, y_high)

    def _positive(self, values: np.ndarray) -> np.ndarray:
        """``values`` as plotted: their log10 on a log axis (where 0, which the
        analytic surfaces reach exactly, is shown as 1e-300)."""
        if not self._log:
            return values
        with np.errstate(invalid="ignore"):
            return np.log10(np.maximum(values, 1e-300))


def _on_curve(loss: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The loss curve's height at the steps ``at``: on a large data set most steps hold
    no full-data loss (NaN), and the curve runs straight between those that do."""
    known = np.flatnonzero(np.isfinite(loss))
    if known.size == loss.size or not known.size:
        return loss[at]
    return np.interp(at, known, loss[known], left=np.nan, right=np.nan)
