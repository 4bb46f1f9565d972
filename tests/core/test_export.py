"""Round trips of gradviz.core.export: what is written reads back as the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.core import ProblemSpec, RunSettings, Trajectory, iterate, loss_surface
from gradviz.core.export import (
    COLUMNS,
    RUN_COLUMN,
    csv_text,
    json_text,
    label_rows,
    parse_csv,
    parse_json,
    run_document,
    trajectory_rows,
    write_surface,
    write_trajectory,
)

NOTEBOOK = RunSettings(optimizer="nesterov", batching="notebook", seed=1, steps=20)


def _as_text(rows: list[dict]) -> list[dict]:
    """Rows with every value as its repr: exact for floats, and NaN equals NaN."""
    return [{key: repr(value) for key, value in row.items()} for row in rows]


def _record(spec: ProblemSpec, settings: RunSettings) -> Trajectory:
    problem = spec.build()
    settings = settings.resolve(problem)
    return Trajectory.from_steps(settings, iterate(problem, settings))


@pytest.fixture(scope="module")
def notebook_run() -> tuple[ProblemSpec, Trajectory]:
    spec = ProblemSpec("gabor")
    return spec, _record(spec, NOTEBOOK)


def test_rows_hold_the_trajectory(notebook_run) -> None:
    _, trajectory = notebook_run
    grad = trajectory.grad
    rows = trajectory_rows(trajectory)
    assert len(rows) == 21 and list(rows[0]) == list(COLUMNS)
    assert rows[0]["step"] == 0 and math.isnan(rows[0]["lr"]) and rows[0]["batch"] is None
    last = rows[-1]
    assert (last["phi0"], last["phi1"], last["loss"]) == (
        trajectory.phi[-1, 0], trajectory.phi[-1, 1], trajectory.loss[-1]
    )
    assert last["grad0"] == grad[-1, 0] and len(last["batch"]) == 5


def test_only_the_start_row_has_no_gradient(notebook_run) -> None:
    _, trajectory = notebook_run
    rows = trajectory_rows(trajectory)
    assert math.isnan(rows[0]["grad0"]) and math.isnan(rows[0]["grad1"])
    assert all(math.isfinite(row["grad0"]) and math.isfinite(row["grad1"]) for row in rows[1:])


def test_csv_round_trip_is_exact(notebook_run) -> None:
    _, trajectory = notebook_run
    rows = trajectory_rows(trajectory)
    text = csv_text(rows)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert _as_text(parse_csv(text)) == _as_text(rows)


def test_several_runs_share_one_table(notebook_run) -> None:
    _, trajectory = notebook_run
    gd = _record(ProblemSpec("linear"), RunSettings(steps=3))
    table = label_rows({"nesterov": trajectory_rows(trajectory), "gd": trajectory_rows(gd)})
    text = csv_text(table)
    assert text.splitlines()[0] == ",".join((RUN_COLUMN, *COLUMNS))
    back = parse_csv(text)
    assert _as_text(back) == _as_text(table)
    assert [row[RUN_COLUMN] for row in back].count("gd") == 4


def test_rows_with_other_columns_are_refused(notebook_run) -> None:
    _, trajectory = notebook_run
    rows = trajectory_rows(trajectory)
    with pytest.raises(ValueError, match="columns"):
        csv_text([rows[0], {RUN_COLUMN: "a", **rows[1]}])
    with pytest.raises(ValueError, match="unknown column"):
        parse_csv("step,colour\n0,red\n")


@given(st.lists(st.floats(), min_size=1, max_size=5))
def test_any_float_survives_csv(values: list[float]) -> None:
    rows = [
        {"step": i, "epoch": 0, "loss": v, "batch": (i, 2 * i) if i % 2 else None}
        for i, v in enumerate(values)
    ]
    assert _as_text(parse_csv(csv_text(rows))) == _as_text(rows)


def test_json_round_trip_reproduces_the_run(notebook_run, tmp_path) -> None:
    spec, trajectory = notebook_run
    path = tmp_path / "run.json"
    write_trajectory(path, spec, trajectory)
    document = parse_json(path.read_text())
    assert document.problem == spec
    assert document.settings == trajectory.settings
    assert document.diverged_at is None
    assert _as_text(document.rows) == _as_text(trajectory_rows(trajectory))
    again = _record(document.problem, document.settings)
    assert _as_text(trajectory_rows(again)) == _as_text(document.rows)


def test_json_is_strict_and_keeps_the_divergence() -> None:
    spec = ProblemSpec("gabor")
    trajectory = _record(spec, RunSettings(hyperparameters={"lr": 100.0}, steps=10))
    text = json_text(run_document(spec, trajectory))
    assert "NaN" not in text
    assert parse_json(text).diverged_at == trajectory.diverged_at == 1


def test_json_that_is_not_a_run_is_refused() -> None:
    with pytest.raises(ValueError, match="gradviz-run"):
        parse_json('{"rows": []}')


def test_csv_file_round_trip(notebook_run, tmp_path) -> None:
    spec, trajectory = notebook_run
    path = tmp_path / "run.CSV"
    write_trajectory(path, spec, trajectory)
    assert _as_text(parse_csv(path.read_text())) == _as_text(trajectory_rows(trajectory))


def test_unknown_suffix_is_refused(notebook_run, tmp_path) -> None:
    spec, trajectory = notebook_run
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        write_trajectory(tmp_path / "run.txt", spec, trajectory)
    assert not (tmp_path / "run.txt").exists()


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_surface_round_trip(tmp_path, suffix: str) -> None:
    surface = loss_surface(ProblemSpec("gabor").build(), grid=(7, 9))
    path = tmp_path / f"surface{suffix}"
    write_surface(path, surface)
    back = np.load(path) if suffix == ".npy" else np.loadtxt(path, delimiter=",")
    np.testing.assert_array_equal(back, surface.values)
    assert back.shape == (7, 9)  # rows over phi1, columns over phi0
