"""Whether the 3D view can start: OpenGL found and checked before any OpenGL widget exists.

An OpenGL widget that cannot get a context does not fail politely: on Qt's
offscreen platform, or without a working OpenGL driver, the first paint of a
pyqtgraph ``GLViewWidget`` ends the interpreter with a segmentation fault. So
the app asks :func:`opengl_problem` first and offers the 3D view only where it
returns ``None``; elsewhere the menu item says why and everything else works.
"""

from __future__ import annotations

import importlib.util

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

MIN_VERSION = (2, 1)
"""The OpenGL version pyqtgraph's 3D items need (their shaders are GLSL 1.20)."""

NO_GL_WINDOWS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "vkkhrdisplay"})
"""Qt platforms that draw no OpenGL widgets even where an OpenGL context can be made
(the offscreen platform makes one through GLX when a display is set)."""

XVFB_HINT = "run under an X server (xvfb-run -a ...)"


def opengl_problem() -> str | None:
    """Why the 3D view cannot start here, in a sentence; ``None`` if it can.

    Needs a QGuiApplication (the platform decides). It makes and drops one
    OpenGL context on an offscreen surface, never a widget, so it cannot crash
    where OpenGL is missing.
    """
    if importlib.util.find_spec("OpenGL") is None:
        return "the 3D view needs PyOpenGL: pip install PyOpenGL"
    app = QGuiApplication.instance()
    if app is None:
        return "the 3D view needs a running Qt application"
    if not app.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts):
        # pyqtgraph keeps one compiled shader per item class for the whole process.
        return ("the application was started without shared OpenGL contexts "
                "(Qt.AA_ShareOpenGLContexts), which pyqtgraph's 3D items need")
    platform = QGuiApplication.platformName()
    if platform in NO_GL_WINDOWS:
        return f"Qt's {platform} platform draws no OpenGL windows: {XVFB_HINT}"
    context = QOpenGLContext()
    if not context.create():
        return ("no OpenGL context could be made: install an OpenGL driver "
                "(on Debian or Ubuntu, Mesa's: sudo apt-get install libgl1-mesa-dri libglx-mesa0)")
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not surface.isValid() or not context.makeCurrent(surface):
            return "an OpenGL context was made but could not be used on this display"
        made = context.format()
        version = (made.majorVersion(), made.minorVersion())
        if not context.isOpenGLES() and version < MIN_VERSION:
            return (f"the 3D view needs OpenGL {MIN_VERSION[0]}.{MIN_VERSION[1]} or newer; "
                    f"this display offers {version[0]}.{version[1]}")
        try:
            import pyqtgraph.opengl  # noqa: F401 (PyOpenGL loads libGL here)
        except Exception as exc:  # an ImportError, or PyOpenGL's own errors for a missing libGL
            return f"pyqtgraph's OpenGL module cannot load: {exc}"
        return None
    finally:
        context.doneCurrent()
        surface.destroy()
