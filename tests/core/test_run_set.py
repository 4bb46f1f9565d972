"""Several runs' numbers from plain data: names made distinct, colours in order, one file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from gradviz.core.export import COLUMNS, RUN_COLUMN, parse_csv, parse_json
from gradviz.core.palette import RUN_COLOURS, first_unused_colour
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, run
from gradviz.core.run_set import (
    NamedRun,
    RunSet,
    check_no_size,
    check_runs_path,
    scene_runs,
    write_runs,
)
from gradviz.core.scenes import SceneRun, find_scene

SPEC = ProblemSpec("ravine")


def _set(*names: str) -> RunSet:
    trajectory = run(SPEC.build(), RunSettings(steps=3))
    return RunSet(SPEC, tuple(NamedRun(name, RUN_COLOURS[i], trajectory)
                              for i, name in enumerate(names)))


def test_a_new_run_takes_the_first_colour_no_run_has() -> None:
    assert first_unused_colour([]) == RUN_COLOURS[0]
    assert first_unused_colour([RUN_COLOURS[0], RUN_COLOURS[2]]) == RUN_COLOURS[1]
    with pytest.raises(ValueError, match="taken"):
        first_unused_colour(RUN_COLOURS)


def test_repeated_names_are_made_distinct_in_order() -> None:
    labels = [label for label, _ in _set("GD", "Adam", "GD", "GD").labelled()]
    assert labels == ["GD", "Adam", "GD #2", "GD #3"]


def test_one_table_and_one_document_hold_every_run(tmp_path: Path) -> None:
    runs = _set("GD", "GD")
    assert write_runs(tmp_path / "runs.csv", runs) == "8 rows of 2 runs"
    rows = parse_csv((tmp_path / "runs.csv").read_text())
    assert list(rows[0]) == [RUN_COLUMN, *COLUMNS]
    assert [row[RUN_COLUMN] for row in rows] == ["GD"] * 4 + ["GD #2"] * 4
    details = write_runs(tmp_path / "runs.json", runs)
    assert details == "2 runs, 8 rows and the settings that reproduce them"
    document = json.loads((tmp_path / "runs.json").read_text())
    assert [(r["name"], r["colour"]) for r in document["runs"]] == [
        ("GD", RUN_COLOURS[0]), ("GD #2", RUN_COLOURS[1])]
    assert parse_json(json.dumps(document["runs"][1])).settings == runs.runs[1].trajectory.settings


def test_a_scenes_runs_are_named_and_coloured_as_in_its_legend() -> None:
    scene = find_scene("nesterov")
    scene = replace(scene, runs=(*scene.runs, SceneRun(RunSettings(steps=2), "mine")))
    told: list[tuple[int, int]] = []
    runs = scene_runs(scene, lambda done, total: told.append((done, total)))
    assert runs.scene == "nesterov" and runs.problem == scene.problem
    assert [r.colour for r in runs.runs] == list(RUN_COLOURS[: len(scene.runs)])
    n_points = scene.problem.build().n_points
    assert [r.name for r in runs.runs] == [
        run.name or r.trajectory.settings.label(n_points) for run, r in zip(scene.runs, runs.runs)
    ]
    assert runs.runs[-1].name == "mine"
    total = sum(run.settings.steps for run in scene.runs)
    assert told[0] == (0, total) and all(t == total for _, t in told)
    assert [done for done, _ in told] == sorted(done for done, _ in told)


def test_a_scene_that_cannot_be_built_is_refused() -> None:
    scene = replace(find_scene("linear-gd"), problem=ProblemSpec("linear", "no-such-file.csv"))
    with pytest.raises((ValueError, OSError)):
        scene_runs(scene)


def test_paths_and_sizes_for_numbers_are_checked_before_any_work(tmp_path: Path) -> None:
    assert check_runs_path(tmp_path / "runs.JSON") == ".json"
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        check_runs_path(tmp_path / "runs.png")
    with pytest.raises(ValueError, match="does not exist"):
        check_runs_path(tmp_path / "no" / "runs.csv")
    check_no_size(".csv", None)
    with pytest.raises(ValueError, match="a .csv file holds numbers and has no size"):
        check_no_size(".csv", (800, 450))



def test_a_single_run_is_counted_in_the_singular(tmp_path) -> None:
    runs = scene_runs(find_scene("6"))
    assert write_runs(tmp_path / "one.csv", runs) == "61 rows of 1 run"
    assert write_runs(tmp_path / "one.json", runs).startswith("1 run, 61 rows")
