"""Every number on screen and in an export belongs to the update it is shown with:
the legend, the status bar, the timeline and the loss curves drawn together, and
the legend of each frame of an animation."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from gradviz.core.run_settings import RunSettings
from gradviz.core.scenes import Scene, builtin_scenes
from gradviz.qt import app
from gradviz.qt.export import exporter
from gradviz.qt.frame import RunFrame
from gradviz.qt.views.surface_view import SurfaceView


def _nesterov() -> Scene:
    """Scene 10, whose three runs' losses part early: a legend an update off shows."""
    return next(s for s in builtin_scenes() if s.name == "nesterov")


def _legend_texts(view: SurfaceView) -> list[str]:
    return [label.text for _, label in view.legend.items]


def _expected_legend(frames: list[RunFrame], update: int) -> list[str]:
    """The legend of ``frames`` at ``update``, formatted as the legend formats it."""
    return [
        SurfaceView._legend_entry(replace(f, index=min(update, len(f.loss) - 1)))
        for f in frames if f.visible
    ]


@pytest.fixture
def drawn(monkeypatch):  # type: ignore[no-untyped-def]
    """(note, legend texts, the legend expected at the note's update) of every
    animation frame an export draws, taken as the frame is drawn."""
    frames: list[tuple[str, list[str], list[str]]] = []
    image = exporter._Landscape.image

    def recording_image(landscape, note=""):  # type: ignore[no-untyped-def]
        update = int(re.fullmatch(r"update (\d+) of \d+", note).group(1))
        expected = _expected_legend(landscape.controller.frames(), update)
        frames.append((note, _legend_texts(landscape.view.surface_view), expected))
        return image(landscape, note)

    monkeypatch.setattr(exporter._Landscape, "image", recording_image)
    return frames


def _check_frames(drawn: list[tuple[str, list[str], list[str]]], last: int) -> None:
    assert len(drawn) == last + 1  # fewer updates than frames: one frame per update
    assert drawn[-1][0] == f"update {last} of {last}"
    wrong = [(note, texts, expected) for note, texts, expected in drawn if texts != expected]
    assert not wrong, f"{len(wrong)} of {len(drawn)} frames, first: {wrong[0]}"
    # The runs' losses change over the animation, so the check above saw them move.
    assert len({tuple(texts) for _, texts, _ in drawn}) > last // 2


def test_every_gif_frame_from_the_app_shows_its_update_losses(window, drawn, tmp_path):
    exporter.show_scene_finished(window.controller, _nesterov(), timeout=30)
    last = window.controller.last_update
    path = tmp_path / "nesterov.gif"
    assert exporter.export_animation_with_dialog(window.controller, window, path, (320, 180))
    _check_frames(drawn, last)


def test_every_frame_of_a_headless_export_shows_its_update_losses(qapp, drawn, tmp_path):
    path = tmp_path / "nesterov.gif"
    assert app.export_scene(_nesterov(), path, (320, 180))
    last = int(re.fullmatch(r"update \d+ of (\d+)", drawn[-1][0]).group(1))
    assert last == _nesterov().runs[0].settings.steps
    _check_frames(drawn, last)


def _shown(window) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The update each part of the window shows now (None where it shows none)."""
    status = re.search(r"update (\d+) .* loss ([-\d.e+]+|nan)", window.status.text())
    timeline = re.fullmatch(r"update (\d+) of (\d+)", window.timeline_label.text())
    curves = window.loss_view.curves.curves
    return {
        "status": None if status is None else int(status.group(1)),
        "status loss": None if status is None else status.group(2),
        "timeline": None if timeline is None else int(timeline.group(1)),
        "slider": window.timeline.value(),
        "legend": _legend_texts(window.surface_view),
        "loss curve": max((int(c.x[-1]) for c in curves if len(c.x)), default=None),
    }


def _disagreements(window, shown: dict[str, object]) -> list[str]:  # type: ignore[no-untyped-def]
    c = window.controller
    update = shown["status"]
    if update is None:
        return []  # nothing recorded yet: "ready"
    wrong = []
    expected_loss = f"{float(c.selected.record.loss[update]):.4f}"
    if shown["status loss"] != expected_loss:
        wrong.append(f"status loss {shown['status loss']} is not update {update}'s")
    if shown["timeline"] != update or shown["slider"] != update:
        wrong.append(f"timeline {shown['timeline']} / {shown['slider']} vs status {update}")
    if shown["legend"] != _expected_legend(c.frames(), update):
        wrong.append(f"legend {shown['legend']} is not update {update}'s")
    if shown["loss curve"] is not None and shown["loss curve"] > update:
        wrong.append(f"loss curve at {shown['loss curve']}, after the text's {update}")
    return wrong


def test_legend_status_timeline_and_loss_curve_show_one_update_while_playing(window, qtbot):
    c = window.controller
    c.load_scene(_nesterov())
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    c.set_speed(30)  # slow enough that a loaded machine still draws many frames
    problems: list[str] = []
    updates: set[int] = set()

    def check(_frames: list[RunFrame]) -> None:
        # Connected after the window's own slot: sees what the window now shows.
        shown = _shown(window)
        problems.extend(_disagreements(window, shown))
        if shown["status"] is not None:
            updates.add(shown["status"])

    c.frameReady.connect(check)
    c.play()
    qtbot.waitUntil(lambda: not c.playing, timeout=20_000)
    c.frameReady.disconnect(check)
    assert not problems, f"{len(problems)} disagreements, first: {problems[0]}"
    # Many frames were looked at while the runs played (21 at a load of 7 on 2 cores,
    # 7 with two more busy processes beside it).
    assert len(updates) > 5
    # Once the runs stop, everything shows the last update.
    last = c.last_update
    shown = _shown(window)
    assert shown["status"] == shown["timeline"] == shown["loss curve"] == last
    assert shown["legend"] == _expected_legend(c.frames(), last)


def test_the_status_bar_shows_the_learning_rate_of_the_frame_drawn(window, qtbot):
    c = window.controller
    c.load_scene(_nesterov())
    c.step(3)
    qtbot.waitUntil(lambda: all(len(run.record) == 4 for run in c.runs), timeout=10_000)
    # Frames whose learning rates are not the record's: the status bar must show
    # the frame's, as it shows the frame's update, epoch, phi and loss.
    frames = [replace(f, lr=f.lr * 3) for f in c.frames()]
    selected = next(f for f in frames if f.selected)
    c.frameReady.emit(frames)
    assert f"α = {selected.lr[selected.index]:.4g}" in window.status.text()


def test_timeline_batch_panel_status_and_data_view_count_one_update(window, qtbot):
    c = window.controller
    scene = next(s for s in builtin_scenes() if s.number == 6)  # 60 updates, batches of 5
    assert c.load_scene(scene)
    qtbot.waitUntil(lambda: len(c.selected.record) >= 1, timeout=5000)
    c.publish_now()
    # Before any update the timeline gives the run's length, not what is recorded.
    assert window.timeline_label.text() == "update 0 of 60"
    c.step(13)
    qtbot.waitUntil(lambda: len(c.selected.record) >= 14, timeout=5000)
    c.publish_now()
    assert window.timeline_label.text() == "update 13 of 60"
    assert window.timeline.maximum() == 60 and window.timeline.value() == 13
    # Update 13 is the first batch of epoch 2 (from 0: six updates an epoch).
    assert "update 13  ·  epoch 2, batch 0  ·" in window.status.text()
    last_line = window.batch_panel.toPlainText().splitlines()[-1]
    assert last_line.startswith("Update   13  batch 0:")
    batch = c.selected.record.batch(13)
    assert last_line.endswith("[" + " ".join(f"{i:2d}" for i in batch) + "]")
    highlighted = window.fit_view.batch.getData()[0]
    np.testing.assert_array_equal(highlighted, c.problem.data.x[batch])
    c.scrub(4)
    c.publish_now()
    assert window.timeline_label.text() == "update 4 of 60 (13 so far)"
    assert window.batch_panel.toPlainText().splitlines()[-1].startswith("Update    4  batch 3:")


def test_a_full_batch_update_shows_no_epoch_and_the_status_bar_says_why(window, qtbot):
    c = window.controller
    assert c.edit_selected(RunSettings("gd", steps=3))
    c.run_to_end()
    qtbot.waitUntil(lambda: len(c.selected.record) == 4 and not c.playing, timeout=5000)
    c.publish_now()
    assert "update 3  ·  φ" in window.status.text() and "epoch" not in window.status.text()
    assert "epoch 0 is the first pass" in window.status.toolTip()
