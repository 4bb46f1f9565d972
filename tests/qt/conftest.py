"""Qt tests run offscreen; every window is closed (threads joined) after its test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from gradviz.qt.app import make_application  # noqa: E402


@pytest.fixture(autouse=True)
def private_settings(tmp_path):  # type: ignore[no-untyped-def]
    """Remembered settings go to a fresh folder per test, never the user's own."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    return tmp_path


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    """A shown main window whose first surface has arrived."""
    make_application()
    from gradviz.qt.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.controller.surface is not None, timeout=10_000)
    qtbot.waitUntil(lambda: len(win.controller.runs[0].record) >= 1, timeout=5_000)
    yield win
    win.close()


@pytest.fixture
def active(window, qtbot):  # type: ignore[no-untyped-def]
    """The window, active so that its shortcuts receive key presses."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window
