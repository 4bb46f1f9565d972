"""A scene key pressed by mistake loses nothing: the edited setup it replaced comes back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from key_typing import type_into

from gradviz.core.problems import ProblemSpec


def _csv(path: Path) -> Path:
    x = np.linspace(0.0, 4.0, 30)
    np.savetxt(path, np.column_stack([x, 1.5 * x + 0.25 * np.sin(5 * x)]), delimiter=",",
               header="x,y", comments="")
    return path


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)


def _edit(window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A student's own setup: a data file, a typed formula, runs of their own, a view option."""
    c = window.controller
    window.show_scene(0)  # as the app opens
    spec = ProblemSpec("formula", str(_csv(tmp_path / "mine.csv")), expression="phi0 * x + phi1")
    with qtbot.waitSignal(c.problemChanged, timeout=10_000):
        assert c.set_problem(spec)
    assert c.edit_selected(replace(c.selected.settings, optimizer="momentum",
                                   hyperparameters={"lr": 0.02, "beta": 0.8}, steps=120))
    c.add_run(replace(c.selected.settings, optimizer="adam", hyperparameters={}))
    c.set_log_loss(not c.log_loss)
    c.select_run(c.runs[0].run_id)


def test_a_digit_keeps_the_edited_scene_and_ctrl_z_brings_it_back(active, qtbot, tmp_path):
    c, bar = active.controller, active.statusBar()
    _edit(active, qtbot, tmp_path)
    assert c.scene_edited and not active.back_to_kept_action.isEnabled()
    edited, heading, selected = c.to_scene(), c.heading(), c.selected_id
    selected_index = [r.run_id for r in c.runs].index(selected)

    _press(qtbot, active, Qt.Key.Key_3)
    assert c.scene.number == 3 and not c.scene_edited
    assert c.to_scene() != edited
    assert "Ctrl+Z" in bar.currentMessage() and "Back to your edited scene" in bar.currentMessage()
    assert active.back_to_kept_action.isEnabled()
    _press(qtbot, active, Qt.Key.Key_4)  # another scene, not edited: the kept one stays
    assert c.scene.number == 4 and c.kept is not None

    _press(qtbot, active, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert c.to_scene() == edited
    assert c.heading() == heading and c.scene_edited
    assert c.spec.data == edited.problem.data and c.problem.n_points == 30
    assert [r.run_id for r in c.runs].index(c.selected_id) == selected_index
    assert c.kept is None and not active.back_to_kept_action.isEnabled()
    assert bar.currentMessage().startswith("Back to your edited scene")


def test_going_back_from_an_edited_scene_keeps_that_one_in_turn(active, qtbot, tmp_path):
    c = active.controller
    _edit(active, qtbot, tmp_path)
    first = c.to_scene()
    _press(qtbot, active, Qt.Key.Key_PageDown)
    c.add_run()  # the next scene, changed too
    second = c.to_scene()
    active.back_to_kept()
    assert c.to_scene() == first
    active.back_to_kept()
    assert c.to_scene() == second and c.scene_edited


def test_embedded_points_come_back_too(active, qtbot):
    c = active.controller  # no scene open: the user's own setup is kept all the same
    with qtbot.waitSignal(c.problemChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("linear", "points:0,1;1,3;2,5.5;3,7"))
    edited = c.to_scene()
    active.show_scene(1)
    active.back_to_kept()
    assert c.to_scene() == edited and c.problem.n_points == 4
    assert c.scene is None and c.heading() == ("", "")


# -- a digit typed for a field is not a scene key ---------------------------------------------
def test_digits_after_enter_or_a_missed_click_open_no_scene(active, qtbot):
    c, field = active.controller, active.control_panel.hyper_fields["lr"]
    active.show_scene(0)
    type_into(qtbot, field.edit, "0.05")
    _press(qtbot, active, Qt.Key.Key_Return)  # the edit is over; the keys are the window's
    _press(qtbot, active, Qt.Key.Key_3)
    assert c.scene.number == 1 and "did not open scene 3" in active.statusBar().currentMessage()
    _press(qtbot, active, Qt.Key.Key_Space)  # the lecture's other keys work as before
    assert c.playing
    _press(qtbot, active, Qt.Key.Key_Space)
    _press(qtbot, active, Qt.Key.Key_3)  # and once one has, the editing is evidently over
    assert c.scene.number == 3
    # A click beside a field, on the panel's background, keeps the digits out of the scenes.
    panel = active.controls_dock.widget()
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.viewport().rect().bottomLeft() + QPoint(5, -5))
    assert active.controls_dock.isAncestorOf(QApplication.focusWidget())
    _press(qtbot, active, Qt.Key.Key_4)
    assert c.scene.number == 3
    # From the map, once clicked, the digits open scenes.
    qtbot.mouseClick(active.surface_view.viewport(), Qt.MouseButton.LeftButton)
    _press(qtbot, active, Qt.Key.Key_4)
    assert c.scene.number == 4
    # In a field a digit is typed, as ever.
    type_into(qtbot, field.edit, "2")
    assert field.edit.text() == "2" and c.scene.number == 4


def test_with_the_controls_hidden_the_digits_open_scenes_after_an_edit(active, qtbot):
    c, field = active.controller, active.control_panel.hyper_fields["lr"]
    active.show_scene(0)
    type_into(qtbot, field.edit, "0.05")
    _press(qtbot, active, Qt.Key.Key_Return)
    active.toggle_presentation()  # the controls hidden: no edit can be going on
    _press(qtbot, active, Qt.Key.Key_2)
    assert c.scene.number == 2
    active.leave_presentation()
