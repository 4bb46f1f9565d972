"""The desktop app as a user drives it: launch, play, pause, step, reset, click, edit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings

NOTEBOOK = {"batching": "notebook", "seed": 1, "steps": 81, "batch_size": 5}


def test_launch_shows_problem_surface_and_a_run(window):
    c = window.controller
    assert c.problem.name == "gabor"
    assert c.surface.surface.values.shape == (c.grid, c.grid)
    assert len(c.runs) == 1
    first = c.runs[0].record
    np.testing.assert_allclose(first.phi[0], (-1.5, 6.5))
    assert first.loss[0] == pytest.approx(12.7665, abs=1e-4)
    axis = window.surface_view.getPlotItem().getAxis("left").labelText
    assert "frequency" in axis
    assert window.play_action.shortcut().toString() == "Space"
    assert window.speed_label.text().strip() == f"{c.speed:g} updates/s"


def test_play_streams_steps_then_pause_and_single_step(window, qtbot):
    c = window.controller
    run = c.runs[0]
    c.set_speed(500)
    with qtbot.waitSignal(c.playingChanged, timeout=2000):
        c.play()
    qtbot.waitUntil(lambda: len(run.record) > 5, timeout=5000)
    c.pause()
    assert not c.playing
    # Once the worker has handled the pause, drain what it sent before it.
    c._run_thread.settle()
    QApplication.processEvents()
    before = len(run.record)
    c.step(1)
    qtbot.waitUntil(lambda: len(run.record) == before + 1, timeout=2000)
    c.step(1)
    qtbot.waitUntil(lambda: len(run.record) == before + 2, timeout=2000)
    assert run.record.update[-1] == before + 1
    assert not c.playing


def test_reset_returns_every_run_to_its_start(window, qtbot):
    c = window.controller
    c.add_run()
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: all(len(r.record) > 10 for r in c.runs), timeout=5000)
    c.reset()
    assert not c.playing
    qtbot.waitUntil(lambda: all(len(r.record) == 1 for r in c.runs), timeout=3000)
    for run in c.runs:
        np.testing.assert_allclose(run.record.phi[0], run.settings.start)


def test_click_on_heatmap_sets_start_point(window, qtbot):
    view = window.surface_view
    vb = view.getPlotItem().vb
    target = QPointF(2.0, 12.0)
    scene_point = vb.mapViewToScene(target)
    widget_point = view.mapFromScene(scene_point)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=widget_point)
    c = window.controller
    qtbot.waitUntil(lambda: abs(c.selected.settings.start[0] - 2.0) < 0.1, timeout=3000)
    assert c.selected.settings.start[1] == pytest.approx(12.0, abs=0.1)
    qtbot.waitUntil(lambda: len(c.selected.record) >= 1, timeout=3000)
    assert c.selected.record.phi[0][0] == pytest.approx(c.selected.settings.start[0])


def test_start_spin_boxes_and_marker_follow(window, qtbot):
    field = window.control_panel.start0
    field.edit.setText("3.25")
    field.edit.editingFinished.emit()
    c = window.controller
    assert c.selected.settings.start[0] == 3.25
    assert window.surface_view.start.pos().x() == pytest.approx(3.25)


def test_changing_learning_rate_while_playing_restarts_the_run(window, qtbot):
    c = window.controller
    run = c.runs[0]
    c.set_speed(200)
    c.play()
    qtbot.waitUntil(lambda: len(run.record) > 5, timeout=5000)
    generation = run.generation
    lr_field = window.control_panel.hyper_fields["lr"]
    lr_field.edit.setText("0.05")
    lr_field.edit.editingFinished.emit()
    assert run.settings.hyperparameters["lr"] == 0.05
    assert run.generation == generation + 1
    assert c.playing
    # The restarted run streams again from its start with the new rate.
    qtbot.waitUntil(lambda: len(run.record) > 3, timeout=5000)
    assert run.record.lr[1] == 0.05
    np.testing.assert_allclose(run.record.phi[0], run.settings.start)


def test_out_of_range_value_is_refused_with_reason(window, qtbot):
    lr_field = window.control_panel.hyper_fields["lr"]
    before = window.controller.selected.settings.hyperparameters["lr"]
    with qtbot.waitSignal(window.control_panel.message, timeout=1000) as blocker:
        lr_field.edit.setText("-3")
        lr_field.edit.editingFinished.emit()
    assert "α (lr) must be between" in blocker.args[0]
    assert lr_field.edit.text() == f"{before:g}"
    assert window.controller.selected.settings.hyperparameters["lr"] == before
    assert window.message_bar.isVisibleTo(window)


def test_three_runs_compared_reproduce_the_lecture(window, qtbot):
    c = window.controller
    c.edit_selected(RunSettings(optimizer="sgd", hyperparameters={"lr": 0.6}, **NOTEBOOK))
    c.add_run(RunSettings(optimizer="momentum", hyperparameters={"lr": 0.6, "beta": 0.6},
                          **NOTEBOOK))
    c.add_run(RunSettings(optimizer="nesterov", hyperparameters={"lr": 0.6, "beta": 0.6},
                          **NOTEBOOK))
    assert len({r.colour for r in c.runs}) == 3
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs), timeout=10_000)
    finals = [r.record.loss[-1] for r in c.runs]
    np.testing.assert_allclose(finals, [0.9363, 0.7459, 0.8034], atol=5e-5)
    qtbot.waitUntil(lambda: not c.playing, timeout=3000)
    qtbot.waitUntil(
        lambda: "loss 0.7459" in window.surface_view._legend_text.get(c.runs[1].run_id, ""),
        timeout=3000,
    )


def test_diverging_run_is_badged_and_the_rest_goes_on(window, qtbot):
    c = window.controller
    c.edit_selected(RunSettings(optimizer="gd", hyperparameters={"lr": 100.0}, steps=50))
    healthy = c.add_run(RunSettings(optimizer="adam", steps=50))
    c.run_to_end()
    diverging = c.runs[0]
    qtbot.waitUntil(lambda: diverging.record.diverged_at == 1, timeout=5000)
    qtbot.waitUntil(lambda: len(healthy.record) == 51, timeout=5000)
    qtbot.waitUntil(
        lambda: "diverged at update 1" in window.surface_view._legend_text.get(0, ""),
        timeout=3000,
    )
    badge = window.surface_view._badges[diverging.run_id]
    assert badge.isVisible()
    assert "learning rate too large" in badge.textItem.toPlainText()
    assert healthy.run_id not in window.surface_view._badges


def test_bad_csv_shows_its_error_and_changes_nothing(window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    c = window.controller
    before = (c.spec, c.problem, [r.settings for r in c.runs])
    with qtbot.waitSignal(c.message, timeout=5000) as blocker:
        c.set_problem(replace(c.spec, data=str(bad)))  # read off the UI thread
    assert "bad.csv, line 3" in blocker.args[0]
    assert (c.spec, c.problem, [r.settings for r in c.runs]) == before
    assert "line 3" in window.message_bar.text()


def test_switching_problem_resolves_runs_and_recomputes_surface(window, qtbot):
    c = window.controller
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("linear"))
    assert c.runs[0].settings.start == (1.6, -0.5)
    assert c.surface.surface.window == c.problem.window
    assert window.fit_view.points.isVisible()
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("ravine"))
    assert window.fit_view.message.isVisible()
    assert not window.control_panel.batch_row.isVisibleTo(window.control_panel)


def test_worker_exception_is_shown_and_app_keeps_working(window, qtbot, monkeypatch):
    c = window.controller

    def broken(self, phi, batch=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom in the model")

    monkeypatch.setattr(type(c.problem), "loss_and_grad", broken)
    with qtbot.waitSignal(c.message, timeout=3000) as blocker:
        c.reset()
    assert "boom in the model" in blocker.args[0]
    monkeypatch.undo()
    c.reset()
    qtbot.waitUntil(lambda: len(c.runs[0].record) == 1 and c.runs[0].error is None,
                    timeout=3000)


def test_zoom_recomputes_surface_for_the_new_window(window, qtbot):
    c = window.controller
    from gradviz.core.space import Window

    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        window.surface_view.windowChanged.emit(Window(-2.0, 2.0, 10.0, 20.0))
    assert c.surface.surface.window == Window(-2.0, 2.0, 10.0, 20.0)


def test_runs_can_be_added_hidden_selected_and_removed(window, qtbot):
    c = window.controller
    for _ in range(7):
        c.add_run()
    assert len(c.runs) == 8
    with qtbot.waitSignal(c.message, timeout=1000):
        c.add_run()
    assert len(c.runs) == 8
    c.set_visible(c.runs[2].run_id, False)
    qtbot.waitUntil(lambda: c.runs[2].run_id not in window.surface_view._legend_text,
                    timeout=2000)
    c.select_run(c.runs[3].run_id)
    assert window.control_panel.optimizer_combo.currentData() == c.runs[3].settings.optimizer
    c.remove_run()
    assert len(c.runs) == 7


def test_closing_during_a_run_stops_the_worker(qtbot):
    from gradviz.qt.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    c = win.controller
    c.set_speed(0)
    c.play()
    qtbot.waitUntil(lambda: len(c.runs[0].record) > 3, timeout=5000)
    win.close()
    assert not c._run_thread.is_running()
    assert not c._surface_thread.is_running()


def test_good_csv_from_the_open_dialog_becomes_the_data(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    good = tmp_path / "mine.csv"
    good.write_text("x,y\n0,1\n1,2\n2,2.9\n3,4.2\n")
    c = window.controller
    c.set_problem(ProblemSpec("linear"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    window.open_action.trigger()  # the preview dialog, its file read off the UI thread
    dialog = window.data_dialog
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=10_000)
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        dialog.ok.click()
    assert c.problem.data.n == 4 and c.spec.data == str(good)
    np.testing.assert_allclose(window.fit_view.points.getData()[0], [0, 1, 2, 3])
    assert window.control_panel.data_combo.currentText() == "mine.csv"
    qtbot.waitUntil(lambda: len(c.runs[0].record) >= 1, timeout=3000)


def test_data_list_switches_to_synthetic_and_back(window, qtbot):
    combo = window.control_panel.data_combo
    c = window.controller
    combo.setCurrentIndex(combo.findData("synthetic"))
    combo.activated.emit(combo.currentIndex())
    assert c.spec.data.startswith("synthetic:") and c.problem.data.n == 30
    assert window.control_panel.data_fields["n"].isVisibleTo(window.control_panel)
    combo.setCurrentIndex(combo.findData("udl-gabor"))
    combo.activated.emit(combo.currentIndex())
    assert c.spec.data is None and c.problem.data.name == "udl-gabor"


def test_status_timeline_and_loss_show_the_last_update_when_a_run_finishes(window, qtbot):
    # While runs play, the status bar, timeline and loss curves update only some
    # times a second; when playback stops they must catch up with the last update.
    c = window.controller
    c.edit_selected(RunSettings(optimizer="gd", steps=150))
    c.set_speed(1000)
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=10_000)
    last = len(c.runs[0].record) - 1
    assert last == 150
    qtbot.waitUntil(lambda: window.timeline_label.text() == f"update {last} of {last}",
                    timeout=3000)
    qtbot.waitUntil(lambda: f"update {last} " in window.status.text(), timeout=3000)
    qtbot.waitUntil(
        lambda: len(window.loss_view.curves.curves[-1].x) == last + 1, timeout=3000
    )
