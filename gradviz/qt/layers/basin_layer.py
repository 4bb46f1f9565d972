"""A basin map drawn over the landscape: the cells in their class colours, the minima
marked and labelled, and a legend of the classes.

The headless picture of ``gradviz basins`` draws it over a
:class:`~gradviz.qt.views.surface_view.SurfaceView`; the app's overlay is the same
items over its own view. The class colours are the core's
(:func:`gradviz.core.palette.basin_colour`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy

from gradviz.core.basins import BASIN_DIVERGED, BASIN_NOT_CONVERGED, BasinMap
from gradviz.core.palette import basin_colour, basin_rgb
from gradviz.qt import style
from gradviz.qt.layers.label import Label
from gradviz.qt.layers.label_places import SIDES, label_box, place_labels

OPACITY = 0.6
"""How much of the class colour covers the loss heatmap under it (which still shows)."""
MARKER_SIZE = 14
LISTED_MINIMA = 4
"""Minima the legend gives a line each (the global minimum and the largest basins);
the others share one: seven lines in all, which a projector's back row reads."""


class ColoursSample(pg.ItemSample):
    """A legend sample: a square of ``side`` pixels in the class's colour, or in
    stripes of the colours of the classes that share a line, outlined by ``pen``."""

    def __init__(self, colours: Sequence[str], side: float, pen: QPen) -> None:
        super().__init__(pg.PlotDataItem(pen=None))  # the sample stands for no plotted item
        self.colours = tuple(colours)
        self._side, self._pen = side, pen

    def paint(self, painter: QPainter, *args: object) -> None:
        """Draw the square (pyqtgraph's square symbol's place: centred in the sample)."""
        box = QRectF(10 - self._side / 2, 10 - self._side / 2, self._side, self._side)
        edges = np.linspace(box.left(), box.right(), len(self.colours) + 1)
        for colour, left, right in zip(self.colours, edges[:-1], edges[1:]):
            painter.fillRect(QRectF(left, box.top(), right - left, box.height()), QColor(colour))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box)


class BasinOverlay:
    """The items of a basin map over ``plot``, shown by :meth:`show`, dropped by :meth:`clear`.

    Parameters
    ----------
    plot : pyqtgraph.PlotItem
        Where to draw.
    beside : bool
        Whether the legend goes beside the plot, right of everything in its
        layout, rather than over its lower left corner.
    """

    def __init__(self, plot: pg.PlotItem, beside: bool = False) -> None:
        self.plot = plot
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setOpacity(OPACITY)
        self.image.setZValue(-8)  # over the heatmap (-10), under the contours (-5)
        self.markers = pg.ScatterPlotItem(symbol="o", size=MARKER_SIZE)
        self.markers.setZValue(16)  # over the paths and the global minimum's star
        self.labels: list[Label] = []
        self.legend = pg.LegendItem(offset=(12, -12), labelTextSize="11pt")
        # Beside the plot, as tall as its lines, not as the plot.
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # The legend's entries: each sample's colours (none for the batch sequence's line)
        # and its text with and without the minima's losses. Samples are made anew for
        # each filling: clearing a legend closes them.
        self._samples: list[tuple[tuple[str, ...], str, str]] = []
        self._outline = pg.mkPen(style.DARK.foreground, width=1.5)
        self._scale = 1.0
        # The legend's size in each form (text, losses, room it is wrapped to or None)
        # and the form it is in (see legend_size).
        self._sizes: dict[tuple[float, bool, float | None], QSizeF] = {}
        self._form: tuple[float, bool, float | None] | None = None
        self.legend.hide()  # until there is a map
        plot.addItem(self.image, ignoreBounds=True)
        plot.addItem(self.markers, ignoreBounds=True)
        self.beside = beside
        if beside:
            column = plot.layout.columnCount()
            plot.layout.addItem(self.legend, 2, column)
            plot.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        else:
            self.legend.setParentItem(plot.vb)

    def show(self, basins: BasinMap, theme: style.Theme, scale: float = 1.0) -> None:
        """Draw ``basins`` in the colours of ``theme``, text ``scale`` times its size."""
        self.clear()
        rgb = basin_rgb(basins.ranked_labels())
        self.image.setImage(rgb, axisOrder="row-major", levels=(0, 255))
        w = basins.window
        self.image.setRect(QRectF(w.phi0_min, w.phi1_min, w.width, w.height))
        outline = pg.mkPen(theme.foreground, width=1.5)
        ranked = basins.ranked()  # the colours' order, and the labels'
        rank = {k: place for place, k in enumerate(ranked)}
        self.markers.setData(
            pos=basins.minima, size=MARKER_SIZE * scale, pen=outline,
            brush=[pg.mkBrush(basin_colour(rank[k])) for k in range(len(basins.minima))],
        )
        losses = basins.minimum_losses.tolist()
        for k in ranked:
            phi = basins.minima[k]
            if not w.contains(*phi):  # a run ended outside the view: the legend has it
                continue
            label = Label(f"{k + 1}: L = {losses[k]:.3g}", color=theme.foreground,
                          fill=pg.mkBrush(theme.legend_fill), anchor=SIDES[0])
            label.setFont(style.axis_font(round(10 * scale)))
            label.setPos(float(phi[0]), float(phi[1]))
            label.setZValue(17)
            self.plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        self.legend.opts["labelTextColor"] = pg.mkColor(theme.foreground)
        self.legend.setBrush(pg.mkBrush(theme.legend_fill))
        # The largest basins a line each; the rest one line, its sample in their colours.
        lines = basins.legend(LISTED_MINIMA)
        count, minimum_lines = len(basins.minima), len(lines) - 2 - basins.minibatch
        listed = minimum_lines if minimum_lines == count else minimum_lines - 1
        rest = list(dict.fromkeys(map(basin_colour, range(listed, count))))
        colours = [*((c,) for c in map(basin_colour, range(listed))), *([rest] if rest else []),
                   (basin_colour(BASIN_NOT_CONVERGED),), (basin_colour(BASIN_DIVERGED),), ()]
        # Labels are rich text: "< 0.1 %".
        self._samples = [(tuple(c), html.escape(line), html.escape(short)) for c, line, short
                         in zip(colours, lines, basins.legend(LISTED_MINIMA, losses=False))]
        self._outline, self._scale = outline, scale
        self.set_legend_text(1.0)
        if not self.beside:
            self.legend.anchor((0, 1), (0, 1), offset=(12 * scale, -12 * scale))
        self.legend.show()

    def set_legend_text(self, text: float, room: float | None = None,
                        losses: bool = True) -> None:
        """The legend's text ``text`` times its size at the text scale (smaller where at
        its size it would cover the map), each line wrapped to ``room`` pixels if it is
        longer (a narrow map: the batch sequence's line is long), the minima's losses in
        their lines or not (narrower, where the map has no room for it at all)."""
        self._form = (text, losses, room)
        self.legend.clear()
        self.legend.opts["labelTextSize"] = f"{round(11 * self._scale * text)}pt"
        for colours, line, short in self._samples:
            self.legend.addItem(ColoursSample(colours, 12 * self._scale, self._outline)
                                if colours else pg.PlotDataItem(pen=None),
                                line if losses else short)
        if room is not None:
            for sample, label in self.legend.items:
                label.item.setTextWidth(-1)
                wanted = max(room - sample.boundingRect().width(), 40.0)
                if label.item.boundingRect().width() > wanted:
                    label.item.setTextWidth(wanted)
                    label.updateMin()
        self.legend.layout.activate()
        self.legend.updateSize()

    def label_places(self) -> list[tuple[QPointF, QSizeF]]:
        """Each label's minimum and size, in the plot's pixels, as :attr:`labels`
        orders them (the global minimum's, then the largest basins')."""
        to_pixels = self.plot.vb.childTransform()
        return [(to_pixels.map(label.pos()), label.boundingRect().size())
                for label in self.labels]

    def label_boxes(self) -> list[QRectF]:
        """Where each label stands on its first side (:data:`SIDES`), in the plot's
        pixels: where it goes unless something is there."""
        return [label_box(point, size, SIDES[0]) for point, size in self.label_places()]

    def marker_boxes(self) -> list[QRectF]:
        """Where the minima's markers are, in the plot's pixels."""
        to_pixels = self.plot.vb.childTransform()
        side = MARKER_SIZE * self._scale
        return [QRectF(to_pixels.map(QPointF(float(x), float(y))) - QPointF(side, side) / 2,
                       QSizeF(side, side)) for x, y in zip(*self.markers.getData())]

    def place_labels(self, taken: Sequence[QRectF] = ()) -> None:
        """Put each label on the first side of its minimum clear of ``taken`` (the
        legends, the start marker: in the plot's pixels), of the other minima's markers
        and of the labels before it, inside the map; a label with no such side is
        hidden, its marker stays: the smallest basins' labels give way first."""
        sides = place_labels(self.label_places(), self.plot.vb.boundingRect(), taken,
                             self.marker_boxes())
        for label, side in zip(self.labels, sides):
            label.setVisible(side is not None)
            if side is not None and tuple(label.anchor) != side:
                label.setAnchor(side)

    def legend_size(self, text: float, room: float, losses: bool = True) -> QSizeF:
        """The legend's size in the form :meth:`set_legend_text` gives it (which it may
        be left in): measured once per map and look, for a legend is slow to fill."""
        return self._sizes[self._measured(text, room, losses)]

    def use_form(self, text: float, room: float, losses: bool = True) -> None:
        """:meth:`set_legend_text`, unless the legend is in that form already."""
        key = self._measured(text, room, losses)
        if self._form != key:
            self.set_legend_text(text, key[2], losses)

    def _measured(self, text: float, room: float, losses: bool) -> tuple[float, bool, float | None]:
        """The form of the legend at ``text``, ``losses`` and ``room``, its size measured:
        unwrapped if its lines fit in ``room``, which most forms do."""
        key: tuple[float, bool, float | None] = (text, losses, None)
        if key not in self._sizes:
            self.set_legend_text(text, None, losses)
            self._sizes[key] = self.legend.boundingRect().size()
        if self._sizes[key].width() > room:
            key = (text, losses, room)
            if key not in self._sizes:
                self.set_legend_text(text, room, losses)
                self._sizes[key] = self.legend.boundingRect().size()
        return key

    def clear(self) -> None:
        """Drop what :meth:`show` drew."""
        self.image.clear()
        self.markers.setData(pos=np.empty((0, 2)))
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels.clear()
        self.legend.clear()
        self.legend.hide()  # empty, it still drew its fill: a dark square in a corner
        self._samples.clear()
        self._sizes.clear()

    def remove(self) -> None:
        """Take every item off the plot."""
        self.clear()
        for item in (self.image, self.markers):
            self.plot.removeItem(item)
        if self.beside:
            self.plot.layout.removeItem(self.legend)
        scene = self.legend.scene()
        if scene is not None:  # not setParentItem(None): pyqtgraph would anchor it to nothing
            scene.removeItem(self.legend)
