"""The keyboard and the menus as a user drives them: every action does what it says,
shows its shortcut, and fields hand the keys back to the window when an edit is done."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QStyleOptionMenuItem,
    QWidget,
)

from key_typing import type_into

from gradviz.core.fans import Fan
from gradviz.core.scenes import save_scene


def _menu_actions(window) -> list[tuple[object, QAction]]:  # type: ignore[no-untyped-def]
    """``(menu, action)`` for every item of every menu of the menu bar."""
    return [
        (menu_action.menu(), action)
        for menu_action in window.menuBar().actions()
        for action in menu_action.menu().actions()
        if not action.isSeparator()
    ]


def _every_action(window) -> list[QAction]:  # type: ignore[no-untyped-def]
    actions = list(window.actions())
    actions += [a for _, a in _menu_actions(window) if a not in actions]
    return actions


# -- item 4: every action, triggered -----------------------------------------------------------
def _action_checks(window, qtbot, tmp_path, monkeypatch) -> dict[QAction, Callable[[], None]]:  # type: ignore[no-untyped-def]
    """For each action, a check that triggers it and looks for its visible effect."""
    w, c = window, window.controller
    chosen: dict[str, str] = {}
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen["open"], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (chosen["save"], ""))

    def records() -> list[int]:
        return [len(r.record) for r in c.runs]

    def play() -> None:
        w.play_action.trigger()
        assert c.playing and w.play_action.text() == "Pause"
        w.play_action.trigger()
        assert not c.playing and w.play_action.text() == "Play"
        c._run_thread.settle()  # the worker has had the pause

    def step() -> None:
        before = records()
        w.step_action.trigger()
        qtbot.waitUntil(lambda: records() == [n + 1 for n in before], timeout=3000)

    def back() -> None:
        assert c.last_update >= 1
        shown = c.last_update
        w.back_action.trigger()
        assert c.position == shown - 1

    def reset() -> None:
        w.reset_action.trigger()
        qtbot.waitUntil(lambda: records() == [1] * len(c.runs), timeout=3000)

    def to_end() -> None:
        w.end_action.trigger()
        qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs), timeout=20_000)
        qtbot.waitUntil(lambda: not c.playing, timeout=3000)

    def open_csv() -> None:
        path = tmp_path / "four.csv"
        path.write_text("x,y\n0,1\n1,2\n2,2.9\n3,4.2\n")
        chosen["open"] = str(path)
        w.open_action.trigger()  # the preview is read off the UI thread
        qtbot.waitUntil(lambda: w.data_dialog is not None and w.data_dialog.ok.isEnabled(),
                        timeout=5000)
        qtbot.keyClick(w.data_dialog, Qt.Key.Key_Return)  # OK: then the file is read again
        qtbot.waitUntil(lambda: c.spec.data == str(path) and c.problem.n_points == 4,
                        timeout=5000)

    def synthetic() -> None:
        w.synthesize_action.trigger()
        dialog = w.synthetic_dialog
        dialog.fields["n"].setText("77")
        dialog.fields["n"].editingFinished.emit()
        assert dialog.ok.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: c.problem.n_points == 77, timeout=5000)

    def save_scene_file() -> None:
        chosen["save"] = str(tmp_path / "saved.toml")
        w.save_scene_action.trigger()
        assert Path(chosen["save"]).is_file()

    def open_scene_file() -> None:
        path = tmp_path / "third.toml"
        save_scene(w.scenes[2], path)
        chosen["open"] = str(path)
        w.open_scene_action.trigger()
        assert c.scene is not None and c.scene.source == str(path)
        assert w.title.text() == w.scenes[2].title

    def screenshot() -> None:
        chosen["save"] = str(tmp_path / "window.png")
        w.screenshot_action.trigger()
        assert Path(chosen["save"]).stat().st_size > 0

    def export() -> None:
        path = tmp_path / "runs.csv"
        w.export_action.trigger()
        w.export_dialog.path.setText(str(path))
        w.export_dialog.ok.click()
        rows = path.read_text().splitlines()
        assert len(rows) == 1 + sum(len(r.record) for r in c.runs)

    def scene_keys(action: QAction, number: int) -> Callable[[], None]:
        def check() -> None:
            action.trigger()
            assert c.scene is not None and c.scene.number == number
        return check

    def next_previous() -> None:
        w.show_scene(4)
        w.next_scene_action.trigger()
        assert c.scene.number == 6
        w.previous_scene_action.trigger()
        assert c.scene.number == 5

    def back_to_kept() -> None:
        w.show_scene(0)
        c.add_run()
        edited = c.to_scene()
        w.show_scene(1)
        w.back_to_kept_action.trigger()
        assert c.to_scene() == edited and not w.back_to_kept_action.isEnabled()
        # Left as next_previous leaves it: reset_view's zoom does not move scene 1's window.
        w.show_scene(4)

    def faster_slower() -> None:
        speed = c.speed
        w.faster_action.trigger()
        assert c.speed > speed
        w.slower_action.trigger()
        assert c.speed == pytest.approx(speed, rel=0.1)

    def presentation() -> None:
        w.present_action.trigger()
        assert w.controller.options.presenting and not w.controls_dock.isVisible()
        w.leave_action.trigger()
        assert not w.controller.options.presenting and w.controls_dock.isVisible()

    def text_size() -> None:
        scale = w.controller.options.text_scale
        w.bigger_action.trigger()
        assert w.controller.options.text_scale > scale
        w.smaller_action.trigger()
        assert w.controller.options.text_scale == scale

    def batches() -> None:
        shown = w.batch_panel.isVisible()
        w.batches_action.trigger()
        assert w.batch_panel.isVisible() != shown
        w.batches_action.trigger()
        assert w.batch_panel.isVisible() == shown

    def basins() -> None:
        w.basins_action.trigger()
        assert c.options.show_basins and w.basins_action.isChecked()
        qtbot.waitUntil(lambda: c.basins.basins is not None, timeout=20_000)
        assert w.surface_view.basin_map is c.basins.basins
        w.basins_action.trigger()
        assert not c.options.show_basins and c.basins.basins is None
        assert w.surface_view.basin_map is None

    def view_3d() -> None:
        w.view_3d_action.trigger()
        if not w.view_3d_action.isEnabled():  # no OpenGL (offscreen): it says why, does nothing
            assert "unavailable" in w.view_3d_action.text() and not c.options.show_3d
            return
        assert c.options.show_3d and w.view_3d_action.isChecked() and w.surface_3d.isVisible()
        w.view_3d_action.trigger()
        assert not c.options.show_3d and not w.surface_3d.isVisible()

    def overlay_toggle(name: str, action: QAction) -> Callable[[], None]:
        def check() -> None:
            action.trigger()
            assert name in c.options.overlays and action.isChecked()
            assert c.overlay_data(c.frames())[name] is not None  # it has something to draw
            action.trigger()
            assert name not in c.options.overlays and not action.isChecked()
            assert name not in c.overlay_data(c.frames())
        return check

    def theme() -> None:
        w.theme_action.trigger()
        assert w.theme.name == "light" and w.theme_action.isChecked()
        w.theme_action.trigger()
        assert w.theme.name == "dark" and not w.theme_action.isChecked()

    def help_overlay() -> None:
        w.help_action.trigger()
        assert w.help_overlay_visible()
        w.help_action.trigger()
        assert not w.help_overlay_visible()

    def add() -> None:
        count = len(c.runs)
        w.add_action.trigger()
        assert len(c.runs) == count + 1
        assert c.selected is c.runs[-1]

    def duplicate() -> None:
        count, settings = len(c.runs), c.selected.settings
        w.duplicate_action.trigger()
        assert len(c.runs) == count + 1 and c.runs[-1].settings == settings

    def remove() -> None:
        ids = [r.run_id for r in c.runs]
        w.remove_action.trigger()
        assert [r.run_id for r in c.runs] == ids[:-1]

    def fan() -> None:
        w.fan_action.trigger()
        dialog = w.fan_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.count.setValue(3)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert w.fan_dialog is None
        assert c.selected.fan is not None and len(c.runs_of(c.selected.fan)) == 3

    def unfan() -> None:
        if c.selected.fan is None:
            assert c.fan_selected(Fan.spread("lr", 0.01, 0.1, 2))
        base = c.selected_settings
        w.unfan_action.trigger()
        assert c.selected.fan is None and c.selected.settings == base

    def reset_view() -> None:
        own = c.problem.window
        w.surface_view.getPlotItem().vb.scaleBy((0.5, 0.5))
        qtbot.waitUntil(lambda: c.window != own, timeout=3000)
        w.reset_view_action.trigger()
        assert c.window == own

    def stages() -> None:
        c.play()
        w.stage_action.trigger()  # pauses, and explains the shown update's first part
        assert not c.playing
        qtbot.waitUntil(lambda: c.stage == 0, timeout=5000)
        w.stage_back_action.trigger()
        assert c.stage is None

    def controls() -> None:
        w.controls_action.trigger()
        assert not w.controls_dock.isVisible() and not w.toolbar.isVisible()
        w.controls_action.trigger()
        assert w.controls_dock.isVisible() and w.toolbar.isVisible()

    checks = {
        w.play_action: play,
        w.step_action: step,
        w.back_action: back,
        w.reset_action: reset,
        w.end_action: to_end,
        w.add_action: add,
        w.duplicate_action: duplicate,
        w.remove_action: remove,
        w.fan_action: fan,
        w.unfan_action: unfan,
        w.open_action: open_csv,
        w.synthesize_action: synthetic,
        w.save_scene_action: save_scene_file,
        w.open_scene_action: open_scene_file,
        w.screenshot_action: screenshot,
        w.export_action: export,
        w.faster_action: faster_slower,
        w.slower_action: faster_slower,
        w.present_action: presentation,
        w.leave_action: presentation,
        w.bigger_action: text_size,
        w.smaller_action: text_size,
        w.batches_action: batches,
        w.basins_action: basins,
        w.view_3d_action: view_3d,
        w.theme_action: theme,
        w.help_action: help_overlay,
        w.reset_view_action: reset_view,
        w.controls_action: controls,
        w.stage_action: stages,
        w.stage_back_action: stages,
        w.next_scene_action: next_previous,
        w.previous_scene_action: next_previous,
        w.back_to_kept_action: back_to_kept,
    }
    for name, action in w.overlay_actions.items():
        checks[action] = overlay_toggle(name, action)
    scene_actions = [a for _, a in _menu_actions(w) if a.text().split(".")[0].isdigit()]
    assert len(scene_actions) == len(w.scenes)
    for scene, action in zip(w.scenes, scene_actions):
        checks[action] = scene_keys(action, scene.number)
    return checks


def test_every_action_does_what_it_says(window, qtbot, tmp_path, monkeypatch):
    # pytest-qt fails the test on any exception raised inside a Qt slot, so an
    # action that passes its `checked` flag to a slot expecting something else
    # (Ctrl+N did: AttributeError: 'bool' object has no attribute 'resolve') fails here.
    checks = _action_checks(window, qtbot, tmp_path, monkeypatch)
    actions = _every_action(window)
    untested = [a.text() for a in actions if a not in checks and a is not window.quit_action]
    assert not untested, f"actions without a check: {untested}"
    done: set[Callable[[], None]] = set()
    for action in actions:
        check = checks.get(action)
        if check is not None and check not in done:  # pairs (Faster/Slower) check together
            check()
            done.add(check)
    assert window.isVisible()
    window.quit_action.trigger()
    assert not window.isVisible()
    assert not window.controller.is_running()


def test_every_shortcut_is_shown_in_its_menu(window):
    in_menus = _menu_actions(window)
    menu_of = {action: menu for menu, action in in_menus}
    for action in _every_action(window):
        if not action.shortcuts():
            continue
        assert action in menu_of, f"{action.text()} has a shortcut but is in no menu"
        assert action.shortcut() == action.shortcuts()[0]
        option = QStyleOptionMenuItem()
        menu_of[action].initStyleOption(option, action)
        shown = option.text.split("\t")
        assert len(shown) == 2, f"{action.text()}: no shortcut in the menu"
        assert shown[1] == action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)


def test_ctrl_n_adds_a_run(active, qtbot):
    c = active.controller
    count = len(c.runs)
    qtbot.keyClick(active, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(c.runs) == count + 1


# -- item 5: Return and Escape hand the keys back to the window -------------------------------
def _press(qtbot, window, key) -> None:  # type: ignore[no-untyped-def]
    """A key as the user presses it: to whichever widget has the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget() or window, key)


def test_enter_applies_the_rate_then_space_plays_and_r_resets(active, qtbot):
    c, field = active.controller, active.control_panel.hyper_fields["lr"]
    type_into(qtbot, field.edit, "0.05")
    _press(qtbot, active, Qt.Key.Key_Return)
    assert c.selected.settings.hyperparameters["lr"] == 0.05
    assert QApplication.focusWidget() is not field.edit
    _press(qtbot, active, Qt.Key.Key_Space)
    assert c.playing
    qtbot.waitUntil(lambda: len(c.selected.record) > 3, timeout=5000)
    assert c.selected.record.lr[1] == 0.05
    _press(qtbot, active, Qt.Key.Key_Space)
    assert not c.playing
    _press(qtbot, active, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: len(c.selected.record) == 1, timeout=3000)
    assert field.edit.text() == "0.05"


def test_escape_restores_the_value_and_leaves_the_field(active, qtbot):
    c, field = active.controller, active.control_panel.hyper_fields["lr"]
    before = c.selected.settings
    with qtbot.assertNotEmitted(field.committed):
        type_into(qtbot, field.edit, "7")
        _press(qtbot, active, Qt.Key.Key_Escape)
    assert field.edit.text() == "0.1"
    assert c.selected.settings == before
    assert QApplication.focusWidget() is not field.edit
    _press(qtbot, active, Qt.Key.Key_Space)
    assert c.playing and field.edit.text() == "0.1"


def test_a_refused_value_is_kept_out_and_the_keys_come_back(active, qtbot):
    c, field = active.controller, active.control_panel.hyper_fields["lr"]
    with qtbot.waitSignal(active.control_panel.message, timeout=1000) as blocker:
        type_into(qtbot, field.edit, "-3")
        _press(qtbot, active, Qt.Key.Key_Return)
    assert "α (lr) must be between" in blocker.args[0]
    assert field.edit.text() == "0.1" and c.selected.settings.hyperparameters["lr"] == 0.1
    _press(qtbot, active, Qt.Key.Key_Space)
    assert c.playing and field.edit.text() == "0.1"


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape],
                         ids=["Return", "Enter", "Escape"])
def test_no_control_keeps_the_keys_after_return_or_escape(active, qtbot, key):
    # Every focusable control of the panel (text fields, combo boxes and their
    # editors, sliders, buttons, the run list): once the edit is ended, Space plays.
    c = active.controller
    c.add_run()
    c.edit_selected(replace(c.selected.settings, optimizer="adam", hyperparameters={}))

    def controls() -> list[QWidget]:
        # Looked up afresh each time: an edit may rebuild the generated fields.
        return [
            widget for widget in active.controls_dock.findChildren(QWidget)
            if widget.isVisibleTo(active) and widget.focusPolicy() & Qt.FocusPolicy.ClickFocus
        ]

    # Widgets added to a shown layout appear at the next turn of the event loop.
    qtbot.waitUntil(lambda: sum(isinstance(w, QLineEdit) for w in controls()) >= 8)
    count = len(controls())
    assert any(isinstance(w, QComboBox) for w in controls())
    for index in range(count):
        widget = controls()[index]
        settings = [r.settings for r in c.runs]
        widget.setFocus(Qt.FocusReason.MouseFocusReason)
        assert QApplication.focusWidget() is widget
        if isinstance(widget, QLineEdit):
            qtbot.keyClicks(widget, "9")
        _press(qtbot, active, key)
        _press(qtbot, active, Qt.Key.Key_Space)
        assert c.playing, f"Space went into {widget!r}"
        _press(qtbot, active, Qt.Key.Key_Space)
        assert not c.playing
        if key == Qt.Key.Key_Escape:
            assert [r.settings for r in c.runs] == settings  # nothing applied
        qtbot.waitUntil(lambda: len(controls()) == count)


def test_an_edited_field_stays_the_same_field(window, qtbot):
    # Rebuilding the generated fields on every edit replaced the field being
    # edited, from within its own key handler (a crash once Return ends the edit).
    from gradviz.qt.widgets.parameter_field import ParameterField

    panel, c = window.control_panel, window.controller
    names = ("batch_size", "seed", "warmup", "lr")

    def shown_fields() -> list[ParameterField]:
        shown = {f.parameter.name: f for f in panel.findChildren(ParameterField)
                 if f.isVisibleTo(panel)}
        return [shown[name] for name in names]

    fields = shown_fields()
    for field, text in zip(fields, ("5", "3", "4", "0.05")):
        field.edit.setText(text)
        field.edit.editingFinished.emit()
        QApplication.processEvents()  # where new rows would appear
    settings = c.selected.settings
    assert (settings.batch_size, settings.seed, settings.schedule,
            settings.hyperparameters["lr"]) == (5, 3, "constant:warmup=4", 0.05)
    assert shown_fields() == fields


def test_field_keeps_its_exact_value_when_left_unchanged(qtbot):
    from gradviz.core.hyperparameters import HyperParameter
    from gradviz.qt.widgets.parameter_field import ParameterField

    exact = 0.123456789  # shown as 0.123457
    field = ParameterField(HyperParameter("lr", "α", exact, 1e-6, 10.0, log=True), exact)
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    with qtbot.assertNotEmitted(field.committed):
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
            field.edit.setFocus()
            qtbot.keyClick(field.edit, key)
    assert field.value == exact


# The app as a lecturer drives it under a real X server (offscreen has no real
# keyboard focus): a child process shows the window and prints its state.
_DRIVER = """
import json
from PySide6.QtCore import QTimer
from gradviz.qt.app import make_application
app = make_application()
from gradviz.qt.main_window import MainWindow
window = MainWindow()
window.resize(1280, 800)
window.show()
field = window.control_panel.hyper_fields["lr"]
def report():
    c = window.controller
    if c.surface is not None and field.edit.isVisible():
        centre = field.edit.mapToGlobal(field.edit.rect().center())
        print(json.dumps({
            "x": centre.x(), "y": centre.y(), "text": field.edit.text(), "playing": c.playing,
            "lr": c.selected.settings.hyperparameters["lr"], "updates": len(c.selected.record) - 1,
        }), flush=True)
timer = QTimer(interval=100, timeout=report)
timer.start()
app.exec()
"""


def _states(process: subprocess.Popen, timeout: float):  # type: ignore[type-arg, no-untyped-def]
    """The driver's reports, until ``timeout`` seconds have passed."""
    import json
    import selectors

    end = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < end:
            if selector.select(end - time.monotonic()):
                line = process.stdout.readline()
                if not line:
                    return
                yield json.loads(line)


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool")
def test_real_x_enter_then_space_plays(tmp_path, x_display):
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(tmp_path),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen([sys.executable, "-c", _DRIVER], env=env, text=True,
                               stdout=subprocess.PIPE)

    def xdotool(*args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, env=env)

    try:
        state = next(_states(process, 30))
        xdotool("mousemove", str(state["x"]), str(state["y"]), "click", "1")
        xdotool("key", "ctrl+a")
        xdotool("type", "--delay", "50", "0.05")
        xdotool("key", "Return")
        xdotool("key", "space")
        played = next((s for s in _states(process, 15) if s["playing"] and s["updates"] > 3),
                      None)
        if shutil.which("import"):
            subprocess.run(["import", "-window", "root", str(tmp_path / "played.png")], env=env)
        assert played is not None, "Space after Return did not play the runs"
        assert played["lr"] == 0.05 and played["text"] == "0.05"
        xdotool("key", "r")
        reset = next((s for s in _states(process, 10) if not s["playing"] and s["updates"] == 0),
                     None)
        assert reset is not None and reset["text"] == "0.05"
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


# -- item 8: the run buttons stay put -----------------------------------------------------------
class _Watch(QObject):
    """Records where ``buttons`` are whenever they, a widget holding them, or
    ``growing`` (whose size changes are what could move them) move or resize."""

    def __init__(self, buttons: tuple[QWidget, ...], growing: QWidget) -> None:
        super().__init__()
        self.buttons = buttons
        self.seen: list[list[tuple[int, int]]] = []
        growing.installEventFilter(self)
        for button in buttons:
            widget = button
            while widget is not None:
                widget.installEventFilter(self)
                widget = widget.parentWidget()

    def positions(self) -> list[tuple[int, int]]:
        return [(p.x(), p.y()) for p in (b.mapToGlobal(QPoint(0, 0)) for b in self.buttons)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize):
            self.seen.append(self.positions())
        return False


@pytest.mark.parametrize("height", [1080, 800, 720, 650, 600])
def test_run_buttons_stay_put_when_the_optimizer_changes(window, qtbot, height):
    window.resize(1920 if height == 1080 else 1280, height)
    qtbot.waitUntil(lambda: window.run_list.add.isVisible())
    QApplication.processEvents()
    watch = _Watch((window.run_list.add, window.run_list.duplicate, window.run_list.remove),
                   window.control_panel)
    before = watch.positions()
    combo, c = window.control_panel.optimizer_combo, window.controller
    for optimizer in ("adam", "gd", "nesterov", "sgd", "rmsprop"):
        combo.setCurrentIndex(combo.findData(optimizer))
        combo.activated.emit(combo.currentIndex())
        assert c.selected.settings.optimizer == optimizer
        # New rows are shown, and laid out, by the event loop.
        fields = len(c.selected.settings.hyperparameters)
        qtbot.waitUntil(lambda: sum(f.isVisible() for f in
                                    window.control_panel.hyper_fields.values()) == fields)
        QApplication.processEvents()
        assert watch.positions() == before, optimizer
    # Not even for a moment while the rows were rebuilt.
    assert watch.seen and all(seen == before for seen in watch.seen)


def test_the_run_list_takes_the_new_theme_colours_at_once(window, monkeypatch):
    shown: list[list[str]] = []
    original = window.run_list.set_runs

    def spy(entries, selected, can_add):  # type: ignore[no-untyped-def]
        shown.append([colour for _id, _name, (colour,), _visible in entries])
        original(entries, selected, can_add)

    monkeypatch.setattr(window.run_list, "set_runs", spy)
    c = window.controller
    while len(c.runs) < 7:  # the seventh colour is the one the light theme replaces on udl
        c.add_run()
    window.set_theme("dark")
    dark = [window.theme.run_colour(r.colour) for r in c.runs]
    window.set_theme("light")
    light = [window.theme.run_colour(r.colour) for r in c.runs]
    assert light != dark
    assert shown[-1] == light
