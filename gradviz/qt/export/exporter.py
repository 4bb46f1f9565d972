"""Pictures, movies and numbers out of the app.

The landscape (heatmap, contours, paths, legend, colour bar, with the scene's
title and caption above it) as PNG at any size up to 7680 x 4320 or as SVG; the
whole window as PNG; the runs as CSV or JSON (written by :mod:`gradviz.core.run_set`
from the controller's records); an animation of the runs as GIF or, with ffmpeg on
the PATH or the ``mp4`` extra installed (imageio-ffmpeg), MP4.

The landscape is drawn by a :class:`~gradviz.qt.views.surface_view.SurfaceView` of the
export's own, never on screen, given the state of the window's view, so an export
shows what the app shows and the window is not touched while it is written (an
animation draws the recorded runs update by update without scrubbing the
timeline). The view is laid out at a *logical* size of about 1280 x 720 with the
aspect of the requested image and painted into an image whose device pixel ratio
makes up the difference: text, markers and the legend scale with the image
instead of shrinking to specks at 4K. Every function here needs a shown window
(the offscreen platform will do).
"""

from __future__ import annotations

import errno
import io
import math
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PIL import Image
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEventLoop,
    QIODevice,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QGraphicsItem, QProgressDialog, QWidget

from gradviz.core.colormaps import load_colormap
from gradviz.core.files import atomic_path, check_folder, check_target, write_atomic
from gradviz.core.run_set import (
    RUNS_FORMATS,
    NamedRun,
    RunSet,
    check_no_size,
    write_runs,
    write_runs_csv,
    write_runs_json,
)
from gradviz.core.scenes import Scene
from gradviz.qt import style
from gradviz.qt.frame import RunFrame
from gradviz.qt.views.surface_view import SurfaceView

if TYPE_CHECKING:
    from gradviz.qt.control.controller import AppController
    from gradviz.qt.main_window import MainWindow

Size = tuple[int, int]
Progress = Callable[[int, int], bool]
"""Called with (frames done, frames in all) after each frame; returning False cancels."""

IMAGE_FORMATS = (".png", ".svg")
ANIMATION_FORMATS = (".gif", ".mp4")
NUMBER_FORMATS = RUNS_FORMATS
FORMATS = IMAGE_FORMATS + ANIMATION_FORMATS + NUMBER_FORMATS

MIN_SIZE: Size = (320, 180)
MAX_SIZE: Size = (7680, 4320)
MAX_GIF_SIZE: Size = (1280, 720)
"""GIF frames are kept whole until the file is written (Pillow's encoder needs them)."""
DEFAULT_SIZES: dict[str, Size] = {
    ".png": (3840, 2160),
    ".svg": (1280, 720),
    ".gif": (800, 450),
    ".mp4": (1920, 1080),
}
LOGICAL_SIZE: Size = (1280, 720)
"""The area of the view as laid out for an export: text is as large, relative to
the image, as in the app on a screen of about this size."""
MIN_PIXEL_RATIO = 0.75  # below this the text of a small image gets unreadable

DEFAULT_FRAMES = 120
MAX_FRAMES = 1000
FPS = 20
HOLD_LAST_MS = 1500  # the final state stays up a while before a GIF loops

_TITLE_PX = 26
_TEXT_PX = 17
_MARGIN = 12


# ----------------------------------------------------------------------------- checks

MP4_NEEDS = '.mp4 needs ffmpeg: pip install "gradviz[mp4]" (or put ffmpeg on the PATH)'


def find_ffmpeg() -> str | None:
    """The ffmpeg program MP4 export runs: the one on the PATH, else the one the
    ``mp4`` extra (imageio-ffmpeg) ships as a wheel; ``None`` without either."""
    on_path = shutil.which("ffmpeg")
    if on_path is not None:
        return on_path
    try:
        import imageio_ffmpeg  # the optional extra: most machines have no ffmpeg
    except ImportError:
        return None
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # installed without a binary for this platform
        return None



def check_output(path: str | Path) -> str:
    """The lower-case suffix of ``path`` if gradviz can write it here.

    Raises
    ------
    ValueError
        For a name that cannot be a file (:func:`~gradviz.core.files.check_target`),
        a suffix not in :data:`FORMATS`, ``.mp4`` without ffmpeg (:func:`find_ffmpeg`),
        or a folder that does not exist (found now, not after minutes of frames).
    """
    check_target(path)  # not "x.gif/", a folder or a device
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"unknown file type {suffix or '(none)'!r} for {str(path)!r}; use {', '.join(FORMATS)}"
        )
    if suffix == ".mp4" and find_ffmpeg() is None:
        raise ValueError(MP4_NEEDS)
    check_folder(path)  # found now, not after minutes of frames
    return suffix


def check_size(size: Size, suffix: str) -> Size:
    """``size`` if a ``suffix`` file can be drawn at it.

    Raises
    ------
    ValueError
        Saying what is allowed, for a size outside :data:`MIN_SIZE` to
        :data:`MAX_SIZE` (:data:`MAX_GIF_SIZE` for GIF), an odd MP4 size
        (the H.264 encoder halves the colour resolution), or a size for numbers.
    """
    if suffix in NUMBER_FORMATS:
        check_no_size(suffix, size)
    width, height = size
    high = MAX_GIF_SIZE if suffix == ".gif" else MAX_SIZE
    if not (MIN_SIZE[0] <= width <= high[0] and MIN_SIZE[1] <= height <= high[1]):
        raise ValueError(
            f"{width}x{height} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]} to {high[0]}x{high[1]}"
            + (" for a GIF" if suffix == ".gif" else "")
        )
    if suffix == ".mp4" and (width % 2 or height % 2):
        raise ValueError(f"an .mp4 needs an even width and height, not {width}x{height}")
    return size


def check_frames(frames: int) -> int:
    """``frames`` if an animation can have that many.

    Raises
    ------
    ValueError
        Outside 2 to :data:`MAX_FRAMES`.
    """
    if not 2 <= frames <= MAX_FRAMES:
        raise ValueError(f"an animation has 2 to {MAX_FRAMES} frames, not {frames}")
    return frames


def animation_updates(last_update: int, frames: int) -> list[int]:
    """The updates an animation of ``frames`` frames shows: evenly spaced from the
    start to ``last_update``, each once (fewer frames for a short run)."""
    return sorted({int(u) for u in np.round(np.linspace(0, last_update, frames))})


# ----------------------------------------------------------------------------- waiting


RunsProgress = Callable[[float], None]
"""Told the fraction of the runs' updates computed so far, about ten times a second."""

WAIT_WAKE_MS = 100
"""While the runs are computed, the wait looks at the clock and reports progress this often."""


def show_scene_finished(
    window: MainWindow,
    scene: Scene,
    timeout: float | None = None,
    progress: RunsProgress | None = None,
) -> None:
    """Open ``scene`` in ``window``, compute every run to its end and wait for the
    runs and the loss surface (processing events), as a headless export needs.

    The window is not redrawn while it waits (only once, at the end): nobody
    watches it, and redrawing ever longer paths 60 times a second took most of
    the time of a long export from the runs' worker.

    Raises
    ------
    ValueError
        With the controller's message if the scene cannot be opened.
    TimeoutError
        If ``timeout`` seconds pass first.
    """
    from gradviz.qt.control.controller import FRAME_MS

    controller = window.controller
    busy = [True]
    messages: list[str] = []

    def track_busy(value: bool) -> None:
        busy[0] = value

    def report() -> None:
        if progress is not None:
            progress(_runs_done(controller))

    # Wakes the wait below (which sleeps until an event comes) to check the clock.
    waker = QTimer()
    waker.setInterval(WAIT_WAKE_MS)
    waker.timeout.connect(report)
    controller.surfaceBusy.connect(track_busy)
    controller.message.connect(messages.append)
    controller.set_frame_interval(HELD_FRAME_MS)
    try:
        if not controller.load_scene(scene):
            raise ValueError(messages[-1] if messages else f"cannot open the scene {scene.name!r}")
        controller.run_to_end()
        deadline = math.inf if timeout is None else time.monotonic() + timeout
        waker.start()
        wait = QEventLoop.ProcessEventsFlag.WaitForMoreEvents
        while busy[0] or not all(run.record.finished for run in controller.runs):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the scene {scene.name!r} took over {timeout:g} s to compute")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents | wait)
    finally:
        waker.stop()
        controller.set_frame_interval(FRAME_MS)
        controller.surfaceBusy.disconnect(track_busy)
        controller.message.disconnect(messages.append)
    report()
    controller.publish_now()


HELD_FRAME_MS = 3_600_000
"""The frame interval while :func:`show_scene_finished` waits: no frame in practice."""


def _runs_done(controller: AppController) -> float:
    """The fraction of the runs' updates computed (a run that stopped early counts as done)."""
    total = sum(run.settings.steps + 1 for run in controller.runs)
    done = sum(
        run.settings.steps + 1 if run.record.finished else len(run.record)
        for run in controller.runs
    )
    return done / total if total else 1.0


# ----------------------------------------------------------------------------- landscape


def _pixel_ratio(size: Size) -> float:
    ratio = math.sqrt(size[0] * size[1] / (LOGICAL_SIZE[0] * LOGICAL_SIZE[1]))
    return max(MIN_PIXEL_RATIO, ratio)


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _surface_view_like(window: MainWindow, width: int, height: int) -> SurfaceView:
    """A surface view of ``width`` x ``height`` of the export's own, never on screen,
    given what the window's view shows but the runs: its look, axes, colour map,
    loss surface, start marker and window."""
    controller = window.controller
    view = SurfaceView()
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.set_look(window.theme, window.text_scale)
    view.set_axes(controller.problem.axes)
    view.set_colormap(load_colormap(window.colormap), window.colormap)
    result = controller.surface
    if result is not None:
        s = result.surface
        view.set_surface(s.phi0, s.phi1, s.values, result.contours, result.minimum,
                         controller.log_scale)
    selected = controller.selected
    if selected is not None and selected.settings.start is not None:
        view.set_start(selected.settings.start, selected.colour)
    view.resize(width, height)
    view.show()  # laid out, as a shown view is, but never put on screen
    view.show_window(controller.window)
    return view


class _Landscape:
    """The landscape laid out for an image of ``size`` pixels.

    It is drawn by a surface view of its own (see :func:`_surface_view_like`),
    dropped when the ``with`` block ends, so the window is left exactly as it
    was. Its items draw for export (vector symbols, no
    pixmap caches) and its curves have pens widened by the pixel ratio.
    """

    def __init__(self, window: MainWindow, size: Size) -> None:
        self.window = window
        self.size = size
        self.ratio = _pixel_ratio(size)
        self.theme = window.theme
        self.width = size[0] / self.ratio
        self.height = size[1] / self.ratio
        self.title = window.title.text() if not window.title.isHidden() else ""
        self.caption = window.caption.text() if not window.caption.isHidden() else ""
        self._header = self._layout_header()
        self._widened: set[QGraphicsItem] = set()
        plot_height = round(self.height - self.plot_top)
        self.view = _surface_view_like(window, round(self.width), plot_height)

    def _layout_header(self) -> list[tuple[QRectF, QFont, str, QColor]]:
        # Title and caption wrap within the image width; the plot gets the rest.
        lines = []
        top = float(_MARGIN) if self.title or self.caption else 0.0
        text_width = self.width - 2 * _MARGIN
        for text, font, colour in (
            (self.title, _font(_TITLE_PX, bold=True), QColor(self.theme.foreground)),
            (self.caption, _font(_TEXT_PX), QColor(self.theme.muted)),
        ):
            if text:
                rect = QFontMetricsF(font).boundingRect(
                    QRectF(_MARGIN, top, text_width, self.height),
                    Qt.TextFlag.TextWordWrap, text,
                )
                lines.append((QRectF(_MARGIN, top, text_width, rect.height()), font, text, colour))
                top += rect.height() + 4
        self.plot_top = top + (_MARGIN / 2 if lines else 0.0)
        return lines

    def __enter__(self) -> _Landscape:
        return self

    def __exit__(self, *exc: object) -> None:
        self.view.close()
        self.view.deleteLater()

    def show(self, frames: list[RunFrame]) -> None:
        """Draw the runs as ``frames`` have them, the legend's losses included."""
        self.view.set_runs(frames)
        # Run again for each frame: a rebuilt legend or a new badge brings new items.
        for item in self.view.scene().items():
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

    def paint(self, painter: QPainter, note: str = "") -> None:
        """Paint the header (with ``note`` at its right) and the plot, in logical pixels."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        # The loss grid is a smooth function: interpolate its pixels when enlarged.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(QRectF(0, 0, self.width, self.height), QColor(self.theme.background))
        for rect, font, text, colour in self._header:
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(rect, Qt.TextFlag.TextWordWrap, text)
        if note:
            painter.setFont(_font(_TEXT_PX))
            painter.setPen(QColor(self.theme.foreground))
            box = QRectF(_MARGIN, _MARGIN / 2, self.width - 2 * _MARGIN, _TITLE_PX + _MARGIN)
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, note)
        target = QRectF(0, self.plot_top, self.width, self.height - self.plot_top)
        self.view.scene().render(painter, target, self.view.sceneRect())

    def image(self, note: str = "") -> QImage:
        """The landscape as an image of :attr:`size` pixels."""
        image = QImage(*self.size, QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(self.ratio)
        painter = QPainter(image)
        try:
            self.paint(painter, note)
        finally:
            painter.end()
        return image


@contextmanager
def _landscape_now(window: MainWindow, size: Size, suffix: str) -> Iterator[_Landscape]:
    """The landscape laid out for a ``suffix`` picture of ``size``, showing the runs
    as the window shows them now."""
    check_size(size, suffix)
    with _Landscape(window, size) as landscape:
        landscape.show(window.controller.frames())
        yield landscape


def render_landscape(window: MainWindow, size: Size) -> QImage:
    """The landscape with its title and caption as an image of ``size`` pixels."""
    with _landscape_now(window, size, ".png") as landscape:
        return landscape.image()


def export_landscape_png(
    window: MainWindow, path: str | Path, size: Size = DEFAULT_SIZES[".png"]
) -> str:
    """Write the landscape as a PNG image of ``size`` (width, height) pixels.

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    ValueError
        For a size outside :data:`MIN_SIZE` to :data:`MAX_SIZE`.
    OSError
        If the file cannot be written.
    """
    write_atomic(path, _png_bytes(render_landscape(window, size)))
    return f"{size[0]} x {size[1]} PNG of the landscape"


def export_landscape_svg(
    window: MainWindow, path: str | Path, size: Size = DEFAULT_SIZES[".svg"]
) -> str:
    """Write the landscape as SVG: lines, markers and text as vectors, the loss
    grid as an embedded image; ``size`` is the nominal size in pixels.

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    ValueError
        For a size outside :data:`MIN_SIZE` to :data:`MAX_SIZE`.
    OSError
        If the file cannot be written.
    """
    with _landscape_now(window, size, ".svg") as landscape:
        generator = QSvgGenerator()
        # Drawn into memory, then written whole: QSvgGenerator reports no write errors.
        svg = QBuffer()
        generator.setOutputDevice(svg)
        # The pixel ratio applies here as a view box: the SVG is drawn at the
        # logical size and scaled up by whatever shows it.
        generator.setSize(QSize(*size))
        generator.setViewBox(QRectF(0, 0, landscape.width, landscape.height))
        generator.setTitle(landscape.title or "gradviz loss landscape")
        generator.setDescription(landscape.caption)
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(f"cannot draw the SVG for {path}")
        try:
            landscape.paint(painter)
        finally:
            painter.end()
    write_atomic(path, bytes(svg.data()))
    return f"{size[0]} x {size[1]} SVG of the landscape"


def export_window_png(window: QWidget, path: str | Path) -> str:
    """Write the whole window as a PNG image at the screen's resolution.

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    image = window.grab().toImage()
    write_atomic(path, _png_bytes(image))
    return f"{image.width()} x {image.height()} PNG of the window"


def _png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG, to be written whole or not at all."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError(errno.EIO, "Qt could not encode the image as PNG")
    buffer.close()
    return bytes(data)


# ----------------------------------------------------------------------------- numbers


def run_set(controller: AppController) -> RunSet:
    """The controller's runs as plain data for :mod:`gradviz.core.run_set`: each with
    its legend name, its colour and its record so far."""
    n_points = controller.problem.n_points
    return RunSet(
        controller.spec,
        tuple(NamedRun(run.label(n_points), run.colour, run.record.to_trajectory(run.settings))
              for run in controller.runs),
        controller.scene.name if controller.scene else None,
    )


def export_runs_csv(controller: AppController, path: str | Path) -> str:
    """Write every run's recorded rows as one CSV table (see
    :func:`gradviz.core.run_set.write_runs_csv`); returns what was written."""
    return write_runs_csv(path, run_set(controller))


def export_runs_json(controller: AppController, path: str | Path) -> str:
    """Write every run, its name, colour, settings and rows, as one JSON document (see
    :func:`gradviz.core.run_set.write_runs_json`); returns what was written."""
    return write_runs_json(path, run_set(controller))


# ----------------------------------------------------------------------------- animation


class _GifWriter:
    """Frames to an animated GIF, all mapped to one palette so the colours of the
    map do not flicker from frame to frame."""

    def __init__(self, path: Path, theme: style.Theme) -> None:
        self.path = path
        self.frames: list[Image.Image] = []
        self.palette: Image.Image | None = None
        # The palette holds the runs' and the text's colours exactly; the rest
        # is fitted to the first frame, where they cover too few pixels to win
        # entries of their own.
        self.colours = [theme.run_colour(colour) for colour in style.RUN_COLOURS]
        self.colours += [theme.background, theme.foreground, theme.muted, "#000000"]

    def add(self, image: QImage) -> None:
        rgb = _pil_rgb(image)
        if self.palette is None:
            free = 256 - len(self.colours)
            fitted = rgb.quantize(free, method=Image.Quantize.MEDIANCUT)
            fixed = [channel for name in self.colours for channel in QColor(name).getRgb()[:3]]
            self.palette = Image.new("P", (1, 1))
            self.palette.putpalette(fixed + fitted.getpalette()[: 3 * free])
        self.frames.append(rgb.quantize(palette=self.palette, dither=Image.Dither.NONE))

    def close(self) -> None:
        durations = [round(1000 / FPS)] * len(self.frames)
        durations[-1] = HOLD_LAST_MS
        first, *rest = self.frames
        gif = io.BytesIO()
        first.save(gif, format="GIF", save_all=True, append_images=rest, duration=durations,
                   loop=0)
        write_atomic(self.path, gif.getvalue())

    def abort(self) -> None:
        self.frames.clear()


class _Aborted(BaseException):
    """Thrown into a file's :func:`~gradviz.core.files.atomic_path` to drop it."""


class _Mp4Writer:
    """Frames streamed to an ffmpeg process as raw pixels, so memory stays flat.
    ffmpeg writes a temporary file beside ``path``, renamed over it only once the
    movie is complete."""

    def __init__(self, path: Path, size: Size) -> None:
        self.path = path
        ffmpeg = find_ffmpeg()
        if ffmpeg is None:
            raise OSError(MP4_NEEDS)
        self._file = atomic_path(path)
        temp = self._file.__enter__()
        try:
            self.process = subprocess.Popen(
                [
                    ffmpeg, "-y", "-loglevel", "error",
                    # QImage's RGB32 is 0xffRRGGBB: B, G, R, 255 in memory on every
                    # little-endian machine gradviz runs on.
                    "-f", "rawvideo", "-pix_fmt", "bgra", "-s", f"{size[0]}x{size[1]}",
                    "-r", str(FPS), "-i", "-",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "20",
                    "-movflags", "+faststart", str(temp),
                ],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
        except BaseException:
            self._file.__exit__(_Aborted, _Aborted(), None)
            raise

    def add(self, image: QImage) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(bytes(image.constBits()))
        except BrokenPipeError:
            self.close()  # reports why ffmpeg stopped

    def close(self) -> None:
        _, errors = self.process.communicate()
        if self.process.returncode != 0:
            reason = errors.decode(errors="replace").strip().splitlines()
            failure = OSError(errno.EIO, f"ffmpeg failed: "
                              f"{reason[-1] if reason else self.process.returncode}")
            self._file.__exit__(OSError, failure, None)  # raises it, naming the file
        self._file.__exit__(None, None, None)

    def abort(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        self._file.__exit__(_Aborted, _Aborted(), None)


def _pil_rgb(image: QImage) -> Image.Image:
    width, height = image.width(), image.height()
    return Image.frombuffer(
        "RGB", (width, height), bytes(image.constBits()), "raw", "BGRX", image.bytesPerLine(), 1
    )


def export_animation(
    window: MainWindow,
    path: str | Path,
    size: Size | None = None,
    frames: int = DEFAULT_FRAMES,
    progress: Progress | None = None,
) -> str | None:
    """Write the runs' progress as a GIF or MP4 animation of the landscape.

    The runs are drawn as recorded at ``frames`` evenly spaced updates; the
    window, its timeline and playback are left as they are.

    Parameters
    ----------
    window : MainWindow
        A shown window whose runs have been computed.
    path : str or Path
        ``.gif`` or ``.mp4`` (which needs ffmpeg, see :func:`find_ffmpeg`).
    size : (int, int), optional
        Width and height in pixels (default: :data:`DEFAULT_SIZES` of the format).
    frames : int
        At most this many frames; fewer if the runs have fewer updates.
    progress : callable, optional
        Told ``(done, total)`` after each frame; returning False cancels.

    Returns
    -------
    str or None
        What was written, or None if cancelled (no file is left behind).

    Raises
    ------
    ValueError
        For another suffix, a size or frame count out of range.
    OSError
        If the file cannot be written or ffmpeg fails.
    """
    path = Path(path)
    suffix = check_output(path)
    if suffix not in ANIMATION_FORMATS:
        raise ValueError(f"an animation is {' or '.join(ANIMATION_FORMATS)}, not {suffix}")
    size = check_size(size or DEFAULT_SIZES[suffix], suffix)
    controller = window.controller
    last = controller.last_update
    updates = animation_updates(last, check_frames(frames))
    writer = _GifWriter(path, window.theme) if suffix == ".gif" else _Mp4Writer(path, size)
    finished = False
    try:
        with _Landscape(window, size) as landscape:
            for done, update in enumerate(updates, start=1):
                landscape.show(controller.frames_at(update))
                writer.add(landscape.image(f"update {update} of {last}"))
                if progress is not None and not progress(done, len(updates)):
                    return None
        writer.close()
        finished = True
    finally:
        if not finished:
            writer.abort()
    return f"{len(updates)} frames of {size[0]} x {size[1]} at {FPS} frames/s"


def export_animation_with_dialog(
    window: MainWindow, path: str | Path, size: Size | None = None, frames: int = DEFAULT_FRAMES
) -> str | None:
    """:func:`export_animation` with a progress dialog whose Cancel stops it.

    Returns
    -------
    str or None
        What was written, or None if the user cancelled or closed the window
        (no file is left behind).
    """
    dialog = QProgressDialog("Writing the animation…", "Cancel", 0, frames, window)
    dialog.setWindowTitle("Export animation")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)

    def progress(done: int, total: int) -> bool:
        dialog.setMaximum(total)
        dialog.setValue(done)
        QApplication.processEvents()  # paint the bar and notice Cancel
        # Closing the window cancels too: its runs and threads are gone.
        return not dialog.wasCanceled() and window.isVisible()

    try:
        return export_animation(window, path, size, frames, progress)
    finally:
        dialog.close()


def export_file(
    window: MainWindow,
    path: str | Path,
    size: Size | None = None,
    frames: int = DEFAULT_FRAMES,
    progress: Progress | None = None,
) -> str | None:
    """Write ``path`` in the format its suffix names (one of :data:`FORMATS`): the
    landscape, an animation or the runs' numbers.

    Returns
    -------
    str or None
        What was written, or None if an animation was cancelled.

    Raises
    ------
    ValueError
        For an unknown suffix or a size or frame count out of range.
    OSError
        If the file cannot be written.
    """
    suffix = check_output(path)
    if suffix in NUMBER_FORMATS:
        if size is not None:
            check_size(size, suffix)  # refuses: numbers have no size
        return write_runs(path, run_set(window.controller))
    if suffix in ANIMATION_FORMATS:
        return export_animation(window, path, size, frames, progress)
    size = size or DEFAULT_SIZES[suffix]
    if suffix == ".svg":
        return export_landscape_svg(window, path, size)
    return export_landscape_png(window, path, size)


__all__ = [
    "ANIMATION_FORMATS",
    "DEFAULT_FRAMES",
    "DEFAULT_SIZES",
    "FORMATS",
    "IMAGE_FORMATS",
    "MAX_SIZE",
    "MIN_SIZE",
    "NUMBER_FORMATS",
    "animation_updates",
    "check_frames",
    "check_output",
    "check_size",
    "export_animation",
    "export_animation_with_dialog",
    "export_file",
    "export_landscape_png",
    "export_landscape_svg",
    "export_runs_csv",
    "export_runs_json",
    "export_window_png",
    "render_landscape",
    "run_set",
    "show_scene_finished",
]
