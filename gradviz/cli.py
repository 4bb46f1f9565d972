"""The ``gradviz`` command: the desktop app, and headless commands for scripts.

``gradviz`` alone opens the desktop app, imported lazily so that the headless
commands never load Qt. Each subcommand is one function, listed with its
arguments in :data:`COMMANDS`. A bad flag or value exits with status 2 and one
line on stderr naming the flag and what it allows.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import NoReturn, TypeVar

import numpy as np

from gradviz import __version__
from gradviz.core.batching import BATCHING_SCHEMES
from gradviz.core.data import BUILTIN_DATASETS, SyntheticSpec
from gradviz.core.export import (
    SURFACE_FORMATS,
    TRAJECTORY_FORMATS,
    check_suffix,
    write_surface,
    write_trajectory,
)
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.models import GaborModel
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import MODELS, Problem, ProblemSpec, describe_models, has_data
from gradviz.core.run import RunSettings, Trajectory, iterate
from gradviz.core.schedules import SCHEDULES, WARMUP
from gradviz.core.space import Window
from gradviz.core.surface import MAX_GRID, loss_surface

PROG = "gradviz"
APP_MODULE = "gradviz.qt.app"
_DEFAULT_RUN = RunSettings()
_DEFAULT_PROBLEM = ProblemSpec()
_DATA_MODELS = " and ".join(filter(has_data, MODELS))
_DATA_FORMS = (
    f"{', '.join(BUILTIN_DATASETS)}, {SyntheticSpec().describe()} or a CSV file of two columns x, y"
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


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, without the usage dump."""

    def error(self, message: str) -> NoReturn:
        raise CliError(None, message, prog=self.prog)


@contextmanager
def _blame(flag: str, hint: str = "") -> Iterator[None]:
    """Turn a core ``ValueError`` (``HyperParameterError``, ``DataError``, ...) into a
    :class:`CliError` naming ``flag``."""
    try:
        yield
    except ValueError as exc:
        raise CliError(flag, f"{exc}{hint}") from None


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
    parser.add_argument(
        "--model", metavar="NAME", choices=MODELS, default=_DEFAULT_PROBLEM.model,
        help=f"one of {', '.join(MODELS)} (default {_DEFAULT_PROBLEM.model})",
    )
    parser.add_argument(
        "--data", metavar="NAME_OR_CSV_PATH",
        help=f"data set for the {_DATA_MODELS} models: {_DATA_FORMS} "
        "(default: the model's own)",
    )
    parser.add_argument(
        "--envelope", metavar="X", type=float,
        help=f"the Gabor model's envelope divisor (default {_DEFAULT_PROBLEM.envelope:g}; "
        "the slides print 8)",
    )


def _hyperparameters() -> dict[str, tuple[HyperParameter, list[str]]]:
    """Every optimizer hyperparameter by name, with the optimizers that have it."""
    found: dict[str, tuple[HyperParameter, list[str]]] = {}
    for optimizer in OPTIMIZERS.values():
        for hyper in optimizer.hyperparameters:
            found.setdefault(hyper.name, (hyper, []))[1].append(optimizer.name)
    return found


_HYPERPARAMETERS = _hyperparameters()


def _add_run_arguments(parser: ArgumentParser) -> None:
    _add_problem_arguments(parser)
    parser.add_argument(
        "--optimizer", metavar="NAME", choices=OPTIMIZERS, default=_DEFAULT_RUN.optimizer,
        help=f"one of {', '.join(OPTIMIZERS)} (default {_DEFAULT_RUN.optimizer})",
    )
    # One flag per declared hyperparameter, so a new optimizer needs no CLI change.
    for name, (hyper, owners) in _HYPERPARAMETERS.items():
        kind = {"choices": hyper.choices} if hyper.is_choice else {"type": float}
        default = "the model's recommended rate" if name == "lr" else "the optimizer's"
        parser.add_argument(
            _flag(name), metavar="|".join(hyper.choices) or "X", **kind,  # type: ignore[arg-type]
            help=f"{hyper.help} ({', '.join(owners)}; default {default})",
        )
    parser.add_argument(
        "--batch-size", metavar="N", type=int,
        help="points per minibatch, 1..N (default 5 for sgd, momentum and nesterov, "
        "else all points)",
    )
    parser.add_argument(
        "--batching", metavar="|".join(BATCHING_SCHEMES), choices=BATCHING_SCHEMES,
        help=f"how minibatches are drawn (default {_DEFAULT_RUN.batching}; "
        "see gradviz problems)",
    )
    parser.add_argument(
        "--steps", metavar="N", type=int, help=f"number of updates (default {_DEFAULT_RUN.steps})"
    )
    parser.add_argument(
        "--start", metavar=("PHI0", "PHI1"), type=float, nargs=2,
        help="start point (default: the model's)",
    )
    parser.add_argument(
        "--seed", metavar="N", type=int,
        help=f"seed of the minibatch sequence (default {_DEFAULT_RUN.seed})",
    )
    parser.add_argument(
        "--schedule", metavar="SPEC",
        help="learning-rate schedule KIND[:key=value,...], e.g. step:every=20,factor=0.5 "
        f"(default {_DEFAULT_RUN.schedule})",
    )
    parser.add_argument(
        "--out", metavar="FILE",
        help="write the trajectory: .csv (columns step, epoch, phi0, phi1, loss, batch_loss, "
        "lr, grad0, grad1, batch; row 0 is the start) or .json (the same rows and the "
        "settings that reproduce the run)",
    )


def _add_surface_arguments(parser: ArgumentParser) -> None:
    _add_problem_arguments(parser)
    parser.add_argument(
        "--grid", metavar="N", type=int, required=True,
        help=f"points per side, 2..{MAX_GRID}",
    )
    parser.add_argument(
        "--window", metavar=("PHI0MIN", "PHI0MAX", "PHI1MIN", "PHI1MAX"), type=float, nargs=4,
        help="the rectangle of parameters (default: the model's view)",
    )
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
    spec = _set_given(ProblemSpec(args.model), args, ("envelope", "data"))
    with _blame("--data", f" (--data takes {_DATA_FORMS})"):
        problem = spec.build()
    if args.envelope is not None and not isinstance(getattr(problem, "model", None), GaborModel):
        raise CliError(
            "--envelope", f"model {args.model!r} has no envelope (only the Gabor model has one)"
        )
    return spec, problem


def _settings(args: argparse.Namespace, problem: Problem) -> RunSettings:
    settings = _set_given(
        RunSettings(optimizer=args.optimizer),
        args,
        ("schedule", "batching", "batch_size", "seed", "start", "steps"),
    )
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


def _write(write: Callable[..., None], path: str, *what: object) -> None:
    try:
        write(path, *what)
    except OSError as exc:
        raise CliError("--out", f"cannot write {path}: {exc.strerror or exc}") from None


def run_command(args: argparse.Namespace) -> int:
    """``gradviz run``: one headless run, summarised and optionally written."""
    _check_out(args.out, TRAJECTORY_FORMATS)
    spec, problem = _problem(args)
    settings = _settings(args, problem)
    trajectory = Trajectory.from_steps(settings, iterate(problem, settings))
    if args.out is not None:
        _write(write_trajectory, args.out, spec, trajectory)
    print(trajectory.summary())
    if args.out is not None:
        print(f"wrote {trajectory.update.size} rows to {args.out}")
    return 0


def surface_command(args: argparse.Namespace) -> int:
    """``gradviz surface``: the loss over a grid of parameters, written to a file."""
    _check_out(args.out, SURFACE_FORMATS)
    _, problem = _problem(args)
    window = problem.window
    if args.window is not None:
        with _blame("--window"):
            window = Window(*args.window)
    with _blame("--grid"):
        surface = loss_surface(problem, window, args.grid)
    _write(write_surface, args.out, surface)
    rows, cols = surface.shape
    print(
        f"wrote a {rows} x {cols} loss grid to {args.out} (rows: phi1 from {window.phi1_min:g} "
        f"to {window.phi1_max:g}; columns: phi0 from {window.phi0_min:g} to {window.phi0_max:g})"
    )
    return 0


def _section(title: str, entries: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """A heading, then each name with its first line beside it and the rest below."""
    width = max(len(name) for name, _ in entries) + 2
    lines = [title]
    for name, text in entries:
        lines.append(f"  {name:<{width}}{text[0]}".rstrip())
        lines += [" " * (width + 2) + line for line in text[1:]]
    return lines + [""]


def _model_entry(name: str, description: str) -> tuple[str, list[str]]:
    problem = ProblemSpec(name).build()
    w = problem.window
    rates = ", ".join(f"{k} {v:g}" for k, v in problem.recommended_lr.items())
    data = "no data (analytic)" if problem.data is None else f"data {problem.data.name}"
    return name, [
        description,
        f"{data}; start ({problem.start[0]:g}, {problem.start[1]:g}); "
        f"view phi0 [{w.phi0_min:g}, {w.phi0_max:g}], phi1 [{w.phi1_min:g}, {w.phi1_max:g}]",
        f"recommended lr: {rates}",
    ]


def problems_command(args: argparse.Namespace) -> int:
    """``gradviz problems``: every model, data set, optimizer, batching and schedule."""
    datasets = [(name, [text]) for name, text in BUILTIN_DATASETS.items()]
    datasets += [
        (SyntheticSpec().describe(),
         ["points drawn from the model plus Gaussian noise; also phi0=, phi1=, xmin=, xmax="]),
        ("PATH.csv", ["two numeric columns x, y; a header line and # comments are allowed"]),
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
        _section("Models (--model):", [_model_entry(n, d) for n, d in describe_models().items()])
        + _section(f"Data sets (--data, for the {_DATA_MODELS} models):", datasets)
        + _section("Optimizers (--optimizer; each hyperparameter is a flag, e.g. --lr; "
                   "lr defaults to the model's recommended rate):", optimizers)
        + _section("Batching schemes (--batching):",
                   [(name, [text]) for name, text in BATCHING_SCHEMES.items()])
        + _section("Schedules (--schedule KIND:key=value,...):", schedules)
    )
    print("\n".join(lines).rstrip())
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
    Command("surface", "write the loss over a grid of parameters (.npy or .csv)",
            _add_surface_arguments, surface_command),
    Command("problems", "list models, data sets, optimizers, batching schemes and schedules",
            _add_no_arguments, problems_command),
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
    parser.set_defaults(command=None)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name, help=command.help, description=command.help, allow_abbrev=False
        )
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return parser


def open_app(argv: Sequence[str]) -> int:
    """Start the desktop app with the command's arguments ``argv`` (none yet).

    This is the only place the CLI reaches for Qt.
    """
    try:
        app = importlib.import_module(APP_MODULE)
    except ImportError as exc:
        if exc.name not in (APP_MODULE, APP_MODULE.rpartition(".")[0]):
            raise  # a broken app or a missing dependency must show itself
        print(f"{PROG}: error: the desktop app is not available ({APP_MODULE} is missing)",
              file=sys.stderr)
        return 1
    return int(app.main([PROG, *argv]))  # Qt takes argv as sys.argv, program name first


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gradviz`` command with ``argv`` (default ``sys.argv[1:]``); return the
    exit status: 0 on success, 2 for a bad flag or value."""
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = PROG
    try:
        args = build_parser().parse_args(argv)
        command: Command | None = args.command
        if command is None:
            return open_app(argv)
        prog = f"{PROG} {command.name}"
        return command.execute(args)
    except CliError as exc:
        print(f"{exc.prog or prog}: error: {exc}", file=sys.stderr)
        return 2
