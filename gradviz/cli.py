"""The ``gradviz`` command: the desktop app, and headless commands for scripts.

``gradviz`` alone opens the desktop app, imported lazily so that the headless
commands never load Qt. Each subcommand is one function, listed with its
arguments in :data:`COMMANDS`. A bad flag or value exits with status 2 and one
line on stderr naming the flag and what it allows.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar


from gradviz import __version__
from gradviz.core.batching import BATCHING_SCHEMES
from gradviz.core.basins import DEFAULT_GRID as BASINS_GRID
from gradviz.core.basins import MAX_GRID as BASINS_MAX_GRID
from gradviz.core.basins import compute_basins, grid_sides
from gradviz.core.columns import TERM_COLUMNS, Column
from gradviz.core.export import (
    BASINS_FORMATS,
    SURFACE_FORMATS,
    TRAJECTORY_FORMATS,
    check_suffix,
    write_basins,
    write_run,
    write_surface,
)
from gradviz.core.fans import (
    DEFAULT_FAN,
    FAN_PARAMETERS,
    MAX_FAN,
    MAX_FAN_STEPS,
    Fan,
    check_count,
    check_fan_run,
    run_fan,
)
from gradviz.core.files import check_folder, check_target
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.kinds import (
    PROBLEM_KINDS,
    ProblemKind,
    declaration,
    kinds_with_data,
    parameter_owners,
)
from gradviz.core.problems import Problem, ProblemSpec
from gradviz.core.parsing import NEGATIVE_NUMBER, excerpt, parse_float, parse_int, quote
from gradviz.core.run import RunSettings, RunTally, iterate, reported
from gradviz.core.run_set import (
    RUNS_FORMATS,
    RunSet,
    check_no_size,
    check_runs_path,
    fan_named_runs,
    scene_runs,
    write_runs,
)
from gradviz.core.scenes import MAX_STEPS as SCENE_MAX_STEPS
from gradviz.core.scenes import Scene, SceneError, builtin_scenes, find_scene
from gradviz.core.schedules import SCHEDULES, WARMUP
from gradviz.core.sources import DATA_SOURCES
from gradviz.core.space import Window
from gradviz.core.surface import MAX_GRID, loss_surface

PROG = "gradviz"
APP_MODULE = "gradviz.qt.app"
EXPORTER_MODULE = "gradviz.qt.export.exporter"
EXPORT_VIEWS_MODULE = "gradviz.qt.export.views"
_FAN_SIZE = (1600, 800)
BASINS_IMAGE = ".png"
BASINS_OUTPUTS = (BASINS_IMAGE, *BASINS_FORMATS)
_DEFAULT_RUN = RunSettings()
_DEFAULT_PROBLEM = ProblemSpec()
_DATA_MODELS = " and ".join(kinds_with_data())
_DATA_FORMS = (
    f"{', '.join(s.usage for s in DATA_SOURCES if not s.reads_file)} "
    "or a data file (CSV or white-space-separated columns; FILE:x=COL,y=COL picks two "
    "columns by name or number)"
)

T = TypeVar("T")


class CliError(Exception):
    """A bad flag or value, shown as one line that names the flag.

    Parameters
    ----------
    flag : str or None
        The flag at fault (``--lr``); ``None`` when ``message`` names it already.
    message : str
        What is wrong and what is allowed.
    prog : str or None
        The command that failed, when known where the error is raised.
    """

    def __init__(self, flag: str | None, message: str, prog: str | None = None) -> None:
        super().__init__(f"{flag}: {message}" if flag else message)
        self.prog = prog


MAX_MESSAGE = 1000
"""Longest error line printed, whatever it quotes."""


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, without the usage dump, and that
    reads a word such as ``-1e3`` as a negative number rather than a flag."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse's own pattern knows -1 and -.5 but not -1e3 or -2e0; no gradviz
        # flag looks like a number, so every such word is a value.
        self._negative_number_matcher = NEGATIVE_NUMBER

    def _check_value(self, action: argparse.Action, value: object) -> None:
        # argparse would quote the whole value, however long.
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(repr, action.choices))
            message = f"invalid choice: {quote(str(value))} (choose from {choices})"
            raise argparse.ArgumentError(action, message)

    def error(self, message: str) -> NoReturn:
        raise CliError(None, message, prog=self.prog)


def _number_type(parse: Callable[[str], T], name: str) -> Callable[[str], T]:
    """An argparse type reading numbers as everywhere else (:mod:`gradviz.core.parsing`)."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {name} value: {quote(text)}") from None

    return convert


_float = _number_type(parse_float, "float")
_int = _number_type(parse_int, "int")


@contextmanager
def _blame(flag: str, hint: str = "") -> Iterator[None]:
    """Turn a core ``ValueError`` (``HyperParameterError``, ``DataError``, ...) into a
    :class:`CliError` naming ``flag``."""
    try:
        yield
    except ValueError as exc:
        raise CliError(flag, f"{exc}{hint}") from None
    except OSError as exc:  # a name the system refuses (too long, ...) while reading
        raise CliError(flag, str(exc)) from None


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _set(obj: T, name: str, value: object) -> T:
    """``obj`` with field ``name`` replaced; an invalid value blames its flag.

    Fields are set one at a time on an object that is valid so far, so the
    dataclass's own validation tells exactly which flag is wrong.
    """
    with _blame(_flag(name)):
        return replace(obj, **{name: value})  # type: ignore[type-var]


def _set_given(obj: T, args: argparse.Namespace, names: Sequence[str]) -> T:
    for name in names:
        value = getattr(args, name)
        if value is not None:
            obj = _set(obj, name, value)
    return obj


# ----------------------------------------------------------------------------- arguments


def _add_problem_arguments(parser: ArgumentParser) -> None:
    models = tuple(PROBLEM_KINDS)
    parser.add_argument(
        "--model", metavar="NAME", choices=models, default=_DEFAULT_PROBLEM.model,
        help=f"one of {', '.join(models)} (default {_DEFAULT_PROBLEM.model})",
    )
    parser.add_argument(
        "--data", metavar="SPEC_OR_FILE",
        help=f"data set for the {_DATA_MODELS} models: {_DATA_FORMS} "
        "(default: the model's own)",
    )
    # One flag per declared model parameter, so a new model needs no CLI change.
    for name, kinds in parameter_owners().items():
        parser.add_argument(_flag(name), **_parameter_flag(declaration(name)),
                            help=_parameter_help(name, kinds))


def _parameter_flag(hyper: HyperParameter) -> dict[str, Any]:
    """How argparse reads a model parameter: a choice, text or a number."""
    if hyper.is_choice:
        return {"choices": hyper.choices, "metavar": "|".join(hyper.choices)}
    if hyper.is_text:
        return {"metavar": "TEXT"}
    return {"type": _float, "metavar": "X"}


def _parameter_help(name: str, kinds: Sequence[ProblemKind]) -> str:
    """A model parameter's help: each kind's own words, the kinds, and the default
    ("each model's own" where the kinds' defaults differ)."""
    declared = [next(p for p in kind.parameters if p.name == name) for kind in kinds]
    words = "; ".join(dict.fromkeys(p.help for p in declared))
    first = declared[0]
    if len({p.default for p in declared}) > 1:
        default = "each model's own"
    elif first.is_number:
        default = f"{first.default:g}"
    else:
        default = repr(first.default) if first.is_text else str(first.default)
    return f"{words} ({', '.join(kind.name for kind in kinds)}; default {default})"


def _hyperparameters() -> dict[str, tuple[HyperParameter, list[str]]]:
    """Every optimizer hyperparameter by name, with the optimizers that have it."""
    found: dict[str, tuple[HyperParameter, list[str]]] = {}
    for optimizer in OPTIMIZERS.values():
        for hyper in optimizer.hyperparameters:
            found.setdefault(hyper.name, (hyper, []))[1].append(optimizer.name)
    return found


_HYPERPARAMETERS = _hyperparameters()
_LOG_SPACED = " and ".join(name for name, (hyper, _) in _HYPERPARAMETERS.items() if hyper.log)
"""The hyperparameters a fan spreads on a log scale unless told otherwise."""


def _add_settings_arguments(parser: ArgumentParser) -> None:
    """The problem and every setting of a run but its start."""
    _add_problem_arguments(parser)
    parser.add_argument(
        "--optimizer", metavar="NAME", choices=OPTIMIZERS, default=_DEFAULT_RUN.optimizer,
        help=f"one of {', '.join(OPTIMIZERS)} (default {_DEFAULT_RUN.optimizer})",
    )
    # One flag per declared hyperparameter, so a new optimizer needs no CLI change.
    for name, (hyper, owners) in _HYPERPARAMETERS.items():
        kind = {"choices": hyper.choices} if hyper.is_choice else {"type": _float}
        default = "the model's recommended rate" if name == "lr" else "the optimizer's"
        parser.add_argument(
            _flag(name), metavar="|".join(hyper.choices) or "X", **kind,  # type: ignore[arg-type]
            help=f"{hyper.help} ({', '.join(owners)}; default {default})",
        )
    parser.add_argument(
        "--batch-size", metavar="N", type=_int,
        help="points per minibatch, 1..N (default 5 for sgd, momentum and nesterov, "
        "else all points)",
    )
    parser.add_argument(
        "--batching", metavar="|".join(BATCHING_SCHEMES), choices=BATCHING_SCHEMES,
        help=f"how minibatches are drawn (default {_DEFAULT_RUN.batching}; "
        "see gradviz problems)",
    )
    parser.add_argument(
        "--steps", metavar="N", type=_int, help=f"number of updates (default {_DEFAULT_RUN.steps})"
    )
    parser.add_argument(
        "--seed", metavar="N", type=_int,
        help=f"seed of the minibatch sequence (default {_DEFAULT_RUN.seed})",
    )
    parser.add_argument(
        "--schedule", metavar="SPEC",
        help="learning-rate schedule KIND[:key=value,...], e.g. step:every=20,factor=0.5 "
        f"(default {_DEFAULT_RUN.schedule})",
    )


def _add_run_settings_arguments(parser: ArgumentParser) -> None:
    """The problem and the run's settings with its start, as ``gradviz run`` and
    ``gradviz fan`` take them."""
    _add_settings_arguments(parser)
    parser.add_argument(
        "--start", metavar=("PHI0", "PHI1"), type=_float, nargs=2,
        help="start point (default: the model's)",
    )


def _add_run_arguments(parser: ArgumentParser) -> None:
    _add_run_settings_arguments(parser)
    parser.add_argument(
        "--out", metavar="FILE",
        help="write the trajectory: .csv (columns step, epoch, phi0, phi1, loss, batch_loss, "
        "lr, grad0, grad1, batch; row 0 is the start) or .json (the same rows and the "
        "settings that reproduce the run)",
    )
    parser.add_argument(
        "--terms", action="store_true",
        help="with --out: also write the terms of each update that the optimizer reports, "
        "as columns before batch (NaN on row 0): " + "; ".join(
            f"{c.file_name}0, {c.file_name}1 ({', '.join(names)})"
            for c, names in _reporters()) + "; GD, SGD and normalized report none",
    )


def _reporters() -> list[tuple[Column, list[str]]]:
    """Each term column with the optimizers (by short name) that report it."""
    return [(c, [o.short for o in OPTIMIZERS.values() if c.name in o.terms])
            for c in TERM_COLUMNS]


def _add_fan_arguments(parser: ArgumentParser) -> None:
    _add_run_settings_arguments(parser)
    parser.add_argument(
        "--param", metavar="|".join(FAN_PARAMETERS), choices=FAN_PARAMETERS, required=True,
        help="what the fan spreads: a numeric hyperparameter of the optimizer, or the "
        "minibatch seed",
    )
    spread = parser.add_mutually_exclusive_group(required=True)
    spread.add_argument(
        "--range", metavar=("LOW", "HIGH"), type=_float, nargs=2,
        help=f"spread --count values from LOW to HIGH (log-spaced for {_LOG_SPACED}, "
        "else evenly; see --spacing)",
    )
    spread.add_argument("--values", metavar="V", type=_float, nargs="+",
                        help=f"the values themselves, 2 to {MAX_FAN}")
    parser.add_argument(
        "--count", metavar="K", type=_int,
        help=f"members spread over --range, 2..{MAX_FAN} (default {DEFAULT_FAN})",
    )
    parser.add_argument("--spacing", choices=("log", "even"),
                        help=f"how --range is spread: evenly on a log scale or evenly "
                        f"(default: log for {_LOG_SPACED}, else even)")
    parser.add_argument(
        "--out", metavar="FILE",
        help="FILE.csv or FILE.json (every member's steps, as 'gradviz export' writes a "
        "scene's runs, each run named by its value) or FILE.png (the paths in a colour "
        "scale keyed to the value beside the final loss against the value)",
    )
    parser.add_argument(
        "--size", metavar="WxH",
        help=f"the .png's size in pixels (default {_FAN_SIZE[0]}x{_FAN_SIZE[1]})",
    )


def _add_window_argument(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--window", metavar=("PHI0MIN", "PHI0MAX", "PHI1MIN", "PHI1MAX"), type=_float, nargs=4,
        help="the rectangle of parameters (default: the model's view)",
    )


def _add_surface_arguments(parser: ArgumentParser) -> None:
    _add_problem_arguments(parser)
    parser.add_argument(
        "--grid", metavar="N", type=_int, required=True,
        help=f"points per side, 2..{MAX_GRID}",
    )
    _add_window_argument(parser)
    parser.add_argument(
        "--out", metavar="FILE", required=True,
        help="FILE.npy (a numpy array) or FILE.csv (the comma-separated matrix after "
        "'#' comment lines giving the axes; numpy.loadtxt(FILE, delimiter=',') reads it); "
        "row i is phi1[i], column j is phi0[j], both from min to max",
    )


def _add_no_arguments(parser: ArgumentParser) -> None:
    """Commands without options."""


# ----------------------------------------------------------------------------- commands


def _problem(args: argparse.Namespace) -> tuple[ProblemSpec, Problem]:
    spec = ProblemSpec(args.model)
    for name, kinds in parameter_owners().items():
        value = getattr(args, name)
        if value is None:
            continue
        if args.model not in (kind.name for kind in kinds):
            owners = " and the ".join(k.title for k in kinds)
            raise CliError(_flag(name), f"model {args.model!r} has no {name} "
                           f"(only the {owners} {'has' if len(kinds) == 1 else 'have'} one)")
        spec = _set(spec, name, value)
    spec = _set_given(spec, args, ("data",))
    with _blame("--data", f" (--data takes {_DATA_FORMS})"):
        problem = spec.build()
    return spec, problem


def _settings(args: argparse.Namespace, problem: Problem) -> RunSettings:
    """The run's settings from the flags of :func:`_add_settings_arguments` and
    ``--start``, resolved against ``problem``."""
    names = ("schedule", "batching", "batch_size", "seed", "steps", "start")
    settings = _set_given(RunSettings(optimizer=args.optimizer), args, names)
    for name in _HYPERPARAMETERS:
        value = getattr(args, name)
        if value is not None:
            # The optimizer refuses a hyperparameter it lacks, listing those it has.
            with _blame(_flag(name)):
                settings = replace(
                    settings, hyperparameters={**settings.hyperparameters, name: value}
                )
    with _blame("--batch-size"):  # the only setting that depends on the problem
        return settings.resolve(problem)


def _check_out(path: str | None, formats: Sequence[str]) -> None:
    if path is not None:
        with _blame("--out"):
            check_suffix(path, formats)


W = TypeVar("W")


def _write(write: Callable[..., W], path: str, *what: object) -> W:
    try:
        return write(path, *what)
    except OSError as exc:  # a WriteError of the core names the file and the cause
        raise CliError("--out", str(exc)) from None


class Progress:
    """A progress line on a terminal: shown once the work has lasted ``delay``
    seconds, redrawn at most ten times a second, and erased by :meth:`clear`.

    Nothing is written unless ``stream`` is a terminal, so logs and pipes get none.
    """

    def __init__(self, what: str, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty()
        self.shown = False
        self._next = time.monotonic() + delay

    def __call__(self, done: int, total: int) -> bool:
        """Show ``done`` of ``total``; always True (the exporter's "go on")."""
        self._show(f"{done} of {total}")
        return True

    def fraction(self, done: float) -> None:
        """Show ``done``, a fraction of the work, as a percentage."""
        self._show(f"{int(100 * done)} %")

    def _show(self, text: str) -> None:
        if self.enabled and time.monotonic() >= self._next:
            self.stream.write(f"\r{self.what} {text}\x1b[K")
            self.stream.flush()
            self.shown = True
            self._next = time.monotonic() + 0.1

    def clear(self) -> None:
        """Erase the line, so that what follows (a summary, an error) starts clean."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


@contextmanager
def _progress(what: str) -> Iterator[Progress]:
    progress = Progress(what)
    try:
        yield progress
    finally:
        progress.clear()


def run_command(args: argparse.Namespace) -> int:
    """``gradviz run``: one headless run, summarised and optionally written.

    The steps are streamed to the file as they are computed, so memory does not
    grow with their number. The file is replaced only when complete: after an
    error or Ctrl+C nothing is written and an existing file is left as it was.
    """
    _check_out(args.out, TRAJECTORY_FORMATS)
    if args.terms and args.out is None:
        raise CliError("--terms", "goes with --out: the terms are columns of the file")
    spec, problem = _problem(args)
    settings = _settings(args, problem)
    try:
        with _progress("step") as progress:
            steps = reported(iterate(problem, settings, terms=args.terms), progress,
                             settings.steps)
            if args.out is None:
                tally = RunTally()
                for _ in tally.kept(steps):
                    pass
            else:
                tally = _write(write_run, args.out, spec, settings, steps)
    except KeyboardInterrupt:
        if args.out is None:
            raise
        raise KeyboardInterrupt(f"nothing was written to {args.out}") from None
    print(tally.summary())
    if args.out is not None:
        print(f"wrote {tally.rows} rows to {args.out}")
    return 0


def _fan(args: argparse.Namespace) -> Fan:
    """The fan the flags ask for; a flag the fan would override is refused."""
    param = args.param
    if getattr(args, param, None) is not None:
        raise CliError(_flag(param), f"is what the fan spreads (--param {param}); give its "
                       "values with --range or --values")
    if args.values is not None:
        for flag, value in (("--count", args.count), ("--spacing", args.spacing)):
            if value is not None:
                raise CliError(flag, "goes with --range, not --values")
        with _blame("--values"):
            return Fan(param, tuple(args.values))
    count = DEFAULT_FAN if args.count is None else args.count
    with _blame("--count"):
        check_count(count)
    log = None if args.spacing is None else args.spacing == "log"
    with _blame("--range"):
        return Fan.spread(param, *args.range, count, log)


def fan_command(args: argparse.Namespace) -> int:
    """``gradviz fan``: one run's setup at K values of one parameter, run at once;
    a table of each value's final loss, optionally the runs or their picture."""
    picture = False
    if args.out is not None:
        with _blame("--out"):
            picture = check_suffix(args.out, (*RUNS_FORMATS, ".png")) == ".png"
            check_folder(args.out)
    if args.size is not None and not picture:
        raise CliError("--size", "goes with a .png --out")
    size = _FAN_SIZE if args.size is None else _parse_size(args.size)
    if picture:
        exporter = importlib.import_module(EXPORTER_MODULE)
        with _blame("--size"):
            exporter.check_size(size, ".png")
    spec, problem = _problem(args)
    fan = _fan(args)
    settings = _settings(args, problem)
    if settings.steps > MAX_FAN_STEPS:
        raise CliError("--steps", f"a fan's members take at most {MAX_FAN_STEPS} updates; "
                       f"got {settings.steps}")
    with _blame("--param"):
        check_fan_run(problem, settings, fan)
    try:
        with _progress("update") as progress:
            result = run_fan(problem, settings, fan, progress)
    except KeyboardInterrupt:
        if args.out is None:
            raise
        raise KeyboardInterrupt(f"nothing was written to {args.out}") from None
    print(result.table())
    if args.out is None:
        return 0
    runs = RunSet(spec, fan_named_runs(result, OPTIMIZERS[settings.optimizer].short))
    if picture:
        _use_offscreen_without_display()
        app = importlib.import_module(APP_MODULE)
        details = _write(app.export_fan, args.out, problem, runs, result.fan, size)
    else:
        details = _write(write_runs, args.out, runs)
    print(f"wrote {args.out} ({details})")
    return 0


def _window(args: argparse.Namespace, problem: Problem) -> Window:
    if args.window is None:
        return problem.window
    with _blame("--window"):
        return Window(*args.window).check_drawable()


def surface_command(args: argparse.Namespace) -> int:
    """``gradviz surface``: the loss over a grid of parameters, written to a file."""
    _check_out(args.out, SURFACE_FORMATS)
    _, problem = _problem(args)
    window = _window(args, problem)
    with _blame("--grid"):
        surface = loss_surface(problem, window, args.grid)
    _write(write_surface, args.out, surface)
    rows, cols = surface.shape
    print(
        f"wrote a {rows} x {cols} loss grid to {args.out} (rows: phi1 from {window.phi1_min:g} "
        f"to {window.phi1_max:g}; columns: phi0 from {window.phi0_min:g} to {window.phi0_max:g})"
    )
    return 0


def _add_basins_arguments(parser: ArgumentParser) -> None:
    _add_settings_arguments(parser)
    parser.set_defaults(start=None)  # every cell is a start: no --start
    parser.add_argument(
        "--grid", metavar="N", type=_int, default=BASINS_GRID,
        help=f"cells per side, 2..{BASINS_MAX_GRID} (default {BASINS_GRID}); a run starts "
        "at the centre of each",
    )
    _add_window_argument(parser)
    parser.add_argument(
        "--out", metavar="FILE", required=True,
        help="FILE.png (the basins over the loss heatmap, the minima marked, with a legend), "
        "FILE.npy (the labels as int64: row i over phi1, column j over phi0, both from min "
        "to max; 0, 1, ... a minimum, lowest loss first, -1 not converged, -2 diverged) or "
        "FILE.csv (one row per cell: phi0, phi1, label, end_phi0, end_phi1, end_loss, after "
        "'#' lines naming the minima; numpy.genfromtxt(FILE, delimiter=',', names=True) "
        "reads it)",
    )


def basins_command(args: argparse.Namespace) -> int:
    """``gradviz basins``: a run from every cell of a grid, each cell classed by where
    its run ended (:mod:`gradviz.core.basins`), written as a picture or numbers.

    Every value is checked before the runs start; the file is written only once
    they are done, so Ctrl+C leaves an existing file as it was.
    """
    with _blame("--out"):
        suffix = check_suffix(args.out, BASINS_OUTPUTS)
        check_folder(args.out)  # found now, not after the runs
    _, problem = _problem(args)
    settings = _settings(args, problem)
    window = _window(args, problem)
    with _blame("--grid"):
        grid_sides(args.grid)
    if settings.steps < 1:
        raise CliError("--steps", f"basins need at least 1 update per run, got {settings.steps}")
    if suffix == BASINS_IMAGE:
        app = importlib.import_module(APP_MODULE)  # Qt, only for a picture
        _use_offscreen_without_display()
    try:
        with _progress("computing the basins…") as progress:
            basins = compute_basins(problem, settings, window, args.grid,
                                    progress=progress.fraction)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"nothing was written to {args.out}") from None
    assert basins is not None  # nothing asks it to stop
    if suffix == BASINS_IMAGE:
        details = _write(app.export_basins, args.out, basins, problem)
    else:
        _write(write_basins, args.out, basins)
        rows, columns = basins.labels.shape
        details = f"{columns} x {rows} cells"
    print("\n".join(basins.legend()))
    print(f"wrote {args.out} ({details})")
    return 0


def _section(title: str, entries: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """A heading, then each name with its first line beside it and the rest below."""
    width = max(len(name) for name, _ in entries) + 2
    lines = [title]
    for name, text in entries:
        lines.append(f"  {name:<{width}}{text[0]}".rstrip())
        lines += [" " * (width + 2) + line for line in text[1:]]
    return lines + [""]


def _model_entry(kind: ProblemKind) -> tuple[str, list[str]]:
    problem = ProblemSpec(kind.name).build()
    w = problem.window
    rates = ", ".join(f"{k} {v:g}" for k, v in problem.recommended_lr.items())
    data = "no data (analytic)" if problem.data is None else f"data {problem.data.name}"
    capabilities = kind.capabilities.describe()
    return kind.name, [
        kind.description,
        f"{data}; start ({problem.start[0]:g}, {problem.start[1]:g}); "
        f"view phi0 [{w.phi0_min:g}, {w.phi0_max:g}], phi1 [{w.phi1_min:g}, {w.phi1_max:g}]",
        f"recommended lr: {rates}",
        *(p.describe() for p in kind.parameters),
        *([f"has: {capabilities}"] if capabilities else []),
    ]


def problems_command(args: argparse.Namespace) -> int:
    """``gradviz problems``: every model, data set, optimizer, batching and schedule."""
    datasets = [
        (source.usage, [source.description] + [p.describe() for p in source.parameters])
        for source in DATA_SOURCES
    ]
    optimizers = [
        (name, [f"{cls.title}: {cls.rule}"] + [h.describe() for h in cls.hyperparameters])
        for name, cls in OPTIMIZERS.items()
    ]
    schedules = [
        (name, [formula] + [h.describe() for h in params])
        for name, (formula, params) in SCHEDULES.items()
    ]
    schedules.append(("(every kind)", [WARMUP.describe()]))
    lines = (
        _section("Models (--model):", [_model_entry(k) for k in PROBLEM_KINDS.values()])
        + _section(f"Data sets (--data, for the {_DATA_MODELS} models):", datasets)
        + _section("Optimizers (--optimizer; each hyperparameter is a flag, e.g. --lr; "
                   "lr defaults to the model's recommended rate):", optimizers)
        + _section("Batching schemes (--batching):",
                   [(name, [text]) for name, text in BATCHING_SCHEMES.items()])
        + _section("Schedules (--schedule KIND:key=value,...):", schedules)
    )
    print("\n".join(lines).rstrip())
    return 0


def _add_export_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        # Its own dest: the top-level --scene (open the app on a scene) is "scene".
        "--scene", dest="export_scene", metavar="NAME_OR_NUMBER_OR_FILE", required=True,
        help=f"a number or name from '{PROG} scenes', or a .toml file",
    )
    parser.add_argument(
        "--out", metavar="FILE", required=True,
        help="FILE.png or FILE.svg (the landscape with its paths, legend, title and caption), "
        "FILE.gif or FILE.mp4 (an animation of the runs; .mp4 needs ffmpeg on the PATH "
        "or pip install \"gradviz[mp4]\"), "
        "FILE.csv (columns run, step, epoch, phi0, phi1, loss, ...; one row per run and "
        "update) or FILE.json (the same rows and every setting that reproduces them)",
    )
    parser.add_argument(
        "--size", metavar="WxH",
        help="picture or animation size in pixels, up to 7680x4320 (1280x720 for .gif); "
        "default 3840x2160 for .png, 1280x720 for .svg, 800x450 for .gif, 1920x1080 for .mp4",
    )
    parser.add_argument(
        "--frames", metavar="N", type=_int,
        help="the frames of a .gif or .mp4, evenly spaced from the first update to the last "
        "(default 120; fewer if the runs have fewer updates)",
    )
    parser.add_argument(
        "--steps", metavar="N", type=_int, help="run each run for N updates (default: the scene's)"
    )
    parser.add_argument(
        "--view", metavar="NAME", default="landscape",
        help="what a picture or animation shows: landscape (the heatmap, default) or 3d "
        "(the loss surface in 3D with the paths on it; needs OpenGL, so an X server: "
        "xvfb-run -a gradviz export ... on a machine without a display)",
    )


def _parse_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    try:
        if not (sep and width.isdigit() and height.isdigit()):
            raise ValueError(text)
        return parse_int(width), parse_int(height)
    except ValueError:
        raise CliError("--size", "expected WIDTHxHEIGHT in pixels, such as 3840x2160, "
                       f"not {quote(text)}") from None


def _with_steps(scene: Scene, steps: int) -> Scene:
    runs = tuple(replace(run, settings=_set(run.settings, "steps", steps)) for run in scene.runs)
    fans = tuple(replace(fan, settings=_set(fan.settings, "steps", steps)) for fan in scene.fans)
    return replace(scene, runs=runs, fans=fans)


def _use_offscreen_without_display() -> None:
    # Without a display Qt's default platform aborts at start-up; the offscreen
    # one needs none. Windows and macOS always have their own.
    names = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    if sys.platform not in ("win32", "darwin") and not any(os.environ.get(n) for n in names):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def export_command(args: argparse.Namespace) -> int:
    """``gradviz export``: a scene's landscape, animation or runs, written headless."""
    size = None if args.size is None else _parse_size(args.size)
    scene = _scene(args.export_scene)
    assert scene is not None  # --scene is required
    if args.steps is not None:
        if not 1 <= args.steps <= SCENE_MAX_STEPS:
            raise CliError("--steps", f"must be 1 to {SCENE_MAX_STEPS}, got {args.steps}")
        scene = _with_steps(scene, args.steps)
    with _blame("--out"):
        check_target(args.out)  # the exporter's own checks take x.gif/ for x.gif
    if Path(args.out).suffix.lower() in RUNS_FORMATS:
        for flag, given in (("--view", args.view != "landscape"),
                            ("--frames", args.frames is not None)):
            if given:
                raise CliError(flag, f"the runs' numbers ({Path(args.out).suffix}) have no "
                               f"{flag[2:]}")
        return _export_runs(args.out, scene, size)
    # Qt is imported only now, and every value is checked before a Qt object exists.
    exporter = importlib.import_module(EXPORTER_MODULE)
    views = importlib.import_module(EXPORT_VIEWS_MODULE)
    if args.view not in views.EXPORT_VIEWS:
        raise CliError("--view", f"unknown view {quote(args.view)}; choose from "
                       f"{', '.join(views.EXPORT_VIEWS)}")
    with _blame("--out"):
        suffix = exporter.check_output(args.out)
    if size is not None:
        with _blame("--size"):
            exporter.check_size(size, suffix)
    if args.frames is not None:
        if suffix not in exporter.ANIMATION_FORMATS:
            raise CliError("--frames", f"goes with a {' or '.join(exporter.ANIMATION_FORMATS)} "
                           "--out")
        with _blame("--frames"):
            exporter.check_frames(args.frames)
    _use_offscreen_without_display()
    try:
        with _progress("frame") as progress:
            details = importlib.import_module(APP_MODULE).export_scene(
                scene, args.out, size, args.frames,
                progress=progress if suffix in exporter.ANIMATION_FORMATS else None,
                view=args.view,
            )
    except views.ViewUnavailable as exc:  # before ValueError: it is one
        raise CliError("--view", str(exc)) from None
    except OSError as exc:  # the exporter's own errors say what failed; the system's need it
        reason = str(exc) if exc.strerror is None else f"cannot write {args.out}: {exc.strerror}"
        raise CliError("--out", reason) from None
    except ValueError as exc:  # the scene's problem or runs do not build
        raise CliError("--scene", str(exc)) from None
    print(f"wrote {args.out} ({details})")
    return 0


def _export_runs(out: str, scene: Scene, size: tuple[int, int] | None) -> int:
    """The numbers of ``gradviz export``: the scene's runs computed and written by the
    core, as the app writes them once it has computed them, without Qt."""
    with _blame("--out"):
        suffix = check_runs_path(out)
    with _blame("--size"):
        check_no_size(suffix, size)
    try:
        with _progress("update") as progress:
            runs = scene_runs(scene, progress)
    except (ValueError, OSError) as exc:  # the scene's problem or runs do not build
        raise CliError("--scene", f"Could not open the scene '{scene.name}': {exc}") from None
    print(f"wrote {out} ({_write(write_runs, out, runs)})")
    return 0


def scenes_command(args: argparse.Namespace) -> int:
    """``gradviz scenes``: the lecture's scenes, one a line: number, name, title."""
    scenes = builtin_scenes()
    width = max(len(scene.name) for scene in scenes)
    for scene in scenes:
        print(f"{scene.number:>2}  {scene.name:<{width}}  {scene.title}")
    return 0


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one line of help, its arguments and its function."""

    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    execute: Callable[[argparse.Namespace], int]


COMMANDS: tuple[Command, ...] = (
    Command("run", "run an optimizer headless; print a summary, optionally write the path",
            _add_run_arguments, run_command),
    Command("fan", "run one setup at K values of a hyperparameter (or seed) at once; print "
            "each value's final loss, optionally write the runs (.csv, .json) or a .png",
            _add_fan_arguments, fan_command),
    Command("surface", "write the loss over a grid of parameters (.npy or .csv)",
            _add_surface_arguments, surface_command),
    Command("basins", "run from every cell of a grid over the view and colour each cell by "
            "the minimum its run reached, diverged or not converged (.png, .npy or .csv)",
            _add_basins_arguments, basins_command),
    Command("problems", "list models, data sets, optimizers, batching schemes and schedules",
            _add_no_arguments, problems_command),
    Command("export", "write a scene's landscape (.png, .svg), animation (.gif, .mp4) or runs "
            "(.csv, .json), headless", _add_export_arguments, export_command),
    Command("scenes", "list the lecture's scenes: number, name, title (open one with --scene)",
            _add_no_arguments, scenes_command),
)


def build_parser() -> ArgumentParser:
    """The parser of the ``gradviz`` command and its subcommands."""
    parser = ArgumentParser(
        prog=PROG,
        description="Watch optimizers fit models. Without a command, open the desktop app.",
        epilog=f"'{PROG} COMMAND --help' shows a command's options.",
        allow_abbrev=False,  # so that a later flag cannot change what an abbreviation means
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--scene", metavar="NAME_OR_NUMBER_OR_FILE",
        help=f"open the app on a scene: a number or name from '{PROG} scenes', or a .toml file",
    )
    parser.add_argument("--play", action="store_true", help="open the app playing")
    parser.set_defaults(command=None)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name, help=command.help, description=command.help, allow_abbrev=False
        )
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return parser


def _no_display() -> bool:
    """Whether Qt would abort for want of a display (Linux and BSD without X or Wayland)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return False
    return not any(os.environ.get(name) for name in
                   ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def open_app(argv: Sequence[str], scene: Scene | None = None, play: bool = False) -> int:
    """Start the desktop app with the command's arguments ``argv`` (none yet), showing
    ``scene`` and playing if ``play``.

    This is the only place the CLI reaches for Qt.
    """
    if _no_display():
        print(f"{PROG}: error: no display to open the app on (DISPLAY and WAYLAND_DISPLAY are "
              "unset); use the headless commands (run, surface, export) or set "
              "QT_QPA_PLATFORM=offscreen", file=sys.stderr)
        return 2
    # Before Qt loads: a missing system library would make Qt abort (or QtGui's
    # import fail) with a hint that can name the wrong one.
    from gradviz.qt import platform_check  # the standard library only

    try:
        platform_check.check_xcb()
    except platform_check.MissingLibraries as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    try:
        app = importlib.import_module(APP_MODULE)
    except ImportError as exc:
        if exc.name not in (APP_MODULE, APP_MODULE.rpartition(".")[0]):
            raise  # a broken app or a missing dependency must show itself
        print(f"{PROG}: error: the desktop app is not available ({APP_MODULE} is missing)",
              file=sys.stderr)
        return 1
    # Only what was asked for is passed on, so a plain start calls main(argv) as always.
    options = {key: value for key, value in (("scene", scene), ("play", play)) if value}
    return int(app.main([PROG, *argv], **options))  # Qt takes argv as sys.argv, program first


def _scene(key: str | None) -> Scene | None:
    """The scene ``--scene`` names, found before Qt loads, so a bad one is one line."""
    if key is None:
        return None
    try:
        return find_scene(key)
    except SceneError as exc:
        raise CliError("--scene", str(exc)) from None


class _Terminated(KeyboardInterrupt):
    """SIGTERM, unwound like Ctrl+C so that no partial file is left behind."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM (``kill``, a closing terminal session) stops it
    as Ctrl+C does: files being written are dropped, the old ones kept."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gradviz`` command with ``argv`` (default ``sys.argv[1:]``); return the
    exit status: 0 on success, 2 for a bad flag or value."""
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = PROG
    try:
        args = build_parser().parse_args(argv)
        command: Command | None = args.command
        if command is None:
            # The options are the CLI's own, so Qt gets none of them.
            return open_app([], scene=_scene(args.scene), play=args.play)
        if args.scene is not None or args.play:
            raise CliError(None, "--scene and --play open the app; give them without a command")
        prog = f"{PROG} {command.name}"
        with _terminate_as_interrupt():
            return command.execute(args)
    except CliError as exc:
        print(f"{exc.prog or prog}: error: {excerpt(str(exc), MAX_MESSAGE)}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        # A last guard: what the user gave should have been checked above, with
        # the flag named; a traceback would help no one running a command.
        print(f"{prog}: error: {excerpt(str(exc), MAX_MESSAGE)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        detail = f": {exc}" if str(exc) else ""
        terminated = isinstance(exc.__context__, _Terminated) or isinstance(exc, _Terminated)
        print(f"{prog}: {'terminated' if terminated else 'interrupted'}{detail}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
