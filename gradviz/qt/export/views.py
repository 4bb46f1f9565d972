"""The views an export draws: copies of the app's views of the export's own, never on
screen, made from the controller's state and recorded runs, never from the user's window.

Any view is exported through :class:`ExportView`, made by a :data:`ViewMaker`: the
landscape is :class:`LandscapeView`, the surface in 3D :class:`Surface3DExport`; an
overlay is one more maker, and the exporter needs no special case for it.
:data:`EXPORT_VIEWS` names the views an export can be asked for (``gradviz export --view``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from gradviz.core.colormaps import load_colormap
from gradviz.qt import style
from gradviz.qt.frame import RunFrame
from gradviz.qt.gl_check import opengl_problem
from gradviz.qt.overlays import OVERLAYS, OverlayGroup, Place
from gradviz.qt.view_options import ViewOptions
from gradviz.qt.views.surface_view import SurfaceView

if TYPE_CHECKING:
    from gradviz.qt.views.surface_3d import Surface3DView
    from gradviz.qt.control.controller import AppController
    from gradviz.qt.views.surface_3d import Camera


class ExportView(Protocol):
    """A view as an export draws it, laid out at a size in logical pixels for an image
    of a pixel ratio (see :data:`ViewMaker`)."""

    def show_frames(self, frames: list[RunFrame]) -> None:
        """Draw the runs as ``frames`` have them."""

    def paint(self, painter: QPainter, target: QRectF) -> None:
        """Paint the view into ``target``, in ``painter``'s logical pixels."""

    def close(self) -> None:
        """Drop the view and what it holds."""


ViewMaker = Callable[["AppController", int, int, float], ExportView]
"""Makes an :class:`ExportView` from the controller's state (its view options,
problem, surface and window) of ``width`` x ``height`` logical pixels, for an
image of the given pixel ratio."""


PANEL_NAMES = frozenset(kind.spec.name for kind in OVERLAYS if kind.spec.place is Place.PANEL)
PANEL_SHARE = 0.3
"""The part of an export's width the explanation panels take, when any is shown."""


def _panel_width(width: int, options: ViewOptions) -> int:
    """How wide the panels beside an export's map are: a share of it, at least
    legible at the export's text scale, never most of the picture."""
    return round(min(max(PANEL_SHARE * width, 300 * options.text_scale), 0.45 * width))


SurfaceLike = TypeVar("SurfaceLike", "SurfaceView", "Surface3DView")


def _dressed(view: SurfaceLike, controller: AppController) -> SurfaceLike:
    """``view``, never shown on screen, in the controller's look with its surface."""
    options = controller.options
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.set_look(options.look, options.text_scale)
    view.set_colormap(load_colormap(options.colormap), options.colormap)
    result = controller.surface
    if result is not None:
        s = result.surface
        view.set_surface(s.phi0, s.phi1, s.values, result.contours, result.minimum,
                         options.log_scale)
    return view


class LandscapeView:
    """The landscape (heatmap, contours, paths, legend, colour bar) as the app shows
    it, drawn by a :class:`~gradviz.qt.views.surface_view.SurfaceView` of its own.

    Its items draw for export (vector symbols, no pixmap caches) and its curves have
    pens widened by the pixel ratio.
    """

    def __init__(self, controller: AppController, width: int, height: int, ratio: float) -> None:
        self.ratio = ratio
        self._controller = controller
        self._widened: set[QGraphicsItem] = set()
        self._painted = False  # once, to a scratch picture: see paint
        options = controller.options
        view = self.surface_view = _dressed(SurfaceView(), controller)
        view.set_axes(controller.problem.axes)
        if options.show_basins:
            view.set_basins(controller.basins.basins)
        selected = controller.selected
        if selected is not None and selected.settings.start is not None:
            view.set_start(selected.settings.start, selected.identity_colour)
        self.panel_width = _panel_width(width, options) if options.overlays & PANEL_NAMES else 0
        view.resize(width - self.panel_width, height)
        view.show()  # laid out, as a shown view is, but never put on screen
        view.show_window(controller.window)
        # The overlays that explain in words, beside the map as the window has them.
        self.panels = QWidget()
        self.panels.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.panels.setPalette(style.widget_palette(options.look))
        self.panels.setAutoFillBackground(True)
        QVBoxLayout(self.panels).setContentsMargins(6, 6, 6, 6)
        self.panel_overlays = OverlayGroup.of(Place.PANEL, self.panels, OVERLAYS)
        self.panel_overlays.set_look(options.look, options.text_scale)
        self.panels.resize(max(self.panel_width, 1), height)
        if self.panel_width:
            self.panels.show()

    def show_frames(self, frames: list[RunFrame]) -> None:
        """Draw the runs as ``frames`` have them, the legend's losses included."""
        self.surface_view.set_runs(frames)
        # The overlays' numbers belong to the update drawn, not the one the window shows.
        overlays = self._controller.overlay_data(frames)
        self.surface_view.show_overlays(overlays)
        self.panel_overlays.show(overlays)
        # Run again for each frame: a rebuilt legend or a new badge brings new items.
        for item in self.surface_view.scene().items():
            # A cached pixmap has the screen's resolution, not the image's.
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            if isinstance(item, pg.GraphicsItem):
                # Export mode draws scatter symbols as paths, crisp at any ratio.
                item.setExportMode(True, {"antialias": True, "resolutionScale": 1.0})
            if isinstance(item, pg.PlotCurveItem | pg.ScatterPlotItem) and (
                    item not in self._widened):
                self._widen(item)
                self._widened.add(item)

    def _widen(self, item: pg.PlotCurveItem | pg.ScatterPlotItem) -> None:
        # Cosmetic pens are a number of device pixels wide whatever the pixel
        # ratio, so at 4K the paths would be hairlines: widen them to match.
        names: tuple[str, ...] = ("pen",)
        if isinstance(item, pg.PlotCurveItem):
            names = ("pen", "shadowPen")
            # Qt strokes a wide pen along one long path (thousands of contour
            # segments) many times slower than along each segment by itself.
            item.setSegmentedLineMode("on")
        for name in names:
            pen = item.opts.get(name)
            if isinstance(pen, QPen) and pen.isCosmetic() and pen.style() != Qt.PenStyle.NoPen:
                wide = QPen(pen)
                wide.setWidthF(max(pen.widthF(), 1.0) * self.ratio)
                # Drawn segment by segment, round caps fill the joints of an
                # opaque path; translucent contours need flat caps, or the
                # overlapping ends of their segments show as beads.
                opaque = pen.color().alpha() == 255
                wide.setCapStyle(Qt.PenCapStyle.RoundCap if opaque else Qt.PenCapStyle.FlatCap)
                (item.setPen if name == "pen" else item.setShadowPen)(wide)

    def paint(self, painter: QPainter, target: QRectF) -> None:
        """Paint the plot into ``target``, and the shown panels at its right, laid out."""
        if not self._painted:
            # pyqtgraph's axes learn their labels' widths while they paint, and only then
            # ask for the room they need (the colour bar's axis moved 9 px after the first
            # frame of a GIF): paint once to a scratch picture of the same kind first.
            self._painted = True
            device = painter.device()
            scratch = QImage(device.width(), device.height(), QImage.Format.Format_RGB32)
            scratch.setDevicePixelRatio(device.devicePixelRatioF())
            scratch_painter = QPainter(scratch)
            try:
                self._render(scratch_painter, target)
            finally:
                scratch_painter.end()
        # The layouts asked for since (the axes', a legend grown by a longer loss) are
        # applied now, as the window's event loop would between two frames.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self._render(painter, target)

    def _render(self, painter: QPainter, target: QRectF) -> None:
        scale = target.height() / max(self.surface_view.height(), 1)
        panel = self.panel_width * scale
        plot = QRectF(target.left(), target.top(), target.width() - panel, target.height())
        self.surface_view.scene().render(painter, plot, self.surface_view.sceneRect())
        if self.panel_width:
            self.panels.layout().activate()
            painter.save()
            painter.translate(plot.right(), target.top())
            painter.scale(scale, scale)
            self.panels.render(painter, QPoint(0, 0))
            painter.restore()

    def close(self) -> None:
        """Close the surface view and the panels and delete them."""
        for widget in (self.surface_view, self.panels):
            widget.close()
            widget.deleteLater()


class ViewUnavailable(ValueError):
    """A view that cannot be drawn here: the message says why (OpenGL missing, ...)."""


class Surface3DExport:
    """The loss surface in 3D with the runs' paths, drawn by a
    :class:`~gradviz.qt.views.surface_3d.Surface3DView` of its own (never on screen),
    seen from ``camera`` (by default the view's first angle), with its labels and
    a legend of the runs instead of the key help.

    Raises
    ------
    ViewUnavailable
        Where OpenGL cannot start (:func:`~gradviz.qt.gl_check.opengl_problem` says why).
    """

    def __init__(self, controller: AppController, width: int, height: int, ratio: float,
                 camera: Camera | None = None) -> None:
        problem = opengl_problem()
        if problem is not None:
            raise ViewUnavailable(f"the 3D view cannot be drawn: {problem}")
        # Imported here: pyqtgraph's OpenGL module loads libGL, which the landscape needs not.
        from gradviz.qt.views.surface_3d import Surface3DView

        self.ratio = ratio
        self._controller = controller
        view = self.view = Surface3DView()
        view.on_screen = False
        _dressed(view, controller)
        if camera is not None:
            view.set_camera(camera)
        view.resize(width, height)
        view.show()  # an OpenGL widget gets its context when shown, even never on screen

    def show_frames(self, frames: list[RunFrame]) -> None:
        """Draw the runs as ``frames`` have them, and the overlays' parts on the surface."""
        self.view.set_runs(frames)
        self.view.show_overlays(self._controller.overlay_data(frames))

    def paint(self, painter: QPainter, target: QRectF) -> None:
        """Paint the 3D picture at the image's resolution into ``target``, text over it."""
        width, height = round(target.width() * self.ratio), round(target.height() * self.ratio)
        painter.drawImage(target, self.view.render_image(width, height, self.ratio))
        self.view.paint_text(painter, target)

    def close(self) -> None:
        """Close the 3D view and delete it."""
        self.view.close()
        self.view.deleteLater()


@dataclass(frozen=True)
class ExportViewChoice:
    """A view an export can be asked for by name."""

    make: ViewMaker
    text: str
    """What the app's Export dialog calls it."""
    problem: Callable[[], str | None] = lambda: None
    """Why it cannot be drawn here (needs a QApplication), or ``None``."""


EXPORT_VIEWS: dict[str, ExportViewChoice] = {
    "landscape": ExportViewChoice(LandscapeView, "Landscape"),
    "3d": ExportViewChoice(Surface3DExport, "3D view", opengl_problem),
}
"""The views ``gradviz export --view`` and the app's Export dialog offer, by name."""
