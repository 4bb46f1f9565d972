"""The picture of a basin map, headless: the loss heatmap and its contours as the
app draws them, the cells in their class colours over it, the minima marked and
labelled with their losses, a legend of the classes and a title naming the runs.

For ``gradviz basins --out FILE.png`` (through :func:`gradviz.qt.app.export_basins`);
it needs no window, only Qt's offscreen platform (which the CLI chooses without a
display).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from gradviz.core.basins import BasinMap
from gradviz.core.colormaps import load_colormap
from gradviz.core.contours import contour_levels, contour_segments
from gradviz.core.files import write_atomic
from gradviz.core.problems import Problem
from gradviz.core.surface import loss_surface
from gradviz.qt import style
from gradviz.qt.export.exporter import png_bytes
from gradviz.qt.layers.basin_layer import BasinOverlay

SIZE = (1600, 960)
"""The picture's size in pixels."""
SURFACE_GRID = 256
"""Loss values a side of the heatmap under the basins."""
CONTOURS = 24


def basins_title(basins: BasinMap) -> str:
    """The picture's title: the runs' label and their number of updates."""
    return (f"Basins of attraction: {basins.settings.label(basins.n_points)}, "
            f"{basins.settings.steps} updates from each cell")


def render_basins(basins: BasinMap, problem: Problem, size: tuple[int, int] = SIZE,
                  theme: style.Theme = style.DARK) -> QImage:
    """``basins`` over the loss of ``problem`` as an image of ``size`` pixels.

    Needs a QApplication (see :func:`write_basins_png`).
    """
    from gradviz.qt.views.surface_view import SurfaceView  # after pyqtgraph is configured

    view = SurfaceView()
    try:
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.set_look(theme, 1.0)
        view.set_axes(problem.axes)
        view.set_colormap(load_colormap("udl"), "udl")
        surface = loss_surface(problem, basins.window, SURFACE_GRID)
        levels = contour_levels(surface.values, CONTOURS)
        minimum, _ = problem.minimum(basins.window)
        view.set_surface(surface.phi0, surface.phi1, surface.values,
                         contour_segments(surface.phi0, surface.phi1, surface.values, levels),
                         minimum, False)
        view.start.hide()  # every cell is a start
        view.legend.hide()  # the runs' legend: there are no runs to name
        view.getPlotItem().setTitle(basins_title(basins), color=theme.foreground)
        overlay = BasinOverlay(view.getPlotItem(), beside=True)
        overlay.show(basins, theme)
        view.resize(*size)
        view.show()  # laid out, as a shown view is, but never put on screen
        view.show_window(basins.window)
        overlay.place_labels()  # inside the map, clear of each other and the markers
        image = QImage(*size, QImage.Format.Format_RGB32)
        image.fill(theme.background)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            view.scene().render(painter, QRectF(0, 0, *size), view.sceneRect())
        finally:
            painter.end()
        return image
    finally:
        view.close()
        view.deleteLater()


def write_basins_png(path: str | Path, basins: BasinMap, problem: Problem) -> str:
    """Write the picture of ``basins`` over ``problem``'s loss as a PNG at ``path``.

    Needs a QApplication (:func:`gradviz.qt.app.export_basins` makes one).

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    image = render_basins(basins, problem)
    write_atomic(path, png_bytes(image))
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the view, now
    return f"{image.width()} x {image.height()} PNG of {basins.labels.size} cells"


__all__ = ["SIZE", "basins_title", "render_basins", "write_basins_png"]
