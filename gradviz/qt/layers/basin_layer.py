"""A basin map drawn over the landscape: the cells in their class colours, the minima
marked and labelled, and a legend of the classes.

The headless picture of ``gradviz basins`` draws it over a
:class:`~gradviz.qt.views.surface_view.SurfaceView`; the app's overlay is the same
items over its own view. The class colours are the core's
(:func:`gradviz.core.palette.basin_colour`).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QSizePolicy

from gradviz.core.basins import BASIN_DIVERGED, BASIN_NOT_CONVERGED, BasinMap
from gradviz.core.palette import MINIMUM_COLOURS, basin_colour, basin_rgb
from gradviz.qt import style
from gradviz.qt.layers.label import Label

OPACITY = 0.6
"""How much of the class colour covers the loss heatmap under it (which still shows)."""
MARKER_SIZE = 14


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
        self._samples: list[tuple[pg.GraphicsObject, str]] = []  # the legend's entries
        self._scale = 1.0
        self.text = 1.0
        """The legend's text size now, of its size at the text scale."""
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
        rgb = basin_rgb(basins.labels)
        self.image.setImage(rgb, axisOrder="row-major", levels=(0, 255))
        w = basins.window
        self.image.setRect(QRectF(w.phi0_min, w.phi1_min, w.width, w.height))
        outline = pg.mkPen(theme.foreground, width=1.5)
        self.markers.setData(
            pos=basins.minima, size=MARKER_SIZE * scale, pen=outline,
            brush=[pg.mkBrush(basin_colour(k)) for k in range(len(basins.minima))],
        )
        for k, (phi, loss) in enumerate(zip(basins.minima, basins.minimum_losses.tolist())):
            if not w.contains(*phi):  # a run ended outside the view: the legend has it
                continue
            label = Label(f"{k + 1}: L = {loss:.3g}", color=theme.foreground,
                          fill=pg.mkBrush(theme.legend_fill), anchor=(0, 1))
            label.setFont(style.axis_font(round(10 * scale)))
            label.setPos(float(phi[0]), float(phi[1]))
            label.setZValue(17)
            self.plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        self.legend.opts["labelTextColor"] = pg.mkColor(theme.foreground)
        self.legend.setBrush(pg.mkBrush(theme.legend_fill))
        # The minima past the palette's share a colour, and one line.
        lines = basins.legend(distinct=len(MINIMUM_COLOURS))
        minima = len(lines) - 2 - basins.minibatch
        colours = [*map(basin_colour, range(minima)), basin_colour(BASIN_NOT_CONVERGED),
                   basin_colour(BASIN_DIVERGED), None]  # None: the batch sequence's line
        for colour, line in zip(colours, lines):
            sample = (pg.PlotDataItem(pen=None) if colour is None else
                      pg.ScatterPlotItem(symbol="s", size=12 * scale, pen=outline,
                                         brush=pg.mkBrush(colour)))
            self._samples.append((sample, html.escape(line)))  # labels are rich text: "< 0.1 %"
        self._scale = scale
        self.set_legend_text(1.0)
        if not self.beside:
            self.legend.anchor((0, 1), (0, 1), offset=(12 * scale, -12 * scale))
        self.legend.show()

    def set_legend_text(self, text: float, room: float | None = None) -> None:
        """The legend's text ``text`` times its size at the text scale (smaller where at
        its size it would cover the map's labels), each line wrapped to ``room`` pixels
        if it is longer (a narrow map: the batch sequence's line is long)."""
        self.text = text
        self.legend.clear()
        self.legend.opts["labelTextSize"] = f"{round(11 * self._scale * text)}pt"
        for sample, line in self._samples:
            self.legend.addItem(sample, line)
        if room is not None:
            for sample, label in self.legend.items:
                label.item.setTextWidth(-1)
                wanted = max(room - sample.boundingRect().width(), 40.0)
                if label.item.boundingRect().width() > wanted:
                    label.item.setTextWidth(wanted)
                    label.updateMin()
        self.legend.layout.activate()
        self.legend.updateSize()

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
