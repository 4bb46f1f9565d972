"""The fan's picture: its members' colours, the diverged marks, its size, and the
headless command that writes it without a display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gradviz import cli
from gradviz.core.fans import Fan, fan_colours, run_fan
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings
from gradviz.core.run_set import RunSet, fan_named_runs
from gradviz.qt.app import make_application
from gradviz.qt.export.fan_figure import DIVERGED, render_fan

LINEAR = ["--model", "linear", "--optimizer", "gd", "--start", "1.6", "-0.5", "--steps", "60",
          "--param", "lr", "--range", "0.005", "0.08", "--count", "7"]


def _size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).reshape(-1, 3)


def _has(pixels: np.ndarray, colour: str, at_least: int = 20) -> bool:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int(np.all(np.abs(pixels.astype(int) - rgb) <= 2, axis=1).sum()) >= at_least


def test_the_png_shows_every_member_in_its_colour_and_marks_the_diverged(tmp_path, capsys):
    path = tmp_path / "fan.png"
    assert cli.main(["fan", *LINEAR, "--out", str(path), "--size", "1200x600"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"wrote {path} (1200 x 600 PNG of 7 paths and their final losses)")
    assert _size(path) == (1200, 600)
    pixels = _pixels(path)
    for colour in fan_colours(Fan.spread("lr", 0.005, 0.08, 7)):
        assert _has(pixels, colour), colour
    assert _has(pixels, DIVERGED)  # two of the seven diverge


def test_a_fan_without_divergence_has_no_red_mark(tmp_path):
    spec = ProblemSpec("gabor")
    problem = spec.build()
    settings = RunSettings("momentum", {"lr": 0.6}, batch_size=5, batching="notebook", seed=1,
                           start=(-1.5, 6.5), steps=81)
    result = run_fan(problem, settings, Fan("beta", (0.0, 0.6, 0.9)))
    make_application()
    image = render_fan(problem, RunSet(spec, fan_named_runs(result, "Momentum")),
                       result.fan, (960, 480))
    path = tmp_path / "fan.png"
    image.save(str(path))
    pixels = _pixels(path)
    assert all(_has(pixels, colour) for colour in fan_colours(result.fan))
    assert not _has(pixels, DIVERGED, at_least=1)


def test_a_size_out_of_range_is_refused_before_any_work(tmp_path, capsys):
    assert cli.main(["fan", *LINEAR, "--out", str(tmp_path / "fan.png"), "--size", "100x50"]) == 2
    assert "--size: 100x50 is outside 320x180 to 7680x4320" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="needs its members"):
        render_fan(ProblemSpec().build(), RunSet(ProblemSpec(), ()), Fan("lr", (0.1, 0.2)),
                   (640, 320))


def test_the_fan_command_draws_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-m", "gradviz", "fan", *LINEAR, "--out", "f.png"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert _size(tmp_path / "f.png") == (1600, 800)
