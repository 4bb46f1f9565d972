"""Numbers out of gradviz: trajectories as CSV or JSON, loss surfaces as NPY or CSV.

A trajectory becomes a list of rows (plain dicts, one per recorded point, keys
:data:`COLUMNS`); CSV and JSON are two spellings of those rows, so one run and
several runs share one implementation: :func:`label_rows` puts a ``run`` column
in front of each run's rows and the concatenation is written like any other.

Floats are written at full precision (``repr``), so reading a file back gives
the same numbers. Standard library and numpy only.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, Trajectory
from gradviz.core.surface import Surface

Batch = tuple[int, ...] | None
Row = dict[str, int | float | str | Batch]
"""One recorded point: ``step`` and ``epoch`` ints, ``batch`` a tuple of indices or
``None``, ``run`` (in tables of several runs) a label, the rest floats."""


def _parse_batch(text: str) -> Batch:
    return tuple(int(i) for i in text.split()) if text else None


def _format_batch(batch: Batch) -> str:
    return "" if batch is None else " ".join(map(str, batch))


RUN_COLUMN = "run"
# How each column is read back from CSV text; the order is the files' column order.
_PARSERS: dict[str, Callable[[str], object]] = {
    RUN_COLUMN: str,
    "step": int,
    "epoch": int,
    "phi0": float,
    "phi1": float,
    "loss": float,
    "batch_loss": float,
    "lr": float,
    "grad0": float,
    "grad1": float,
    "batch": _parse_batch,
}
COLUMNS: tuple[str, ...] = tuple(name for name in _PARSERS if name != RUN_COLUMN)
"""Columns of one run: ``loss`` is the full-data loss at ``phi``; ``batch_loss``,
``lr``, ``grad0``/``grad1`` and ``batch`` (indices, space-separated in CSV) are
those of the update that led to the row (NaN or empty on row 0 and, for
``batch``, on full-batch runs)."""

TRAJECTORY_FORMATS = (".csv", ".json")
SURFACE_FORMATS = (".npy", ".csv")
_FLOAT_COLUMNS = frozenset(name for name, parse in _PARSERS.items() if parse is float)
JSON_FORMAT = "gradviz-run"
JSON_VERSION = 1


def trajectory_rows(trajectory: Trajectory) -> list[Row]:
    """The rows of one run, row 0 being the start point."""
    grad = trajectory.grad
    return [
        {
            "step": int(trajectory.update[i]),
            "epoch": int(trajectory.epoch[i]),
            "phi0": float(trajectory.phi[i, 0]),
            "phi1": float(trajectory.phi[i, 1]),
            "loss": float(trajectory.loss[i]),
            "batch_loss": float(trajectory.batch_loss[i]),
            "lr": float(trajectory.lr[i]),
            "grad0": float(grad[i, 0]),
            "grad1": float(grad[i, 1]),
            "batch": None if batch is None else tuple(int(j) for j in batch),
        }
        for i, batch in enumerate(trajectory.batches)
    ]


def label_rows(runs: Mapping[str, Sequence[Row]]) -> list[Row]:
    """Several runs' rows as one table with a leading ``run`` column."""
    return [{RUN_COLUMN: label, **row} for label, rows in runs.items() for row in rows]


def _csv_field(value: object) -> str:
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    if value is None or isinstance(value, tuple):
        return _format_batch(value)
    return str(value)


def csv_text(rows: Sequence[Row]) -> str:
    """The rows as CSV with a header line; the columns are those of the first row."""
    columns = list(rows[0]) if rows else list(COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if list(row) != columns:
            raise ValueError(f"every row must have the columns {columns}, got {list(row)}")
        writer.writerow([_csv_field(value) for value in row.values()])
    return out.getvalue()


def parse_csv(text: str) -> list[Row]:
    """Inverse of :func:`csv_text`.

    Raises
    ------
    ValueError
        For a column gradviz does not write or a field of the wrong kind.
    """
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(_PARSERS)
    if unknown:
        raise ValueError(f"unknown column(s): {', '.join(sorted(unknown))}")
    return [{name: _PARSERS[name](value) for name, value in record.items()} for record in reader]


def _json_value(value: object) -> object:
    # JSON has no NaN or infinity: such numbers are null, as JSON readers expect.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return list(value) if isinstance(value, tuple) else value


def _row_from_json(record: Mapping[str, object]) -> Row:
    row: Row = {}
    for name, value in record.items():
        if name in _FLOAT_COLUMNS:
            row[name] = math.nan if value is None else float(value)  # type: ignore[arg-type]
        elif name == "batch":
            row[name] = None if value is None else tuple(value)  # type: ignore[arg-type]
        else:
            row[name] = value  # type: ignore[assignment]
    return row


class RunDocument(NamedTuple):
    """Everything a JSON export holds: enough to reproduce the run."""

    problem: ProblemSpec
    settings: RunSettings
    rows: list[Row]
    diverged_at: int | None


def run_document(problem: ProblemSpec, trajectory: Trajectory) -> dict[str, object]:
    """One run as JSON-ready data: the problem, the resolved settings, the
    divergence step and the rows (NaN and infinities as ``null``, batches as lists)."""
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "problem": problem.to_dict(),
        "settings": trajectory.settings.to_dict(),
        "diverged_at": trajectory.diverged_at,
        "summary": trajectory.summary(),
        "columns": list(COLUMNS),
        "rows": [
            {name: _json_value(value) for name, value in row.items()}
            for row in trajectory_rows(trajectory)
        ],
    }


def json_text(document: Mapping[str, object]) -> str:
    """A document of :func:`run_document` as JSON text (strict: no NaN)."""
    return json.dumps(document, indent=1, allow_nan=False) + "\n"


def parse_json(text: str) -> RunDocument:
    """Inverse of :func:`json_text` applied to :func:`run_document`.

    Raises
    ------
    ValueError
        If the text is not a gradviz run document.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise ValueError(f"not a {JSON_FORMAT} JSON document")
    return RunDocument(
        problem=ProblemSpec(**data["problem"]),
        settings=RunSettings.from_dict(data["settings"]),
        rows=[_row_from_json(record) for record in data["rows"]],
        diverged_at=data["diverged_at"],
    )


def check_suffix(path: str | Path, allowed: Iterable[str]) -> str:
    """Return the lower-case suffix of ``path`` if it is one of ``allowed``.

    Raises
    ------
    ValueError
        Naming the suffix and the allowed ones.
    """
    allowed = tuple(allowed)
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        name = suffix or "(none)"
        raise ValueError(
            f"unknown file type {name!r} for {str(path)!r}; use {' or '.join(allowed)}"
        )
    return suffix


def write_trajectory(path: str | Path, problem: ProblemSpec, trajectory: Trajectory) -> None:
    """Write one run to ``path``, as CSV rows or a JSON document by its suffix.

    Raises
    ------
    ValueError
        For a suffix other than those of :data:`TRAJECTORY_FORMATS`.
    OSError
        If the file cannot be written.
    """
    if check_suffix(path, TRAJECTORY_FORMATS) == ".json":
        text = json_text(run_document(problem, trajectory))
    else:
        text = csv_text(trajectory_rows(trajectory))
    Path(path).write_text(text, encoding="utf-8")


def surface_header(surface: Surface) -> str:
    """Comment text saying how the CSV matrix of a surface is laid out."""
    rows, cols = surface.shape
    w = surface.window
    return (
        "gradviz loss surface: rows run over phi1, columns over phi0\n"
        f"phi1 = linspace({w.phi1_min!r}, {w.phi1_max!r}, {rows}); "
        f"phi0 = linspace({w.phi0_min!r}, {w.phi0_max!r}, {cols})\n"
        "load with numpy.loadtxt(path, delimiter=',')"
    )


def write_surface(path: str | Path, surface: Surface) -> None:
    """Write a surface's loss grid, rows over phi1 and columns over phi0.

    ``.npy`` holds the array; ``.csv`` holds the matrix at full precision after
    ``#`` comment lines giving the axes, so ``numpy.loadtxt(path, delimiter=",")``
    reads it back.

    Raises
    ------
    ValueError
        For a suffix other than those of :data:`SURFACE_FORMATS`.
    OSError
        If the file cannot be written.
    """
    if check_suffix(path, SURFACE_FORMATS) == ".npy":
        with open(path, "wb") as file:  # np.save(str) would append .npy to other names
            np.save(file, surface.values)
    else:
        np.savetxt(path, surface.values, fmt="%.17g", delimiter=",", header=surface_header(surface))


__all__ = [
    "COLUMNS",
    "RUN_COLUMN",
    "SURFACE_FORMATS",
    "TRAJECTORY_FORMATS",
    "Row",
    "RunDocument",
    "check_suffix",
    "csv_text",
    "json_text",
    "label_rows",
    "parse_csv",
    "parse_json",
    "run_document",
    "surface_header",
    "trajectory_rows",
    "write_surface",
    "write_trajectory",
]
