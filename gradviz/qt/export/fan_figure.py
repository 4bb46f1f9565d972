"""A fan as a picture: the family of paths on the landscape in a sequential colour
scale, a colour bar keyed to the value, and the final loss against the value.

Drawn headless for ``gradviz fan --out fan.png`` (see
:func:`gradviz.qt.app.export_fan`) by a pyqtgraph layout of its own, never on
screen; it needs a QApplication (the offscreen platform will do). The members'
colours are the core's (:func:`gradviz.core.fans.fan_colours`), so the app's fans
will match.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from gradviz.core.colormaps import load_colormap
from gradviz.core.contours import contour_levels, contour_segments
from gradviz.core.fans import FAN_COLORMAP, SEED, Fan, fan_positions
from gradviz.core.files import write_atomic
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import Problem
from gradviz.core.run_set import RunSet
from gradviz.core.surface import loss_surface
from gradviz.qt import style
from gradviz.qt.export.exporter import check_size, png_bytes

LOGICAL_WIDTH = 1280
"""The figure is laid out this wide and scaled to the image: text keeps its size
relative to the picture."""
THEME = style.LIGHT
"""A figure for slides and notes: dark text on white."""
DIVERGED = "#d62728"
"""The marks of diverged members: red, which the sequential scale does not hold."""
GRID = 200
"""Loss points per side of the landscape behind the paths."""
MAX_TICKS = 8
"""Most values labelled along an axis: a fan of 32 labels every fourth."""


def _ticks(fan: Fan, positions: np.ndarray) -> list[list[tuple[float, str]]]:
    """Ticks at the fan's values (at ``positions`` on the axis), at most
    :data:`MAX_TICKS` of them labelled, the ends always."""
    every = math.ceil(len(fan.values) / MAX_TICKS)
    shown = set(range(0, len(fan.values), every)) | {len(fan.values) - 1}
    return [[(float(p), label) for i, (p, label) in enumerate(zip(positions, fan.labels()))
             if i in shown]]


def _name(fan: Fan) -> str:
    """The fan's parameter as an axis says it: ``α (lr)``, or ``seed``."""
    return f"{fan.symbol} ({fan.param})" if fan.symbol != fan.param else fan.param


def _landscape(plot: pg.PlotItem, problem: Problem, scale: float) -> None:
    """The loss of ``problem`` over its view in greys (log loss, so valleys show),
    with contour lines: the paths' colours stand out on it."""
    surface = loss_surface(problem, grid=GRID)
    with np.errstate(divide="ignore", invalid="ignore"):
        shown = np.log10(np.where(surface.values > 0, surface.values, np.nan))
    finite = shown[np.isfinite(shown)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    image = pg.ImageItem(np.nan_to_num(shown, nan=low), axisOrder="row-major")
    grey = np.linspace(235, 150, 256)[:, None].repeat(3, axis=1).astype(np.uint8)
    image.setLookupTable(grey)
    image.setLevels((low, max(high, low + 1e-12)))
    w = surface.window
    image.setRect(QRectF(w.phi0_min, w.phi1_min, w.width, w.height))
    image.setZValue(-10)
    plot.addItem(image)
    segments = contour_segments(surface.phi0, surface.phi1, surface.values,
                                contour_levels(surface.values, 16, log=True))
    if segments.size:
        plot.addItem(pg.PlotDataItem(segments[:, 0], segments[:, 1], connect="pairs",
                                     pen=pg.mkPen(THEME.contour, width=scale)))
    plot.setRange(xRange=(w.phi0_min, w.phi0_max), yRange=(w.phi1_min, w.phi1_max), padding=0)
    axes = problem.axes
    plot.setLabel("bottom", axes[0].label)
    plot.setLabel("left", axes[1].label)


def _paths(plot: pg.PlotItem, problem: Problem, runs: RunSet, scale: float) -> None:
    """Each member's path in its colour over a dark outline; a diverged one ends in a
    red cross where it was last seen (at the view's edge if it left the view)."""
    w = problem.window
    for run in runs.runs:
        phi = run.trajectory.phi
        plot.addItem(pg.PlotDataItem(
            phi[:, 0], phi[:, 1], pen=pg.mkPen(run.colour, width=2.5 * scale),
            shadowPen=pg.mkPen(style.SHADOW, width=4.5 * scale),
        ))
        end = phi[-1]
        if run.trajectory.diverged_at is not None:
            at = np.clip(end, (w.phi0_min, w.phi1_min), (w.phi0_max, w.phi1_max))
            plot.addItem(pg.ScatterPlotItem([at[0]], [at[1]], symbol="x", size=16 * scale,
                                            brush=pg.mkBrush(DIVERGED),
                                            pen=pg.mkPen("#000000", width=scale)))
        else:
            plot.addItem(pg.ScatterPlotItem([end[0]], [end[1]], symbol="o", size=9 * scale,
                                            brush=pg.mkBrush(run.colour),
                                            pen=pg.mkPen("#000000", width=scale)))
    start = runs.runs[0].trajectory.phi[0]
    plot.addItem(pg.ScatterPlotItem([start[0]], [start[1]], symbol="s", size=10 * scale,
                                    brush=pg.mkBrush("#ffffff"),
                                    pen=pg.mkPen("#000000", width=1.5 * scale)))


def _colour_bar(fan: Fan) -> pg.ColorBarItem:
    """A bar of the sequential scale with a tick at each member's value."""
    table = load_colormap(FAN_COLORMAP)
    bar = pg.ColorBarItem(values=(0.0, 1.0), width=18, interactive=False,
                          colorMap=pg.ColorMap(np.linspace(0, 1, len(table)), table),
                          pen=pg.mkPen(THEME.muted))
    axis = bar.getAxis("right")
    axis.setTicks(_ticks(fan, fan_positions(fan)))
    axis.setTextPen(pg.mkPen(THEME.foreground))
    axis.setPen(pg.mkPen(THEME.muted))
    axis.setLabel(_name(fan), color=THEME.foreground, **{"font-size": "12pt"})  # after the pens
    axis.setTickFont(style.axis_font(10))
    axis.setWidth(None)
    return bar


def _final_losses(plot: pg.PlotItem, runs: RunSet, fan: Fan, scale: float) -> None:
    """Each member's final loss at its value (log axes where they fit); diverged
    members as red crosses along the top. Seeds have no order: their losses are a
    strip, with their median, not a curve."""
    values = np.array(fan.values, dtype=float)
    losses = np.array([run.trajectory.final_loss for run in runs.runs])
    diverged = np.array([run.trajectory.diverged_at is not None for run in runs.runs])
    kept = ~diverged
    log_y = bool(kept.any() and (losses[kept] > 0).all())
    plot.setLogMode(x=fan.log, y=log_y)
    plot.getViewBox().setDefaultPadding(0.08)  # room for the end values' tick labels
    legend = plot.addLegend(offset=(10, 10), labelTextColor=THEME.foreground,
                            labelTextSize="10pt",
                            brush=pg.mkBrush(THEME.legend_fill))
    if kept.any():
        colours = [pg.mkBrush(run.colour) for run, k in zip(runs.runs, kept) if k]
        plot.addItem(pg.PlotDataItem(
            values[kept], losses[kept],
            pen=None if fan.param == SEED else pg.mkPen(THEME.muted, width=1.5 * scale),
            symbol="o", symbolSize=12 * scale, symbolBrush=colours,
            symbolPen=pg.mkPen("#000000", width=scale), name="final loss",
        ))
    if fan.param == SEED and kept.any():
        median = float(np.median(losses[kept]))
        plot.addItem(pg.InfiniteLine(
            np.log10(median) if log_y else median, angle=0,
            pen=pg.mkPen(THEME.muted, width=1.5 * scale, style=Qt.PenStyle.DashLine),
            label=f"median {median:.3g}", labelOpts={"color": THEME.foreground, "position": 0.9},
        ))
    if diverged.any():
        top = float(losses[kept].max()) * (3.0 if log_y else 1.2) if kept.any() else 1.0
        plot.addItem(pg.PlotDataItem(
            values[diverged], np.full(int(diverged.sum()), top), pen=None, symbol="x",
            symbolSize=16 * scale, symbolBrush=pg.mkBrush(DIVERGED),
            symbolPen=pg.mkPen("#000000", width=scale), name="diverged",
        ))
    plot.setLabel("bottom", _name(fan))
    plot.getAxis("bottom").setTicks(_ticks(fan, np.log10(values) if fan.log else values))
    plot.setLabel("left", "final loss")
    legend.setParentItem(plot.vb)


def _styled(plot: pg.PlotItem) -> pg.PlotItem:
    style.style_plot(plot, 11, THEME)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    return plot


def _title(runs: RunSet, fan: Fan) -> str:
    settings = runs.runs[0].trajectory.settings
    diverged = sum(run.trajectory.diverged_at is not None for run in runs.runs)
    text = (f"{OPTIMIZERS[settings.optimizer].title} on the {runs.problem.model} model: "
            f"{len(fan.values)} values of {fan.param}, {settings.steps} updates each")
    return text + (f"; {diverged} diverged" if diverged else "")


def render_fan(problem: Problem, runs: RunSet, fan: Fan, size: tuple[int, int]) -> QImage:
    """The fan's figure as an image of ``size`` pixels.

    ``runs`` holds the members in the fan's order, in their colours (see
    :func:`gradviz.core.run_set.fan_named_runs`).

    Raises
    ------
    ValueError
        For a size outside what a PNG export allows, or no runs.
    """
    check_size(size, ".png")
    if not runs.runs:
        raise ValueError("a fan's figure needs its members")
    ratio = size[0] / LOGICAL_WIDTH
    height = round(size[1] / ratio)
    scale = ratio  # cosmetic pens are device pixels wide: widened to the image's ratio
    layout = pg.GraphicsLayoutWidget()
    layout.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    layout.setBackground(THEME.background)
    layout.addLabel(_title(runs, fan), row=0, col=0, colspan=3, color=THEME.foreground,
                    size="13pt")
    paths = _styled(layout.addPlot(row=1, col=0))
    _landscape(paths, problem, scale)
    _paths(paths, problem, runs, scale)
    layout.addItem(_colour_bar(fan), row=1, col=1)
    losses = _styled(layout.addPlot(row=1, col=2))
    _final_losses(losses, runs, fan, scale)
    grid = layout.ci.layout
    grid.setColumnStretchFactor(0, 5)
    grid.setColumnStretchFactor(2, 4)
    layout.resize(LOGICAL_WIDTH, height)
    layout.show()
    QApplication.processEvents()
    image = QImage(*size, QImage.Format.Format_RGB32)
    image.fill(THEME.background)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        layout.scene().render(painter, QRectF(0, 0, *size), layout.sceneRect())
    finally:
        painter.end()
        layout.close()
        layout.deleteLater()
    return image


def export_fan_png(path: str | Path, problem: Problem, runs: RunSet, fan: Fan,
                   size: tuple[int, int]) -> str:
    """Write :func:`render_fan` as a PNG image.

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    ValueError
        As :func:`render_fan`.
    OSError
        If the file cannot be written.
    """
    write_atomic(path, png_bytes(render_fan(problem, runs, fan, size)))
    return f"{size[0]} x {size[1]} PNG of {len(fan.values)} paths and their final losses"


__all__ = ["export_fan_png", "render_fan"]
