"""``gradviz basins``: the labels and cells written as computed, and bad input refused
in one line naming the flag."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.cli import main
from gradviz.core.basins import compute_basins
from gradviz.core.export import BASINS_COLUMNS
from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings
from gradviz.core.space import Window


def _basins(model: str, settings: RunSettings, grid: int, window: Window | None = None):
    return compute_basins(make_problem(model), settings, window, grid)


def test_npy_holds_the_labels_rows_over_phi1(tmp_path, capsys) -> None:
    out = tmp_path / "b.npy"
    assert main(["basins", "--model", "gabor", "--optimizer", "gd", "--lr", "0.1",
                 "--grid", "12", "--steps", "80", "--out", str(out)]) == 0
    expected = _basins("gabor", RunSettings("gd", {"lr": 0.1}, steps=80), 12)
    labels = np.load(out)
    assert labels.dtype == np.int64 and labels.shape == (12, 12)
    assert np.array_equal(labels, expected.labels)
    printed, err = capsys.readouterr()
    assert err == ""
    assert printed.splitlines() == [*expected.legend(), f"wrote {out} (12 x 12 cells)"]


def test_csv_holds_one_row_per_cell_and_names_the_minima(tmp_path, capsys) -> None:
    out = tmp_path / "b.csv"
    window = (-6.0, 6.0, 8.0, 20.0)
    assert main(["basins", "--model", "gabor", "--optimizer", "sgd", "--seed", "3",
                 "--grid", "9", "--steps", "60", "--window", *map(str, window),
                 "--out", str(out)]) == 0
    expected = _basins("gabor", RunSettings("sgd", steps=60, seed=3), 9, Window(*window))
    table = np.genfromtxt(out, delimiter=",", names=True)
    assert table.dtype.names == BASINS_COLUMNS and len(table) == 81
    phi0, phi1 = np.meshgrid(expected.phi0, expected.phi1)
    assert np.array_equal(table["phi0"], phi0.ravel())
    assert np.array_equal(table["phi1"], phi1.ravel())
    assert np.array_equal(table["label"], expected.labels.ravel())
    # Full precision: the ends read back as the same floats.
    assert np.array_equal(table["end_phi0"], expected.end_phi[..., 0].ravel())
    assert np.array_equal(table["end_phi1"], expected.end_phi[..., 1].ravel())
    assert np.array_equal(table["end_loss"], expected.end_loss.ravel())
    text = out.read_text()
    for k, loss in enumerate(expected.minimum_losses.tolist()):
        assert f"# label {k}: minimum {k + 1} at " in text and f"loss = {loss!r}" in text
    assert "# every cell uses the same batch sequence (seed 3, batch size 5)" in text
    assert capsys.readouterr().out.splitlines()[-2] == expected.legend()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "1"], "--grid: grid must be between 2 and 512 cells a side, got 1"),
        (["--grid", "513"], "--grid: grid must be between 2 and 512 cells a side, got 513"),
        (["--grid", "x"], "--grid: invalid int value"),
        (["--steps", "0"], "--steps: basins need at least 1 update per run, got 0"),
        (["--steps", "-2"], "--steps: steps must be between 0 and"),
        (["--optimizer", "newton"], "argument --optimizer: invalid choice: 'newton'"),
        (["--lr", "-1"], "--lr:"),
        (["--beta", "0.5"], "--beta:"),  # gd has no momentum
        (["--batch-size", "31"], "--batch-size:"),
        (["--window", "1", "0", "0", "1"], "--window: window must have min < max"),
        (["--start", "0", "1"], "unrecognized arguments: --start"),
    ],
)
def test_bad_flags_are_one_line_naming_the_flag(tmp_path, capsys, args, message) -> None:
    out = tmp_path / "b.npy"
    assert main(["basins", "--model", "gabor", *args, "--out", str(out)]) == 2
    printed, err = capsys.readouterr()
    assert printed == "" and err.count("\n") == 1
    # argparse's top level reports flags no command knows.
    assert err.startswith(("gradviz basins: error: ", "gradviz: error: ")), err
    assert message in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [("b.txt", "--out: unknown file type '.txt'"), ("b", "--out: unknown file type '(none)'"),
     ("missing/b.npy", "--out: the folder"), ("b.npy/", "--out:")],
)
def test_bad_outputs_are_refused_before_any_run(tmp_path, capsys, out, message) -> None:
    assert main(["basins", "--model", "linear", "--out", str(tmp_path / out)
                 if not out.endswith("/") else str(tmp_path) + "/" + out]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_out_is_required(capsys) -> None:
    assert main(["basins", "--model", "linear"]) == 2
    assert "--out" in capsys.readouterr().err


def test_basins_is_in_the_help(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "basins" in capsys.readouterr().out
