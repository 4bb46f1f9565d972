"""Exports decode back: landscape PNG/SVG, window PNG, GIF/MP4, CSV/JSON, and the
headless ``gradviz export`` command."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from golden_cases import KEPT_SCENES, golden_scenes, scene_file
from PIL import Image
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from gradviz import cli
from gradviz.core.export import parse_json
from gradviz.core.run import Trajectory, iterate
from gradviz.core.run_set import scene_runs, write_runs
from gradviz.core.scenes import Scene, builtin_scenes
from gradviz.qt.export import exporter

STEPS = 40  # short runs keep the module quick; enough updates for the animations


def _short_scene() -> Scene:
    """The first shipped scene that compares several runs, cut to :data:`STEPS` updates."""
    scene = next(s for s in builtin_scenes() if len(s.runs) >= 2)
    runs = tuple(replace(r, settings=replace(r.settings, steps=STEPS)) for r in scene.runs)
    return replace(scene, runs=runs)


@pytest.fixture(scope="module")
def shown(qapp, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One shown window with a short scene computed to its end, shared by the module
    (every export leaves the window as it found it)."""
    from PySide6.QtCore import QSettings

    from gradviz.qt.app import make_application

    # The autouse settings fixture is per test; this window outlives a test.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))
    make_application()
    from gradviz.qt.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    exporter.show_scene_finished(window.controller, _short_scene(), timeout=30)
    yield window
    window.close()


def _names(window) -> list[str]:  # type: ignore[no-untyped-def]
    c = window.controller
    return [run.label(c.problem.n_points) for run in c.runs]


# ----------------------------------------------------------------------------- pictures


@pytest.mark.parametrize("size", [(3840, 2160), (640, 900)])
def test_landscape_png_has_the_requested_size(shown, tmp_path, size):
    view_size = shown.surface_view.size()
    path = tmp_path / "landscape.png"
    written = exporter.export_landscape_png(shown.controller, path, size)
    assert written.startswith(f"{size[0]} x {size[1]}")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == size
        pixels = np.asarray(image.convert("RGB"))[::8, ::8]
    colours = np.unique(pixels.reshape(-1, 3) @ np.array([65536, 256, 1]))
    assert len(colours) > 500  # a heatmap, not a blank
    assert shown.surface_view.size() == view_size  # laid out back as it was


def test_paths_in_a_bigger_png_are_as_wide_relative_to_the_picture(shown, tmp_path):
    # At three times the pixels across, every line of the paths (the markers too)
    # is three times as wide: about nine times the pixels of the first run's
    # orange. A line drawn a fixed number of pixels wide would give about three.
    orange = {}
    for width, height in ((1280, 720), (3840, 2160)):
        path = tmp_path / f"{width}.png"
        exporter.export_landscape_png(shown.controller, path, (width, height))
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB")).astype(int)
        orange[width] = ((np.abs(pixels[:, :, 0] - 230) < 30) & (np.abs(pixels[:, :, 1] - 159) < 30)
                         & (pixels[:, :, 2] < 60)).sum()
    assert orange[3840] > 6 * orange[1280] > 0


def test_landscape_png_at_the_largest_size(shown, tmp_path):
    path = tmp_path / "8k.png"
    exporter.export_landscape_png(shown.controller, path, exporter.MAX_SIZE)
    with Image.open(path) as image:
        assert image.size == (7680, 4320)


@pytest.mark.parametrize("size", [(7681, 4320), (7680, 4321), (100, 100)])
def test_sizes_out_of_range_are_refused(shown, tmp_path, size):
    path = tmp_path / "refused.png"
    with pytest.raises(ValueError, match="outside 320x180 to 7680x4320"):
        exporter.export_landscape_png(shown.controller, path, size)
    assert not path.exists()


def test_landscape_svg_parses_and_shows_the_legend(shown, tmp_path):
    path = tmp_path / "landscape.svg"
    exporter.export_landscape_svg(shown.controller, path)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = " ".join(" ".join(node.itertext()) for node in root.iter() if node.tag.endswith("text"))
    for name in _names(shown):
        assert name in text
    assert shown.controller.scene.title in text


def test_window_png_is_the_whole_window(shown, tmp_path):
    path = tmp_path / "window.png"
    exporter.export_window_png(shown, path)
    ratio = shown.devicePixelRatioF()
    with Image.open(path) as image:
        assert image.size == (round(shown.width() * ratio), round(shown.height() * ratio))


# ----------------------------------------------------------------------------- animations


def test_gif_has_one_frame_per_update_shown_and_restores_the_timeline(shown, tmp_path):
    c = shown.controller
    c.scrub(10)
    calls = []
    path = tmp_path / "runs.gif"
    written = exporter.export_animation(
        shown.controller, path, (320, 180), frames=12,
        progress=lambda d, n: calls.append((d, n)) or True,
    )
    assert written is not None and written.startswith("12 frames")
    assert calls == [(d, 12) for d in range(1, 13)]
    with Image.open(path) as gif:
        assert gif.size == (320, 180)
        assert gif.n_frames == 12
    assert c.position == 10
    c.scrub(c.last_update)


def test_cancelled_animation_leaves_no_file(shown, tmp_path):
    path = tmp_path / "cancelled.gif"
    result = exporter.export_animation(shown.controller, path, (320, 180), frames=20,
                                       progress=lambda done, total: done < 3)
    assert result is None
    assert not path.exists()
    assert shown.controller.position is None  # back to following the runs


def test_animation_with_progress_dialog(shown, tmp_path):
    path = tmp_path / "dialog.gif"
    assert exporter.export_animation_with_dialog(shown.controller, shown, path, (320, 180),
                                                 frames=6)
    with Image.open(path) as gif:
        assert gif.n_frames == 6
    assert not any(w.isVisible() for w in shown.findChildren(QProgressDialog))


def test_the_apps_gif_keeps_its_layout_from_the_first_frame(shown, tmp_path):
    # The app's export processes events between frames: the layout the axes asked for
    # while painting frame 0 (the colour bar's axis 9 px narrower) came at frame 1.
    path = tmp_path / "steady.gif"
    assert exporter.export_animation_with_dialog(shown.controller, shown, path, frames=3)
    with Image.open(path) as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
    first, second = frames[0], frames[1]
    header = 60  # the title, the caption and the changing "update n of m"
    # The parts no run draws on: the colour bar with its axis, and the axis below the map.
    assert np.array_equal(first[header:, -60:], second[header:, -60:])
    assert np.array_equal(first[-25:], second[-25:])
    assert not np.array_equal(first, second)  # the runs moved


def test_the_apps_export_to_draws_the_frames_asked_for(shown, tmp_path):
    path = tmp_path / "short.gif"
    shown.export_to(str(path), exporter.MIN_SIZE, frames=3)
    with Image.open(path) as gif:
        assert (gif.n_frames, gif.size) == (3, exporter.MIN_SIZE)


def test_the_export_command_draws_the_frames_asked_for(tmp_path):
    path = tmp_path / "short.gif"
    assert cli.main(["export", "--scene", _short_scene().name, "--steps", "10", "--frames", "4",
                     "--size", "320x180", "--out", str(path)]) == 0
    with Image.open(path) as gif:
        assert gif.n_frames == 4


def test_animation_frames_are_spread_over_the_run():
    assert exporter.animation_updates(40, 5) == [0, 10, 20, 30, 40]
    assert exporter.animation_updates(3, 120) == [0, 1, 2, 3]  # a short run: fewer frames


@pytest.mark.skipif(exporter.find_ffmpeg() is None,
                    reason="neither ffmpeg on the PATH nor the mp4 extra")
def test_mp4_decodes_to_the_frames_written(shown, tmp_path):
    path = tmp_path / "runs.mp4"
    exporter.export_animation(shown.controller, path, (320, 180), frames=8)
    decoded = subprocess.run(
        [exporter.find_ffmpeg(), "-nostats", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr
    assert "320x180" in decoded
    assert int(re.findall(r"frame=\s*(\d+)", decoded)[-1]) == 8
    cancelled = tmp_path / "cancelled.mp4"
    assert exporter.export_animation(shown.controller, cancelled, (320, 180), frames=8,
                                     progress=lambda done, total: done < 2) is None
    assert not cancelled.exists()  # ffmpeg stopped and its partial file removed


# ----------------------------------------------------------------------------- the window


class _Resizes(QObject):
    """Counts the resize events of the widget it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize:
            self.count += 1
        return False


def _drawn(window) -> QImage:  # type: ignore[no-untyped-def]
    """The window as it is drawn once the events waiting have run."""
    QApplication.processEvents()
    return window.grab().toImage()


@pytest.fixture
def paused_mid_way(window, qtbot):  # type: ignore[no-untyped-def]
    """The window with the short scene's runs stepped 15 of their 40 updates, paused."""
    c = window.controller
    c.load_scene(_short_scene())
    qtbot.waitUntil(window.busy.isHidden, timeout=10_000)  # the scene's surface arrived
    c.step(15)
    qtbot.waitUntil(lambda: all(len(r.record) == 16 for r in c.runs), timeout=10_000)
    c.publish_now()
    return window


@pytest.mark.parametrize("scrubbed", [None, 8])
def test_exports_leave_the_window_exactly_as_it_was(paused_mid_way, tmp_path, scrubbed):
    window = paused_mid_way
    c = window.controller
    if scrubbed is not None:
        c.scrub(scrubbed)
        c.publish_now()
    before = _drawn(window)
    state = (c.position, c.playing, window.timeline.value(), window.timeline.maximum(),
             window.timeline_label.text(), [len(r.record) for r in c.runs])
    assert not any(r.record.finished for r in c.runs)
    resizes = _Resizes()
    window.surface_view.installEventFilter(resizes)
    looks = []

    def look(done: int, total: int) -> bool:
        # While the animation is written the window shows what it showed.
        looks.append(window.grab().toImage() == before and window.timeline.value() == state[2])
        return True

    for name in ("landscape.png", "landscape.svg"):
        assert exporter.export_file(window.controller, tmp_path / name, (640, 360))
    gif = tmp_path / "runs.gif"
    assert exporter.export_animation(window.controller, gif, (320, 180), frames=120,
                                     progress=look)
    assert looks and all(looks)
    assert resizes.count == 0
    assert _drawn(window) == before
    assert (c.position, c.playing, window.timeline.value(), window.timeline.maximum(),
            window.timeline_label.text(), [len(r.record) for r in c.runs]) == state
    with Image.open(gif) as image:
        assert image.n_frames == 16  # the updates recorded so far, whatever is shown
    with Image.open(tmp_path / "landscape.png") as image:
        assert image.size == (640, 360)


def test_an_export_while_the_runs_play_leaves_them_playing(paused_mid_way, qtbot, tmp_path):
    c = paused_mid_way.controller
    c.set_speed(5)  # slow: the runs are still playing when the export is done
    c.play()
    shown = c.last_update
    assert exporter.export_animation(paused_mid_way.controller, tmp_path / "runs.gif",
                                     (320, 180), frames=4)
    assert c.playing and c.position is None
    qtbot.waitUntil(lambda: c.last_update > shown, timeout=10_000)  # and they go on


# ----------------------------------------------------------------------------- numbers


def test_csv_has_a_row_per_run_and_update(shown, tmp_path):
    path = tmp_path / "runs.csv"
    exporter.export_file(shown.controller, path)
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames[:2] == ["run", "step"]
        assert {"phi0", "phi1", "loss"} <= set(reader.fieldnames)
        rows = list(reader)
    runs = shown.controller.runs
    assert len(rows) == sum(len(run.record) for run in runs)
    for name, run in zip(_names(shown), runs):
        losses = [float(row["loss"]) for row in rows if row["run"] == name]
        np.testing.assert_array_equal(losses, run.record.loss)


def test_json_reproduces_each_run(shown, tmp_path):
    path = tmp_path / "runs.json"
    exporter.export_file(shown.controller, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["problem"] == shown.controller.spec.to_dict()
    assert [entry["name"] for entry in document["runs"]] == _names(shown)
    # Each entry is a gradviz-run document: re-run it from its settings alone.
    entry = document["runs"][0]
    saved = parse_json(json.dumps(entry))
    rerun = Trajectory.from_steps(saved.settings, iterate(saved.problem.build(), saved.settings))
    np.testing.assert_allclose(rerun.loss, [row["loss"] for row in saved.rows], rtol=1e-12)
    np.testing.assert_allclose(rerun.loss, shown.controller.runs[0].record.loss, rtol=1e-12)


def test_the_apps_numbers_are_the_cores_and_those_it_wrote_before(window, tmp_path):
    # Every scene, computed to its end in the app, is written as the core writes it
    # with no window (gradviz export) and, if it has golden files, as the app wrote it before.
    for name, scene in golden_scenes().items():
        exporter.show_scene_finished(window.controller, scene, timeout=60)
        core = scene_runs(scene)  # the fans' members after the runs
        for suffix in (".csv", ".json"):
            app, alone = tmp_path / f"app-{name}{suffix}", tmp_path / f"core-{name}{suffix}"
            exporter.export_file(window.controller, app)
            write_runs(alone, core)
            assert app.read_bytes() == alone.read_bytes(), app.name
            if name in KEPT_SCENES:
                assert app.read_bytes() == scene_file(name, suffix).read_bytes(), app.name


# ----------------------------------------------------------------------------- command line


def _headless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


@pytest.mark.parametrize("out, size", [("scene.png", "640x360"), ("scene.csv", None)])
def test_export_command_works_without_a_display(tmp_path, out, size):
    scene = _short_scene()
    path = tmp_path / out
    command = [sys.executable, "-m", "gradviz", "export", "--scene", scene.name,
               "--out", str(path), "--steps", "12"] + (["--size", size] if size else [])
    done = subprocess.run(command, check=False, capture_output=True, text=True,
                          env=_headless_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {path} (")
    if out.endswith(".png"):
        with Image.open(path) as image:
            assert image.size == (640, 360)
    else:
        rows = path.read_text(encoding="utf-8").splitlines()
        assert rows[0].startswith("run,step,")
        assert len(rows) == 1 + len(scene.runs) * 13  # the start and 12 updates per run


def test_the_export_command_exits_cleanly_every_time(tmp_path):
    # The process once crashed at exit, after writing its file, about one time in
    # eight (Qt objects torn down by the interpreter in no fixed order).
    command = [sys.executable, "-m", "gradviz", "export", "--scene", _short_scene().name,
               "--out", str(tmp_path / "runs.csv"), "--steps", "3"]
    codes = [subprocess.run(command, check=False, capture_output=True, env=_headless_env(),
                            timeout=120).returncode for _ in range(12)]
    assert codes == [0] * 12


@pytest.mark.parametrize(
    "flags, blamed",
    [
        (["--size", "7681x4320"], "--size"),
        (["--size", "big"], "--size"),
        (["--size", "800x450", "--out", "x.csv"], "--size"),
        (["--out", "x.bmp"], "--out"),
        (["--frames", "1", "--out", "x.gif"], "--frames"),
        (["--frames", "30"], "--frames"),
        (["--frames", "30", "--out", "x.csv"], "--frames"),
        (["--steps", "0"], "--steps"),
        (["--steps", "100000000"], "--steps"),
        (["--scene", "no-such-scene"], "--scene"),
    ],
)
def test_export_command_refuses_bad_flags_in_one_line(capsys, flags, blamed):
    argv = ["export", "--scene", _short_scene().name, "--out", "x.png", *flags]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"gradviz export: error: {blamed}")


def _without_ffmpeg(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Neither ffmpeg on the PATH nor the mp4 extra importable."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import raises ImportError


def test_export_command_refuses_mp4_without_ffmpeg(capsys, monkeypatch, tmp_path):
    _without_ffmpeg(monkeypatch, tmp_path)
    assert cli.main(["export", "--scene", _short_scene().name, "--out", "x.mp4"]) == 2
    assert capsys.readouterr().err == (
        'gradviz export: error: --out: .mp4 needs ffmpeg: pip install "gradviz[mp4]" '
        "(or put ffmpeg on the PATH)\n"
    )


def test_mp4_uses_the_extras_ffmpeg_without_one_on_the_path(monkeypatch, tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    import imageio_ffmpeg

    monkeypatch.setenv("PATH", str(tmp_path))
    assert exporter.find_ffmpeg() == imageio_ffmpeg.get_ffmpeg_exe()
    assert exporter.check_output(tmp_path / "x.mp4") == ".mp4"


def test_mp4_writer_names_the_extra_without_ffmpeg(monkeypatch, tmp_path):
    _without_ffmpeg(monkeypatch, tmp_path)
    assert exporter.find_ffmpeg() is None
    with pytest.raises(OSError, match=re.escape('pip install "gradviz[mp4]"')):
        exporter._Mp4Writer(tmp_path / "x.mp4", (320, 180))


# ----------------------------------------------------------------------------- whole or not at all


@pytest.mark.parametrize("name, size", [("land.png", (1920, 1080)), ("land.svg", (1280, 720)),
                                        ("anim.gif", (640, 360)), ("anim.mp4", (640, 360)),
                                        ("runs.csv", None), ("runs.json", None)])
def test_an_export_to_a_full_disk_keeps_the_old_file(shown, small_tmpfs, name, size):
    if name.endswith(".mp4") and exporter.find_ffmpeg() is None:
        pytest.skip("no ffmpeg")
    target = small_tmpfs / name
    target.write_bytes(b"the good old file")
    with open(small_tmpfs / "filler", "wb", buffering=0) as filler:  # the disk filled up
        try:
            while True:
                filler.write(b"x" * 1024)
        except OSError:
            pass
    with pytest.raises(OSError, match=rf"cannot write .*{name}: .*(No space|ffmpeg)"):
        exporter.export_file(shown.controller, target, size, frames=40)
    assert target.read_bytes() == b"the good old file"
    assert sorted(p.name for p in small_tmpfs.iterdir()) == sorted(["filler", name])  # no partial


def test_the_window_png_to_a_read_only_disk_keeps_the_old_file(shown, small_tmpfs,
                                                              make_read_only):
    target = small_tmpfs / "window.png"
    target.write_bytes(b"the good old file")
    make_read_only()
    with pytest.raises(OSError, match="cannot write .*window.png: Read-only file system"):
        exporter.export_window_png(shown, target)
    assert target.read_bytes() == b"the good old file"


@pytest.mark.parametrize("name", ["x.gif/", "x.png/", "x.csv/"])
def test_a_name_ending_in_a_slash_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="names a folder"):
        exporter.check_output(str(tmp_path) + "/" + name)


def test_the_app_says_why_a_screenshot_could_not_be_saved(window, small_tmpfs, make_read_only,
                                                          monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    make_read_only()
    target = small_tmpfs / "shot.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_screenshot()
    assert window.message_bar.isVisibleTo(window)
    assert "shot.png: Read-only file system" in window.message_bar.text()
    dialog = next(box for box in window.findChildren(QMessageBox) if box.isVisible())
    assert dialog.text().startswith("cannot write ") and "shot.png: Read-only" in dialog.text()
    assert not target.exists()


def test_the_app_says_in_a_dialog_why_an_export_could_not_be_written(window, small_tmpfs,
                                                                     make_read_only):
    make_read_only()
    window.export_to(str(small_tmpfs / "runs.csv"))
    dialog = next(box for box in window.findChildren(QMessageBox) if box.isVisible())
    assert "runs.csv: Read-only file system" in dialog.text()
    assert dialog.windowTitle() == "Could not export"


def test_closing_the_window_during_a_gif_export_cancels_it_cleanly(window, qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    exporter.show_scene_finished(window.controller, _short_scene(), timeout=30)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "closed.gif"
    QTimer.singleShot(0, window.close)  # while the first frames are drawn
    assert exporter.export_animation_with_dialog(window.controller, window, target, (640, 360),
                                                 frames=40) is None
    assert not window.isVisible() and not window.controller.is_running()
    assert list(out.iterdir()) == []  # neither the file nor a temporary one
