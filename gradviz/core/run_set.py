"""Several runs on one problem, named and coloured, as one CSV table or one JSON document.

The app writes its recorded runs this way and ``gradviz export`` a scene's
runs, computed here without a window: both hand a :class:`RunSet` of plain data
to :func:`write_runs`, so the same runs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gradviz.core.export import (
    TRAJECTORY_FORMATS,
    Row,
    check_suffix,
    csv_text,
    json_text,
    label_rows,
    run_document,
    trajectory_rows,
)
from gradviz.core.fans import FanResult, SeedSpread, fan_colours, member_names, run_fan, seed_spread
from gradviz.core.files import check_folder, write_atomic
from gradviz.core.palette import first_unused_colour
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, Trajectory, iterate, reported
from gradviz.core.scenes import Scene

RUNS_FORMAT = "gradviz-runs"
RUNS_VERSION = 1
RUNS_FORMATS = TRAJECTORY_FORMATS
"""The suffixes :func:`write_runs` writes: a CSV table or a JSON document."""


@dataclass(frozen=True)
class NamedRun:
    """One run of a set: its legend name (names may repeat), its colour (an entry
    of :data:`~gradviz.core.palette.RUN_COLOURS`; for a fan's member, its colour on
    the fan's sequential scale, :func:`~gradviz.core.fans.fan_colours`) and its steps."""

    name: str
    colour: str
    trajectory: Trajectory


@dataclass(frozen=True)
class RunSet:
    """Runs on one problem, as written together; ``scene`` names the scene they
    come from, if any."""

    problem: ProblemSpec
    runs: tuple[NamedRun, ...]
    scene: str | None = None

    def labelled(self) -> Iterator[tuple[str, NamedRun]]:
        """Each run with its label in files: its name, made distinct (a run named
        like one before it is ``name #2``, ``name #3``, ...)."""
        seen: dict[str, int] = {}
        for run in self.runs:
            seen[run.name] = seen.get(run.name, 0) + 1
            count = seen[run.name]
            yield (run.name if count == 1 else f"{run.name} #{count}"), run


def legend_name(settings: RunSettings, name: str | None, n_points: int | None) -> str:
    """A run's name in the legend: its own ``name``, or one made from its settings
    (``n_points``, the problem's, tells a minibatch from the full batch)."""
    return name or settings.label(n_points)


def scene_runs(scene: Scene, progress: Callable[[int, int], object] | None = None) -> RunSet:
    """Compute every run of ``scene`` to its end, as the app does when it opens the
    scene: named as in its legend and coloured in order; then every member of its
    fans, named by its value and coloured on the fan's sequential scale.

    ``progress`` is told (updates done, updates in all) now and then.

    Raises
    ------
    ValueError
        If the scene's problem or runs cannot be built (a data file may raise
        :class:`OSError`).
    """
    problem = scene.problem.build()
    settings = [run.settings.resolve(problem) for run in scene.runs]
    fans = [(fan, fan.settings.resolve(problem)) for fan in scene.fans]
    total = sum(s.steps for s in settings) + sum(s.steps * len(f.fan.values) for f, s in fans)
    done = 0
    runs: list[NamedRun] = []
    for run, resolved in zip(scene.runs, settings):
        steps = iterate(problem, resolved)
        if progress is not None:
            steps = reported(steps, progress, total, done)
        runs.append(NamedRun(
            legend_name(resolved, run.name, problem.n_points),
            first_unused_colour(r.colour for r in runs),
            Trajectory.from_steps(resolved, steps),
        ))
        done += resolved.steps
    for fan, resolved in fans:
        members = len(fan.fan.values)
        told = None if progress is None else _fan_progress(progress, done, members, total)
        result = run_fan(problem, resolved, fan.fan, told)
        runs += fan_named_runs(result, fan.legend_name)
        done += resolved.steps * members
    return RunSet(scene.problem, tuple(runs), scene.name)


def _fan_progress(progress: Callable[[int, int], object], before: int, members: int,
                  total: int) -> Callable[[int, int], object]:
    """``progress`` told of a fan's updates, each counted once per member, after ``before``."""
    return lambda updates, _: progress(before + updates * members, total)


def fan_named_runs(result: FanResult, name: str) -> tuple[NamedRun, ...]:
    """A fan's members as runs of a set: named ``name`` and their value (``GD α=0.01``)
    and coloured on the fan's sequential scale."""
    return tuple(map(NamedRun, member_names(result.fan, name), fan_colours(result.fan),
                     result.members))


def scene_seed_spread(
    scene: Scene, progress: Callable[[int, int], object] | None = None
) -> SeedSpread | None:
    """The final losses of ``scene``'s runs over the seeds its ``seed_spread`` asks
    for (0, 1, ...), all at once; ``None`` if it asks for none.

    Raises
    ------
    ValueError
        If the scene's problem or runs cannot be built.
    """
    if scene.seed_spread is None:
        return None
    problem = scene.problem.build()
    return seed_spread(problem, [run.settings for run in scene.runs],
                       range(scene.seed_spread), progress)


def runs_rows(runs: RunSet) -> list[Row]:
    """Every run's rows as one table with a leading ``run`` column (its label)."""
    return label_rows({label: trajectory_rows(run.trajectory) for label, run in runs.labelled()})


def runs_document(runs: RunSet) -> dict[str, object]:
    """Every run as JSON-ready data: the problem, and per run its label, colour and a
    ``gradviz-run`` document (resolved settings and rows) that reproduces it."""
    return {
        "format": RUNS_FORMAT,
        "version": RUNS_VERSION,
        "scene": runs.scene,
        "problem": runs.problem.to_dict(),
        "runs": [
            {"name": label, "colour": run.colour, **run_document(runs.problem, run.trajectory)}
            for label, run in runs.labelled()
        ],
    }


def write_runs_csv(path: str | Path, runs: RunSet) -> str:
    """Write :func:`runs_rows` as CSV (columns ``run``, then those of
    :data:`~gradviz.core.export.COLUMNS`).

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    rows = runs_rows(runs)
    write_atomic(path, csv_text(rows))
    return f"{len(rows)} rows of {_count(len(runs.runs), 'run')}"


def _count(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural unless there is one ("1 run", "3 runs")."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def write_runs_json(path: str | Path, runs: RunSet) -> str:
    """Write :func:`runs_document` as JSON; each entry of ``runs`` also reads back
    with :func:`gradviz.core.export.parse_json`.

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    write_atomic(path, json_text(runs_document(runs)))
    rows = sum(len(run.trajectory.update) for run in runs.runs)
    return f"{_count(len(runs.runs), 'run')}, {rows} rows and the settings that reproduce them"


def check_runs_path(path: str | Path) -> str:
    """The lower-case suffix of ``path`` if :func:`write_runs` can write it there.

    Raises
    ------
    ValueError
        For a suffix other than those of :data:`RUNS_FORMATS`, a name that cannot
        be a file's, or a folder that does not exist.
    """
    suffix = check_suffix(path, RUNS_FORMATS)
    check_folder(path)
    return suffix


def check_no_size(suffix: str, size: Sequence[int] | None) -> None:
    """Refuse a picture size for a ``suffix`` file, which holds numbers.

    Raises
    ------
    ValueError
        If ``size`` is given.
    """
    if size is not None:
        raise ValueError(f"a {suffix} file holds numbers and has no size")


def write_runs(path: str | Path, runs: RunSet) -> str:
    """Write ``runs`` to ``path`` as CSV or JSON by its suffix.

    Returns
    -------
    str
        What was written, for a status line.

    Raises
    ------
    ValueError
        For a suffix other than those of :data:`RUNS_FORMATS`.
    OSError
        If the file cannot be written.
    """
    suffix = check_suffix(path, RUNS_FORMATS)
    return (write_runs_csv if suffix == ".csv" else write_runs_json)(path, runs)


__all__ = [
    "RUNS_FORMAT",
    "RUNS_FORMATS",
    "RUNS_VERSION",
    "NamedRun",
    "RunSet",
    "check_no_size",
    "check_runs_path",
    "fan_named_runs",
    "legend_name",
    "runs_document",
    "runs_rows",
    "scene_runs",
    "scene_seed_spread",
    "write_runs",
    "write_runs_csv",
    "write_runs_json",
]
