"""Start the desktop application."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from gradviz.qt import style


def configure_pyqtgraph() -> None:
    """Antialiased lines and the app's colours; image data in (row, column) order."""
    pg.setConfigOptions(
        antialias=True, imageAxisOrder="row-major",
        background=style.BACKGROUND, foreground=style.FOREGROUND,
    )


def dark_palette() -> QPalette:
    """A dark widget palette that matches the plots."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#202326",
        QPalette.ColorRole.WindowText: style.FOREGROUND,
        QPalette.ColorRole.Base: "#15171a",
        QPalette.ColorRole.AlternateBase: "#2a2d31",
        QPalette.ColorRole.Text: style.FOREGROUND,
        QPalette.ColorRole.Button: "#2c3035",
        QPalette.ColorRole.ButtonText: style.FOREGROUND,
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2c3035",
        QPalette.ColorRole.ToolTipText: style.FOREGROUND,
        QPalette.ColorRole.PlaceholderText: style.MUTED,
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(style.MUTED))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText,
                     QColor(style.MUTED))
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
    app.setPalette(dark_palette())
    return app  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window and run the event loop; returns the exit status."""
    app = make_application(argv)
    from gradviz.qt.main_window import MainWindow  # after pyqtgraph is configured

    window = MainWindow()
    window.resize(1600, 950)
    window.show()
    return app.exec()
