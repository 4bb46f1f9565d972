"""Fans in the app: one run-list entry whose members are stepped as runs of their own,
each equal to the core's run of its settings, drawn in the fan's colours with a colour
bar and a plot of final losses, made by Run > Fan over… and exported like any run."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gradviz.core.fans import Fan, fan_colours, member_names
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, run
from gradviz.core.scenes import builtin_scenes
from gradviz.qt.control.controller import MAX_RUNS, AppController
from gradviz.qt.control.fan_entry import FanEntry
from gradviz.qt.export import exporter
from gradviz.qt.export.views import LandscapeView
from tests.trajectory_checks import assert_same_trajectory

RATES = Fan.spread("lr", 0.01, 1.0, 5)


@pytest.fixture
def controller(qapp, qtbot):  # type: ignore[no-untyped-def]
    """A started controller (no window), its first run's start point in; shut down after."""
    c = AppController()
    said: list[str] = []
    c.message.connect(said.append)
    c.said = said  # type: ignore[attr-defined]
    c.start()
    qtbot.waitUntil(lambda: c.surface is not None and len(c.runs[0].record) == 1, timeout=10_000)
    yield c
    c.shutdown()
    c.deleteLater()


def _to_end(c: AppController, qtbot) -> None:  # type: ignore[no-untyped-def]
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs) and not c.playing,
                    timeout=60_000)


def _fans(c: AppController) -> list[FanEntry]:
    return [e for e in c.entries() if isinstance(e, FanEntry)]


def _assert_each_run_is_the_cores(c: AppController) -> None:
    for member in c.runs:
        assert_same_trajectory(member.record.to_trajectory(member.settings, terms=False),
                               run(c.problem, member.settings))


# -- entries and members -----------------------------------------------------------------------
def test_a_fan_of_five_rates_is_five_runs_each_the_cores_and_one_entry(controller, qtbot):
    c = controller
    base = c.selected.settings
    assert c.fan_selected(RATES)
    (fan,) = c.entries()
    assert isinstance(fan, FanEntry) and fan.colour == "#E69F00"  # the run's own colour kept
    assert fan.label() == "GD, α fan ×5 (0.01 … 1)"
    assert [r.settings.hyperparameters["lr"] for r in c.runs] == list(RATES.values)
    assert [r.name for r in c.runs] == list(member_names(RATES, "GD"))
    assert [r.colour for r in c.runs] == list(fan_colours(RATES))
    assert all(replace(r.settings, hyperparameters=base.hyperparameters) == base for r in c.runs)
    assert c.selected is c.runs[0] and c.selected_settings == base
    _to_end(c, qtbot)
    _assert_each_run_is_the_cores(c)
    frames = c.frames()
    assert {f.fan for f in frames} == {fan.tag()} and [f.member for f in frames] == [0, 1, 2, 3, 4]
    assert c.said == []


def test_a_fan_of_32_beside_7_runs_and_no_ninth_entry(controller, qtbot):
    c = controller
    assert c.add_fan(RunSettings(optimizer="gd", steps=30), Fan.spread("lr", 0.001, 2.0, 32))
    for _ in range(MAX_RUNS - 3):
        assert c.add_run() is not None
    assert c.add_run(RunSettings(optimizer="adam", steps=30)) is not None
    assert len(c.entries()) == MAX_RUNS and len(c.runs) == 32 + 7  # the first GD too
    colours = [e.colour for e in c.entries()]
    assert len(set(colours)) == MAX_RUNS
    # A ninth entry, a run or a fan, is refused with a message, never an exception.
    assert c.add_run() is None
    assert not c.add_fan(RunSettings(), RATES)
    c.duplicate_run()
    assert len(c.entries()) == MAX_RUNS
    assert c.said and all("At most 8 runs" in text for text in c.said)
    _to_end(c, qtbot)
    _assert_each_run_is_the_cores(c)


def test_editing_the_fan_restarts_every_member_with_its_value(controller, qtbot):
    c = controller
    assert c.fan_selected(RATES)
    _to_end(c, qtbot)
    ids = [r.run_id for r in c.runs]
    generations = [r.generation for r in c.runs]
    assert c.edit_selected(replace(c.selected_settings, steps=20, start=(-2.0, 8.0)))
    assert [r.run_id for r in c.runs] == ids
    assert all(g + 1 == r.generation for g, r in zip(generations, c.runs))
    assert all(r.settings.steps == 20 and r.settings.start == (-2.0, 8.0) for r in c.runs)
    assert [r.settings.hyperparameters["lr"] for r in c.runs] == list(RATES.values)
    c.set_start((1.0, 9.0))  # a click on the map moves every member
    assert all(r.settings.start == (1.0, 9.0) for r in c.runs)
    # The optimizer changes under the fan: every member is a momentum run at its rate.
    assert c.edit_selected(replace(c.selected_settings, optimizer="momentum",
                                   hyperparameters={}))
    assert all(r.settings.optimizer == "momentum" for r in c.runs)
    assert c.runs[0].name == "Momentum α=0.01"
    _to_end(c, qtbot)
    _assert_each_run_is_the_cores(c)


def test_the_fans_own_parameter_is_refused_in_the_controls(controller):
    c = controller
    assert c.fan_selected(RATES)
    before = [r.settings for r in c.runs]
    base = c.selected_settings
    assert not c.edit_selected(replace(base, hyperparameters={"lr": 0.5}))
    assert "α is the fan's (0.01 … 1)" in c.said[-1] and "Fan over" in c.said[-1]
    assert [r.settings for r in c.runs] == before and c.selected_settings == base


def test_fanning_a_fan_anew_and_unfanning_it(controller):
    c = controller
    assert c.fan_selected(RATES)
    narrower = Fan.spread("lr", 0.05, 0.2, 3)
    assert c.fan_selected(narrower)
    assert len(c.entries()) == 1 and len(c.runs) == 3
    assert [r.settings.hyperparameters["lr"] for r in c.runs] == [0.05, 0.1, 0.2]
    c.duplicate_run()  # a second fan like it, in the next colour
    first, copy = _fans(c)
    assert (copy.fan, copy.settings) == (first.fan, first.settings)
    assert copy.colour != first.colour and c.selected.fan is copy
    c.remove_run()
    assert _fans(c) == [first]
    base = c.selected_settings
    assert c.unfan_selected()
    (lone,) = c.runs
    assert lone.fan is None and lone.settings == base and lone.colour == "#E69F00"
    assert c.selected is lone
    assert not c.unfan_selected()
    assert "not a fan" in c.said[-1]


def test_removing_and_ticking_a_fan_act_on_every_member(controller, qtbot):
    c = controller
    lone = c.runs[0]
    assert c.add_fan(RunSettings(optimizer="sgd"), RATES)
    fan = _fans(c)[0]
    members = c.runs_of(fan)
    c.set_visible(fan.entry_id, False)
    assert not any(r.visible for r in members) and lone.visible
    assert c.fan_plot(c.frames()) is None  # no shown fan, no plot
    c.set_visible(fan.entry_id, True)
    assert all(r.visible for r in members)
    c.select_run(lone.run_id)
    c.select_run(fan.entry_id)  # the fan's row: its first member
    assert c.selected is members[0]
    c.select_run(members[2].run_id)
    assert c.selected is members[2]
    c.select_run(fan.entry_id)  # the row again: the member stays selected
    assert c.selected is members[2]
    c.remove_run()
    assert c.runs == [lone] and c.selected is lone
    c.remove_run()
    assert c.runs == [lone] and c.said[-1] == "The last run cannot be removed."
    c.step()  # the worker has forgotten the members: only the lone run moves on
    qtbot.waitUntil(lambda: len(lone.record) == 2, timeout=5000)


def test_the_final_loss_plot_is_the_members_records_at_the_shown_update(controller, qtbot):
    c = controller
    wide = Fan.spread("lr", 0.01, 100.0, 6)  # the largest rates diverge
    assert c.fan_selected(wide)
    _to_end(c, qtbot)
    plot = c.fan_plot(c.frames())
    assert plot.param == "lr" and plot.log and not plot.seeds and plot.update == c.last_update
    (series,) = plot.series
    np.testing.assert_array_equal(series.values, wide.values)
    np.testing.assert_array_equal(series.losses, [r.record.loss[-1] for r in c.runs])
    diverged = [r.record.diverged_at is not None for r in c.runs]
    assert any(diverged) and not all(diverged)
    assert series.diverged.tolist() == diverged
    first = min(r.record.diverged_at for r in c.runs if r.record.diverged_at is not None)
    for shown in (first - 1, first):  # before any member diverged, and as the first does
        c.scrub(shown)
        plot = c.fan_plot(c.frames())
        assert plot.update == shown
        np.testing.assert_array_equal(
            plot.series[0].losses, [r.record.loss[min(shown, len(r.record) - 1)] for r in c.runs])
        assert plot.series[0].diverged.tolist() == [
            r.record.diverged_at is not None and r.record.diverged_at <= shown for r in c.runs]
    assert plot.series[0].diverged.any()


def test_the_plot_compares_fans_over_the_selected_fans_parameter(controller):
    c = controller
    assert c.fan_selected(RATES)
    assert c.add_fan(RunSettings(optimizer="momentum"), Fan.spread("beta", 0.0, 0.9, 4))
    assert c.add_fan(RunSettings(optimizer="momentum"), Fan.spread("lr", 0.1, 1.0, 3))
    plot = c.fan_plot(c.frames())  # the last fan added is selected
    assert plot.param == "lr" and [len(s.values) for s in plot.series] == [5, 3]
    c.select_run(_fans(c)[1].entry_id)
    plot = c.fan_plot(c.frames())
    assert plot.param == "beta" and not plot.log and [len(s.values) for s in plot.series] == [4]


def test_a_seed_fan_on_a_minibatch_run(controller, qtbot):
    c = controller
    assert not c.fan_selected(Fan.spread("seed", 0, 4, 5))  # the first run is full batch
    assert "a seed fan needs minibatches" in c.said[-1] and len(c.runs) == 1
    assert c.add_fan(RunSettings(optimizer="sgd", steps=40), Fan.spread("seed", 0, 4, 5))
    assert c.add_fan(RunSettings(optimizer="momentum", steps=40), Fan.spread("seed", 0, 4, 5))
    sgd = c.runs_of(_fans(c)[0])
    assert [r.settings.seed for r in sgd] == [0, 1, 2, 3, 4]
    # Seeds have no order: the members take the entry's colour, and need no colour bar.
    assert {r.colour for r in sgd} == {_fans(c)[0].colour}
    assert not c.frames()[1].fan.sequential
    assert {r.settings.batch_size for r in sgd} == {5}
    _to_end(c, qtbot)
    _assert_each_run_is_the_cores(c)
    assert len({float(r.record.loss[-1]) for r in sgd}) == 5  # the seeds tell apart
    plot = c.fan_plot(c.frames())
    assert plot.seeds and [s.title for s in plot.series] == ["SGD", "Momentum"]
    np.testing.assert_array_equal(plot.series[0].losses, [r.record.loss[-1] for r in sgd])


def test_a_seed_fan_becomes_its_base_run_on_a_problem_without_data(controller, qtbot):
    c = controller
    assert c.add_fan(RunSettings(optimizer="sgd"), Fan.spread("seed", 0, 4, 5))
    assert c.fan_selected(Fan.spread("lr", 0.1, 1.0, 3)) is True  # now a rate fan
    c.add_fan(RunSettings(optimizer="sgd"), Fan.spread("seed", 0, 2, 3))
    assert c.set_problem(ProblemSpec("ravine"))
    assert any("is now its base run" in text and "needs minibatches" in text for text in c.said)
    kinds = [type(e).__name__ for e in c.entries()]
    assert kinds == ["RunState", "FanEntry", "RunState"]  # the rate fan stays a fan
    assert len(c.runs) == 1 + 3 + 1
    _to_end(c, qtbot)
    _assert_each_run_is_the_cores(c)


def test_a_saved_scene_keeps_its_fan_and_opens_with_it(controller):
    c = controller
    assert c.fan_selected(RATES)
    members = [r.settings for r in c.runs]
    scene = c.to_scene()
    assert scene.runs == () and len(scene.fans) == 1
    assert scene.fans[0].fan == RATES and scene.fans[0].settings == c.selected_settings
    assert c.load_scene(scene)
    assert [r.settings for r in c.runs] == members
    assert len(c.entries()) == 1 and c.runs[0].fan is not None


def test_a_shipped_scene_opens_with_its_fans_members_as_the_core_runs_them(controller, qtbot):
    from gradviz.core.run_set import scene_runs

    c = controller
    scene = next(s for s in builtin_scenes() if s.fans)
    assert c.load_scene(scene)
    assert len(c.entries()) == len(scene.runs) + len(scene.fans)
    core = scene_runs(scene).runs
    assert [r.label(c.problem.n_points) for r in c.runs] == [run.name for run in core]
    assert [r.settings for r in c.runs] == [run.trajectory.settings for run in core]


# -- the window ------------------------------------------------------------------------------
def _dialog_ok(window) -> None:  # type: ignore[no-untyped-def]
    window.fan_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_fan_over_makes_the_fan_and_the_list_shows_it_once(window, qtbot):
    c = window.controller
    window.fan_action.trigger()
    dialog = window.fan_dialog
    assert dialog.isVisible() and dialog.param.currentData() == "lr"
    assert (dialog.low.text(), dialog.high.text(), dialog.count.value()) == ("0.01", "1", 5)
    assert dialog.log.isChecked()
    _dialog_ok(window)
    assert window.fan_dialog is None
    assert len(c.runs) == 5 and [r.settings.hyperparameters["lr"] for r in c.runs] == list(
        RATES.values)
    rows = window.run_list.list
    assert rows.count() == 1 and rows.item(0).text() == "GD, α fan ×5 (0.01 … 1)"
    # The controls show the base settings; the fan alone sets its rate.
    assert window.control_panel.hyper_fields["lr"].edit.text() == "0.1"
    assert not window.control_panel.hyper_fields["lr"].isEnabled()
    assert window.control_panel.steps.isEnabled()
    rows.item(0).setCheckState(Qt.CheckState.Unchecked)  # ticking acts on every member
    assert not any(r.visible for r in c.runs)
    rows.item(0).setCheckState(Qt.CheckState.Checked)
    c.publish_now()
    qtbot.waitUntil(lambda: window.fan_view.isVisible(), timeout=3000)
    assert list(window.surface_view._fan_bars) == [c.selected.entry_id]
    assert list(window.surface_view._legend_text) == [("fan", c.selected.entry_id)]
    # Opened on a fan, the dialog starts from its values.
    window.fan_over()
    assert (window.fan_dialog.low.text(), window.fan_dialog.high.text()) == ("0.01", "1")
    window.fan_dialog.reject()
    # Unfanned, the list and the plot have the run again.
    window.unfan_action.trigger()
    c.publish_now()
    assert rows.count() == 1 and rows.item(0).text().startswith("GD α=0.1")
    assert not window.fan_view.isVisible() and not window.surface_view._fan_bars
    assert window.control_panel.hyper_fields["lr"].isEnabled()


@pytest.mark.parametrize(("field", "text", "said"), [
    ("low", "abc", "From must be a number; got 'abc'"),
    ("high", "", "To must be a number; got ''"),
    ("low", "5", "a fan's range must go from low to high; got 5 to 1"),
    ("low", "0", "a log-spaced range must be positive"),
    ("high", "5000", "lr must be between"),
])
def test_bad_values_in_the_dialog_are_named_and_change_nothing(window, field, text, said):
    c = window.controller
    before = [(r.run_id, r.settings) for r in c.runs]
    window.fan_over()
    dialog = window.fan_dialog
    getattr(dialog, field).setText(text)
    _dialog_ok(window)
    assert dialog.isVisible() and said in dialog.error.text()
    assert [(r.run_id, r.settings) for r in c.runs] == before
    dialog.reject()


def test_the_dialog_offers_the_seed_for_minibatches_and_says_what_the_controller_refuses(
        window, qtbot):
    c = window.controller
    window.fan_over()
    assert [window.fan_dialog.param.itemData(i) for i in range(window.fan_dialog.param.count())
            ] == ["lr"]  # gradient descent: the full batch, no seed
    window.fan_dialog.reject()
    c.edit_selected(replace(c.selected_settings, optimizer="sgd", hyperparameters={},
                            batch_size=None, steps=200_000))
    window.fan_over()
    dialog = window.fan_dialog
    dialog.param.setCurrentIndex(dialog.param.findData("seed"))
    assert (dialog.low.text(), dialog.high.text(), dialog.log.isEnabled()) == ("0", "4", False)
    _dialog_ok(window)  # too many updates for a fan: the controller says so
    assert dialog.isVisible() and "at most 100000 updates" in dialog.error.text()
    assert len(c.runs) == 1
    dialog.reject()


def test_an_exported_png_draws_the_fan_and_the_numbers_have_every_member(window, qtbot,
                                                                         tmp_path):
    c = window.controller
    assert c.fan_selected(Fan.spread("lr", 0.01, 100.0, 6))
    _to_end(c, qtbot)
    c.publish_now()
    # The window's plot of final losses shows the members' last losses, crosses for the
    # diverged ones at the top.
    plot = window.fan_view.plot
    assert plot.update == c.shown_update
    (series,) = plot.series
    np.testing.assert_array_equal(series.losses, [r.record.loss[-1] for r in c.runs])
    kept = ~series.diverged
    np.testing.assert_array_equal(window.fan_view.points.data["y"],
                                  np.log10(series.losses[kept]))
    # Hovered, a point names its member and loss exactly.
    first = window.fan_view.points.points()[0]
    assert window.fan_view._tip(x=first.pos().x(), y=first.pos().y(), data=first.data()) == (
        f"GD, α=0.01: loss {series.losses[0]:.4g}")
    crosses = window.fan_view.crosses.data
    assert len(crosses) == series.diverged.sum() > 0
    assert (crosses["y"] > np.log10(series.losses[kept]).max()).all()
    path = tmp_path / "fan.png"
    exporter.export_landscape_png(c, path, (1280, 720))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 720)
    view = LandscapeView(c, 1280, 720, 1.0)
    try:
        view.show_frames(c.frames())
        start = view.surface_view.start.pen.color().name()  # the fan's colour, as on screen
        assert start == c.options.look.run_colour(c.runs[0].fan.colour).lower()
        (bar,) = view.surface_view._fan_bars.values()
        assert bar.tag == c.frames()[0].fan
        # Laid out below the plot before the export paints, not at the next event.
        plot = view.surface_view.getPlotItem()
        assert bar.geometry().width() > 0.5 * plot.vb.geometry().width()
        assert bar.geometry().top() >= plot.getAxis("bottom").geometry().bottom()
        assert list(bar.diverged) == [r.record.diverged_at is not None for r in c.runs]
        (text,) = view.surface_view._legend_text.values()
        assert text.startswith("GD, α fan ×6 (0.01 … 100)") and "diverged" in text
    finally:
        view.close()
    csv = tmp_path / "fan.csv"
    exporter.export_file(c, csv)
    names = {line.split(",")[0] for line in csv.read_text().splitlines()[1:]}
    assert names == set(member_names(c.runs[0].fan.fan, "GD"))
    QApplication.processEvents()


def test_a_gifs_palette_holds_the_fans_colours_exactly(controller):
    c = controller
    assert c.fan_selected(Fan.spread("lr", 0.01, 1.0, 12))
    look = c.options.look
    drawn = tuple(look.run_colour(r.colour) for r in c.runs)
    writer = exporter._GifWriter(Path("unwritten.gif"), look, drawn)
    frame = QImage(64, 36, QImage.Format.Format_RGB32)
    frame.fill(QColor(look.background))
    writer.add(frame)  # the palette is made for the first frame
    palette = writer.palette.getpalette()
    held = {"#{:02x}{:02x}{:02x}".format(*palette[i:i + 3]) for i in range(0, len(palette), 3)}
    # Exactly, not the nearest colours of the map's.
    assert set(fan_colours(c.runs[0].fan.fan)) <= held
    writer.abort()


@pytest.mark.parametrize(("low", "high"), [(-2.0, 0.5), (-0.9, 0.2), (-3.0, 1.5),
                                           (-0.75, -0.05)])  # scene 14's losses, 0.18 to 0.9
def test_the_plots_log_axes_label_each_value_once_at_1_2_and_5(qapp, low, high):
    from gradviz.qt.views.fan_view import LogAxis

    axis = LogAxis("bottom")
    axis.setLogMode(True)  # a decade or more: all nine of each would crowd the plot
    shown = [v for _, values in axis.tickValues(low, high, 300) for v in values]
    assert len(shown) == len({round(v, 9) for v in shown})  # none labelled twice
    texts = [axis.logTickStrings([v], 1, 1)[0] for v in shown]
    assert {t.replace(".", "").strip("0") for t in texts} <= {"1", "2", "5"}
    decades = {round(v) for v in shown if abs(v - round(v)) < 1e-9}
    assert decades == set(range(math.ceil(low), math.floor(high) + 1))
    assert "10" in axis.logTickStrings([1.0], 1, 1)  # plain numbers, not 10¹
