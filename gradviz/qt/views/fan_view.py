"""The final loss of each fan member: against its value, or over the seeds as strips.

Against the value (a log axis where the fan is log-spaced) it shows at a glance
the "too small / right / too large" of a learning rate; over seeds, one strip
per fan shows the spread of what one seed alone would tell as a fact.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

from gradviz.qt import style
from gradviz.qt.frame import FanPlot, FanSeries
from gradviz.qt.views.panel import Panel

DIVERGED_COLOUR = "#ff3b3b"
STRIP_WIDTH = 0.5
"""How wide a seed fan's strip is, in strips (its points spread across it)."""
MIN_HEIGHT = 200
"""Pixels: enough for a few decades of loss, whatever the splitter gives it when it appears."""
MIN_PLOT_HEIGHT = 100
"""Pixels of the plot itself at text scale 1 (more at larger text), whatever lines its
title's note takes: under that its tick labels run together (a seed spread's 1 and 10)."""
TOP_MARGIN = 0.35
"""How far above the highest finite loss (in decades) diverged members are marked."""


class LogAxis(pg.AxisItem):
    """A log axis labelled with plain numbers (``20``, not ``10¹``) at 1, 2 and 5 times
    each decade (all where that leaves fewer than two): all nine of a decade crowd a
    small plot (and a decade labelled at both levels is drawn twice, looking bold)."""

    def logTickValues(self, low, high, size, standard):  # type: ignore[no-untyped-def]  # noqa: N802
        ticks = super().logTickValues(low, high, size, standard)
        majors = {round(v, 9) for spacing, values in ticks if spacing is not None
                  for v in values}
        kept = np.log10([1.0, 2.0, 5.0])
        thinned = [(spacing, values if spacing is not None else  # a decade labelled once
                    [v for v in values if np.isclose(v - math.floor(v), kept, atol=1e-9).any()
                     and round(v, 9) not in majors])
                   for spacing, values in ticks]
        # Within less than a decade 1, 2 and 5 may leave a single label: then all.
        return thinned if sum(len(values) for _, values in thinned) >= 2 else ticks

    def logTickStrings(self, values, scale, spacing):  # type: ignore[no-untyped-def]  # noqa: N802
        return [f"{10 ** v:.3g}" for v in values]


def _log10(values: np.ndarray) -> np.ndarray:
    """``values`` as the log axis plots them (0, which analytic surfaces reach, as 1e-300)."""
    return np.log10(np.maximum(values, 1e-300))


class FanView(Panel):
    """Told a :class:`~gradviz.qt.frame.FanPlot`, draws it; knows nothing of runs."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__("Final loss", 11, parent)
        self.setMinimumHeight(MIN_HEIGHT)
        plot = self.getPlotItem()
        plot.setAxisItems({"left": LogAxis("left"), "bottom": LogAxis("bottom")})
        for name in ("left", "bottom"):  # as the panel does for its own axes
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.style_panel(self._theme, self._scale)
        plot.setLabel("left", "loss")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setLogMode(y=True)
        # Hovering a point tells its value and loss exactly (the axes are logarithmic).
        self.points = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=self._tip)
        self.points.setZValue(10)
        self.crosses = pg.ScatterPlotItem(symbol="x", pen=None,
                                          brush=pg.mkBrush(DIVERGED_COLOUR), pxMode=True)
        self.crosses.setZValue(11)
        self.marks = pg.PlotCurveItem(connect="pairs")  # a seed strip's median
        for item in (self.points, self.crosses, self.marks):
            plot.addItem(item)
        self.lines: list[pg.PlotCurveItem] = []
        self.plot: FanPlot | None = None
        self._strip_names: list[str] | None = None  # the seed strips' names as shown
        # The scatter items render a symbol per pen and brush object they have not seen:
        # the same objects each frame, not new ones.
        self._brushes: dict[str, QBrush] = {}
        self._outline = pg.mkPen("#000000", width=1)
        self._cross_outline = pg.mkPen("#000000", width=0.5)
        self._label = ""  # the values' axis label (set again only when it changes)

    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of text, lines and markers."""
        self.style_panel(theme, scale)
        plot, self.plot = self.plot, None
        self.set_plot(plot)  # drawn again in the new look

    def set_plot(self, plot: FanPlot | None) -> None:
        """Draw ``plot`` (``None``: nothing); the plot it shows already is not drawn again."""
        if plot is self.plot and plot is not None:
            return  # a seed spread's, the same every frame
        self.plot = plot
        item = self.getPlotItem()
        series = () if plot is None else plot.series
        for line in self.lines[len(series):]:
            item.removeItem(line)
        del self.lines[len(series):]
        while len(self.lines) < len(series):
            self.lines.append(pg.PlotCurveItem())
            item.addItem(self.lines[-1])
        if plot is None:
            for scatter in (self.points, self.crosses):
                scatter.setData([], [])
            self.marks.setData([], [])
            return
        seeds = plot.seeds
        item.setLogMode(x=plot.log and not seeds, y=True)
        if not seeds:
            item.getAxis("bottom").setTicks(None)
        self._strip_names = None  # named anew, for this plot's strips (in fit_title)
        xs = [self._x(plot, i, s) for i, s in enumerate(series)]
        self._draw_points(series, xs, seeds)
        self._draw_marks(series, xs, seeds)
        self._show_title(plot)

    def _show_title(self, plot: FanPlot) -> None:
        """What is plotted and at which update; what the crosses mean, if there are
        any, beside the axis of the values (the title has no room for it at large text)."""
        item = self.getPlotItem()
        what = " over seeds" if plot.seeds else ""
        when = "after the last update" if plot.update < 0 else f"at update {plot.update}"
        title = f"Final loss{what} {when}"
        if plot.note:
            small = round(self.font_size * self._scale)
            lines = "<br>".join(html.escape(line) for line in plot.note.splitlines())
            title += f"<br><span style='font-size:{small}pt'>{lines}</span>"
        item.setTitle(title, color=self._theme.foreground,
                      size=f"{round((self.font_size + 1) * self._scale)}pt")
        self.fit_title()
        label = "" if plot.seeds else plot.symbol
        if any(s.diverged.any() for s in plot.series):
            label += f"      <span style='color:{DIVERGED_COLOUR}'>✖ diverged</span>"
        if label != self._label:
            self._label = label
            item.setLabel("bottom", label)
        bottom = item.getAxis("bottom")
        # pyqtgraph sizes tick labels at 0.8 of their font's height: with no axis label
        # under them, a seed spread's names would lose their lower part at the edge.
        bottom.setHeight(None if label else QFontMetricsF(bottom.style["tickFont"]).height()
                         + bottom.style["tickTextOffset"][1] + max(0, bottom.style["tickLength"]))

    def fit_title(self) -> None:
        """The title wrapped to the plot's width, never cut short (its note says what
        the plot shows), and the view as high as the title's lines and the plot's least."""
        if vars(self).get("plot") is None:  # resized while being made, too
            return
        self.wrap_title()
        if self.plot.seeds:
            self._name_strips()
        item = self.getPlotItem()
        # The note's lines come on top of the plot's own room, not out of it: the
        # splitter of the side column does not make a view smaller than its layout's least.
        item.vb.setMinimumHeight(MIN_PLOT_HEIGHT * self._scale)
        least = item.effectiveSizeHint(Qt.SizeHint.MinimumSize).height()
        self.setMinimumHeight(max(MIN_HEIGHT, math.ceil(least) + 2 * self.frameWidth()))

    def _name_strips(self) -> None:
        """Each seed strip named under it, the names cut short (``Momen…``) where the
        strips are narrower than they are: whole, they would run together."""
        assert self.plot is not None
        item = self.getPlotItem()
        bottom = item.getAxis("bottom")
        titles = [s.title for s in self.plot.series]
        room = item.vb.width() / max(1, len(titles)) - bottom.style["tickTextOffset"][0] * 2
        metrics = QFontMetrics(bottom.style["tickFont"] or bottom.font())
        names = [metrics.elidedText(t, Qt.TextElideMode.ElideRight, max(0, int(room)))
                 for t in titles]
        if names != self._strip_names:  # the ticks set anew lay the plot out again
            self._strip_names = names
            bottom.setTicks([list(enumerate(names))])

    @staticmethod
    def _x(plot: FanPlot, index: int, series: FanSeries) -> np.ndarray:
        """Where each member goes across: its value (log10 on a log axis), or spread
        over its fan's strip for seeds."""
        if plot.seeds:
            return index + np.linspace(-STRIP_WIDTH / 2, STRIP_WIDTH / 2, len(series.values))
        return np.log10(series.values) if plot.log else series.values.astype(float)

    def _draw_points(self, series: tuple[FanSeries, ...], xs: list[np.ndarray],
                     seeds: bool) -> None:
        scale = self._scale
        finite = [_log10(s.losses[~s.diverged]) for s in series]
        known = np.concatenate(finite) if finite else np.empty(0)
        top = (known.max() if known.size else 0.0) + TOP_MARGIN
        points_x, points_y, brushes, labels, crosses = [], [], [], [], []
        symbol = self.plot.symbol if self.plot is not None else ""
        for s, x, line in zip(series, xs, self.lines):
            kept = ~s.diverged
            y = _log10(s.losses)
            # A line through the members in the entry's colour (not across a strip).
            line.setData(x[kept], y[kept], pen=pg.mkPen(self._theme.run_colour(s.colour),
                                                        width=1.5 * scale))
            line.setVisible(not seeds)
            points_x.append(x[kept])
            points_y.append(y[kept])
            brushes += [self._brush(s.colours[i]) for i in np.flatnonzero(kept)]
            labels += [(f"{s.title}, {symbol}={s.labels[i]}", float(s.losses[i]))
                       for i in np.flatnonzero(kept)]
            crosses.extend((x[i], top) for i in np.flatnonzero(s.diverged))
        self.points.setData(x=np.concatenate(points_x), y=np.concatenate(points_y),
                            brush=brushes, pen=self._outline, size=10 * scale, symbol="o",
                            data=labels)
        self.crosses.setData(pos=np.array(crosses).reshape(-1, 2), size=14 * scale,
                             pen=self._cross_outline)

    @staticmethod
    def _tip(x: float, y: float, data: tuple[str, float]) -> str:
        """A hovered member: which it is, and its loss (``data`` holds both)."""
        name, loss = data
        return f"{name}: loss {loss:.4g}"

    def _brush(self, colour: str) -> QBrush:
        """The fill of a member's point, in the theme (one object per colour)."""
        shown = self._theme.run_colour(colour)
        if shown not in self._brushes:
            self._brushes[shown] = pg.mkBrush(shown)
        return self._brushes[shown]

    def _draw_marks(self, series: tuple[FanSeries, ...], xs: list[np.ndarray],
                    seeds: bool) -> None:
        """Each seed strip's median final loss as a short bar across it."""
        if not seeds:
            self.marks.setData([], [])
            return
        x, y = [], []
        for index, s in enumerate(series):
            losses = s.losses[~s.diverged]
            if losses.size:
                median = float(_log10(np.array([np.median(losses)]))[0])
                x += [index - STRIP_WIDTH / 2 - 0.08, index + STRIP_WIDTH / 2 + 0.08]
                y += [median, median]
        self.marks.setData(np.array(x), np.array(y),
                           pen=pg.mkPen(QColor(self._theme.foreground), width=2 * self._scale))


__all__ = ["FanView"]
