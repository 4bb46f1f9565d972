"""The minibatch's own landscape: the contours of the shown update's batch loss over
the full-data map, with the batch's step and the full-data step side by side.

SGD does not descend the loss the heatmap shows, but the loss of its batch,
whose valley lies elsewhere each update: the two arrows differ by SGD's noise.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gradviz.core.batch_surface import BatchContours, batch_contours
from gradviz.core.problems import Problem
from gradviz.core.round_numbers import round_above
from gradviz.core.space import Window
from gradviz.qt import style
from gradviz.qt.frame import RunFrame
from gradviz.qt.layers.arrow_layer import Arrow, ArrowLayer, ArrowStyle
from gradviz.qt.layers.corner_note import CornerNote
from gradviz.qt.layers.segment_layer import SegmentLayer
from gradviz.qt.overlays.base import Overlay, OverlayInput, OverlaySpec, Place

BATCH_COLOUR = "#ff2bd6"
"""The batch's contours, lowest point and step: a magenta far from every colour map
of gradviz (Delta E of 64 or more from 95 % of each map's colours; cyan vanished on viridis)."""
FULL_COLOUR = "#ffffff"
"""The full-data step, white as the full-data contours are."""
CONTOUR_WIDTH = 1.0
"""The batch's contour lines, in pixels at text scale 1 (as the map's own; wider, in
presentation mode, costs a stamp of the lines per pixel: see SegmentLayer)."""
MIN_SHARE = 0.15
"""The longer arrow is drawn at least this share of the view (longer by a round factor)..."""
MIN_SHORT = 0.04
"""...and the shorter at least this one, by a factor of its own if need be."""
CACHED = 16
"""Batches whose contours are kept: a fixed batching's whole epoch, for one view."""
SHOWN_INDICES = 8
"""A batch of more points than this is named by its size alone."""


@dataclass(frozen=True, eq=False)
class BatchPicture:
    """What the overlay draws for the shown update of a minibatch run.

    Attributes
    ----------
    contours : BatchContours or None
        The batch loss's contours (``None`` for a run on all the data, or before its
        first update: then only :attr:`note` is shown).
    tail : numpy.ndarray
        Where the update took its gradient (its start; Nesterov's look-ahead point).
    batch_grad, full_grad : numpy.ndarray
        The gradient of the batch's loss and of the full-data loss there.
    lr : float
        The update's learning rate: the arrows are ``-lr`` times the gradients.
    magnified : tuple of float
        How many times longer than ``-lr g`` the batch's and the full data's arrows are
        drawn: one factor for both (1 unless both are short), and a larger one for an
        arrow that would still be too short to see beside the other.
    note : str
        The text in the map's corner.
    """

    contours: BatchContours | None
    tail: np.ndarray
    batch_grad: np.ndarray
    full_grad: np.ndarray
    lr: float
    magnified: tuple[float, float]
    note: str

    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch's and the full data's arrows, ``-lr g`` times :attr:`magnified`."""
        batch, full = self.magnified
        return -self.lr * batch * self.batch_grad, -self.lr * full * self.full_grad


_cache: OrderedDict[tuple[Problem, Window, tuple[int, ...]], BatchContours] = OrderedDict()


def contours_of(problem: Problem, window: Window, batch: np.ndarray) -> BatchContours:
    """:func:`~gradviz.core.batch_surface.batch_contours`, kept for the last :data:`CACHED`
    batches: scrubbing back and forth, or a fixed batching's epochs, computes each once."""
    key = (problem, window, tuple(int(i) for i in batch))
    if _cache and next(iter(_cache))[0] is not problem:
        _cache.clear()  # another problem: its data need not be kept alive
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = batch_contours(problem, batch, window)
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return found


def _magnified(steps: np.ndarray, window: Window) -> tuple[float, float]:
    """Each step's factor: one round factor (2, 5, 10, ...) that makes the longer at
    least :data:`MIN_SHARE` of the view (measured in the view's units on each axis), so
    that their lengths compare; and for a step still under :data:`MIN_SHORT` beside it,
    a larger factor of its own, so that its direction shows (its label says which)."""
    share = np.hypot(steps[:, 0] / window.width, steps[:, 1] / window.height)
    longest = float(np.max(share))
    if not np.isfinite(longest) or longest == 0.0:
        return 1.0, 1.0
    common = round_above(MIN_SHARE / longest)
    own = [common * round_above(MIN_SHORT / (s * common)) if s > 0 else common for s in share]
    return float(own[0]), float(own[1])


def _named(batch: np.ndarray) -> str:
    if batch.size > SHOWN_INDICES:
        return f"{batch.size} points"
    return " ".join(str(int(i)) for i in batch)


def _note_only(text: str) -> BatchPicture:
    empty = np.full(2, np.nan)
    return BatchPicture(None, empty, empty, empty, 0.0, (1.0, 1.0), text)


def picture(problem: Problem, frame: RunFrame, window: Window) -> BatchPicture:
    """The overlay's picture of ``frame``'s shown update (see :class:`BatchPicture`)."""
    if not frame.minibatches:
        return _note_only(f"{frame.name}: full batch, its landscape is the map itself")
    index = frame.index
    if index < 1:
        return _note_only(f"{frame.name}: no update yet, so no batch")
    batch = frame.batches[index]
    if batch is None:
        return _note_only(f"update {index} of {frame.name} used all the data")
    batch = np.asarray(batch)
    looked = None if frame.lookahead_phi is None else frame.lookahead_phi[index]
    tail = looked if looked is not None and np.isfinite(looked).all() else frame.phi[index - 1]
    batch_grad = np.asarray(problem.grad(tail, batch), dtype=float)
    full_grad = np.asarray(problem.grad(tail), dtype=float)
    lr = float(frame.lr[index])
    magnified = _magnified(-lr * np.stack([batch_grad, full_grad]), window)
    note = f"this update's batch: {_named(batch)}\nmagenta: its own loss, × its lowest point"
    return BatchPicture(contours_of(problem, window, batch), np.asarray(tail, dtype=float),
                        batch_grad, full_grad, lr, magnified, note)


class BatchLandscapeOverlay(Overlay):
    """The selected run's batch loss as contours, and its step beside the full-data one."""

    spec = OverlaySpec(
        "minibatch", "Show the minibatch's landscape", "M",
        "the loss of the shown update's minibatch as contours, and its step beside the "
        "full-data step: SGD's noise made visible",
        Place.MAP, order=50,
    )

    def __init__(self, view: pg.PlotWidget) -> None:
        super().__init__(view)
        plot = view.getPlotItem()
        self.contours = SegmentLayer(BATCH_COLOUR, CONTOUR_WIDTH)
        self.contours.setZValue(-4)  # just over the full-data contours, under everything else
        # Repainted from a pixmap while the paths animate over it: drawn anew only
        # when the batch (or the view) changes.
        self.contours.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.contours, ignoreBounds=True)
        self.lowest = pg.ScatterPlotItem(symbol="x", size=16, brush=pg.mkBrush(BATCH_COLOUR),
                                         pen=pg.mkPen("#000000", width=1))
        # Over the paths: the batch's valley floor is often where a run is.
        self.lowest.setZValue(11)
        plot.addItem(self.lowest, ignoreBounds=True)
        self.arrows = ArrowLayer(ArrowStyle(max_fraction=0.35))
        self.arrows.setZValue(12)  # over the paths: they explain the step the path just took
        plot.addItem(self.arrows, ignoreBounds=True)
        self.note = CornerNote(view, (0, 0))  # top left: the legend prefers the top right
        self._shown: BatchPicture | None = None
        self.show(None)

    @property
    def shown(self) -> BatchPicture | None:
        """The picture drawn now, if any."""
        return self._shown if isinstance(self._shown, BatchPicture) else None

    @staticmethod
    def derive(given: OverlayInput) -> BatchPicture | None:
        frame = given.selected
        if frame is None:
            return None
        if given.problem.n_points is None:
            return _note_only(f"{given.problem.title} has no data, so no minibatches")
        return picture(given.problem, frame, given.window)

    def show(self, data: object | None) -> None:
        if data is self._shown:
            return
        before, self._shown = self._shown, data if isinstance(data, BatchPicture) else None
        shown = self._shown
        contours = None if shown is None else shown.contours
        if contours is None:
            if before is not None and before.contours is not None:  # else nothing to clear
                self.contours.set_segments(np.empty((0, 2)))
                self.lowest.setData([], [])
            self.arrows.set_arrows(())
            self.note.set_text("" if shown is None else shown.note)
            return
        if before is None or before.contours is not contours:
            self.contours.set_segments(contours.segments)
            self.lowest.setData([contours.lowest[0]], [contours.lowest[1]])
        batch_step, full_step = shown.steps()
        times = ["" if k == 1.0 else f" ×{k:g}" for k in shown.magnified]
        tail = (float(shown.tail[0]), float(shown.tail[1]))
        self.arrows.set_arrows([
            Arrow(tail, (float(full_step[0]), float(full_step[1])), FULL_COLOUR, 3.0,
                  f"−α∇L all data{times[1]}"),
            Arrow(tail, (float(batch_step[0]), float(batch_step[1])), BATCH_COLOUR, 3.0,
                  f"−αg batch{times[0]}"),
        ])
        self.note.set_text(shown.note)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        self.contours.set_width(CONTOUR_WIDTH * scale)
        self.lowest.setSize(16 * scale)
        self.arrows.set_scale(scale)
        self.note.set_scale(scale)
