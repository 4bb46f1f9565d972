"""``gradviz fan``: the table of final losses, the members' files, and bad flags."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gradviz.cli import main
from gradviz.core import ProblemSpec, RunSettings, run
from gradviz.core.export import parse_csv, parse_json
from gradviz.core.fans import Fan, fan_colours, run_fan
from gradviz.core.run_set import RunSet, fan_named_runs, write_runs

LINEAR = ["--model", "linear", "--optimizer", "gd", "--start", "1.6", "-0.5", "--steps", "60"]
NOTEBOOK = ["--optimizer", "momentum", "--lr", "0.6", "--start", "-1.5", "6.5", "--steps", "81",
            "--batch-size", "5", "--batching", "notebook", "--seed", "1"]


def test_the_table_gives_each_value_s_final_loss(capsys) -> None:
    assert main(["fan", *LINEAR, "--param", "lr", "--range", "0.005", "0.08", "--count", "7"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    header, *lines = out.splitlines()
    assert header.split() == ["lr", "final", "loss"]
    assert [line.split()[0] for line in lines] == [
        "0.005", "0.00794", "0.0126", "0.02", "0.0317", "0.0504", "0.08"]
    problem = ProblemSpec("linear").build()
    for line, value in zip(lines, Fan.spread("lr", 0.005, 0.08, 7).values):
        alone = run(problem, RunSettings("gd", {"lr": value}, start=(1.6, -0.5), steps=60))
        if alone.diverged_at is None:
            assert float(line.split()[1]) == pytest.approx(alone.final_loss, rel=1e-5)
        else:
            assert f"diverged at step {alone.diverged_at} " in line
    assert sum("diverged" in line for line in lines) == 2


def test_a_beta_fan_of_the_notebook_recipe(capsys) -> None:
    assert main(["fan", *NOTEBOOK, "--param", "beta", "--values", "0", "0.6", "0.99"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.split() for line in lines] == [["0", "0.936316"], ["0.6", "0.745915"],
                                                ["0.99", "7.25271"]]


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_the_members_are_written_as_a_scene_s_runs(tmp_path: Path, capsys, suffix: str) -> None:
    path = tmp_path / f"fan{suffix}"
    assert main(["fan", *LINEAR, "--param", "lr", "--range", "0.01", "0.05", "--count", "3",
                 "--out", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"wrote {path} (")
    spec = ProblemSpec("linear")
    settings = RunSettings("gd", start=(1.6, -0.5), steps=60).resolve(spec.build())
    result = run_fan(spec.build(), settings, Fan.spread("lr", 0.01, 0.05, 3))
    expected = tmp_path / f"expected{suffix}"
    write_runs(expected, RunSet(spec, fan_named_runs(result, "GD")))
    assert path.read_bytes() == expected.read_bytes()
    names = ["GD α=0.01", "GD α=0.0224", "GD α=0.05"]
    if suffix == ".csv":
        rows = parse_csv(path.read_text())
        assert list(dict.fromkeys(row["run"] for row in rows)) == names
    else:
        document = json.loads(path.read_text())
        assert [entry["name"] for entry in document["runs"]] == names
        assert [entry["colour"] for entry in document["runs"]] == list(fan_colours(result.fan))
        # Each member reproduces from its own settings.
        entry = parse_json(json.dumps(document["runs"][2]))
        rerun = run(entry.problem.build(), entry.settings)
        np.testing.assert_array_equal(rerun.loss, [row["loss"] for row in entry.rows])


def test_a_seed_fan_of_sgd(capsys) -> None:
    assert main(["fan", "--optimizer", "sgd", "--steps", "30", "--param", "seed",
                 "--range", "0", "9", "--count", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["seed", "final", "loss"]
    assert [line.split()[0] for line in lines[1:]] == ["0", "3", "6", "9"]
    problem = ProblemSpec().build()
    final = run(problem, RunSettings("sgd", seed=6, steps=30)).final_loss
    assert float(lines[3].split()[1]) == pytest.approx(final, rel=1e-5)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--range", "0.1", "1"], "the following arguments are required: --param"),
        (["--param", "lr"], "one of the arguments --range --values is required"),
        (["--param", "lr", "--range", "0.1", "1", "--values", "0.1", "0.2"],
         "argument --values: not allowed with argument --range"),
        (["--param", "momentum", "--values", "1", "2"], "argument --param: invalid choice"),
        (["--param", "lookahead", "--values", "1", "2"], "argument --param: invalid choice"),
        (["--param", "lr", "--values", "0.1", "0.2", "--count", "3"],
         "--count: goes with --range, not --values"),
        (["--param", "lr", "--values", "0.1", "0.2", "--spacing", "log"],
         "--spacing: goes with --range, not --values"),
        (["--param", "lr", "--values", "0.1"], "--values: a fan has 2 to 32 members; got 1"),
        (["--param", "lr", "--values", "0.1", "0.1"], "--values: a fan's values must differ"),
        (["--param", "lr", "--range", "0.1", "1", "--count", "33"],
         "--count: a fan has 2 to 32 members; got 33"),
        (["--param", "lr", "--range", "0", "1"], "--range: a log-spaced range must be positive"),
        (["--param", "lr", "--range", "1", "0.1"], "--range: a fan's range must go from low"),
        (["--param", "beta", "--optimizer", "momentum", "--range", "0.5", "2", "--count", "2"],
         "--range: beta must be between 0 and 0.9999; got 2"),
        (["--param", "beta", "--range", "0.1", "0.9"],
         "--param: Gradient descent has no beta to fan over (it has: lr, seed)"),
        (["--param", "lr", "--lr", "0.1", "--range", "0.1", "1"],
         "--lr: is what the fan spreads (--param lr)"),
        (["--param", "seed", "--seed", "3", "--optimizer", "sgd", "--values", "1", "2"],
         "--seed: is what the fan spreads"),
        (["--param", "seed", "--values", "1", "2"], "--param: a seed fan needs minibatches"),
        (["--param", "seed", "--optimizer", "sgd", "--values", "1", "2.5"],
         "--values: each seed of the fan must be a whole number; got 2.5"),
        (["--param", "lr", "--range", "0.1", "1", "--steps", "100001"],
         "--steps: a fan's members take at most 100000 updates; got 100001"),
        (["--param", "lr", "--range", "0.1", "1", "--out", "fan.txt"],
         "--out: unknown file type '.txt' for 'fan.txt'; use .csv or .json or .png"),
        (["--param", "lr", "--range", "0.1", "1", "--out", "no/such/fan.csv"],
         "--out: the folder"),
        (["--param", "lr", "--range", "0.1", "1", "--out", "fan.csv", "--size", "800x400"],
         "--size: goes with a .png --out"),
        (["--param", "lr", "--values", "nan", "0.1"],
         "--values: each lr of the fan must be a finite number; got nan"),
        (["--param", "lr", "--range", "0.1", "inf"],
         "--range: a fan's high end must be a finite number; got inf"),
        (["--param", "lr", "--range", "0.1", "1", "--count", "many"],
         "argument --count: invalid int value: 'many'"),
    ],
)
def test_bad_flags_are_one_line_naming_the_flag(tmp_path: Path, monkeypatch, capsys,
                                                flags: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["fan", *flags]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("gradviz fan: error: ") and err.count("\n") == 1
    assert message in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("spacing", "values"), [
    ([], ["0.1", "0.159", "0.252", "0.4"]), (["--spacing", "even"], ["0.1", "0.2", "0.3", "0.4"]),
])
def test_a_range_is_log_spaced_for_lr_unless_asked(capsys, spacing, values) -> None:
    assert main(["fan", "--model", "linear", "--steps", "3", "--param", "lr",
                 "--range", "0.1", "0.4", "--count", "4", *spacing]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == values


def test_ctrl_c_writes_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("gradviz.cli.run_fan", interrupted)
    path = tmp_path / "fan.csv"
    path.write_text("kept")
    assert main(["fan", "--param", "lr", "--range", "0.1", "1", "--out", str(path)]) == 130
    assert f"interrupted: nothing was written to {path}" in capsys.readouterr().err
    assert path.read_text() == "kept"
