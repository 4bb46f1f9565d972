"""The loss surface in 3D: drawn for real where OpenGL starts (the ``gl`` tests, which
.ci/run runs under Xvfb with Mesa's software OpenGL), and a menu item that says why
not, with everything else working, where it cannot (the offscreen run)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QImage

from gradviz import cli
from gradviz.core.colormaps import load_colormap
from gradviz.core.scenes import find_scene
from gradviz.qt import gl_check, main_window
from gradviz.qt.export import exporter
from gradviz.qt.view_options import PRESENTATION_SCALE

gl = pytest.mark.gl


def _pixels(image: QImage) -> np.ndarray:
    """``image`` as an (h, w, 3) array of RGB."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                              image.bytesPerLine() // 4, 4)
    return rows[:, : image.width(), 2::-1].astype(int)


def _near_table(pixels: np.ndarray, table: np.ndarray, tolerance: int = 6) -> np.ndarray:
    """Which pixels (of every 7th, enough to judge a picture by) are within
    ``tolerance`` (per channel) of a colour of ``table``."""
    flat = pixels.reshape(-1, 3)[::7].reshape(-1, 1, 3)
    return (np.abs(flat - table.reshape(1, -1, 3).astype(int)).max(axis=2) <= tolerance).any(1)


def _bowl() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    phi0, phi1 = np.linspace(-2.0, 4.0, 61), np.linspace(10.0, 20.0, 41)
    values = 0.5 + (phi0[None, :] - 1.0) ** 2 + 0.1 * (phi1[:, None] - 15.0) ** 2
    return phi0, phi1, values


@pytest.fixture
def view(qtbot):  # type: ignore[no-untyped-def]
    """A shown 3D view of a bowl in viridis."""
    from gradviz.qt.views.surface_3d import Surface3DView

    made = Surface3DView()
    qtbot.addWidget(made)
    made.set_colormap(load_colormap("viridis"), "viridis")
    phi0, phi1, values = _bowl()
    made.set_surface(phi0, phi1, values, np.empty((0, 2)), np.array([1.0, 15.0]), False)
    made.resize(480, 320)
    made.show()
    qtbot.waitExposed(made)
    return made


def _show_3d(window, qtbot):  # type: ignore[no-untyped-def]
    window.view_3d_action.trigger()
    qtbot.waitUntil(lambda: window.surface_3d is not None and window.surface_3d.isVisible(),
                    timeout=5000)
    return window.surface_3d


def _finished(window, qtbot, scene: str = "1"):  # type: ignore[no-untyped-def]
    c = window.controller
    c.load_scene(find_scene(scene))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs), timeout=20_000)
    c.publish_now()
    return c


# -------------------------------------------------------------------- with OpenGL


@gl
def test_the_surface_is_drawn_in_the_apps_colour_map(view):
    table = load_colormap("viridis")
    pixels = _pixels(view.render_image(480, 320))
    background = np.array([0x15, 0x17, 0x1A])  # the dark theme's
    drawn = pixels[(np.abs(pixels - background).max(axis=2) > 8)]
    assert len(drawn) > 0.15 * 480 * 320, "the surface fills a good part of the picture"
    assert len(np.unique(drawn, axis=0)) > 50, "a gradient of the map, not a flat colour"
    # Contours and axes aside, the surface is painted in the map's own colours, both ends too.
    assert _near_table(drawn, table).mean() > 0.9
    assert _near_table(drawn, table[:40]).any() and _near_table(drawn, table[-60:]).any()


@gl
def test_heights_follow_the_colour_scale_linear_or_log(view):
    from gradviz.qt.views.surface_3d import HEIGHT

    phi0, phi1, values = _bowl()
    for log in (False, True):
        view.set_surface(phi0, phi1, values, np.empty((0, 2)), np.array([1.0, 15.0]), log)
        shown = np.log10(values) if log else values
        expected = (shown - shown.min()) / (shown.max() - shown.min()) * HEIGHT
        np.testing.assert_allclose(view.surface._z, expected.T, atol=1e-12)


@gl
def test_shift_arrows_turn_it_and_other_keys_are_left_to_the_window(view, qtbot):
    from gradviz.qt.views.surface_3d import TURN_DEGREES, Camera

    view.setFocus()
    start = view.camera()
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert view.camera().azimuth == pytest.approx(start.azimuth + TURN_DEGREES)
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert view.camera().elevation == pytest.approx(start.elevation + TURN_DEGREES)
    qtbot.keyClick(view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ShiftModifier)
    assert view.camera().distance < start.distance
    turned = view.camera()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the window's "step", not a turn
    assert view.camera() == turned
    qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ShiftModifier)
    assert view.camera() == Camera()


@gl
def test_a_drag_turns_it(view):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    start = view.camera()
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for kind, x, buttons in ((QEvent.Type.MouseButtonPress, 100, left),
                             (QEvent.Type.MouseMove, 140, left),
                             (QEvent.Type.MouseButtonRelease, 140, Qt.MouseButton.NoButton)):
        point = QPointF(x, 100)
        QApplication.sendEvent(view, QMouseEvent(kind, point, view.mapToGlobal(point), left,
                                                 buttons, none))
    assert view.camera().azimuth == pytest.approx(start.azimuth - 40)  # a degree a pixel


@gl
def test_the_windows_keys_work_over_it(active, qtbot):
    c = _finished(active, qtbot, "1")
    view = _show_3d(active, qtbot)
    # Qt remakes the native window for its first OpenGL widget: without a window
    # manager to hand it back, the focus is given back here.
    active.activateWindow()
    qtbot.waitUntil(active.isActiveWindow, timeout=2000)
    c.scrub(10)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    with qtbot.waitSignal(c.frameReady, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Left)  # the window's Step back
    assert c.shown_update == 9
    turned = view.camera()
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert c.shown_update == 9 and view.camera() != turned


@gl
def test_paths_follow_the_frames_and_the_scrubbed_timeline(window, qtbot):
    from gradviz.qt.views.surface_3d import BOX, HEIGHT, LIFT

    c = _finished(window, qtbot, "9")  # momentum: two runs of 0..N updates
    view = _show_3d(window, qtbot)
    surface = c.surface.surface
    for update in (c.last_update, 7, 0, 23):
        with qtbot.waitSignal(c.frameReady, timeout=5000) as shown:
            c.scrub(update)
        frames = [f for f in shown.args[0] if f.visible]
        assert all(f.index == min(update, len(f.phi) - 1) for f in frames)
        expected, heads = [], []
        low, high = np.nanmin(surface.values), np.nanmax(surface.values)
        for f in frames:
            phi, loss = f.phi[: f.index + 1], f.loss[: f.index + 1]
            # The recorded rows themselves, mapped into the box (all lie in the window here).
            x = ((phi[:, 0] - surface.phi0[0]) / (surface.phi0[-1] - surface.phi0[0]) - 0.5) * BOX
            y = ((phi[:, 1] - surface.phi1[0]) / (surface.phi1[-1] - surface.phi1[0]) - 0.5) * BOX
            z = np.clip((loss - low) / (high - low), 0, 1) * HEIGHT + LIFT
            points = np.column_stack([x, y, z])
            np.testing.assert_allclose(view.scene_points(phi, loss), points, atol=1e-12)
            expected.append(np.repeat(points, 2, axis=0)[1:-1])
            heads.append(points[-1] + (0, 0, LIFT))
        pairs = np.concatenate(expected)
        if len(pairs):
            assert view.paths.visible()
            np.testing.assert_allclose(view.paths.pos, pairs, atol=1e-5)  # float32 on the GPU
        else:
            assert not view.paths.visible()  # update 0: one point each, no segment yet
        np.testing.assert_allclose(view.heads.pos, np.array(heads), atol=1e-5)


@gl
def test_toggled_on_and_off_while_playing(window, qtbot):
    c = window.controller
    c.set_speed(200.0)
    c.play()
    qtbot.waitUntil(lambda: c.playing, timeout=2000)
    for _ in range(3):
        view = _show_3d(window, qtbot)
        qtbot.waitUntil(lambda: view.paths.pos is not None and len(view.paths.pos) > 0,
                        timeout=5000)
        drawn = len(view.paths.pos)
        qtbot.waitUntil(lambda: len(view.paths.pos) > drawn or not c.playing, timeout=5000)
        window.view_3d_action.trigger()  # off
        qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
        assert not c.options.show_3d and window.surface_view.isVisible()
    with qtbot.waitSignal(c.frameReady, timeout=5000):
        pass  # frames go on without it
    c.pause()


@gl
def test_png_export_of_the_3d_view_at_the_size_asked_for(window, qtbot, tmp_path):
    c = _finished(window, qtbot, "4")
    view = _show_3d(window, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    path = tmp_path / "surface-3d.png"
    window.export_to(str(path), (1280, 720), "3d")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 720)
    pixels = _pixels(image)
    table = load_colormap(c.options.colormap)
    assert _near_table(pixels[200:, :], table).mean() > 0.2, "the surface, in the map's colours"
    run = c.options.look.run_colour(c.runs[0].colour)
    colour = np.array([int(run[i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - colour).max(axis=2) <= 10).sum() > 30, "the run's path and point"
    # Seen from the window's angle: turned, so not the picture of the first angle.
    first = tmp_path / "first.png"
    exporter.export_file(c, first, (1280, 720), view=exporter_views().EXPORT_VIEWS["3d"].make)
    assert (_pixels(QImage(str(first))) != pixels).any()


def exporter_views():  # type: ignore[no-untyped-def]
    from gradviz.qt.export import views

    return views


@gl
def test_legible_in_presentation_mode(window, qtbot):
    view = _show_3d(window, qtbot)
    window.controller.set_presenting(True)
    qtbot.waitUntil(lambda: view._scale >= PRESENTATION_SCALE, timeout=5000)
    assert QFontInfo(view.text_font()).pixelSize() >= 24
    window.controller.set_presenting(False)


# -------------------------------------------------------------------- without OpenGL


def test_menu_item_says_why_when_opengl_cannot_start(monkeypatch, qtbot):
    from gradviz.qt.app import make_application

    make_application()
    from gradviz.qt.views import view_3d_slot

    monkeypatch.setattr(view_3d_slot, "opengl_problem", lambda: "no OpenGL driver here")
    window = main_window.MainWindow()
    qtbot.addWidget(window)
    try:
        action = window.view_3d_action
        action.trigger()  # D: asked only now, as when the View menu first opens
        assert "The 3D view is unavailable: no OpenGL driver here" in window.message_bar.text()
        assert not action.isEnabled() and not action.isChecked()
        assert "no OpenGL driver here" in action.text()
        assert action.statusTip() == "no OpenGL driver here"
        assert "no OpenGL driver here" in action.toolTip().replace("\xa0", " ")
        action.trigger()  # greyed out now: does nothing
        assert window.surface_3d is None and not window.controller.options.show_3d
        window.controller.set_show_3d(True)  # as a caller might: nothing breaks
        assert window.surface_3d is None and not action.isChecked()
    finally:
        window.close()


def _skip_where_opengl_starts() -> None:
    if gl_check.opengl_problem() is None:
        pytest.skip("OpenGL starts here: the offscreen run checks this")


def test_without_opengl_everything_else_works(window, qtbot, tmp_path):
    _skip_where_opengl_starts()
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    view_menu.aboutToShow.emit()  # the View menu opens
    assert not window.view_3d_action.isEnabled()
    c = _finished(window, qtbot, "4")
    path = tmp_path / "landscape.png"
    window.export_to(str(path), (640, 360))
    assert QImage(str(path)).width() == 640
    window.export_to(str(tmp_path / "3d.png"), (640, 360), "3d")
    assert not (tmp_path / "3d.png").exists()
    assert "3D view cannot be drawn" in window.message_bar.text()
    assert c.runs[0].record.finished


def test_heights_between_grid_points_are_interpolated_bilinearly():
    from gradviz.qt.views.surface_3d import bilinear

    phi0, phi1 = np.linspace(-1.0, 3.0, 9), np.linspace(10.0, 12.0, 5)
    plane = 2.0 * phi0[None, :] - 3.0 * phi1[:, None] + 1.0 + 0.5 * phi0[None, :] * phi1[:, None]
    points = np.array([[0.3, 10.7], [-1.0, 10.0], [3.0, 12.0], [2.49, 11.01]])
    expected = 2.0 * points[:, 0] - 3.0 * points[:, 1] + 1.0 + 0.5 * points[:, 0] * points[:, 1]
    np.testing.assert_allclose(bilinear(phi0, phi1, plane, points), expected, rtol=1e-12)
    # Outside the grid: its edge.
    np.testing.assert_allclose(bilinear(phi0, phi1, plane, np.array([[9.0, 10.0]])),
                               plane[0, -1], rtol=1e-12)


def test_probe_names_a_missing_pyopengl(monkeypatch):
    real = gl_check.importlib.util.find_spec
    monkeypatch.setattr(gl_check.importlib.util, "find_spec",
                        lambda name, *a: None if name == "OpenGL" else real(name, *a))
    assert "pip install PyOpenGL" in gl_check.opengl_problem()


def test_probe_names_the_offscreen_platform(monkeypatch, qapp):
    monkeypatch.setattr(gl_check.QGuiApplication, "platformName", staticmethod(lambda: "offscreen"))
    problem = gl_check.opengl_problem()
    assert "offscreen platform" in problem and "xvfb-run" in problem


def test_export_view_flag(capsys, tmp_path):
    assert cli.main(["export", "--scene", "1", "--out", str(tmp_path / "a.png"),
                     "--view", "4d"]) == 2
    assert "--view: unknown view '4d'; choose from landscape, 3d" in capsys.readouterr().err
    assert cli.main(["export", "--scene", "1", "--out", str(tmp_path / "a.csv"),
                     "--view", "3d"]) == 2
    assert "--view: the runs' numbers (.csv) have no view" in capsys.readouterr().err


def test_export_in_3d_says_why_it_cannot(capsys, tmp_path, qapp):
    _skip_where_opengl_starts()
    out = tmp_path / "a.png"
    assert cli.main(["export", "--scene", "1", "--out", str(out), "--view", "3d"]) == 2
    assert "--view: the 3D view cannot be drawn: Qt's offscreen" in capsys.readouterr().err
    assert not out.exists()


@gl
def test_undefined_cells_are_flat_grey(view):
    from gradviz.qt.style import UNDEFINED_GREYS

    phi0, phi1, values = _bowl()
    values[:, phi0 < 0] = np.nan  # where a formula is undefined
    view.set_surface(phi0, phi1, values, np.empty((0, 2)), np.array([1.0, 15.0]), False)
    pixels = _pixels(view.render_image(480, 320))
    grey = np.array(UNDEFINED_GREYS[0])
    # Lit or not, a grey stays a grey: equal channels, near the undefined grey's level.
    near = (np.abs(pixels - grey).max(axis=2) <= 40) & (np.ptp(pixels, axis=2) <= 6)
    assert near.mean() > 0.03


@gl
def test_the_field_and_the_updates_arrows_are_drawn_along_the_surface(window, qtbot):
    view = _show_3d(window, qtbot)
    c = window.controller
    c.set_overlay("field", True)
    c.set_overlay("arrows", True)
    c.step(3)
    qtbot.waitUntil(lambda: window.controller.shown_update >= 3, timeout=5000)
    c.publish_now()
    data = c.overlay_data(c.frames())
    field = view.overlays.overlays["field"].arrows
    picture = data["field"]
    # Each arrow from its cell's centre to its tip, both on the drawn surface.
    expected = np.stack([view.on_surface(picture.tails),
                         view.on_surface(picture.tails + picture.steps)], axis=1).reshape(-1, 3)
    np.testing.assert_allclose(field.positions, expected)
    assert field.lines.visible()
    update = view.overlays.overlays["arrows"].arrows
    arrows = data["arrows"].arrows
    assert len(update.positions) == 2 * len(arrows) > 0
    np.testing.assert_allclose(update.positions[0, :2], view.on_surface(np.array([arrows[0].tail]))[0, :2])
    c.set_overlay("field", False)
    c.publish_now()
    assert not field.lines.visible() and len(field.positions) == 0
