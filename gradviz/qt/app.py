"""Start the desktop application."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSocketNotifier, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from gradviz.core.scenes import Scene
from gradviz.qt import style
from gradviz.qt.guard import guard_pyqtgraph_paints

if TYPE_CHECKING:
    from gradviz.qt.main_window import MainWindow


def configure_pyqtgraph() -> None:
    """Antialiased lines and the app's colours; image data in (row, column) order."""
    pg.setConfigOptions(
        antialias=True, imageAxisOrder="row-major",
        background=style.DARK.background, foreground=style.DARK.foreground,
    )
    guard_pyqtgraph_paints()  # a fault in any of pyqtgraph's paints must not crash the app


_WIDGET_COLOURS = {
    "dark": {
        QPalette.ColorRole.Window: "#202326",
        QPalette.ColorRole.Base: "#15171a",
        QPalette.ColorRole.AlternateBase: "#2a2d31",
        QPalette.ColorRole.Button: "#2c3035",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.ToolTipBase: "#2c3035",
    },
    "light": {
        QPalette.ColorRole.Window: "#f2f2f2",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#e9e9e9",
        QPalette.ColorRole.Button: "#e4e4e4",
        QPalette.ColorRole.Highlight: "#2a62b0",
        QPalette.ColorRole.ToolTipBase: "#ffffff",
    },
}


def widget_palette(theme: style.Theme) -> QPalette:
    """A widget palette that matches the plots of ``theme``."""
    palette = QPalette()
    for role, colour in _WIDGET_COLOURS[theme.name].items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText, QPalette.ColorRole.ToolTipText):
        palette.setColor(role, QColor(theme.foreground))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(theme.muted))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.muted))
    return palette


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, created once, styled for gradviz."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    configure_pyqtgraph()
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    app.setStyle("Fusion")
    app.setPalette(widget_palette(style.DARK))
    return app  # type: ignore[return-value]


def open_window(scene: Scene | None = None, play: bool = False) -> MainWindow:
    """Show the main window with ``scene`` (playing if ``play``); on a first launch,
    with nothing remembered, the lecture's first scene and a welcome."""
    from gradviz.qt.main_window import MainWindow  # after pyqtgraph is configured

    window = MainWindow()
    window.resize(1600, 950)
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
    return INTERRUPTED if interrupted() else status


def dispose(window: QWidget) -> None:
    """Delete a closed ``window`` now, while Qt is whole. Left to the interpreter's
    exit, a window and its graphics items are torn down in no fixed order, and a
    process crashed now and then after it had done its work."""
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


INTERRUPTED = 128 + signal.SIGINT
"""The exit status after Ctrl+C closed the window (130, as a shell reports an interrupted program)."""


@contextmanager
def closed_on_interrupt(window: QWidget) -> Iterator[Callable[[], bool]]:
    """While inside, Ctrl+C (SIGINT) closes ``window`` as its close button would:
    settings saved, worker threads joined. Yields whether that happened.

    Python runs its signal handlers only between bytecodes, and none run while
    Qt's event loop waits: the C handler's byte on a socket (Python's wakeup fd)
    wakes the loop, and the handler closes the window from the loop, never from
    inside whatever Python code it interrupted. A second Ctrl+C ends the process
    at once.
    """
    received: list[int] = []

    def on_interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        QTimer.singleShot(0, window.close)

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: _drain(reader))  # Python's handler has run by then
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield lambda: bool(received)
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def _drain(reader: socket.socket) -> None:
    try:
        reader.recv(64)
    except BlockingIOError:
        pass
