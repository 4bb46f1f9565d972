"""Lecture mode: scenes, keyboard control, the timeline and presentation mode."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QImage, QKeySequence

from gradviz.core.scenes import builtin_scenes, load_scene


def _finish(window, qtbot, timeout=20_000):  # type: ignore[no-untyped-def]
    c = window.controller
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs), timeout=timeout)
    qtbot.waitUntil(lambda: not c.playing, timeout=3000)


def _key(window, qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, key, modifier)


@pytest.mark.parametrize("index", range(len(builtin_scenes())))
def test_every_shipped_scene_loads_plays_and_exports(window, qtbot, index, tmp_path):
    scene = window.scenes[index]
    c = window.controller
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.load_scene(scene)
    fans = [name for fan in scene.fans for name in fan.member_names()]
    assert [r.name for r in c.runs] == [r.name for r in scene.runs] + fans
    assert window.title.text().endswith(scene.title)
    _finish(window, qtbot)
    for run, spec in zip(c.runs, scene.runs):
        assert len(run.record) >= 2 or run.record.diverged_at == 1
        assert run.settings.optimizer == spec.settings.optimizer
    image_path, rows_path = tmp_path / "scene.png", tmp_path / "scene.csv"
    window.export_to(str(image_path), (640, 360))
    window.export_to(str(rows_path))
    image = QImage(str(image_path))
    assert (image.width(), image.height()) == (640, 360)
    rows = rows_path.read_text().splitlines()
    assert len(rows) == 1 + sum(len(run.record) for run in c.runs)


def test_notebook_scene_legend_reads_the_lecture_numbers(window, qtbot):
    scene = next(s for s in window.scenes if s.number == 10)
    c = window.controller
    c.load_scene(scene)
    _finish(window, qtbot)
    finals = sorted(round(float(r.record.loss[-1]), 2) for r in c.runs)
    assert finals == [0.75, 0.80, 0.94]
    qtbot.waitUntil(lambda: sum("0.7459" in t or "0.8034" in t or "0.9363" in t
                                for t in window.surface_view._legend_text.values()) == 3,
                    timeout=3000)


def test_every_shortcut_is_a_menu_action_with_its_key(window):
    shown = {
        seq.toString()
        for menu_action in window.menuBar().actions()
        for action in menu_action.menu().actions()
        for seq in action.shortcuts()
    }
    for key in ("Space", "Right", "Left", "Home", "R", "PgDown", "PgUp", "1", "9", "+", "-",
                "Ctrl+S", "F1", "?", "F5", "Esc", "H", "Ctrl++", "Ctrl+-"):
        assert QKeySequence(key).toString() in shown, key


def test_keyboard_drives_playback_and_scenes(active, qtbot):
    c = active.controller
    _key(active, qtbot, Qt.Key.Key_3)
    assert c.scene is not None and c.scene.number == 3
    _key(active, qtbot, Qt.Key.Key_PageDown)
    assert c.scene.number == 4
    _key(active, qtbot, Qt.Key.Key_PageUp)
    assert c.scene.number == 3
    speed = c.speed
    _key(active, qtbot, Qt.Key.Key_Plus)
    assert c.speed > speed
    _key(active, qtbot, Qt.Key.Key_Minus)
    assert c.speed == pytest.approx(speed, rel=0.1)
    _key(active, qtbot, Qt.Key.Key_Space)
    assert c.playing
    _key(active, qtbot, Qt.Key.Key_Space)
    assert not c.playing
    before = len(c.runs[0].record)
    _key(active, qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: len(c.runs[0].record) >= before + 1, timeout=3000)
    _key(active, qtbot, Qt.Key.Key_Left)
    assert c.position == len(c.runs[0].record) - 2
    _key(active, qtbot, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: len(c.runs[0].record) == 1, timeout=3000)


def test_timeline_scrubs_back_and_play_resumes_from_there(window, qtbot):
    c = window.controller
    c.load_scene(next(s for s in window.scenes if s.number == 10))
    _finish(window, qtbot)
    full = [r.record.loss.copy() for r in c.runs]
    window.timeline.setValue(30)
    assert c.position == 30
    qtbot.waitUntil(lambda: "update 30 " in window.status.text(), timeout=3000)
    frames = c.frames()
    assert all(f.index == 30 for f in frames)
    c.step_back(1)
    assert c.position == 29
    c.step(1)
    assert c.position == 30
    c.play()
    qtbot.waitUntil(lambda: all(r.record.finished and len(r.record) == len(f)
                                for r, f in zip(c.runs, full)), timeout=10_000)
    for run, loss in zip(c.runs, full):
        np.testing.assert_allclose(run.record.loss, loss)  # the replay is exact


def test_presentation_mode_is_full_screen_with_large_text(active, qtbot):
    active.resize(1920, 1080)
    c = active.controller
    c.load_scene(active.scenes[0])
    _key(active, qtbot, Qt.Key.Key_F5)
    assert active.controller.options.presenting and active.isFullScreen()
    assert not active.controls_dock.isVisible()
    assert QFontInfo(active.title.font()).pixelSize() >= 24
    assert QFontInfo(active.caption.font()).pixelSize() >= 24
    tick = active.surface_view.getPlotItem().getAxis("bottom").style["tickFont"]
    assert QFontInfo(tick).pixelSize() >= 24
    active.show_message("A message must be read from the back row too.")
    active.message_bar.ensurePolished()  # its size comes from a style sheet
    assert QFontInfo(active.message_bar.font()).pixelSize() >= 24
    _key(active, qtbot, Qt.Key.Key_H)
    assert active.controls_dock.isVisible()
    scale = active.controller.options.text_scale
    _key(active, qtbot, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert active.controller.options.text_scale > scale
    _key(active, qtbot, Qt.Key.Key_Escape)
    assert not active.controller.options.presenting and not active.isFullScreen()


def test_help_overlay_lists_every_shortcut(active, qtbot):
    _key(active, qtbot, Qt.Key.Key_F1)
    assert active.help_overlay_visible()
    text = active._help.text()
    for name in ("Play", "Step back", "Next scene", "Presentation mode", "Save screenshot"):
        assert name in text
    _key(active, qtbot, Qt.Key.Key_Escape)
    assert not active.help_overlay_visible()


def test_batches_panel_lists_the_fixed_permutation(window, qtbot):
    scene = next(s for s in window.scenes if s.show_batches)
    c = window.controller
    c.load_scene(scene)
    assert window.batch_panel.isVisible()
    c.step(6)
    qtbot.waitUntil(lambda: len(c.selected.record) >= 7, timeout=3000)
    qtbot.waitUntil(lambda: "27 15 23 17  8" in window.batch_panel.toPlainText(), timeout=3000)
    text = window.batch_panel.toPlainText()
    assert "Epoch 0" in text and " 9 28 24 12  0" in text


def test_bad_scene_file_leaves_the_scene_untouched(window, qtbot, tmp_path):
    c = window.controller
    c.load_scene(window.scenes[0])
    before = (c.scene, [r.settings for r in c.runs])
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\ncaption = "y"\n[problem]\nmodel = "gabor"\nevil = 1\n'
                   '[[runs]]\noptimizer = "gd"\n')
    assert not window.open_scene_file(str(bad))
    assert "evil" in window.message_bar.text()
    assert (c.scene, [r.settings for r in c.runs]) == before


def test_saved_scene_opens_again_the_same(window, qtbot, tmp_path):
    c = window.controller
    c.load_scene(window.scenes[9])
    path = tmp_path / "mine.toml"
    window.save_scene_file(str(path))
    scene = load_scene(path)
    assert [r.settings for r in scene.runs] == [r.settings for r in c.runs]
    assert scene.problem == c.spec
    assert window.open_scene_file(str(path))


def test_scene_theme_and_geometry_are_remembered(qtbot):
    from gradviz.qt.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(700, 560)
    first.show()
    first.show_scene(2)
    first.set_theme("light")
    first.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.controller.scene is not None and again.controller.scene.number == 3
    assert again.theme.name == "light"
    assert (again.width(), again.height()) == (700, 560)
    again.close()


def test_export_action_writes_the_chosen_format(window, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    c = window.controller
    c.load_scene(window.scenes[0])
    _finish(window, qtbot)
    target = tmp_path / "landscape.png"
    window.export_action.trigger()
    dialog = window.export_dialog
    dialog.path.setText(str(target))
    dialog.width_box.setValue(1600)
    dialog.height_box.setValue(900)
    dialog.ok.click()
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1600, 900)
    assert window.export_action.shortcut().toString() == "Ctrl+E"


def test_ctrl_s_saves_the_whole_window(active, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "window.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    _key(active, qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    image = QImage(str(target))
    assert (image.width(), image.height()) == (active.width(), active.height())
    _key(active, qtbot, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert active.controller.options.text_scale < 1.0


def test_dialogs_opened_while_presenting_have_the_rooms_text_size(active, qtbot):
    # A dialog opened during a lecture (a fan, new data, an export) is read from the
    # back row too: its text follows the window's text scale, and it grows to fit.
    from PySide6.QtWidgets import QApplication

    normal = QFontInfo(QApplication.font()).pixelSize()
    active.export()
    assert QFontInfo(active.export_dialog.font()).pixelSize() == normal
    active.export_dialog.reject()
    active.resize(1920, 1080)
    _key(active, qtbot, Qt.Key.Key_F5)
    scale = active.controller.options.text_scale
    active.fan_over()
    dialog = active.fan_dialog
    assert QFontInfo(dialog.font()).pixelSize() >= round(normal * scale) - 1  # rounding
    assert dialog.size().width() >= dialog.sizeHint().width()
    dialog.reject()
