"""Exports from the controller alone, no window made: the landscape and any view
that keeps :class:`~gradviz.qt.export.views.ExportView`, as pictures and animations."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter

from gradviz.core.scenes import builtin_scenes
from gradviz.qt.control.controller import AppController
from gradviz.qt.export import exporter
from gradviz.qt.export.views import ExportView
from gradviz.qt.frame import RunFrame

PAINT = "#12ab34"


class FlatView:
    """An :class:`ExportView` that paints its area one colour and notes what it is told."""

    made: list[FlatView] = []

    def __init__(self, controller: AppController, width: int, height: int, ratio: float) -> None:
        self.size, self.ratio = (width, height), ratio
        self.shown: list[list[RunFrame]] = []
        self.closed = False
        FlatView.made.append(self)

    def show_frames(self, frames: list[RunFrame]) -> None:
        self.shown.append(frames)

    def paint(self, painter: QPainter, target: QRectF) -> None:
        painter.fillRect(target, QColor(PAINT))

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def finished(qapp):  # type: ignore[no-untyped-def]
    """A controller, no window, with scene 10's runs computed to their end."""
    controller = AppController()
    controller.start()
    scene = next(s for s in builtin_scenes() if s.name == "nesterov")
    exporter.show_scene_finished(controller, scene, timeout=60)
    FlatView.made.clear()
    yield controller
    controller.shutdown()


def _pixels(path) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(Image.open(path).convert("RGB"))


def test_the_landscape_is_exported_from_the_controller_without_a_window(finished, tmp_path):
    path = tmp_path / "landscape.png"
    assert exporter.export_file(finished, path, (640, 360)).startswith("640 x 360 PNG")
    pixels = _pixels(path)
    assert pixels.shape == (360, 640, 3) and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100


def test_any_export_view_is_painted_below_the_heading_and_closed(finished, tmp_path):
    view: type[ExportView] = FlatView
    path = tmp_path / "flat.png"
    exporter.export_file(finished, path, (1280, 720), view=view)
    (made,) = FlatView.made
    assert made.closed and made.ratio == 1.0 and made.size[0] == 1280
    assert [[f.index for f in frames] for frames in made.shown] == [
        [f.index for f in finished.frames()]]
    pixels = _pixels(path)
    green = np.all(pixels == QColor(PAINT).getRgb()[:3], axis=-1)
    assert green[-1].all() and not green[0].any()  # the heading is above the view
    rows = green.all(axis=1).sum()  # the view's top may fall inside a pixel row
    assert made.size[1] - 1 <= rows <= made.size[1] and green.sum() == 1280 * rows


def test_an_animation_shows_each_update_in_the_export_view(finished, tmp_path):
    path = tmp_path / "flat.gif"
    assert exporter.export_animation(finished, path, (320, 180), frames=5, view=FlatView)
    (made,) = FlatView.made
    last = finished.last_update
    assert [[f.index for f in frames] for frames in made.shown] == [
        [min(update, len(f.loss) - 1) for f in finished.frames()]
        for update in exporter.animation_updates(last, 5)
    ]
    assert made.closed


@pytest.mark.parametrize("theme, light", [("light", True), ("dark", False)])
def test_a_headless_export_takes_the_theme_the_app_last_used(qapp, tmp_path, theme, light):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QImage

    from gradviz.core.scenes import find_scene
    from gradviz.qt import app
    from gradviz.qt.view_options import THEME_SETTING

    app.make_application()  # names the settings' file
    QSettings().setValue(THEME_SETTING, theme)
    path = tmp_path / "ravine.png"
    assert app.export_scene(find_scene("13"), path, (320, 180))
    corner = QImage(str(path)).pixelColor(2, 2)  # the picture's background, outside the plot
    assert (corner.lightness() > 200) == light


def test_a_headless_picture_is_drawn_without_a_main_window(tmp_path):
    script = (
        "import sys\n"
        "from gradviz.cli import main\n"
        f"assert main(['export', '--scene', '13', '--out', {str(tmp_path / 'r.png')!r},"
        " '--size', '320x180']) == 0\n"
        "assert 'gradviz.qt.main_window' not in sys.modules, 'a main window was built'\n"
    )
    # The user's own remembered settings are not read: a fresh config folder.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.png").stat().st_size > 0
