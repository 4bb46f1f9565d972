"""Qt tests run offscreen; every window is closed (threads joined) after its test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

from gradviz.qt.app import make_application  # noqa: E402
from gradviz.qt.gl_check import opengl_problem  # noqa: E402

# Before pytest-qt makes the QApplication: as make_application does (the 3D items need it).
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A ``gl`` test runs only where OpenGL starts; elsewhere it is skipped, saying why."""
    if item.get_closest_marker("gl") is not None:
        make_application()
        problem = opengl_problem()
        if problem is not None:
            pytest.skip(f"needs OpenGL ({problem}); .ci/run runs the gl tests under Xvfb")


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


@pytest.fixture(scope="session")
def x_display():  # type: ignore[no-untyped-def]
    """A real X server with a window manager, for what offscreen hides (focus, keys,
    full screen): the one in DISPLAY, or an Xvfb with openbox started for the session.
    Skips where neither is to be had."""
    import shutil
    import subprocess
    import time
    from pathlib import Path

    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not (shutil.which("Xvfb") and shutil.which("openbox")):
        pytest.skip("needs a DISPLAY, or Xvfb and openbox to start one")
    number = next(n for n in range(90, 200)
                  if not Path(f"/tmp/.X{n}-lock").exists()
                  and not Path(f"/tmp/.X11-unix/X{n}").exists())
    display = f":{number}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 15
    while not socket.exists() and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # a process starting, not Qt: nothing to wait on but its socket
    if not socket.exists():
        server.kill()
        pytest.skip(f"Xvfb did not start on {display}")
    manager = subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield display
    for process in (manager, server):
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def diverged(qapp):  # type: ignore[no-untyped-def]
    """Scene 2 computed until it diverged and the step-size bound (E) on: a badge, the
    start label and the bound's note, all on panels."""
    from finished_scenes import finished_scene

    yield from finished_scene(2, ("stability",))
