"""Start the desktop application, or a window never shown for a headless export."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pyqtgraph as pg
from PySide6.QtCore import (
    QEvent,
    QObject,
    QSettings,
    QMessageLogContext,
    QSocketNotifier,
    Qt,
    QtMsgType,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QWidget

from gradviz.core.scenes import Scene
from gradviz.qt import style
from gradviz.qt.guard import guard_pyqtgraph_paints

if TYPE_CHECKING:
    from gradviz.core.basins import BasinMap
    from gradviz.core.fans import Fan
    from gradviz.core.problems import Problem
    from gradviz.core.run_set import RunSet
    from gradviz.qt.export.exporter import Progress, Size
    from gradviz.qt.main_window import MainWindow


def configure_pyqtgraph() -> None:
    """Antialiased lines and the app's colours; image data in (row, column) order."""
    pg.setConfigOptions(
        antialias=True, imageAxisOrder="row-major",
        background=style.DARK.background, foreground=style.DARK.foreground,
    )
    guard_pyqtgraph_paints()  # a fault in any of pyqtgraph's paints must not crash the app


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, created once, styled for gradviz."""
    app = QApplication.instance()
    if app is None:
        # pyqtgraph compiles each 3D item's shaders once per process: every OpenGL
        # widget (the window's 3D view, an export's) must share one context's objects.
        QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    configure_pyqtgraph()
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    app.setStyle("Fusion")
    app.setPalette(style.widget_palette(style.DARK))
    return app  # type: ignore[return-value]


def open_window(scene: Scene | None = None, play: bool = False) -> MainWindow:
    """Show the main window with ``scene`` (playing if ``play``); on a first launch,
    with nothing remembered, the lecture's first scene and a welcome."""
    from gradviz.qt.main_window import MainWindow  # after pyqtgraph is configured

    window = MainWindow()
    window.show()
    if scene is not None:
        window.controller.load_scene(scene)
    elif window.controller.scene is None:
        window.welcome()
    if play:
        window.controller.play()
    return window


def main(argv: Sequence[str] | None = None, scene: Scene | None = None,
         play: bool = False) -> int:
    """Open the main window (with ``scene``, playing if ``play``) and run the event loop.

    Returns the exit status (the CLI checks Qt's system libraries before this:
    see :mod:`gradviz.qt.platform_check`).
    """
    app = make_application(argv)
    window = open_window(scene, play)
    with closed_on_interrupt(window) as interrupted:
        status = app.exec()
    dispose(window)
    signum = interrupted()
    return 128 + signum if signum else status


def dispose(window: QObject) -> None:
    """Delete a closed ``window`` (or a controller) now, while Qt is whole. Left to the
    interpreter's exit, a window and its graphics items are torn down in no fixed
    order, and a process crashed now and then after it had done its work."""
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


INTERRUPTED = 128 + signal.SIGINT
"""The exit status after Ctrl+C closed the window (130, as a shell reports an interrupted program)."""

CLOSING_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl+C, and the polite request to end that ``kill`` and a logout send."""


@contextmanager
def closed_on_interrupt(window: QWidget) -> Iterator[Callable[[], int]]:
    """While inside, Ctrl+C (SIGINT) or SIGTERM closes ``window`` as its close button
    would: settings saved, worker threads joined. Yields what tells which signal did
    (0 for none).

    Python runs its signal handlers only between bytecodes, and none run while
    Qt's event loop waits: the C handler's byte on a socket (Python's wakeup fd)
    wakes the loop, and the handler closes the window from the loop, never from
    inside whatever Python code it interrupted. A second Ctrl+C ends the process
    at once.
    """
    received: list[int] = []

    def on_interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once
        QTimer.singleShot(0, window.close)

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: _drain(reader))  # Python's handler has run by then
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {signum: signal.signal(signum, on_interrupt) for signum in CLOSING_SIGNALS}
    try:
        yield lambda: received[0] if received else 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def _drain(reader: socket.socket) -> None:
    try:
        reader.recv(64)
    except BlockingIOError:
        pass


def _quiet_platform(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # The offscreen platform warns once per top-level widget that it cannot pass
    # on size hints; for a window never shown that is noise on the terminal.
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


class _TerminalLine:
    """One line of progress on ``stream``, rewritten in place; nothing unless it is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.on = stream.isatty()
        self.width = 0

    def show(self, text: str) -> None:
        if self.on:
            self.stream.write("\r" + text.ljust(self.width))
            self.stream.flush()
            self.width = len(text)

    def clear(self) -> None:
        if self.on and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def export_scene(
    scene: Scene,
    path: str | Path,
    size: Size | None = None,
    frames: int | None = None,
    progress: Progress | None = None,
    view: str = "landscape",
) -> str | None:
    """Open ``scene`` in a controller with no window, compute its runs and write
    ``path`` with :func:`gradviz.qt.export.exporter.export_file` (``frames`` None:
    its default), a picture showing ``view`` (a name of
    :data:`~gradviz.qt.export.views.EXPORT_VIEWS`); for the headless ``gradviz export``.
    The picture takes the theme the app last used, as an export from the app would.

    Needs a display or Qt's offscreen platform, chosen before this is called.

    Raises
    ------
    ViewUnavailable
        If ``view`` cannot be drawn here (the 3D view without OpenGL), before any run.
    ValueError
        If the scene cannot be opened or the path, size or frames are refused.
    OSError
        If the file cannot be written.
    """
    from gradviz.qt.control.controller import AppController
    from gradviz.qt.export.exporter import DEFAULT_FRAMES, export_file, show_scene_finished
    from gradviz.qt.export.views import EXPORT_VIEWS, ViewUnavailable
    from gradviz.qt.view_options import remembered_theme

    make_application()
    choice = EXPORT_VIEWS[view]
    problem = choice.problem()
    if problem is not None:
        raise ViewUnavailable(f"the {choice.text} cannot be drawn: {problem}")
    previous = qInstallMessageHandler(_quiet_platform)
    controller = AppController()
    controller.set_theme(remembered_theme(QSettings()) or controller.options.theme)
    line = _TerminalLine(sys.stderr)
    try:
        show_scene_finished(controller, scene, progress=lambda done: line.show(
            f"computing the runs… {int(100 * done)} %"))
        line.clear()
        return export_file(controller, path, size,
                           DEFAULT_FRAMES if frames is None else frames, progress, choice.make)
    finally:
        line.clear()  # before the error or the "wrote" line
        controller.shutdown()
        dispose(controller)
        qInstallMessageHandler(previous)


def export_fan(path: str | Path, problem: Problem, runs: RunSet, fan: Fan, size: Size) -> str:
    """Write the picture of a fan (:func:`gradviz.qt.export.fan_figure.export_fan_png`),
    for the headless ``gradviz fan``.

    Needs a display or Qt's offscreen platform, chosen before this is called.

    Raises
    ------
    ValueError
        For a size out of range.
    OSError
        If the file cannot be written.
    """
    from gradviz.qt.export.fan_figure import export_fan_png
    return _headless(export_fan_png, path, problem, runs, fan, size)


def export_basins(path: str | Path, basins: BasinMap, problem: Problem) -> str:
    """Write the picture of ``basins`` over ``problem``'s loss as a PNG at ``path``
    (:func:`gradviz.qt.export.basins.write_basins_png`) with no window; for the
    headless ``gradviz basins``. Needs a display or Qt's offscreen platform, chosen
    before this is called.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    from gradviz.qt.export.basins import write_basins_png
    return _headless(write_basins_png, path, basins, problem)


def _headless(write: Callable[..., str], *args: object) -> str:
    """``write(*args)`` in an application of its own, the platform's notices quieted."""
    make_application()
    previous = qInstallMessageHandler(_quiet_platform)
    try:
        return write(*args)
    finally:
        qInstallMessageHandler(previous)
