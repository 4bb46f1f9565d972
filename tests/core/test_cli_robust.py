"""Hostile input and hostile file systems through the gradviz command: every failure
is one line and exit status 2, nothing hangs, nothing is half written, memory stays flat.

Only names that existed before these fixes are imported, so that each test runs
(and fails) against the unfixed code too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradviz.cli import main
from gradviz.core import ProblemSpec, RunSettings
from gradviz.core.export import csv_text, json_text, run_document, trajectory_rows
from gradviz.core.problems import make_problem
from gradviz.core.run import Trajectory, iterate
from gradviz.core.scenes import SceneError, load_scene

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def _gradviz(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -W default -m gradviz ARGS``: warnings shown, as a user would see them."""
    return subprocess.run([sys.executable, "-W", "default", "-m", "gradviz", *args], cwd=cwd,
                          env=_env(), capture_output=True, text=True, timeout=timeout)


def _refused(argv: list[str], capsys, *words: str) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert len(err) < 600, err[:200]
    for word in words:
        assert word in err, err
    return err


def _one_line_refusal(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


# ----------------------------------------------------------------------------- 2. slashes


@pytest.mark.parametrize("argv", [
    ["run", "--steps", "3", "--out", "x.csv/"],
    ["run", "--steps", "3", "--out", "x.json/"],
    ["surface", "--grid", "4", "--out", "x.csv/"],
    ["export", "--scene", "1", "--out", "x.gif/"],
])
def test_a_path_ending_in_a_slash_is_refused(tmp_path, monkeypatch, capsys, argv) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(argv, capsys, "--out", "names a folder")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- 3. tracebacks


@pytest.mark.parametrize("argv", [
    ["run", "--data", "n" * 400 + ".csv"],
    ["export", "--scene", "s" * 400 + ".toml", "--out", "x.csv"],
    ["export", "--scene", "9" * 5000, "--out", "x.csv"],
    ["export", "--scene", "²", "--out", "x.csv"],
    ["--scene", "9" * 5000],
    ["export", "--scene", "1", "--size", "9" * 5000 + "x9", "--out", "x.png"],
    ["run", "--steps", "9" * 5000],
])
def test_names_and_numbers_the_system_refuses_are_one_line(tmp_path, monkeypatch, capsys,
                                                           argv) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(argv, capsys, "--")


# ----------------------------------------------------------------------------- 1. full disk


@pytest.mark.parametrize("argv", [
    ["run", "--steps", "3000", "--out", "old.csv"],
    ["run", "--steps", "3000", "--out", "old.json"],
    ["surface", "--grid", "200", "--out", "old.csv"],
    ["surface", "--grid", "200", "--out", "old.npy"],
])
def test_a_full_file_system_keeps_the_old_file(small_tmpfs, monkeypatch, capsys, argv) -> None:
    monkeypatch.chdir(small_tmpfs)
    old = small_tmpfs / argv[-1]
    old.write_text("good\n")
    # numpy writes arrays itself, and says "N requested and M written" instead.
    cause = "" if argv[-1].endswith(".npy") else "No space left on device"
    _refused(argv, capsys, f"cannot write {argv[-1]}: {cause}")
    assert old.read_text() == "good\n"
    assert sorted(p.name for p in small_tmpfs.iterdir()) == [argv[-1]]


def test_a_read_only_file_system_keeps_the_old_file(small_tmpfs, make_read_only, monkeypatch,
                                                    capsys) -> None:
    monkeypatch.chdir(small_tmpfs)
    (small_tmpfs / "old.csv").write_text("good\n")
    make_read_only()
    _refused(["run", "--steps", "3", "--out", "old.csv"], capsys,
             "cannot write old.csv: Read-only file system")
    assert (small_tmpfs / "old.csv").read_text() == "good\n"


def test_a_device_is_not_replaced(capsys) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    _refused(["run", "--steps", "3", "--out", "/dev/full"], capsys, "--out", "device")
    assert Path("/dev/full").is_char_device()


# ----------------------------------------------------------------------------- 4. streaming


SETTINGS = [
    ("gabor", RunSettings("gd", steps=300)),
    ("gabor", RunSettings("sgd", steps=700, seed=4)),
    ("gabor", RunSettings("momentum", batching="notebook", seed=1, steps=81)),
    ("linear", RunSettings("gd", {"lr": 0.05}, steps=200)),  # diverges at step 12
    ("ravine", RunSettings("adam", schedule="step:every=10,factor=0.5", steps=400)),
]


@pytest.mark.parametrize(("model", "settings"), SETTINGS, ids=lambda v: str(v)[:30])
@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_streamed_files_hold_the_numbers_of_the_finished_run(tmp_path, monkeypatch, capsys,
                                                             model, settings, suffix) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--model", model, "--optimizer", settings.optimizer,
            "--steps", str(settings.steps), "--seed", str(settings.seed),
            "--batching", settings.batching, "--schedule", settings.schedule]
    for name, value in settings.hyperparameters.items():
        argv += [f"--{name}", repr(value)]
    assert main([*argv, "--out", f"run{suffix}"]) == 0
    problem = make_problem(model)
    resolved = settings.resolve(problem)
    trajectory = Trajectory.from_steps(resolved, iterate(problem, resolved))
    written = (tmp_path / f"run{suffix}").read_text()
    if suffix == ".csv":
        assert written == csv_text(trajectory_rows(trajectory))
    else:
        assert json.loads(written) == json.loads(
            json_text(run_document(ProblemSpec(model), trajectory)))
    summary, wrote = capsys.readouterr().out.splitlines()
    assert summary == trajectory.summary()
    assert wrote == f"wrote {trajectory.update.size} rows to run{suffix}"


_PEAK = """
import resource, sys
from gradviz.cli import main
main(["run", "--optimizer", "sgd", "--steps", sys.argv[1], "--out", sys.argv[2]])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is KiB on Linux")
@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_memory_does_not_grow_with_the_steps(tmp_path, suffix) -> None:
    peaks = []
    for steps in (2_000, 100_000):
        done = subprocess.run([sys.executable, "-c", _PEAK, str(steps), f"r{suffix}"],
                              cwd=tmp_path, env=_env(), capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        peaks.append(int(done.stdout.splitlines()[-1]))
    # Held in memory, 98,000 more rows took about 100 MiB; streamed, none.
    assert peaks[1] - peaks[0] < 16 * 1024, peaks


@pytest.mark.parametrize("stop, status, said", [(signal.SIGINT, 130, "interrupted"),
                                                (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_or_kill_leaves_the_old_file_and_no_partial_one(tmp_path, stop, status,
                                                               said) -> None:
    old = tmp_path / "m.csv"
    old.write_text("good\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "gradviz", "run", "--steps", "10000000", "--out", "m.csv"],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        # Wait until rows are being written to the temporary file.
        while not any(p.stat().st_size > 10_000 for p in tmp_path.glob(".m*")):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        process.send_signal(stop)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == status
    assert err == f"gradviz run: {said}: nothing was written to m.csv\n"
    assert old.read_text() == "good\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


# ----------------------------------------------------------------------------- 5. endless input


def test_a_fifo_as_data_is_refused_at_once(tmp_path) -> None:
    os.mkfifo(tmp_path / "d.csv")
    _one_line_refusal(_gradviz("run", "--data", "d.csv", cwd=tmp_path, timeout=30),
                      "--data", "FIFO")


def test_a_link_to_dev_zero_as_data_is_refused(tmp_path, capsys) -> None:
    (tmp_path / "z.csv").symlink_to("/dev/zero")
    _refused(["run", "--data", str(tmp_path / "z.csv")], capsys, "--data", "not a regular file")


def test_a_data_file_over_the_cap_is_refused_naming_it(tmp_path, capsys) -> None:
    with (tmp_path / "big.csv").open("wb") as file:
        file.truncate(65 * 2**20)  # sparse
    _refused(["run", "--data", str(tmp_path / "big.csv")], capsys, "--data", "64 MiB")


def _scene(folder: Path, extra: str = "", view: str = "") -> Path:
    path = folder / "s.toml"
    path.write_text(f'title = "t"\n[problem]\nmodel = "linear"\n{extra}\n'
                    f'[view]\n{view}\n[[runs]]\noptimizer = "gd"\n')
    return path


def test_a_scene_whose_data_is_a_fifo_is_refused(tmp_path) -> None:
    os.mkfifo(tmp_path / "d.csv")
    _scene(tmp_path, 'data = "d.csv"')
    _one_line_refusal(_gradviz("export", "--scene", "s.toml", "--out", "r.csv",
                               cwd=tmp_path, timeout=30), "FIFO")


# ----------------------------------------------------------------------------- 6. uncomputable


@pytest.mark.parametrize("argv", [
    ["run", "--model", "linear", "--data", "synthetic:noise=1e300", "--steps", "3"],
    ["run", "--model", "linear", "--data", "synthetic:noise=1e160", "--steps", "3"],
    ["run", "--data", "synthetic:xmin=-1e300,xmax=1e300", "--steps", "3"],
    ["run", "--model", "linear", "--start", "1e200", "1e200", "--steps", "3"],
    ["surface", "--grid", "4", "--window", "-1e308", "1e308", "0", "1", "--out", "s.npy"],
    ["surface", "--grid", "4", "--window", "0", "5e-324", "0", "5e-324", "--out", "s.npy"],
])
def test_values_that_cannot_be_computed_are_refused_without_warnings(tmp_path, argv) -> None:
    _one_line_refusal(_gradviz(*argv, cwd=tmp_path))
    assert not (tmp_path / "s.npy").exists()


@pytest.mark.parametrize("window", ["[0.0, 5e-324, 0.0, 5e-324]", "[-1e308, 1e308, -1.0, 1.0]",
                                    "[1e15, 1.0000000000000002e15, 0.0, 1.0]"])
def test_a_scene_with_an_undrawable_window_is_refused(tmp_path, window: str) -> None:
    with pytest.raises(SceneError, match="view.window: window phi[01] .* to draw"):
        load_scene(_scene(tmp_path, view=f"window = {window}"))


# ----------------------------------------------------------------------------- 7. excerpts


def test_a_huge_line_is_quoted_short(tmp_path, capsys) -> None:
    data = tmp_path / "long.csv"
    data.write_text("x,y\n1,2\n3," + "9" * 500_000 + "z\n")
    _refused(["run", "--data", str(data)], capsys, "line 3", "…")


@pytest.mark.parametrize("argv", [
    ["run", "--optimizer", "x" * 100_000],
    ["run", "--lr", "x" * 100_000],
    ["run", "--schedule", "x" * 100_000],
    ["run", "--data", "synthetic:" + "x" * 100_000],
])
def test_long_values_are_quoted_short(capsys, argv) -> None:
    _refused(argv, capsys, argv[1])


# ----------------------------------------------------------------------------- 8. numbers


def test_negative_numbers_in_scientific_notation_are_values(tmp_path, monkeypatch,
                                                            capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--model", "ravine", "--start", "-5e-1", "2e-1", "--steps", "0",
                 "--out", "r.json"]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["settings"]["start"] == [-0.5, 0.2]
    assert main(["surface", "--grid", "2", "--window", "-2e0", "2", "-1", "-1e-1",
                 "--out", "s.csv"]) == 0
    assert "phi1 from -1 to -0.1" in capsys.readouterr().out


def test_a_quoted_number_in_a_scene_is_refused_like_steps(tmp_path) -> None:
    for key, value in (("lr", '"0.1"'), ("steps", '"10"')):
        path = tmp_path / "s.toml"
        path.write_text(f'title = "t"\n[problem]\nmodel = "linear"\n'
                        f'[[runs]]\noptimizer = "gd"\n{key} = {value}\n')
        with pytest.raises(SceneError, match=f"runs\\[1\\].{key}: .*number"):
            load_scene(path)


def test_underscores_in_a_csv_number_are_refused(tmp_path, capsys) -> None:
    data = tmp_path / "u.csv"
    data.write_text("x,y\n1_0,2\n3,4\n")
    _refused(["run", "--data", str(data)], capsys, "line 2", "'1_0', not a number")


@pytest.mark.parametrize(("flag", "spec"), [
    ("--schedule", "step:every=1,every=2"),
    ("--schedule", "step:every=1_0"),
    ("--data", "synthetic:n=10,n=20"),
    ("--data", "synthetic:noise=1_0"),
])
def test_duplicates_and_underscores_in_specs_are_refused(capsys, flag, spec) -> None:
    _refused(["run", flag, spec], capsys, flag)
