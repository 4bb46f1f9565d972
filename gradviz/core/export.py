"""Numbers out of gradviz: trajectories as CSV or JSON, loss surfaces and basin maps as
NPY or CSV.

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
import itertools
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, NamedTuple

import numpy as np

from gradviz.core.basins import BasinMap
from gradviz.core.columns import STEP_COLUMNS, Column, Kind
from gradviz.core.files import atomic_open, check_target
from gradviz.core.parsing import parse_float, parse_int
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, RunTally, Step, Trajectory, stack_steps
from gradviz.core.surface import Surface

Batch = tuple[int, ...] | None
Row = dict[str, int | float | str | Batch]
"""One recorded point: ``step`` and ``epoch`` ints, ``batch`` a tuple of indices or
``None``, ``run`` (in tables of several runs) a label, the rest floats."""


def _parse_batch(text: str) -> Batch:
    return tuple(parse_int(i) for i in text.split()) if text else None


def _format_batch(batch: Batch) -> str:
    return "" if batch is None else " ".join(map(str, batch))


def _index_cells(values: Sequence[np.ndarray | None]) -> list[list[Batch]]:
    return [[None if value is None else tuple(value.tolist()) for value in values]]


RUN_COLUMN = "run"
# The files' column order: the declared one, with the indices (of varying length) last.
_FILE_COLUMNS = tuple(sorted(STEP_COLUMNS, key=lambda column: column.kind is Kind.INDICES))
_CSV_PARSERS: dict[Kind, Callable[[str], object]] = {
    Kind.INT: parse_int, Kind.FLOAT: parse_float, Kind.INDICES: _parse_batch,
}
_PARSERS: dict[str, Callable[[str], object]] = {
    RUN_COLUMN: str,
    **{name: _CSV_PARSERS[c.kind] for c in _FILE_COLUMNS for name in c.file_names},
}
COLUMNS: tuple[str, ...] = tuple(
    name for column in _FILE_COLUMNS if not column.optional for name in column.file_names
)
"""Columns of one run (of :data:`~gradviz.core.columns.STEP_COLUMNS`; a run that
records an optional column has its columns too): ``loss`` is the full-data loss
at ``phi``; ``batch_loss``, ``lr``, ``grad0``/``grad1`` and ``batch`` (indices,
space-separated in CSV) are those of the update that led to the row (NaN or empty
on row 0 and, for ``batch``, on full-batch runs)."""

TRAJECTORY_FORMATS = (".csv", ".json")
SURFACE_FORMATS = (".npy", ".csv")
BASINS_FORMATS = (".npy", ".csv")
BASINS_COLUMNS = ("phi0", "phi1", "label", "end_phi0", "end_phi1", "end_loss")
"""The columns of a basin map's CSV: the cell's centre (its run's start), its class
and where its run ended, with the full-data loss there."""
_FLOAT_COLUMNS = frozenset(
    name for c in _FILE_COLUMNS if c.kind is Kind.FLOAT for name in c.file_names
)
_INDEX_COLUMNS = frozenset(
    name for c in _FILE_COLUMNS if c.kind is Kind.INDICES for name in c.file_names
)
JSON_FORMAT = "gradviz-run"
JSON_VERSION = 1


STREAM_STEPS = 256
"""Steps :func:`write_run` turns into rows at a time."""


def _cells(column: Column, values: np.ndarray | Sequence[np.ndarray | None]) -> list[list[object]]:
    """A column's values over the rows as its cells: one list per name in files."""
    if column.kind is Kind.INDICES:
        return _index_cells(values)  # type: ignore[arg-type]
    # Whole columns to Python numbers at once: the same numbers as int() or
    # float() of each value gives, in far less time.
    array = np.asarray(values, dtype=column.dtype)
    return array.T.tolist() if column.width > 1 else [array.tolist()]


def _series_rows(series: Mapping[str, object]) -> list[Row]:
    """The rows of a run's columns, held as in a :class:`~gradviz.core.run.Trajectory`
    (``series`` gives them by series name; an optional one that is ``None`` has no cells)."""
    present = [(c, series[c.series]) for c in _FILE_COLUMNS if series[c.series] is not None]
    names = [name for column, _ in present for name in column.file_names]
    cells = [cell for column, values in present for cell in _cells(column, values)]
    return [dict(zip(names, row)) for row in zip(*cells)]


def trajectory_rows(trajectory: Trajectory) -> list[Row]:
    """The rows of one run, row 0 being the start point."""
    return _series_rows({c.series: getattr(trajectory, c.series) for c in STEP_COLUMNS})


def step_rows(steps: Iterable[Step]) -> Iterator[Row]:
    """The rows of steps as streamed from :func:`~gradviz.core.run.iterate`, as they
    come (:data:`STREAM_STEPS` at a time): the same as their rows in
    :func:`trajectory_rows` of the whole run."""
    steps = iter(steps)
    while chunk := list(itertools.islice(steps, STREAM_STEPS)):
        yield from _series_rows(stack_steps(chunk))


def label_rows(runs: Mapping[str, Sequence[Row]]) -> list[Row]:
    """Several runs' rows as one table with a leading ``run`` column."""
    return [{RUN_COLUMN: label, **row} for label, rows in runs.items() for row in rows]


def _csv_field(value: object) -> str:
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    if value is None or isinstance(value, tuple):
        return _format_batch(value)
    return str(value)


def _with_columns(rows: Iterable[Row]) -> tuple[list[str], Iterator[Row]]:
    """The columns of ``rows``, those of the first row (:data:`COLUMNS` if there is
    none), and the rows, the first one looked at but not lost."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return list(COLUMNS), rows
    return list(first), itertools.chain((first,), rows)


def _write_csv(file: IO[str], rows: Iterable[Row]) -> None:
    """Write the rows as CSV with a header line; the columns are those of the first row
    (of :data:`COLUMNS` if there is none)."""
    writer = csv.writer(file, lineterminator="\n")
    columns, rows = _with_columns(rows)
    writer.writerow(columns)
    for row in rows:
        if list(row) != columns:
            raise ValueError(f"every row must have the columns {columns}, got {list(row)}")
        writer.writerow([_csv_field(value) for value in row.values()])


def csv_text(rows: Sequence[Row]) -> str:
    """The rows as CSV with a header line; the columns are those of the first row."""
    out = io.StringIO()
    _write_csv(out, rows)
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
        elif name in _INDEX_COLUMNS:
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


def _json_row(row: Row) -> dict[str, object]:
    return {name: _json_value(value) for name, value in row.items()}


def _document_head(
    problem: ProblemSpec, settings: RunSettings, columns: list[str]
) -> dict[str, object]:
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "problem": problem.to_dict(),
        "settings": settings.to_dict(),
        "columns": columns,
    }


def _document_tail(diverged_at: int | None, summary: str) -> dict[str, object]:
    # After the rows, so that a run streamed to a file can end its document with them.
    return {"diverged_at": diverged_at, "summary": summary}


def run_document(problem: ProblemSpec, trajectory: Trajectory) -> dict[str, object]:
    """One run as JSON-ready data: the problem, the resolved settings, the rows
    (NaN and infinities as ``null``, batches as lists), the divergence step and
    the summary line."""
    columns, rows = _with_columns(trajectory_rows(trajectory))
    return {
        **_document_head(problem, trajectory.settings, columns),
        "rows": [_json_row(row) for row in rows],
        **_document_tail(trajectory.diverged_at, trajectory.summary()),
    }


def _json(value: object, depth: int) -> str:
    """``value`` as :func:`json_text` writes it ``depth`` levels deep, without the
    leading indentation of its first line."""
    return json.dumps(value, indent=1, allow_nan=False).replace("\n", "\n" + " " * depth)


def _write_json(
    file: IO[str], head: Mapping[str, object], rows: Iterable[Row],
    tail: Callable[[], Mapping[str, object]],
) -> None:
    """Write ``{**head, "rows": rows, **tail()}`` as :func:`json_text` would, but a row
    at a time, so that the rows need not be in memory; ``tail`` is called after them."""
    file.write("{\n")
    for key, value in head.items():
        file.write(f" {_json(key, 1)}: {_json(value, 1)},\n")
    file.write(' "rows": [')
    separator = "\n  "
    for row in rows:
        file.write(separator + _json(_json_row(row), 2))
        separator = ",\n  "
    file.write("]" if separator == "\n  " else "\n ]")
    for key, value in tail().items():
        file.write(f",\n {_json(key, 1)}: {_json(value, 1)}")
    file.write("\n}\n")


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
        Naming the suffix and the allowed ones; also for a name that cannot be
        a file's (see :func:`gradviz.core.files.check_target`), such as one
        ending in ``/``.
    """
    allowed = tuple(allowed)
    suffix = check_target(path).suffix.lower()
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
    _write_rows(path, problem, trajectory.settings, trajectory_rows(trajectory),
                lambda: (trajectory.diverged_at, trajectory.summary()))


def write_run(
    path: str | Path, problem: ProblemSpec, settings: RunSettings, steps: Iterable[Step]
) -> RunTally:
    """Write a run's steps to ``path`` as they come, in memory that does not grow with
    their number; the file is the same as :func:`write_trajectory` writes for the
    finished run (the steps up to, and leaving out, a diverged one).

    ``path`` is replaced only once every step is written: when the steps stop
    with an exception (``KeyboardInterrupt`` too), nothing is written.

    Returns
    -------
    RunTally
        The last step, the divergence and the number of rows written.

    Raises
    ------
    ValueError
        For a suffix other than those of :data:`TRAJECTORY_FORMATS`.
    OSError
        A :class:`~gradviz.core.files.WriteError` if the file cannot be written.
    """
    tally = RunTally()
    rows = step_rows(tally.kept(steps))
    _write_rows(path, problem, settings, rows, lambda: (tally.diverged_at, tally.summary()))
    return tally


def _write_rows(
    path: str | Path, problem: ProblemSpec, settings: RunSettings, rows: Iterable[Row],
    end: Callable[[], tuple[int | None, str]],
) -> None:
    """Write one run's ``rows`` as CSV or JSON; ``end()``, called after the rows,
    gives the divergence step and the summary for JSON."""
    suffix = check_suffix(path, TRAJECTORY_FORMATS)
    with atomic_open(path) as file:
        if suffix == ".json":
            columns, rows = _with_columns(rows)
            _write_json(file, _document_head(problem, settings, columns), rows,
                        lambda: _document_tail(*end()))
        else:
            _write_csv(file, rows)


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
        A :class:`~gradviz.core.files.WriteError` if the file cannot be written.
    """
    binary = check_suffix(path, SURFACE_FORMATS) == ".npy"
    with atomic_open(path, binary=binary) as file:
        if binary:
            np.save(file, surface.values)  # np.save(str) would append .npy to other names
        else:
            np.savetxt(file, surface.values, fmt="%.17g", delimiter=",",
                       header=surface_header(surface))


def basins_header(basins: BasinMap) -> str:
    """Comment text of a basin map's CSV: the labels, the minima and the layout."""
    w = basins.window
    rows, columns = basins.labels.shape
    lines = [
        "gradviz basins of attraction: one row per cell, rows of cells over phi1, "
        "each row over phi0, both from min to max",
        f"{columns} x {rows} cells tiling phi0 [{w.phi0_min!r}, {w.phi0_max!r}], "
        f"phi1 [{w.phi1_min!r}, {w.phi1_max!r}]; each run starts at its cell's centre",
        f"settings: {json.dumps(basins.settings.to_dict())}",
        "label: a minimum's label as listed below, -1 not converged, -2 diverged; "
        "end_phi0, end_phi1, end_loss: the run's last finite step",
        *(f"label {k}: minimum {k + 1} at phi0 = {phi[0]!r}, phi1 = {phi[1]!r}, loss = {loss!r}"
          for k, (phi, loss) in enumerate(zip(basins.minima.tolist(),
                                                basins.minimum_losses.tolist()))),
        *basins.legend(),
        "load with numpy.genfromtxt(path, delimiter=',', names=True) "
        "or pandas.read_csv(path, comment='#')",
    ]
    return "\n".join(lines)


def write_basins(path: str | Path, basins: BasinMap) -> None:
    """Write a basin map: ``.npy`` holds its labels (int64, rows over phi1 and columns
    over phi0, both from min to max: ``labels[i, j]`` is the cell at ``(phi0[j], phi1[i])``;
    a minimum's index, lowest loss first, -1 not converged, -2 diverged); ``.csv``
    holds a line of the column names (:data:`BASINS_COLUMNS`), ``#`` comment lines
    naming the minima and their losses, then one row per cell (floats at full
    precision), in the order of the cells of ``labels`` row by row.

    Raises
    ------
    ValueError
        For a suffix other than those of :data:`BASINS_FORMATS`.
    OSError
        A :class:`~gradviz.core.files.WriteError` if the file cannot be written.
    """
    binary = check_suffix(path, BASINS_FORMATS) == ".npy"
    with atomic_open(path, binary=binary) as file:
        if binary:
            np.save(file, basins.labels.astype(np.int64))
            return
        phi0, phi1 = np.meshgrid(basins.phi0, basins.phi1)
        table = np.column_stack([
            phi0.ravel(), phi1.ravel(), basins.labels.ravel(),
            basins.end_phi.reshape(-1, 2), basins.end_loss.ravel(),
        ])
        # The column names first: comment lines after them are skipped by the
        # readers that take names from the first line (numpy, pandas).
        file.write(",".join(BASINS_COLUMNS) + "\n")
        file.write("".join(f"# {line}\n" for line in basins_header(basins).splitlines()))
        np.savetxt(file, table, fmt=["%.17g", "%.17g", "%d", "%.17g", "%.17g", "%.17g"],
                   delimiter=",")


__all__ = [
    "BASINS_COLUMNS",
    "BASINS_FORMATS",
    "COLUMNS",
    "RUN_COLUMN",
    "SURFACE_FORMATS",
    "TRAJECTORY_FORMATS",
    "Row",
    "basins_header",
    "RunDocument",
    "check_suffix",
    "csv_text",
    "json_text",
    "label_rows",
    "parse_csv",
    "parse_json",
    "run_document",
    "surface_header",
    "step_rows",
    "trajectory_rows",
    "write_basins",
    "write_run",
    "write_surface",
    "write_trajectory",
]
