"""That every declared per-step column reaches every holder of a run's numbers and
both files, checked on given steps; shared by test_columns.py and the process it
starts with a column declared there."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gradviz.core.columns import STEP_COLUMNS, Column, Kind
from gradviz.core.engine import StepBlock
from gradviz.core.export import parse_csv, parse_json, write_trajectory
from gradviz.core.problems import ProblemSpec
from gradviz.core.recording import Recording
from gradviz.core.run import RunSettings, Step, Trajectory
from gradviz.qt.frame import RunFrame  # plain data: importing it loads no Qt


def _same(column: Column, held: object, values: Sequence[object]) -> None:
    """``held`` (a whole-run holder's column) holds the steps' ``values``."""
    if column.kind is Kind.INDICES:
        assert [None if v is None else list(v) for v in held] == [  # type: ignore[union-attr]
            None if v is None else list(v) for v in values  # type: ignore[call-overload]
        ]
    else:
        np.testing.assert_array_equal(held, np.array(values).reshape(-1, *column.shape))


def _cells(column: Column, values: Sequence[object]) -> dict[str, list[object]]:
    """The steps' ``values`` as the files' cells, by name in files."""
    if column.kind is Kind.INDICES:
        return {column.file_name: [None if v is None else tuple(v.tolist()) for v in values]}
    array = np.array(values, dtype=column.dtype).reshape(len(values), -1)
    return {name: array[:, i].tolist() for i, name in enumerate(column.file_names)}


def _as_text(values: Sequence[object]) -> list[str]:
    return [repr(v) for v in values]  # exact for floats, and NaN equals NaN


def _block_of(steps: Sequence[Step]) -> StepBlock:
    """``steps`` as the engine's block of one run, built column by column."""
    held: dict[str, object] = {}
    for column in STEP_COLUMNS:
        if column.name == "update":  # the step axis, which the runs share
            continue
        values = [getattr(step, column.name) for step in steps]
        stacked = column.stack(values)
        held[column.name] = (
            stacked if stacked is None
            else (stacked,) if column.kind is Kind.INDICES
            else stacked[None]  # type: ignore[index]
        )
    return StepBlock(
        update=np.array([step.update for step in steps]),
        diverged=np.array([[step.diverged for step in steps]]),
        count=np.array([len(steps)]),
        **held,  # type: ignore[arg-type]
    )


def check_every_column(
    spec: ProblemSpec, settings: RunSettings, steps: Sequence[Step], folder: Path
) -> None:
    """Every column of STEP_COLUMNS is a field of ``steps`` (of a run of ``settings``
    on ``spec``) and holds the same values in a Trajectory, in a Recording (and the
    Trajectory it makes), in the engine's StepBlock (and the steps it gives back),
    as a field of a RunFrame and in CSV and JSON files."""
    trajectory = Trajectory.from_steps(settings, steps)
    record = Recording(capacity=2)  # grown on the way
    for start in range(0, len(steps), 3):  # in pieces, as the app's runs stream in
        record.extend(Trajectory.from_steps(settings, steps[start : start + 3]))
    frame_fields = {f.name for f in dataclasses.fields(RunFrame)}
    write_trajectory(folder / "run.csv", spec, trajectory)
    write_trajectory(folder / "run.json", spec, trajectory)
    csv_rows = parse_csv((folder / "run.csv").read_text())
    document = json.loads((folder / "run.json").read_text())
    json_rows = parse_json((folder / "run.json").read_text()).rows
    block = _block_of(steps)
    block_fields = set(StepBlock.__dataclass_fields__)
    back = block.steps(0)
    for name in Step._fields:  # every field, of the same type and value
        assert _as_text([getattr(s, name) for s in back]) == _as_text(
            [getattr(s, name) for s in steps]), name
    for column in STEP_COLUMNS:
        values = [getattr(step, column.name) for step in steps]
        assert column.name in Step._fields
        assert column.series in frame_fields
        assert column.name in block_fields
        held = [getattr(trajectory, column.series), getattr(record, column.series),
                record.columns()[column.series],
                getattr(record.to_trajectory(settings), column.series)]
        if column.optional and values[0] is None:  # a column the run does not record
            assert all(value is None for value in values), column.name
            assert all(holder is None for holder in held), column.name
            assert getattr(block, column.name) is None, column.name
            for name in column.file_names:
                assert name not in document["columns"] and name not in csv_rows[0], name
            continue
        for holder in held:
            _same(column, holder, values)
        if column.name != "update":
            _same(column, getattr(block, column.name)[0], values)
        for name, cells in _cells(column, values).items():
            assert name in document["columns"]
            assert _as_text([row[name] for row in csv_rows]) == _as_text(cells), name
            assert _as_text([row[name] for row in json_rows]) == _as_text(cells), name
