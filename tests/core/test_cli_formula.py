"""Formula models and surfaces on the command line: run, surface, basins, fan,
problems and export of a scene's runs, and a bad formula as one line with its column."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradviz.cli import main

DECAY = "phi0 * exp(-phi1 * x)"


def _error(capsys) -> str:  # type: ignore[no-untyped-def]
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    return err


def test_run_fits_a_formula_to_a_csv_file_and_writes_the_formula(tmp_path, capsys) -> None:
    data = tmp_path / "decay.csv"
    data.write_text("x,y\n" + "".join(f"{x / 2},{1.5 * np.exp(-0.8 * x / 2)}\n"
                                      for x in range(12)))
    out = tmp_path / "run.json"
    assert main(["run", "--model", "formula", "--expression", DECAY, "--data", str(data),
                 "--bounds", "0 3 0 2", "--guess", "0.5 0.1", "--optimizer", "adam",
                 "--lr", "0.05", "--steps", "1500", "--out", str(out)]) == 0
    summary = capsys.readouterr().out.splitlines()[0]
    assert summary.startswith("final phi = (1.50") and ", 0.80" in summary
    problem = json.loads(out.read_text())["problem"]
    assert problem == {"model": "formula", "data": str(data), "expression": DECAY,
                       "bounds": "0 3 0 2", "guess": "0.5 0.1"}


@pytest.mark.parametrize(("expression", "words"), [
    ("phi0 * foo", "at column 8 ('foo'): unknown name 'foo'"),
    ("().__class__", "at column 1 ('().__class__'): attribute access is not allowed"),
    ("__import__('os').system('ls')", "only the functions"),
    ("x ^ 2", "^ is not a power: write **"),
    ("(" * 60 + "x" + ")" * 60, "at column 51"),
])
def test_a_bad_formula_is_one_line_naming_the_flag_column_and_text(
    capsys, expression: str, words: str
) -> None:
    assert main(["run", "--model", "formula", "--expression", expression]) == 2
    err = _error(capsys)
    assert err.startswith("gradviz run: error: --expression: expression at column ")
    assert words in err


def test_a_bad_window_or_start_names_its_flag(capsys) -> None:
    assert main(["run", "--model", "formula-surface", "--bounds", "1 0 0 1"]) == 2
    assert "--bounds: bounds window must have min < max" in _error(capsys)
    assert main(["run", "--model", "formula-surface", "--guess", "1 x"]) == 2
    assert "--guess: guess must be 2 numbers; 'x' is not one" in _error(capsys)


def test_another_model_has_no_expression(capsys) -> None:
    assert main(["run", "--model", "gabor", "--expression", "x"]) == 2
    assert "model 'gabor' has no expression" in _error(capsys)


def test_surface_writes_nan_where_the_formula_is_undefined(tmp_path, capsys) -> None:
    out = tmp_path / "s.npy"
    assert main(["surface", "--model", "formula-surface", "--expression", "log(phi0) + phi1**2",
                 "--bounds", "-1 1 -1 1", "--grid", "5", "--out", str(out)]) == 0
    grid = np.load(out)
    assert np.isnan(grid[:, :3]).all() and np.isfinite(grid[:, 3:]).all()
    assert grid[2, 4] == pytest.approx(0.0)


def test_basins_and_fans_of_a_typed_surface(tmp_path, capsys) -> None:
    bowl = ["--model", "formula-surface", "--expression", "(phi0**2 - 1)**2 + phi1**2",
            "--bounds", "-2 2 -1 1"]
    out = tmp_path / "b.npy"
    assert main(["basins", *bowl, "--grid", "8", "--steps", "300", "--lr", "0.05",
                 "--out", str(out)]) == 0
    labels = np.load(out)
    assert set(np.unique(labels)) >= {0, 1}  # the two minima at phi0 = ±1
    assert main(["fan", *bowl, "--param", "lr", "--values", "0.01", "0.1", "--steps", "50"]) == 0
    assert "0.01" in capsys.readouterr().out


def test_problems_lists_the_formula_kinds_with_their_parameters(capsys) -> None:
    assert main(["problems"]) == 0
    out = capsys.readouterr().out
    assert "  formula " in out and "  formula-surface " in out
    assert "expression (f) default 'phi0 + phi1 * x'" in out
    assert "bounds (□) default '-2 2 -1 3'" in out


def test_export_writes_the_runs_of_a_scene_with_a_formula(tmp_path, capsys) -> None:
    scene = tmp_path / "typed.toml"
    scene.write_text('title = "Typed"\ncaption = ""\n[problem]\nmodel = "formula-surface"\n'
                     'expression = "phi0**2 + 10 * phi1**2"\nbounds = "-1 1 -1 1"\n'
                     'guess = "0.9 0.5"\n[[runs]]\noptimizer = "gd"\nlr = 0.04\nsteps = 20\n')
    out = tmp_path / "runs.json"
    assert main(["export", "--scene", str(scene), "--out", str(out)]) == 0
    written = json.loads(out.read_text())
    assert written["problem"]["expression"] == "phi0**2 + 10 * phi1**2"
    (run,) = written["runs"]
    assert run["settings"]["start"] == [0.9, 0.5] and len(run["rows"]) == 21
    assert run["rows"][0]["loss"] == pytest.approx(0.81 + 2.5)


def test_a_run_stopped_where_the_loss_is_undefined_says_so(capsys) -> None:
    # log(phi1) of a negative phi1: the start is on the map's hatched region.
    surface = ["--model", "formula-surface", "--expression", "phi0**2 + log(phi1)",
               "--bounds", "-2 2 -1 2", "--steps", "10"]
    assert main(["run", *surface, "--start", "1", "-0.5"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.endswith("; stopped at step 1: the loss is undefined there")
    assert "final loss = undefined, 0 updates" in summary and "nan" not in summary
    # A fan's table says it too, for the member stopped there (and the one stopped later).
    assert main(["fan", *surface, "--start", "1", "-0.5", "--param", "lr",
                 "--values", "0.01", "0.02"]) == 0
    table = capsys.readouterr().out.strip().splitlines()
    assert table[1:] == [f"{lr}  stopped at step 1: the loss is undefined there"
                         for lr in ("0.01", "0.02")]
    assert main(["run", *surface[:3], "phi0**2 + phi1**2", *surface[4:], "--lr", "1000"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("; diverged at step 1")
