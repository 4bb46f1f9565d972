"""The gradviz command through main([...]) and, for the notebook numbers, a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from gradviz.cli import APP_MODULE, COMMANDS, main
from gradviz.core import ProblemSpec, RunSettings, iterate, run
from gradviz.core.export import COLUMNS, parse_csv

ROOT = Path(__file__).resolve().parents[2]


def _gradviz(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m gradviz ARGS`` in a fresh interpreter that imports this checkout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                                   os.environ.get("PYTHONPATH")])))
    return subprocess.run(
        [sys.executable, "-m", "gradviz", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


# ----------------------------------------------------------------------------- run


@pytest.mark.parametrize(
    ("optimizer", "loss"), [("sgd", 0.9363), ("momentum", 0.7459), ("nesterov", 0.8034)]
)
def test_notebook_numbers_from_a_real_process(tmp_path, optimizer: str, loss: float) -> None:
    done = _gradviz("run", "--optimizer", optimizer, "--batching", "notebook", "--seed", "1",
                    "--steps", "81", "--out", "f.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    summary, wrote = done.stdout.splitlines()
    assert f"final loss = {loss:.4f}, 81 updates" in summary
    assert wrote == "wrote 82 rows to f.csv"
    rows = parse_csv((tmp_path / "f.csv").read_text())
    assert len(rows) == 82
    assert round(rows[-1]["loss"], 4) == loss
    assert [row["step"] for row in rows] == list(range(82))


def test_run_without_out_prints_only_the_summary(capsys) -> None:
    assert main(["run", "--model", "linear", "--steps", "5"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1 and out.startswith("final phi = (") and "5 updates" in out


def test_run_csv_columns(tmp_path, capsys) -> None:
    out = tmp_path / "sgd.csv"
    assert main(["run", "--optimizer", "sgd", "--steps", "12", "--seed", "3", "--out",
                 str(out)]) == 0
    header = out.read_text().splitlines()[0].split(",")
    assert header == list(COLUMNS)
    rows = parse_csv(out.read_text())
    assert rows[0]["batch"] is None and np.isnan(rows[0]["batch_loss"])
    assert all(len(row["batch"]) == 5 for row in rows[1:])
    assert {row["epoch"] for row in rows} == {0, 1}  # 12 updates of 5 over 30 points
    assert all(row["lr"] == 0.6 for row in rows[1:])


def test_run_json_holds_settings_and_rows(tmp_path, capsys) -> None:
    out = tmp_path / "run.json"
    argv = ["run", "--optimizer", "adam", "--beta", "0.8", "--steps", "30", "--start", "-2", "9",
            "--schedule", "step:every=10,factor=0.5", "--out", str(out)]
    assert main(argv) == 0
    assert f"wrote 31 rows to {out}" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["problem"] == {"model": "gabor", "data": None, "envelope": 32.0}
    assert document["settings"] == {
        "optimizer": "adam",
        "hyperparameters": {"lr": 0.1, "beta": 0.8, "gamma": 0.99, "eps": 1e-8},
        "schedule": "step:every=10,factor=0.5",
        "batch_size": 30,
        "batching": "epoch",
        "seed": 0,
        "start": [-2.0, 9.0],
        "steps": 30,
    }
    assert document["diverged_at"] is None
    rows = document["rows"]
    assert len(rows) == 31 and rows[0]["lr"] is None and rows[-1]["lr"] == 0.025
    again = run(ProblemSpec(**document["problem"]).build(),
                RunSettings.from_dict(document["settings"]))
    assert rows[-1]["loss"] == again.final_loss


@pytest.mark.parametrize(("optimizer", "terms"), [
    ("adam", ["m0", "m1", "v0", "v1", "m_hat0", "m_hat1", "v_hat0", "v_hat1"]),
    ("nesterov", ["m0", "m1", "lookahead_phi0", "lookahead_phi1"]),
    ("sgd", []),
])
def test_run_terms_writes_the_optimizers_terms_as_columns(tmp_path, capsys, optimizer,
                                                          terms) -> None:
    argv = ["run", "--optimizer", optimizer, "--steps", "9", "--seed", "2"]
    assert main([*argv, "--terms", "--out", str(tmp_path / "terms.csv")]) == 0
    assert main([*argv, "--out", str(tmp_path / "plain.csv")]) == 0
    with_terms = parse_csv((tmp_path / "terms.csv").read_text())
    plain = parse_csv((tmp_path / "plain.csv").read_text())
    assert list(with_terms[0]) == [*COLUMNS[:-1], *terms, "batch"]
    p = ProblemSpec("gabor").build()
    steps = list(iterate(p, RunSettings(optimizer=optimizer, steps=9, seed=2).resolve(p),
                         terms=True))
    for row, plain_row, step in zip(with_terms, plain, steps, strict=True):
        assert repr({name: row[name] for name in plain_row}) == repr(plain_row)
        for name in terms:
            assert repr(row[name]) == repr(float(getattr(step, name[:-1])[int(name[-1])]))


def test_run_reads_a_csv_data_file(tmp_path, capsys) -> None:
    data = tmp_path / "points.csv"
    data.write_text("x,y\n0,1\n1,3\n2,5\n")
    assert main(["run", "--model", "linear", "--data", str(data), "--optimizer", "adam",
                 "--lr", "0.1", "--steps", "3000"]) == 0
    assert "final phi = (1.0000, 2.0000)" in capsys.readouterr().out


def test_run_synthetic_data_and_lookahead(capsys) -> None:
    assert main(["run", "--data", "synthetic:n=40,noise=0.05,seed=2", "--optimizer", "nesterov",
                 "--lookahead", "book", "--batch-size", "8", "--batching", "fixed"]) == 0
    assert "100 updates" in capsys.readouterr().out


def test_divergence_is_reported_not_an_error(tmp_path, capsys) -> None:
    out = tmp_path / "run.json"
    assert main(["run", "--lr", "100", "--out", str(out)]) == 0
    assert "diverged at step 1" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["diverged_at"] == 1 and len(document["rows"]) == 1


# ----------------------------------------------------------------------------- surface


@pytest.mark.parametrize("suffix", [".csv", ".npy"])
def test_surface_orientation(tmp_path, capsys, suffix: str) -> None:
    out = tmp_path / f"loss{suffix}"
    window = (-4.0, 2.0, 5.0, 20.0)
    assert main(["surface", "--model", "gabor", "--grid", "6", "--window",
                 *map(str, window), "--out", str(out)]) == 0
    assert f"to {out}" in capsys.readouterr().out
    values = np.loadtxt(out, delimiter=",") if suffix == ".csv" else np.load(out)
    phi0, phi1 = np.linspace(*window[:2], 6), np.linspace(*window[2:], 6)
    problem = ProblemSpec("gabor").build()
    expected = [[float(problem.loss(np.array([p0, p1]))) for p0 in phi0] for p1 in phi1]
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_surface_csv_documents_its_axes(tmp_path, capsys) -> None:
    out = tmp_path / "loss.csv"
    assert main(["surface", "--model", "ravine", "--grid", "3", "--out", str(out)]) == 0
    comments = [line for line in out.read_text().splitlines() if line.startswith("#")]
    assert any("rows run over phi1" in line for line in comments)
    assert any("phi1 = linspace(-1.0, 1.0, 3)" in line for line in comments)


# ----------------------------------------------------------------------------- problems, help


def test_problems_lists_everything(capsys) -> None:
    assert main(["problems"]) == 0
    out = capsys.readouterr().out
    for word in ("gabor", "ravine", "udl-linear", "synthetic:", "nesterov",
                 "lookahead (look-ahead) default slide", "beta (β) default 0.6", "notebook",
                 "inverse-time", "every (K) default 50", "warmup"):
        assert word in out


def test_problems_lists_the_declared_parameters_and_capabilities(capsys) -> None:
    assert main(["problems"]) == 0
    out = capsys.readouterr().out
    assert "envelope (E) default 32.0 in (0, inf) log: Gabor envelope divisor" in out
    assert "n (N) default 30 in [2, 1e+06] log: number of synthetic points" in out
    assert "noise (σ) default 0.1 in [0, inf)" in out
    assert "has: data, fit curve, exact Hessian" in out and "  has: exact Hessian" in out


def test_a_registered_kind_gets_its_flag_and_its_entry(capsys, tilted_kind) -> None:
    assert main(["problems"]) == 0
    out = capsys.readouterr().out
    assert "tilted" in out and "tilt (t) default 1.0 in [0, 10]: how far" in out
    assert main(["run", "--model", "tilted", "--tilt", "4", "--optimizer", "gd", "--lr", "0.5",
                 "--steps", "1"]) == 0
    assert "final phi = (2.0000, 0.0000)" in capsys.readouterr().out  # one step to the floor
    assert main(["run", "--tilt", "4"]) == 2
    assert capsys.readouterr().err == (
        "gradviz run: error: --tilt: model 'gabor' has no tilt (only the Tilted bowl has one)\n")
    assert main(["run", "--model", "tilted", "--tilt", "11"]) == 2
    assert "--tilt: tilt must be between 0 and 10; got 11" in capsys.readouterr().err


def test_envelope_reaches_the_model_from_the_command_line(tmp_path, capsys) -> None:
    out = tmp_path / "e.json"
    assert main(["run", "--envelope", "8", "--steps", "2", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["problem"] == {"model": "gabor", "data": None, "envelope": 8.0}
    assert ProblemSpec(**document["problem"]).build().model.envelope == 8.0


def test_help_lists_the_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(command.name in out for command in COMMANDS)


# ----------------------------------------------------------------------------- the app


def test_no_command_opens_the_app(monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # as if a display were there
    seen: list[list[str]] = []
    app = types.ModuleType(APP_MODULE)
    app.main = lambda argv: seen.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, APP_MODULE, app)
    assert main([]) == 0
    assert seen == [["gradviz"]]


def test_missing_app_is_one_line(monkeypatch, capsys) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setitem(sys.modules, APP_MODULE, None)  # makes the import fail
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and APP_MODULE in err


class _BrokenApp:
    """An import hook under which the app fails for want of another module."""

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name == APP_MODULE:
            raise ModuleNotFoundError("No module named 'PySide6'", name="PySide6")
        return None


def test_other_import_errors_of_the_app_propagate(monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # as if a display were there
    monkeypatch.delitem(sys.modules, APP_MODULE, raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenApp(), *sys.meta_path])
    with pytest.raises(ModuleNotFoundError, match="PySide6"):
        main([])


# ----------------------------------------------------------------------------- errors


def _bad_csv(tmp_path: Path) -> str:
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n3,abc\n")
    return str(path)


ERRORS = [
    # (argv, the flag the message must name, a word of what is allowed)
    (["run", "--optimizer", "newton"], "--optimizer", "adam"),
    (["run", "--lr", "-0.1"], "--lr", "between"),
    (["run", "--lr", "fast"], "--lr", "float"),
    (["run", "--beta", "0.5"], "--beta", "it has: lr"),
    (["run", "--optimizer", "adam", "--lookahead", "book"], "--lookahead", "it has: lr"),
    (["run", "--optimizer", "adam", "--gamma", "1.5"], "--gamma", "between"),
    (["run", "--batch-size", "0"], "--batch-size", "at least 1"),
    (["run", "--batch-size", "31"], "--batch-size", "between 1 and 30"),
    (["run", "--model", "ravine", "--batch-size", "2"], "--batch-size", "no data"),
    (["run", "--batching", "random"], "--batching", "notebook"),
    (["run", "--steps", "-1"], "--steps", "between"),
    (["run", "--seed", "-1"], "--seed", "between"),
    (["run", "--start", "nan", "0"], "--start", "finite"),
    (["run", "--schedule", "step:every=0"], "--schedule", "between"),
    (["run", "--schedule", "wavy"], "--schedule", "cosine"),
    (["run", "--data", "no-such-file.csv"], "--data", "udl-gabor"),
    (["run", "--data", "BAD_CSV"], "--data", "line 3"),
    (["run", "--data", "synthetic:n=1"], "--data", "between 2"),
    (["run", "--model", "ravine", "--data", "udl-gabor"], "--data", "takes no data"),
    (["run", "--model", "parabola"], "--model", "himmelblau"),
    (["run", "--envelope", "-8"], "--envelope", "positive"),
    (["run", "--model", "linear", "--envelope", "8"], "--envelope", "Gabor"),
    (["run", "--out", "run.txt"], "--out", ".json"),
    (["run", "--terms"], "--terms", "goes with --out"),
    (["run", "--out", "no/such/dir/run.csv"], "--out", "cannot write"),
    (["run", "--bogus"], "--bogus", "unrecognized"),
    (["surface", "--out", "s.npy"], "--grid", "required"),
    (["surface", "--grid", "1", "--out", "s.npy"], "--grid", "between 2"),
    (["surface", "--grid", "5", "--window", "1", "0", "0", "1", "--out", "s.npy"],
     "--window", "min < max"),
    (["surface", "--grid", "5", "--out", "s.png"], "--out", ".npy or .csv"),
    (["surface", "--grid", "5", "--out", "no/such/dir/s.csv"], "--out", "cannot write"),
    (["surface", "--model", "saddle", "--data", "udl-linear", "--grid", "5", "--out", "s.npy"],
     "--data", "takes no data"),
    (["fit"], "COMMAND", "problems"),
]


@pytest.mark.parametrize(("argv", "flag", "allowed"), ERRORS, ids=lambda v: str(v)[:40])
def test_errors_are_one_line_naming_the_flag(tmp_path, monkeypatch, capsys, argv, flag,
                                             allowed) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [_bad_csv(tmp_path) if arg == "BAD_CSV" else arg for arg in argv]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and "usage:" not in err
    assert err.startswith("gradviz") and ": error: " in err
    assert flag in err and allowed in err
    assert not any(tmp_path.glob("s.*")) and not (tmp_path / "run.txt").exists()


def test_error_from_a_real_process_has_no_traceback(tmp_path) -> None:
    done = _gradviz("run", "--optimizer", "gd", "--beta", "0.9", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "gradviz run: error: --beta: optimizer 'gd' has no hyperparameter 'beta' (it has: lr)\n"
    )


def test_app_without_a_display_says_so_instead_of_aborting(monkeypatch, capsys) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no display" in err and "QT_QPA_PLATFORM=offscreen" in err
