"""The loss landscape: heatmap, contours, colour bar, minimum, start marker and run paths
(a fan's members in its colour scale, with a colour bar of its values below the plot)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem

from gradviz.core.basins import BasinMap
from gradviz.core.space import Axis, Window
from gradviz.qt import style
from gradviz.qt.frame import FanTag, RunFrame
from gradviz.qt.layers.fan_bar import FanBar, FanSample
from gradviz.qt.views.panel import Panel
from gradviz.qt.layers.basin_layer import LISTED_MINIMA, BasinOverlay
from gradviz.qt.layers.corner_note import shown_notes
from gradviz.qt.layers.corners import (Corner, best_box, clear_box, corner_box, corner_offset,
                                       edge_boxes, is_clear)
from gradviz.qt.layers.label import Label, TargetLabel
from gradviz.qt.layers.label_places import SIDES, label_box
from gradviz.qt.layers.lines import along, to_device
from gradviz.qt.layers.path_layer import PathLayer
from gradviz.qt.overlays import OVERLAYS, OverlayGroup, Place

LEGEND_MARGIN = 10
"""Pixels between the legend and the plot's edge in its default places."""
BASIN_LEGEND_TEXT = (1.0, 0.8)
"""The basins' legend's text sizes (of its size at the text scale), tried in turn until
one has a clear place."""
BASIN_LEGEND_FORMS = tuple((text, losses) for losses in (True, False)
                           for text in BASIN_LEGEND_TEXT)
"""The basins' legend's forms, the better first: each text size with the minima's
losses in its lines, then each without them (narrower)."""

EDGE_PLACES = 32
"""Steps along each edge of the map at which the basins' legend may stand: fine enough
to find the gap between two minima's markers."""
PATH_STEP = 4.0
"""Pixels between the points along a run's path that the basins' legend counts as covered."""

START_LABEL_SIDES: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = (
    ((12.0, 12.0), (0.0, 0.5)), ((-12.0, 12.0), (1.0, 0.5)))
"""The start label's offset from its marker (pixels, up positive) and text anchor: right
of it, or left of it where the basins' legend has no other place."""

EDGE_MARGIN = 14
"""Pixels between the view's edge and the marker of a run whose point lies outside it."""

EDGE_ARROW = 20
"""The length in pixels of that marker's arrow head, at text scale 1."""


class _Legend(pg.LegendItem):
    """A legend that can be dragged but stays wholly inside its plot."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.dragged = False
        """Whether the user placed it (then it is not moved out of the paths' way)."""

    def mouseDragEvent(self, ev) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 (Qt's name)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.dragged = True
            self.keep_inside(self.pos() + ev.pos() - ev.lastPos())

    def keep_inside(self, pos: QPointF | None = None) -> None:
        """Move to ``pos`` (by default where it is) or as near as keeps it inside the plot."""
        parent = self.parentItem()
        if parent is None:
            return
        pos = self.pos() if pos is None else pos
        area, size = parent.boundingRect(), self.boundingRect()
        x = min(max(pos.x(), area.left()), area.right() - size.width())
        y = min(max(pos.y(), area.top()), area.bottom() - size.height())
        self.autoAnchor(QPointF(max(x, area.left()), max(y, area.top())))

    def place(self, corner: Corner, box: QRectF) -> None:
        """Stand at ``box`` (in the plot's pixels), kept there from ``corner`` of the plot."""
        self.anchor(corner, corner, corner_offset(self.parentItem().boundingRect(), corner, box))

    def too_wide(self) -> bool:
        """Whether it is wider than its plot, margins included (then it starts at the
        plot's left, whatever its corner)."""
        parent = self.parentItem()
        return (parent is not None and self.boundingRect().width() + 2 * LEGEND_MARGIN
                > parent.boundingRect().width())


def _weight(rank: int) -> int:
    """How much covering the marker or label of the minimum of ``rank`` counts: the
    global minimum's most, then those the basins' legend lists."""
    return 5 if rank == 0 else 2 if rank < LISTED_MINIMA else 1


def _inside(points: np.ndarray, box: QRectF) -> int:
    """How many of the ``(n, 2)`` ``points`` lie in ``box``."""
    x, y = points[:, 0], points[:, 1]
    return int(((x >= box.left()) & (x <= box.right())
                & (y >= box.top()) & (y <= box.bottom())).sum())


def _cache_drawing(item: QGraphicsItem) -> None:
    """Repaint ``item`` and its children from pixmaps while they do not change."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    for child in item.childItems():
        _cache_drawing(child)


def _drop_cache(item: QGraphicsItem) -> None:
    """Make ``item`` repaint its whole cached pixmap at the next paint.

    Qt keeps only the visible part of a large item's device cache and, when the
    item moves or its bounds change, scrolls that pixmap and repaints just the
    strips scrolled in, even when the item's content changed too (or moved by a
    fraction of a pixel): the rest shows stale contours with seams between them.
    """
    item.setCacheMode(QGraphicsItem.CacheMode.NoCache)  # frees the pixmap
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


UNDEFINED_NOTE = "▨ grey: undefined"
"""What the colour bar's label adds when some cells are undefined."""

_HATCH_PIXELS = 1024
"""About how many image pixels the hatching spans along the longer side of the grid."""


def hatched(undefined: np.ndarray) -> np.ndarray:
    """An RGBA picture of the ``(rows, columns)`` mask ``undefined``: grey stripes where
    it is true, transparent elsewhere, drawn finer than the cells so that the
    stripes read as a pattern at any grid size."""
    factor = max(1, _HATCH_PIXELS // max(undefined.shape))
    mask = np.repeat(np.repeat(undefined, factor, axis=0), factor, axis=1)
    rows, columns = np.indices(mask.shape)
    stripe = (rows + columns) % 12 < 4
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.where(stripe[..., None], style.UNDEFINED_GREYS[1],
                              style.UNDEFINED_GREYS[0])
    rgba[..., 3] = np.where(mask, 255, 0)
    return rgba


def _legend_pen(colour: object, width: float) -> QPen:
    """A pen for the legend's line samples: ``width`` legend pixels, so that an
    export at a higher pixel ratio widens it with everything else."""
    pen = pg.mkPen(colour, width=width)
    pen.setCosmetic(False)
    return pen


class SurfaceView(Panel):
    """Heatmap of the loss over (phi0, phi1) with everything drawn on it.

    Dumb view: it is told what to draw and announces what the user asks for.
    """

    startRequested = Signal(object)  # (phi0, phi1): a click on the map or a dragged start marker
    windowChanged = Signal(object)  # Window: the visible rectangle after a zoom or pan

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__("", 12, parent, clear_left=False)
        plot = self.getPlotItem()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        # The map and contours change only with a new surface: repaint them from
        # a cached pixmap while the paths animate over them.
        # Dropped whenever the surface or the view changes: see _drop_cache.
        self.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(interactive=False, width=18)
        self.colour_bar.setImageItem(self.image, insert_in=plot)
        bar_axis = self.colour_bar.getAxis("right")
        bar_axis.setTickFont(style.axis_font(11))
        style.show_plain_values(bar_axis)
        # ColorBarItem fixes its axis at 45 pixels: too narrow for "0.2" at a
        # projector's text size (pyqtgraph then hides the labels) and for the label.
        bar_axis.setWidth(None)
        # Where the loss is undefined (NaN): hatched grey over the map, a colour no
        # colour map has, so it never reads as a low or a high loss.
        self.undefined = pg.ImageItem(axisOrder="row-major")
        self.undefined.setZValue(-9)
        self.undefined.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.undefined.hide()
        plot.addItem(self.undefined)
        self.undefined_shown = False
        """Whether some cells of the surface shown are undefined (drawn hatched grey)."""
        self.contours = pg.PlotDataItem(
            connect="pairs", pen=pg.mkPen(style.DARK.contour, width=1), skipFiniteCheck=True
        )
        self.contours.setZValue(-5)
        self.contours.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.contours)
        self.basins = BasinOverlay(plot)
        self.basins.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.basin_map: BasinMap | None = None
        """The basins of attraction drawn over the map, if any."""
        self.minimum = pg.ScatterPlotItem(
            symbol="star", size=22, brush=pg.mkBrush("#ffffff"), pen=pg.mkPen("#000000", width=1.5)
        )
        self.minimum.setZValue(15)  # over the paths: where a run ends, it shows the goal
        plot.addItem(self.minimum)
        # Every run's path and current point in one item: one update per frame.
        self.paths = PathLayer()
        self.paths.setZValue(10)
        plot.addItem(self.paths, ignoreBounds=True)
        self.start = pg.TargetItem(
            pos=(0, 0), size=16, movable=True, pen=pg.mkPen("#ffffff", width=2.5),
            hoverPen=pg.mkPen("#ffff00", width=3),
        )
        self.start_label = TargetLabel(self.start, "start", offset=START_LABEL_SIDES[0][0],
                                       anchor=START_LABEL_SIDES[0][1],
                                       color=style.DARK.foreground,
                                       fill=pg.mkBrush(style.DARK.legend_fill))
        """The start marker's label, on a panel of the theme's legend colour."""
        self.start.setZValue(40)
        plot.addItem(self.start)
        self.start.sigPositionChangeFinished.connect(self._start_dragged)
        self.legend = _Legend(
            offset=(-LEGEND_MARGIN, LEGEND_MARGIN), labelTextColor="#ffffff",
            labelTextSize="12pt", brush=pg.mkBrush(0, 0, 0, 160), pen=pg.mkPen(255, 255, 255, 80),
        )
        self.legend.setParentItem(plot.vb)
        self._legend_key: tuple[object, ...] | None = None  # the runs it was placed for
        self._legend_covered: set[int] = set()  # the heads it hid when placed
        self._legend_overlaps = False  # whether it covered a badge or note when placed
        self._badges: dict[int, Label] = {}
        self._off_view: dict[int, tuple[pg.ArrowItem, Label]] = {}
        self._frames: list[RunFrame] = []
        # What the legend shows for each entry: by run id, or ("fan", entry id) for a
        # fan, whose sample (a FanSample of its colours) stands for its item here.
        self._samples: dict[int | tuple[str, int], pg.PlotDataItem] = {}
        self._fan_samples: dict[tuple[str, int], FanSample] = {}
        self._legend_text: dict[int | tuple[str, int], str] = {}
        self._fan_bars: dict[int, FanBar] = {}  # by the fan's entry id, below the plot
        # The start marker, the minimum and the legend sit over the animated paths:
        # repainted with them every frame, from pixmaps.
        for item in (self.start, self.minimum, self.legend):
            _cache_drawing(item)
        # Except the start label: redrawn from a device cache after a zoom or pan, it
        # left stale pixels (test_after_a_zoom_or_pan_the_screen_shows_a_fresh_drawing).
        for item in (self.start_label, *self.start_label.childItems()):
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self._quiet = False  # True while the view range is set from code
        plot.vb.sigRangeChangedManually.connect(self._range_changed)
        plot.vb.sigRangeChanged.connect(self._range_changed_any)
        self._user_moved = False
        self.scene().sigMouseClicked.connect(self._clicked)
        self.overlays = OverlayGroup.of(Place.MAP, self, OVERLAYS)
        """The explanation overlays drawn on the map, shown by :meth:`show_overlays`."""
        # Connected after the overlays' notes: they are in their new places first.
        plot.vb.sigResized.connect(self._plot_resized)

    # -- setters ---------------------------------------------------------------------------
    def set_look(self, theme: style.Theme, scale: float) -> None:
        """Colours and size of everything drawn (themes, presentation mode, Ctrl+Plus/Minus)."""
        self.style_panel(theme, scale)
        self.overlays.set_look(theme, scale)
        bar_axis = self.colour_bar.getAxis("right")
        bar_axis.setTickFont(style.axis_font(round(11 * scale)))
        bar_axis.setTextPen(pg.mkPen(theme.foreground))
        bar_axis.label.setFont(style.axis_font(round(12 * scale)))
        label = self.start_label
        label.setFont(style.axis_font(round(11 * scale)))
        label.setColor(theme.foreground)
        # On a panel of the theme's legend colour: readable on every map.
        label.fill = pg.mkBrush(theme.legend_fill)
        label.update()
        self.contours.setPen(pg.mkPen(theme.contour, width=1))
        self.legend.opts["labelTextSize"] = f"{round(12 * scale)}pt"
        self.legend.opts["labelTextColor"] = pg.mkColor(theme.foreground)
        self.legend.setBrush(pg.mkBrush(theme.legend_fill))
        self.minimum.setSize(22 * scale)
        self.paths.set_scale(scale)
        if self.basin_map is not None:  # in the new colours and sizes
            self.basins.show(self.basin_map, theme, scale)
            self._legend_key = None  # in one column at its full size again: placed anew
        for bar in self._fan_bars.values():
            bar.set_look(theme, scale)
        self._samples.clear()  # rebuilt at the next frame with the new widths
        self._fan_samples.clear()
        for items in self._off_view.values():  # and the edge arrows in the new look
            for item in items:
                self.getPlotItem().removeItem(item)
        self._off_view.clear()
        self._legend_text = {}

    def set_axes(self, axes: tuple[Axis, Axis]) -> None:
        """Label the axes with the parameters' symbols and meanings."""
        plot = self.getPlotItem()
        plot.setLabel("bottom", axes[0].label)
        plot.setLabel("left", axes[1].label)

    def set_colormap(self, table: np.ndarray, name: str) -> None:
        """Use the ``(256, 3)`` uint8 colour table."""
        self.colour_bar.setColorMap(pg.ColorMap(np.linspace(0, 1, len(table)), table, name=name))

    def set_surface(
        self,
        phi0: np.ndarray,
        phi1: np.ndarray,
        values: np.ndarray,
        contours: np.ndarray,
        minimum: np.ndarray,
        log_scale: bool,
    ) -> None:
        """Show a loss grid (rows over phi1), its contour segments and the minimum."""
        shown = values
        if log_scale:
            with np.errstate(divide="ignore", invalid="ignore"):
                shown = np.log10(np.where(values > 0, values, np.nan))
        finite = shown[np.isfinite(shown)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1.0
        self.image.setImage(np.nan_to_num(shown, nan=low), axisOrder="row-major", autoLevels=False)
        dx = (phi0[-1] - phi0[0]) / max(1, len(phi0) - 1)
        dy = (phi1[-1] - phi1[0]) / max(1, len(phi1) - 1)
        # Each grid value is the centre of its pixel.
        rect = QRectF(phi0[0] - dx / 2, phi1[0] - dy / 2, phi0[-1] - phi0[0] + dx,
                      phi1[-1] - phi1[0] + dy)
        self.image.setRect(rect)
        undefined = np.isnan(values)
        self.undefined_shown = bool(undefined.any())
        if self.undefined_shown:
            self.undefined.setImage(hatched(undefined), axisOrder="row-major", autoLevels=False,
                                    levels=(0, 255))
            self.undefined.setRect(rect)
        self.undefined.setVisible(self.undefined_shown)
        self.colour_bar.setLevels((low, high))
        label = "log₁₀ loss" if log_scale else "loss"
        self.colour_bar.setLabel("right", f"{label}    {UNDEFINED_NOTE}" if self.undefined_shown
                                 else label)
        if contours.size:
            self.contours.setData(contours[:, 0], contours[:, 1])
        else:
            self.contours.setData([], [])
        self.minimum.setData([minimum[0]], [minimum[1]])
        self._drop_map_caches()

    def set_basins(self, basins: BasinMap | None) -> None:
        """Lay the basins of attraction over the map, or take them off (``None``)."""
        self.basin_map = basins
        if basins is None:
            self.basins.clear()
            self._set_start_side(0)  # it went aside for the basins' legend, if at all
        else:
            self.basins.show(basins, self._theme, self._scale)
            self._legend_key = None  # its legend takes a corner the runs' leaves
            self._place_legend(self._frames)
        self._drop_map_caches()

    def _drop_map_caches(self) -> None:
        for item in (self.image, self.undefined, self.contours.curve, self.basins.image):
            _drop_cache(item)

    def show_overlays(self, data: Mapping[str, object]) -> None:
        """Draw each overlay of the map from its entry of ``data`` (a missing one is hidden)."""
        self.overlays.show(data)
        self._place_legend(self._frames)  # out of the way of the notes they show

    def show_window(self, window: Window) -> None:
        """Show ``window`` without announcing it as a user's zoom (a new problem or
        scene, Reset view); the legend goes back to its default place."""
        self._quiet = True
        try:
            self.getPlotItem().vb.setRange(
                xRange=(window.phi0_min, window.phi0_max),
                yRange=(window.phi1_min, window.phi1_max),
                padding=0,
            )
        finally:
            self._quiet = False
        self.reset_legend()

    def set_start(self, phi: tuple[float, float], colour: str) -> None:
        """Place the selected run's start marker (``colour`` is the run's identity colour)."""
        self.start.setPos(QPointF(float(phi[0]), float(phi[1])))
        self.start.setPen(pg.mkPen(self._theme.run_colour(colour), width=3))

    def reset_legend(self) -> None:
        """Put the legend back in its default place, out of the paths' way."""
        self.legend.dragged = False
        self._legend_key = None
        self._place_legend(self._frames)

    def set_runs(self, frames: list[RunFrame], losses: bool = True) -> bool:
        """Draw every run's path, current point, legend entry and badge.

        Parameters
        ----------
        frames : list of RunFrame
            The runs as they are to be shown.
        losses : bool
            Whether the legend shows the losses of ``frames``; if False it keeps
            the ones it shows (the window changes all its numbers together, at
            most so often while runs play), unless its entries change.

        Returns
        -------
        bool
            Whether the legend now shows the losses of ``frames``.
        """
        self._frames = frames
        coloured = [(frame, self._theme.run_colour(frame.colour)) for frame in frames]
        self.paths.set_runs(coloured)
        self._show_badges(frames)
        self._show_off_view(frames)
        self._show_fan_bars(frames)
        rows = self._legend_rows(frames)
        for key in set(self._samples) - set(rows):
            del self._samples[key]  # a removed or hidden run
            self._fan_samples.pop(key, None)  # type: ignore[call-overload]
        rebuild_legend = False
        for key, (colours, _) in rows.items():
            if self._sample_changed(key, colours):
                self._make_sample(key, colours)
                rebuild_legend = True
        texts = {key: text for key, (_, text) in rows.items()}
        if rebuild_legend or list(texts) != list(self._legend_text):
            self.legend.clear()
            for key, text in texts.items():
                sample = self._fan_samples.get(key)  # type: ignore[call-overload]
                self.legend.addItem(self._samples[key] if sample is None else sample, text)
            _cache_drawing(self.legend)
            self.legend.keep_inside()  # it may have grown past the edge
            shown = True
        elif losses:
            changed = False
            for key, text in texts.items():
                if self._legend_text[key] != text:
                    self.legend.getLabel(self._samples[key]).setText(text)
                    changed = True
            if changed:
                # Its size for its new text now, not at the next event: an export paints
                # before that (its text ran past its panel), and its place depends on it.
                self.legend.layout.activate()
                self.legend.updateSize()
            shown = True
        else:
            shown = False
        if shown:
            self._legend_text = texts
        self._place_legend(frames)
        return shown

    def _legend_rows(self, frames: list[RunFrame]
                     ) -> dict[int | tuple[str, int], tuple[tuple[str, ...], str]]:
        """The legend's entries in order, each with the colours of its sample and its
        text: a run by its id, a fan once by ("fan", its entry id)."""
        rows: dict[int | tuple[str, int], tuple[tuple[str, ...], str]] = {}
        members: dict[int, list[RunFrame]] = {}
        for frame in (f for f in frames if f.visible):
            if frame.fan is None:
                rows[frame.run_id] = ((self._theme.run_colour(frame.colour),),
                                      self._legend_entry(frame))
            else:
                if frame.fan.entry_id not in members:
                    members[frame.fan.entry_id] = []
                    rows[("fan", frame.fan.entry_id)] = ((), "")  # its place in the order
                members[frame.fan.entry_id].append(frame)
        for entry_id, shown in members.items():
            tag = shown[0].fan
            assert tag is not None
            rows[("fan", entry_id)] = (tuple(self._theme.run_colour(c) for c in tag.colours),
                                       self._fan_legend_entry(tag, shown))
        return rows

    def _sample_changed(self, key: int | tuple[str, int], colours: tuple[str, ...]) -> bool:
        sample = self._samples.get(key)
        if sample is None:
            return True
        if isinstance(key, tuple):
            return self._fan_samples[key].colours != colours
        return sample.opts["pen"].color() != pg.mkColor(colours[0])

    def _make_sample(self, key: int | tuple[str, int], colours: tuple[str, ...]) -> None:
        """The legend's sample for an entry: a piece of its path, or of a fan's paths."""
        widths = self.paths.path_style  # the legend shows a piece of the path
        recent, shadow = widths.recent * self._scale, widths.shadow * self._scale
        self._samples[key] = pg.PlotDataItem(pen=_legend_pen(colours[0], recent),
                                             shadowPen=_legend_pen(style.SHADOW, shadow))
        if isinstance(key, tuple):
            self._fan_samples[key] = FanSample(self._samples[key], colours, recent, shadow)

    @staticmethod
    def _fan_legend_entry(tag: FanTag, members: list[RunFrame]) -> str:
        """A fan in the legend: its name, its lowest loss and the member that has it,
        and how many diverged, all at the shown update."""
        losses = np.array([m.current_loss if not m.diverged_shown else np.nan for m in members])
        numbers = []
        if np.isfinite(losses).any():
            best = members[int(np.nanargmin(losses))]
            numbers.append(f"best {tag.symbol}={tag.labels[best.member]}: "
                           f"loss {best.current_loss:.4g}")
        diverged = sum(m.diverged_shown for m in members)
        if diverged:
            numbers.append(f"✖ {diverged} diverged")
        # Two lines: a fan's numbers beside its name would make the legend too wide.
        return "<br>".join(html.escape(line) for line in (tag.name, "   ".join(numbers)) if line)

    def _show_fan_bars(self, frames: list[RunFrame]) -> None:
        """A colour bar below the plot for each shown fan in a colour scale of its values,
        its diverged members crossed out."""
        fans: dict[int, tuple[FanTag, list[bool]]] = {}
        for frame in frames:
            if frame.visible and frame.fan is not None and frame.fan.sequential:
                fans.setdefault(frame.fan.entry_id, (frame.fan, []))[1].append(
                    frame.diverged_shown)
        plot = self.getPlotItem()
        if list(fans) != list(self._fan_bars):
            for bar in self._fan_bars.values():
                plot.layout.removeItem(bar)
                bar.setParentItem(None)
                if bar.scene() is not None:
                    bar.scene().removeItem(bar)
            self._fan_bars = {}
            for row, entry_id in enumerate(fans):
                bar = self._fan_bars[entry_id] = FanBar()
                bar.set_look(self._theme, self._scale)
                plot.layout.addItem(bar, 4 + row, 1)  # below the bottom axis
            # Laid out now, not at the next event: an export paints before that.
            plot.layout.activate()
        for entry_id, (tag, diverged) in fans.items():
            self._fan_bars[entry_id].show_fan(tag, tuple(diverged))

    def _plot_resized(self, *_: object) -> None:
        # The edge markers stand a number of pixels in: their data places change.
        self._show_badges(self._frames)
        self._show_off_view(self._frames)
        if self.legend.dragged:
            self.legend.keep_inside()  # re-anchored where it stood, it would leave its margin
        else:
            self._legend_key = None
            self._place_legend(self._frames)

    def _taken(self) -> list[QRectF]:
        """What the legends must not cover, in the plot's pixels: the badges, the arrows
        at the view's edge and their labels (what became of a run), the overlays' notes."""
        items = [*self._badges.values(), *(i for pair in self._off_view.values() for i in pair)]
        return ([self._pixels(item) for item in items if item.isVisible()]
                + shown_notes(self.getPlotItem().vb))

    def _map_labels(self, taken: list[QRectF]) -> list[QRectF]:
        """Where the shown labels on the map are that are not in ``taken``: the overlays'
        own (a direction's curvature), the start marker's, and the minima's where they
        go unless something is there (they give way to the legends), with the minima's
        markers."""
        return (self._other_labels(taken) + self.basins.label_boxes()
                + self.basins.marker_boxes())

    def _other_labels(self, taken: list[QRectF]) -> list[QRectF]:
        """:meth:`_map_labels` but the minima's."""
        vb = self.getPlotItem().vb
        found = [self._pixels(item) for item in vb.childItems() if isinstance(item, Label)
                 and item.isVisible() and item is not self.legend]
        minima = set(self.basins.labels)
        nested = [self._pixels(item) for item in [*vb.childGroup.childItems(), self.start_label]
                  if isinstance(item, (Label, TargetLabel)) and item.isVisible()
                  and item not in minima]
        return [r for r in found + nested if r not in taken]

    def _pixels(self, item: QGraphicsItem) -> QRectF:
        """Where ``item`` is drawn, in the plot's pixels."""
        vb = self.getPlotItem().vb
        if item.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations:
            # Its bounds are in pixels about its place (Qt's scene bounds would
            # scale them by the view's data scale).
            return item.boundingRect().translated(vb.mapFromScene(item.scenePos()))
        return vb.mapRectFromScene(item.sceneBoundingRect())

    def _place_legend(self, frames: list[RunFrame]) -> None:
        """Move the legend to the corner where it hides the fewest path points and run
        heads, clear of the badges, edge arrows and notes (stacked past them where they
        hold its corner): when the runs, badges or notes change, or when a head or one
        of those comes under it, not every frame."""
        if self.legend.dragged:
            self._place_basin_labels()  # clear of it where the user put it
            return
        vb = self.getPlotItem().vb
        shown = [f for f in frames if f.visible and f.index >= 0]
        # Data -> the plot's pixels, brought up to date after a resize (so are the
        # badges' places, which follow it).
        transform = vb.childTransform()
        notes = shown_notes(vb)
        taken = self._taken()
        key = (tuple((f.run_id, f.generation) for f in shown), tuple(self._badges),
               tuple((n.left(), n.top(), n.width(), n.height()) for n in notes),
               self.legend.too_wide())  # grown past the plot's width (a badge's words)
        heads = to_device(np.array([f.current_phi for f in shown]).reshape(-1, 2), transform)
        here = self.legend.mapRectToParent(self.legend.boundingRect())
        covered = {i for i, (x, y) in enumerate(heads) if here.contains(QPointF(x, y))}
        overlaps = any(here.intersects(t) for t in taken)
        if (key == self._legend_key and covered <= self._legend_covered
                and overlaps <= self._legend_overlaps):
            return
        self._set_start_side(0)  # the legends are placed from its own place
        points = to_device(np.concatenate([f.phi[: f.index + 1] for f in shown])
                           if shown else np.empty((0, 2)), transform)
        area = vb.boundingRect()

        def hidden(box: QRectF) -> float:
            # A head (where a run is, or ended) counts as much as a whole path, and so
            # does a badge or note (only when no place is clear of them all).
            covered = _inside(heads, box) + sum(box.intersects(t) for t in taken)
            return float(_inside(points, box) + 10_000 * covered)

        corners = ((1, 0), (0, 0), (1, 1), (0, 1))  # the top right first: the default
        size = self.legend.boundingRect().size()
        # The labels on the map (the overlays', the minima's, the start's) are kept clear
        # where the notes and badges leave a place for that, else only covered least.
        labels = self._map_labels(taken)

        def hidden_labels(box: QRectF) -> float:
            return hidden(box) + 1_000 * sum(box.intersects(t) for t in labels)
        corner, box = best_box(area, corners, size, LEGEND_MARGIN, [*taken, *labels],
                               hidden_labels)
        if not is_clear(box, LEGEND_MARGIN, [*taken, *labels]):
            corner, box = best_box(area, corners, size, LEGEND_MARGIN, taken, hidden_labels)
        self.legend.place(corner, box)
        if self.basin_map is not None:
            # Never over the runs' legend: it says which line is which.
            paths = [along(to_device(f.phi[: f.index + 1], transform), PATH_STEP) for f in shown]
            self._place_basin_legend(area, [*taken, box], heads,
                                     np.concatenate(paths) if paths else np.empty((0, 2)))
        self._legend_key = key
        self._legend_covered = {i for i, (x, y) in enumerate(heads) if box.contains(QPointF(x, y))}
        self._legend_overlaps = any(box.intersects(t) for t in taken)

    def _place_basin_legend(self, area: QRectF, taken: list[QRectF], heads: np.ndarray,
                            paths: np.ndarray) -> None:
        """Put the basins' legend (bottom left by default) in the best place left, at a
        corner or along an edge: never over ``taken`` (the runs' legend among them),
        the start marker or its label; where it can, over no minimum's marker, none of
        the runs' ``heads`` and little of their ``paths`` (points :data:`PATH_STEP`
        apart, all in the plot's pixels); clear of the minima's labels where it can at
        its size, else where the labels it covers can go to another side (they give
        way); in smaller text, then without the minima's losses
        (:data:`BASIN_LEGEND_FORMS`), where that covers less."""
        hard = [*taken, *self._start_boxes()]
        # The markers of the minima in view (one just outside shows a part of its own).
        assert self.basin_map is not None
        rank = {k: place for place, k in enumerate(self.basin_map.ranked())}
        markers = [(rank[k], m) for k, m in enumerate(self.basins.marker_boxes())
                   if area.contains(m.center())]
        # The start label may go to the other side of its marker, if that is clear.
        start_label = self._pixels(self.start_label) if self.start_label.isVisible() else None
        other_side = None
        if start_label is not None:
            hard.remove(start_label)
            mirror = start_label.translated(
                2 * (self._pixels(self.start).center().x() - start_label.center().x()), 0)
            if area.contains(mirror) and not any(map(mirror.intersects, taken)) and not any(
                    mirror.intersects(m) for _, m in markers):
                other_side = mirror
        # Each label's first place, and those of its other sides that are clear of ``hard``.
        labels = [(label_box(point, size, SIDES[0]),
                   [b for b in (label_box(point, size, side) for side in SIDES[1:])
                    if area.contains(b) and not any(map(b.intersects, hard))])
                  for point, size in self.basins.label_places()]
        room = area.width() - 2 * LEGEND_MARGIN - 20
        corners = ((0, 1), (1, 1), (0, 0), (1, 0))

        def price(box: QRectF, shrunk: int, bound: float) -> float:
            """What ``box`` covers, or as much as shows it costs at least ``bound``."""
            grown = box.adjusted(-LEGEND_MARGIN, -LEGEND_MARGIN, LEGEND_MARGIN, LEGEND_MARGIN)
            cost = (1_000_000 * (sum(map(grown.intersects, hard)) + (not area.contains(box)))
                    + 100_000 * sum(_weight(r) for r, m in markers if grown.intersects(m))
                    + 5_000 * shrunk)
            if start_label is not None and grown.intersects(start_label):
                cost += (50 if other_side is not None and not grown.intersects(other_side)
                         else 1_000_000)
            if cost >= bound:
                return cost
            # A covered label that has another side clear of the legend moves there.
            covered = [(k, others) for k, (first, others) in enumerate(labels)
                       if grown.intersects(first)]
            dropped = [k for k, others in covered if all(map(grown.intersects, others))]
            return (cost + 20_000 * sum(map(_weight, dropped)) + 50 * (len(covered) - len(dropped))
                    + 10_000 * _inside(heads, box) + 100 * _inside(paths, box))  # 25 px: a shrink
        best: tuple[float, tuple[float, bool], Corner, QRectF] | None = None
        for shrunk, form in enumerate(BASIN_LEGEND_FORMS):
            if best is not None and best[0] <= 5_000 * shrunk:
                break  # no place in this form or those after it can cost less
            size = self.basins.legend_size(form[0], room, form[1])
            # Its corners (stacked past what holds them), then along the edges.
            places = [*((c, box) for sideways in (False, True) for c in corners
                        if (box := clear_box(area, c, size, LEGEND_MARGIN, hard, sideways))
                        is not None),
                      *((c, corner_box(area, c, size, LEGEND_MARGIN)) for c in corners),
                      *edge_boxes(area, size, LEGEND_MARGIN, EDGE_PLACES)]
            for corner, box in places:
                here = price(box, shrunk, math.inf if best is None else best[0])
                if best is None or here < best[0]:
                    best = (here, form, corner, box)
        assert best is not None  # BASIN_LEGEND_FORMS is not empty
        _, form, corner, box = best
        self.basins.use_form(form[0], room, form[1])
        self.basins.legend.anchor(corner, corner, corner_offset(area, corner, box))
        grown = box.adjusted(-LEGEND_MARGIN, -LEGEND_MARGIN, LEGEND_MARGIN, LEGEND_MARGIN)
        self._set_start_side(int(start_label is not None and grown.intersects(start_label)
                                 and other_side is not None))
        self._place_basin_labels([*taken, *self._start_boxes(), box])

    def _place_basin_labels(self, legends: list[QRectF] | None = None) -> None:
        """Put the minima's labels where they cover none of ``legends`` (by default the
        shown legends, the notes, badges and edge arrows and the start marker), the
        other labels on the map, the other minima's markers or each other."""
        if not self.basins.labels:
            return
        if legends is None:
            shown = [item for item in (self.legend, self.basins.legend) if item.isVisible()]
            legends = [*self._taken(), *self._start_boxes(),
                       *(item.mapRectToParent(item.boundingRect()) for item in shown)]
        self.basins.place_labels([*legends, *self._other_labels(legends)])

    def _set_start_side(self, side: int) -> None:
        """Put the start label on ``side`` of its marker (:data:`START_LABEL_SIDES`)."""
        offset, anchor = START_LABEL_SIDES[side]
        label = self.start_label
        if (label.offset.x(), label.offset.y()) != offset:
            label.offset = pg.Point(*offset)
            label.setAnchor(anchor)
            label.viewTransformChanged()

    def _start_boxes(self) -> list[QRectF]:
        """Where the start marker and its label are, in the plot's pixels (when shown)."""
        return [self._pixels(item) for item in (self.start, self.start_label)
                if item.isVisible()]

    def _edge_point(self, phi: np.ndarray) -> tuple[QPointF, np.ndarray] | None:
        """Where on the view's edge (data coordinates, EDGE_MARGIN pixels in) a marker
        for the point ``phi`` outside the view goes, and the unit screen direction
        from there to ``phi``; ``None`` if ``phi`` is in view."""
        vb = self.getPlotItem().vb
        (x0, x1), (y0, y1) = vb.viewRange()
        if x0 <= phi[0] <= x1 and y0 <= phi[1] <= y1:
            return None
        px, py = (abs(float(v)) for v in vb.viewPixelSize())
        mx, my = min(EDGE_MARGIN * px, (x1 - x0) / 2), min(EDGE_MARGIN * py, (y1 - y0) / 2)
        point = np.asarray(phi, dtype=float)
        # The nearest point of the inset view: beside the run where it can be,
        # at a corner when the run is off beyond one.
        edge = np.clip(point, (x0 + mx, y0 + my), (x1 - mx, y1 - my))
        offset = point - edge
        on_screen = np.array([offset[0] / px, -offset[1] / py])  # y grows downwards
        return QPointF(float(edge[0]), float(edge[1])), on_screen / np.hypot(*on_screen)

    @staticmethod
    def _last_finite(frame: RunFrame) -> np.ndarray | None:
        rows = frame.phi[: frame.index + 1]
        finite = np.flatnonzero(np.isfinite(rows).all(axis=1))
        return rows[finite[-1]] if finite.size else None

    def _show_badges(self, frames: list[RunFrame]) -> None:
        """A warning on the path of each run that diverged or failed (one per fan, on
        its first member that diverged); at the view's edge when its last point lies
        outside the view."""
        plot = self.getPlotItem()
        shown = {f.run_id: (f, point, text) for f, text in self._badge_texts(frames)
                 if (point := self._last_finite(f)) is not None}
        for run_id in list(self._badges):
            if run_id not in shown:
                plot.removeItem(self._badges.pop(run_id))
        for run_id, (frame, point, text) in shown.items():
            badge = self._badges.get(run_id)
            if badge is None:
                badge = self._badges[run_id] = Label(
                    color="#ffffff", fill=pg.mkBrush(180, 20, 20, 220), anchor=(0, 1)
                )
                badge.setZValue(30)
                plot.addItem(badge)
            if badge.textItem.toPlainText() != text:
                badge.setText(text)
            font = style.axis_font(round(11 * self._scale))  # as large as the rest in a hall
            if badge.textItem.font() != font:
                badge.setFont(font)
            edge = self._edge_point(point)
            if edge is None:
                at = QPointF(float(point[0]), float(point[1]))
                badge.setAnchor(self._badge_anchor(at, badge.boundingRect().size()))
                badge.setPos(at)
            else:  # where the edge arrow's label would be, which it replaces
                badge.setAnchor(self._inward_anchor(edge[1]))
                badge.setPos(self._beside_arrow(*edge))

    def _badge_anchor(self, at: QPointF, size: QSizeF) -> tuple[float, float]:
        """Above and right of the point ``at`` (data) for a badge of ``size`` (pixels),
        slid left and put below it as far as keeps it in the view (a run that stopped
        near the right edge: its badge ran off the map, the reason cut short)."""
        vb = self.getPlotItem().vb
        spot, area = vb.childGroup.transform().map(at), vb.boundingRect()
        width = max(size.width(), 1.0)
        x = max(0.0, (spot.x() + width - area.right()) / width)  # the right end in view
        x = min(x, max(0.0, (spot.x() - area.left()) / width), 1.0)  # the start first
        y = 0.0 if spot.y() - size.height() < area.top() else 1.0
        return x, y

    @staticmethod
    def _badge_texts(frames: list[RunFrame]) -> list[tuple[RunFrame, str]]:
        """The shown runs that failed or diverged, each with its badge's text; a fan's
        members that have diverged by the shown update share one badge (dozens would
        bury the map), on the first of them."""
        badges: list[tuple[RunFrame, str]] = []
        fans: dict[int, list[RunFrame]] = {}
        for frame in frames:
            if not frame.visible or not frame.badge:
                continue
            if frame.fan is None or frame.error:
                badges.append((frame, f"✖ {frame.badge}"))
            elif frame.diverged_shown:
                fans.setdefault(frame.fan.entry_id, []).append(frame)
        for first, *more in fans.values():
            assert first.fan is not None
            text = (f"✖ {first.badge}" if not more else
                    f"✖ {first.fan.symbol}={first.fan.labels[first.member]} and {len(more)} "
                    "more diverged")
            badges.append((first, text))
        return badges

    @staticmethod
    def _inward_anchor(direction: np.ndarray) -> tuple[float, float]:
        """A text anchor that keeps text at an edge marker inside the view, for a
        marker that points in the screen ``direction``."""
        def side(component: float) -> float:
            return 1.0 if component > 0.5 else 0.0 if component < -0.5 else 0.5
        x, y = side(float(direction[0])), side(float(direction[1]))
        if (x, y) == (0.5, 0.5):  # a corner on a diagonal
            x = 1.0 if direction[0] > 0 else 0.0
        return x, y

    def _show_off_view(self, frames: list[RunFrame]) -> None:
        """An arrow at the view's edge, in the run's colour, towards each shown run
        whose current point lies outside the view, with where it is; none for a fan's
        diverged members (its badge and colour bar say where they went)."""
        plot = self.getPlotItem()
        wanted: dict[int, tuple[RunFrame, QPointF, np.ndarray]] = {}
        for frame in frames:
            current = frame.current_phi
            if frame.fan is not None and frame.diverged_shown:
                continue
            if frame.visible and current is not None and np.isfinite(current).all():
                edge = self._edge_point(current)
                if edge is not None:
                    wanted[frame.run_id] = (frame, *edge)
        for run_id in list(self._off_view):
            if run_id not in wanted:
                for item in self._off_view.pop(run_id):
                    plot.removeItem(item)
        scale = self._scale
        for run_id, (frame, at, direction) in wanted.items():
            if run_id not in self._off_view:
                arrow = pg.ArrowItem(pxMode=True, tailLen=0)
                label = Label()
                for item in (arrow, label):
                    item.setZValue(35)
                    plot.addItem(item, ignoreBounds=True)
                self._off_view[run_id] = (arrow, label)
            arrow, label = self._off_view[run_id]
            head = EDGE_ARROW * scale
            arrow.setStyle(
                # pyqtgraph draws angle 0 pointing left and turns it clockwise on screen.
                angle=float(np.degrees(np.arctan2(-direction[1], -direction[0]))),
                headLen=head, headWidth=head * 0.8, brush=pg.mkBrush(
                    self._theme.run_colour(frame.colour)), pen=pg.mkPen("#000000", width=1.5),
            )
            arrow.setPos(at)
            current = frame.current_phi
            # The badge says what happened, at the same place; a fan's arrows go unlabelled
            # (its colour bar tells its members apart).
            text = ("" if frame.badge or frame.fan is not None else
                    f"{frame.name} off the map at φ = ({current[0]:.3g}, {current[1]:.3g})")
            if label.textItem.toPlainText() != text:
                label.setText(text)
            label.setVisible(bool(text))
            font = style.axis_font(round(11 * scale))
            if label.textItem.font() != font:  # set once per look (see set_look)
                label.setColor(self._theme.foreground)
                label.fill = pg.mkBrush(self._theme.legend_fill)
                label.setFont(font)
            label.setAnchor(self._inward_anchor(direction))
            label.setPos(self._beside_arrow(at, direction))

    def _beside_arrow(self, at: QPointF, direction: np.ndarray) -> QPointF:
        """Where the text of an edge arrow at ``at`` pointing in the screen ``direction``
        goes: beside the arrow's base, not over it."""
        px, py = (abs(float(v)) for v in self.getPlotItem().vb.viewPixelSize())
        back = EDGE_ARROW * self._scale + 4
        return QPointF(at.x() - direction[0] * back * px, at.y() + direction[1] * back * py)

    @staticmethod
    def _legend_entry(frame: RunFrame) -> str:
        loss = frame.loss_text()
        text = frame.name if loss is None else f"{frame.name}   loss {loss}"
        if frame.short_badge:
            text += f"   ✖ {frame.short_badge}"
        return html.escape(text)  # pyqtgraph's legend labels are HTML; a run's name is not

    # -- user input ---------------------------------------------------------------------------
    def _start_dragged(self) -> None:
        pos = self.start.pos()
        self.startRequested.emit((float(pos.x()), float(pos.y())))

    def _clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.startRequested.emit((float(point.x()), float(point.y())))

    def _range_changed(self, *_: object) -> None:
        self._user_moved = True

    def _range_changed_any(self, vb, ranges) -> None:  # type: ignore[no-untyped-def]
        self._drop_map_caches()
        self._show_badges(self._frames)  # the edge markers follow the view
        self._show_off_view(self._frames)
        self._place_basin_labels()  # the minima move under the legends, which stay
        if self._quiet or not self._user_moved:
            return
        self._user_moved = False
        (x0, x1), (y0, y1) = ranges
        if x1 > x0 and y1 > y0:
            self.windowChanged.emit(Window(float(x0), float(x1), float(y0), float(y1)))
