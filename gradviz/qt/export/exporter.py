"""Pictures, movies and numbers out of the app.

The landscape (heatmap, contours, paths, legend, colour bar, with the scene's
title and caption above it) as PNG at any size up to 7680 x 4320 or as SVG; the
whole window as PNG; the runs as CSV or JSON (written by :mod:`gradviz.core.run_set`
from the controller's records); an animation of the runs as GIF or, with ffmpeg on
the PATH or the ``mp4`` extra installed (imageio-ffmpeg), MP4.

Pictures and animations take the controller, never a window: each is drawn by a
view of the export's own, never on screen, made from the controller's state and
recorded runs (an :class:`~gradviz.qt.export.views.ExportView`, by default the
landscape's :class:`~gradviz.qt.export.views.LandscapeView`), so an export shows
what the app shows and no window is touched while it is written (an animation
draws the recorded runs update by update without scrubbing the timeline). The
view is laid out at a *logical* size of about 1280 x 720 with the aspect of the
requested image and painted into an image whose device pixel ratio makes up the
difference: text, markers and the legend scale with the image
instead of shrinking to specks at 4K. Every function here needs a QApplication
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
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from gradviz.core.files import atomic_path, check_folder, check_target, write_atomic
from gradviz.core.run_set import (
    RUNS_FORMATS,
    NamedRun,
    RunSet,
    check_no_size,
    write_runs,
)
from gradviz.core.scenes import Scene
from gradviz.qt import style
from gradviz.qt.export.views import LandscapeView, ViewMaker
from gradviz.qt.frame import RunFrame

if TYPE_CHECKING:
    from gradviz.qt.control.controller import AppController

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
EVEN_SIZE_FORMATS = (".mp4",)
"""Formats whose width and height must be even (the H.264 encoder halves the colour resolution)."""
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
MIN_FRAMES = 2
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


def size_limits(suffix: str) -> tuple[Size, Size]:
    """The smallest and the largest (width, height) of a ``suffix`` picture or animation:
    :data:`MIN_SIZE` to :data:`MAX_SIZE`, or :data:`MAX_GIF_SIZE` for GIF."""
    return MIN_SIZE, MAX_GIF_SIZE if suffix == ".gif" else MAX_SIZE


def check_size(size: Size, suffix: str) -> Size:
    """``size`` if a ``suffix`` file can be drawn at it.

    Raises
    ------
    ValueError
        Saying what is allowed, for a size outside :func:`size_limits`, an odd
        size for :data:`EVEN_SIZE_FORMATS`, or a size for numbers.
    """
    if suffix in NUMBER_FORMATS:
        check_no_size(suffix, size)
    width, height = size
    low, high = size_limits(suffix)
    if not (low[0] <= width <= high[0] and low[1] <= height <= high[1]):
        raise ValueError(
            f"{width}x{height} is outside {low[0]}x{low[1]} to {high[0]}x{high[1]}"
            + (" for a GIF" if suffix == ".gif" else "")
        )
    if suffix in EVEN_SIZE_FORMATS and (width % 2 or height % 2):
        raise ValueError(f"an {suffix} needs an even width and height, not {width}x{height}")
    return size


def check_frames(frames: int) -> int:
    """``frames`` if an animation can have that many.

    Raises
    ------
    ValueError
        Outside :data:`MIN_FRAMES` to :data:`MAX_FRAMES`.
    """
    if not MIN_FRAMES <= frames <= MAX_FRAMES:
        raise ValueError(f"an animation has {MIN_FRAMES} to {MAX_FRAMES} frames, not {frames}")
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
    controller: AppController,
    scene: Scene,
    timeout: float | None = None,
    progress: RunsProgress | None = None,
) -> None:
    """Open ``scene`` in ``controller``, compute every run to its end and wait for
    the runs, the loss surface and the basins if shown (processing events), as a
    headless export needs.

    No frame is published while it waits (only once, at the end): nobody
    watches, and redrawing ever longer paths 60 times a second took most of
    the time of a long export from the runs' worker.

    Raises
    ------
    ValueError
        With the controller's message if the scene cannot be opened.
    TimeoutError
        If ``timeout`` seconds pass first.
    """
    from gradviz.qt.control.controller import FRAME_MS

    busy = [True]
    messages: list[str] = []
    # Whether a frame of the finished runs has been drawn (the window draws one
    # when the runs stop playing): then the one at the end would draw it again.
    finished_drawn = [False]

    def track_busy(value: bool) -> None:
        busy[0] = value

    def track_frame(_frames: object) -> None:
        finished_drawn[0] = all(run.record.finished for run in controller.runs)

    def report() -> None:
        if progress is not None:
            progress(_runs_done(controller))

    # Wakes the wait below (which sleeps until an event comes) to check the clock.
    waker = QTimer()
    waker.setInterval(WAIT_WAKE_MS)
    waker.timeout.connect(report)
    controller.surfaceBusy.connect(track_busy)
    controller.message.connect(messages.append)
    controller.frameReady.connect(track_frame)
    controller.set_frame_interval(HELD_FRAME_MS)
    try:
        if not controller.load_scene(scene):
            raise ValueError(messages[-1] if messages else f"cannot open the scene {scene.name!r}")
        controller.run_to_end()
        deadline = math.inf if timeout is None else time.monotonic() + timeout
        waker.start()
        wait = QEventLoop.ProcessEventsFlag.WaitForMoreEvents
        while (busy[0] or controller.basins.busy
               or not all(run.record.finished for run in controller.runs)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the scene {scene.name!r} took over {timeout:g} s to compute")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents | wait)
    finally:
        waker.stop()
        controller.set_frame_interval(FRAME_MS)
        controller.surfaceBusy.disconnect(track_busy)
        controller.message.disconnect(messages.append)
        controller.frameReady.disconnect(track_frame)
    report()
    if not finished_drawn[0]:
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


class _Landscape:
    """A picture of ``size`` pixels: the scene's title and caption above an
    :class:`~gradviz.qt.export.views.ExportView` (by default the landscape).

    The view is made from the controller's state (see
    :mod:`gradviz.qt.export.views`) and dropped when the ``with`` block ends,
    so no window is touched.
    """

    def __init__(self, controller: AppController, size: Size,
                 view: ViewMaker = LandscapeView) -> None:
        self.controller = controller
        self.size = size
        self.ratio = _pixel_ratio(size)
        self.theme = controller.options.look
        self.width = size[0] / self.ratio
        self.height = size[1] / self.ratio
        self.title, self.caption = controller.heading()
        self._header = self._layout_header()
        plot_height = round(self.height - self.plot_top)
        self.view = view(controller, round(self.width), plot_height, self.ratio)

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

    def show(self, frames: list[RunFrame]) -> None:
        """Draw the runs as ``frames`` have them."""
        self.view.show_frames(frames)

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
        self.view.paint(painter, QRectF(0, self.plot_top, self.width, self.height - self.plot_top))

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
def _landscape_now(controller: AppController, size: Size, suffix: str,
                   view: ViewMaker) -> Iterator[_Landscape]:
    """``view`` laid out for a ``suffix`` picture of ``size``, showing the runs as
    the controller shows them now."""
    check_size(size, suffix)
    with _Landscape(controller, size, view) as landscape:
        landscape.show(controller.frames())
        yield landscape


def render_landscape(controller: AppController, size: Size,
                     view: ViewMaker = LandscapeView) -> QImage:
    """The landscape (or ``view``) with its title and caption as an image of ``size`` pixels."""
    with _landscape_now(controller, size, ".png", view) as landscape:
        return landscape.image()


def export_landscape_png(
    controller: AppController, path: str | Path, size: Size = DEFAULT_SIZES[".png"],
    view: ViewMaker = LandscapeView,
) -> str:
    """Write the landscape (or ``view``) as a PNG image of ``size`` (width, height) pixels.

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
    write_atomic(path, png_bytes(render_landscape(controller, size, view)))
    return f"{size[0]} x {size[1]} PNG of the landscape"


def export_landscape_svg(
    controller: AppController, path: str | Path, size: Size = DEFAULT_SIZES[".svg"],
    view: ViewMaker = LandscapeView,
) -> str:
    """Write the landscape (or ``view``) as SVG: lines, markers and text as vectors, the loss
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
    with _landscape_now(controller, size, ".svg", view) as landscape:
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
    write_atomic(path, png_bytes(image))
    return f"{image.width()} x {image.height()} PNG of the window"


def png_bytes(image: QImage) -> bytes:
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
        tuple(NamedRun(run.label(n_points), run.colour, run.record.to_trajectory(run.settings, terms=False))
              for run in controller.runs),
        controller.scene.name if controller.scene else None,
    )



# ----------------------------------------------------------------------------- animation


MAX_GIF_RUN_COLOURS = 128
"""Most colours of fans' members held exactly in a GIF's palette (the rest of its
256 entries are fitted to the map)."""


class _GifWriter:
    """Frames to an animated GIF, all mapped to one palette so the colours of the
    map do not flicker from frame to frame."""

    def __init__(self, path: Path, theme: style.Theme, drawn: tuple[str, ...] = ()) -> None:
        self.path = path
        self.frames: list[Image.Image] = []
        self.palette: Image.Image | None = None
        # The palette holds the runs' (and the fans' members' colours, ``drawn``)
        # and the text's colours exactly; the rest is fitted to the first frame,
        # where they cover too few pixels to win entries of their own.
        self.colours = [theme.run_colour(colour) for colour in style.RUN_COLOURS]
        self.colours += [theme.background, theme.foreground, theme.muted, "#000000"]
        extra = dict.fromkeys(c for c in drawn if c not in self.colours)
        self.colours += list(extra)[:MAX_GIF_RUN_COLOURS]

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
    controller: AppController,
    path: str | Path,
    size: Size | None = None,
    frames: int = DEFAULT_FRAMES,
    progress: Progress | None = None,
    view: ViewMaker = LandscapeView,
) -> str | None:
    """Write the runs' progress as a GIF or MP4 animation of the landscape.

    The runs are drawn as recorded at ``frames`` evenly spaced updates; the
    controller's timeline and playback and every window are left as they are.

    Parameters
    ----------
    controller : AppController
        Whose runs (computed) and view options are drawn.
    path : str or Path
        ``.gif`` or ``.mp4`` (which needs ffmpeg, see :func:`find_ffmpeg`).
    size : (int, int), optional
        Width and height in pixels (default: :data:`DEFAULT_SIZES` of the format).
    frames : int
        At most this many frames; fewer if the runs have fewer updates.
    progress : callable, optional
        Told ``(done, total)`` after each frame; returning False cancels.
    view : ViewMaker
        The view drawn (default: the landscape).

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
    last = controller.last_update
    updates = animation_updates(last, check_frames(frames))
    look = controller.options.look
    drawn = tuple(look.run_colour(run.colour) for run in controller.runs)
    writer = _GifWriter(path, look, drawn) if suffix == ".gif" else _Mp4Writer(path, size)
    finished = False
    try:
        with _Landscape(controller, size, view) as landscape:
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
    controller: AppController, parent: QWidget, path: str | Path, size: Size | None = None,
    frames: int = DEFAULT_FRAMES,
) -> str | None:
    """:func:`export_animation` with a progress dialog over ``parent`` whose Cancel stops it.

    Returns
    -------
    str or None
        What was written, or None if the user cancelled or closed ``parent``
        (no file is left behind).
    """
    dialog = QProgressDialog("Writing the animation…", "Cancel", 0, frames, parent)
    dialog.setWindowTitle("Export animation")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)

    def progress(done: int, total: int) -> bool:
        dialog.setMaximum(total)
        dialog.setValue(done)
        QApplication.processEvents()  # paint the bar and notice Cancel
        # Closing the parent (the window) cancels too: its runs and threads are gone.
        return not dialog.wasCanceled() and parent.isVisible()

    try:
        return export_animation(controller, path, size, frames, progress)
    finally:
        dialog.close()


def export_file(
    controller: AppController,
    path: str | Path,
    size: Size | None = None,
    frames: int = DEFAULT_FRAMES,
    progress: Progress | None = None,
    view: ViewMaker = LandscapeView,
) -> str | None:
    """Write ``path`` in the format its suffix names (one of :data:`FORMATS`): the
    landscape (or ``view``), an animation or the runs' numbers.

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
        return write_runs(path, run_set(controller))
    if suffix in ANIMATION_FORMATS:
        return export_animation(controller, path, size, frames, progress, view)
    size = size or DEFAULT_SIZES[suffix]
    if suffix == ".svg":
        return export_landscape_svg(controller, path, size, view)
    return export_landscape_png(controller, path, size, view)


__all__ = [
    "ANIMATION_FORMATS",
    "DEFAULT_FRAMES",
    "DEFAULT_SIZES",
    "EVEN_SIZE_FORMATS",
    "FORMATS",
    "IMAGE_FORMATS",
    "MAX_FRAMES",
    "MAX_GIF_SIZE",
    "MAX_SIZE",
    "MIN_FRAMES",
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
    "export_window_png",
    "png_bytes",
    "render_landscape",
    "run_set",
    "show_scene_finished",
    "size_limits",
]
