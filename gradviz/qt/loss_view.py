"""Loss against update number for every run."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gradviz.qt import style
from gradviz.qt.frame import RunFrame
from gradviz.qt.panel import Panel


class LossView(Panel):
    """Full-data loss per update for each run, the minibatch loss as a faint line,
    and the selected run's epoch starts marked."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__("Loss during training", 11, parent)
        plot = self.getPlotItem()
        plot.setLabel("bottom", "update")
        plot.setLabel("left", "loss")
        plot.showGrid(x=True, y=True, alpha=0.15)
        # Long runs: draw only what is in view, reduced to min/max per pixel column.
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        self.epochs = pg.ScatterPlotItem(
            symbol="t1", size=9, brush=pg.mkBrush(style.DARK.foreground), pen=None
        )
        self.epochs.setZValue(20)
        plot.addItem(self.epochs)
        self._full: dict[int, pg.PlotDataItem] = {}
        self._batch: dict[int, pg.PlotDataItem] = {}
        self._log = False

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of text and lines."""
        self.style_panel(theme, scale)
        self.epochs.setSize(9 * scale)
        self.epochs.setBrush(pg.mkBrush(theme.foreground))

    def set_log_scale(self, log: bool) -> None:
        """Show the loss axis logarithmically."""
        self._log = log
        self.getPlotItem().setLogMode(y=log)

    def set_runs(self, frames: list[RunFrame]) -> None:
        """Draw each visible run's loss curves up to its shown position."""
        plot = self.getPlotItem()
        wanted = {f.run_id for f in frames}
        for items in (self._full, self._batch):
            for run_id in list(items):
                if run_id not in wanted:
                    plot.removeItem(items.pop(run_id))
        epoch_x: list[np.ndarray] = []
        epoch_y: list[np.ndarray] = []
        for frame in frames:
            colour = self._theme.run_colour(frame.colour)
            # One-pixel pens: Qt draws them an order of magnitude faster than wide ones.
            full = self._item(self._full, frame.run_id,
                              pg.mkPen(colour, width=1 if self._scale <= 1 else 2))
            batch = self._item(
                self._batch, frame.run_id, pg.mkPen(style.with_alpha(colour, 90), width=1)
            )
            full.setVisible(frame.visible)
            shown = slice(0, frame.index + 1)
            steps = frame.update[shown]
            full.setData(steps, self._positive(frame.loss[shown]))
            batch_loss = frame.batch_loss[shown]
            has_batches = frame.minibatches and frame.visible
            batch.setVisible(has_batches)
            if has_batches:
                batch.setData(steps, self._positive(batch_loss))
            if frame.selected and has_batches:
                epochs = frame.epoch[shown]
                starts = np.flatnonzero(np.diff(epochs)) + 1
                if 0 < starts.size <= 500:  # beyond that the marks merge into a bar
                    epoch_x.append(starts.astype(float))
                    epoch_y.append(self._positive(frame.loss[starts]))
        if epoch_x:
            xs, ys = np.concatenate(epoch_x), np.concatenate(epoch_y)
            self.epochs.setData(xs, np.log10(ys) if self._log else ys)
        else:
            self.epochs.setData([], [])

    def _positive(self, values: np.ndarray) -> np.ndarray:
        # A log axis cannot show 0; the analytic surfaces reach it exactly.
        return np.maximum(values, 1e-300) if self._log else values

    def _item(self, items: dict[int, pg.PlotDataItem], run_id: int, pen) -> pg.PlotDataItem:  # type: ignore[no-untyped-def]
        item = items.get(run_id)
        if item is None:
            item = items[run_id] = pg.PlotDataItem(skipFiniteCheck=True)
            self.getPlotItem().addItem(item)
        if item.opts["pen"] != pen:  # setting a pen redraws: only when it changed
            item.setPen(pen)
        return item
