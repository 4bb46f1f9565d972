"""Scenes: a problem, a view and a few runs with a title and a caption, as a TOML file.

A scene file is data, read with :mod:`tomllib` and checked key by key; nothing
in it is ever executed or imported. The layout::

    title = "Gradient descent on linear regression"
    caption = "One line shown under the title."

    [problem]
    model = "linear"            # one of MODELS
    data = "udl-linear"         # optional: a built-in set, "synthetic:...", or a data
                                # file in the scene file's own folder ("points.csv",
                                # "runs/points.txt:x=time,y=speed" for two of its columns)
    # data_points = [[0.1, 0.9], [0.5, 1.2]]   # or, instead of data, the points themselves
                                # (2 to MAX_EMBEDDED_POINTS of them)
    envelope = 32.0             # optional: the model's own parameters by name
                                # (the Gabor model's envelope; see gradviz problems)

    [view]                      # optional, and so is each key
    window = [0.0, 2.0, -1.0, 1.0]   # phi0 min, max, phi1 min, max
    colormap = "udl"
    log_scale = false
    log_loss = false            # the loss curves on a log axis
    grid = 256                  # surface points per side
    speed = 20                  # updates per second; 0 = as fast as possible
    show_batches = false        # the panel listing epoch, update and batch
    show_basins = false         # the basins of attraction of the selected run's settings
    overlays = ["field"]        # the app's explanation overlays by name (gradviz scenes --help)
    theme = "light"             # one of THEMES; without it the theme in use stays
    seed_spread = {seeds = 100} # the runs' final losses over seeds 0-99 (minibatch runs)

    [[runs]]                    # 1 to 8 of them
    name = "GD"                 # optional legend name
    optimizer = "gd"
    lr = 0.02                   # hyperparameters by their declared names
    start = [1.6, -0.5]
    steps = 60
    # also: batch_size, batching, seed, schedule

    [[fans]]                    # optional, up to MAX_FANS: a run's setup at K values
    name = "GD"                 # optional: the members are "GD α=0.01", ...
    optimizer = "gd"            # and every key of a run, as above
    param = "lr"                # a numeric hyperparameter of the optimizer, or "seed"
    range = [0.005, 0.08]       # with count (default 5; log-spaced for lr), or
    count = 7                   # values = [0.01, 0.02, 0.04]
    log = true                  # optional: the spacing of a range

The built-in scenes live in ``resources/scenes`` as ``NN-name.toml``, one for
each demo of the lecture, in lecture order. Errors name the file, the key
(runs counted from 1, as they appear in the file) and the problem.
"""

from __future__ import annotations

import numbers
import re
import reprlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from gradviz.core.colormaps import COLORMAPS
from gradviz.core.data import MAX_EMBEDDED_POINTS, POINTS_PREFIX, points_spec
from gradviz.core.fans import (
    DEFAULT_FAN,
    MAX_SPREAD_SEEDS,
    SEED,
    Fan,
    check_count,
    check_param,
    member_names,
)
from gradviz.core.files import ReadError, read_regular, write_atomic
from gradviz.core.optimizers import OPTIMIZERS, make_optimizer
from gradviz.core.parsing import excerpt, finite_number, shown_path
from gradviz.core.kinds import declaration, parameter_owners
from gradviz.core.problems import Problem, ProblemSpec, has_data
from gradviz.core.resources import resource_path
from gradviz.core.run import RunSettings
from gradviz.core.sources import data_source
from gradviz.core.space import Window
from gradviz.core.table import parse_file_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has the same parser as the tomli package
    import tomli as tomllib

MAX_FILE_BYTES = 256 * 1024
"""Largest scene file read; real scenes are a few hundred bytes."""
MIN_GRID, MAX_GRID = 32, 1024
"""Allowed surface resolutions (points per side): 1024² losses are computed in
well under a second; more would only stall the app."""
MAX_SPEED = 1000.0
"""Fastest playback in updates per second (0 means as fast as possible)."""
MAX_RUNS = 8
MAX_FANS = 2
"""Most fans in a scene (each of up to :data:`~gradviz.core.fans.MAX_FAN` members)."""
MAX_STEPS = 100_000
"""Most updates per run: a scene is a demo to watch, not a training job."""
MAX_OVERLAYS = 16
_OVERLAY_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TITLE, MAX_CAPTION, MAX_RUN_NAME = 100, 240, 40
THEMES = ("dark", "light")
"""The app's themes (those of :mod:`gradviz.qt.style`): dark, and light for bright rooms."""

SCENE_SUFFIX = ".toml"
_NUMBERED = re.compile(r"^([0-9]{1,9})-(.+)$")
_NUMBER = re.compile(r"[0-9]{1,9}")


class SceneError(ValueError):
    """A scene file that cannot be used; the message names the file, the key and the problem."""


@dataclass(frozen=True)
class SceneRun:
    """One run of a scene: its settings (as written, unresolved) and its legend name."""

    settings: RunSettings
    name: str | None = None

    def __post_init__(self) -> None:
        if self.name is not None:
            _line(self.name, MAX_RUN_NAME)


@dataclass(frozen=True)
class SceneFan:
    """A fan of a scene: a run's settings (as written, unresolved), what is spread
    and the name its members' names start with (the optimizer's by default)."""

    settings: RunSettings
    fan: Fan
    name: str | None = None

    def __post_init__(self) -> None:
        if self.name is not None:
            _line(self.name, MAX_RUN_NAME)
        self.fan.check(self.settings)

    @property
    def legend_name(self) -> str:
        """What the members' names start with: the fan's name, or its optimizer's."""
        return self.name or OPTIMIZERS[self.settings.optimizer].short

    def member_names(self) -> tuple[str, ...]:
        """The members' legend names: :attr:`legend_name` and each value."""
        return member_names(self.fan, self.legend_name)


@dataclass(frozen=True)
class Scene:
    """A demo: a problem, the view of it and the runs on it, with a title and a caption.

    Parameters
    ----------
    name : str
        Short identifier: the file name without its number and suffix.
    title, caption : str
        One line each, shown on screen.
    problem : ProblemSpec
        What is minimised; a CSV ``data`` is an absolute path once loaded.
    runs : tuple of SceneRun
        The runs: with :attr:`fans`, 1 to :data:`MAX_RUNS` in all.
    window : Window or None
        The view; ``None`` for the problem's own.
    colormap : str
        One of :data:`~gradviz.core.colormaps.COLORMAPS`.
    log_scale : bool
        Whether the surface is coloured by log loss.
    log_loss : bool
        Whether the loss curves are drawn on a log axis.
    grid : int
        Surface points per side, :data:`MIN_GRID` to :data:`MAX_GRID`.
    speed : float
        Updates per second when playing; 0 is as fast as possible.
    show_batches : bool
        Whether the panel of epochs, updates and batch indices is shown.
    show_basins : bool
        Whether the basins of attraction of the selected run's optimizer and
        hyperparameters are shown over the landscape (:mod:`gradviz.core.basins`).
    overlays : tuple of str
        The app's explanation overlays shown, by name; the app says which it does not
        have (the core does not know them: they are the app's drawings).
    theme : str or None
        One of :data:`THEMES`; ``None`` keeps the theme in use when the scene opens.
    fans : tuple of SceneFan
        Up to :data:`MAX_FANS` fans, beside the runs.
    seed_spread : int or None
        Show the runs' final losses over this many seeds (0, 1, ...); ``None``: not.
    number : int or None
        Position in the lecture, for built-in scenes.
    source : str
        The file the scene was read from (not compared).

    Raises
    ------
    ValueError
        For a value out of range, naming the field.
    """

    name: str
    title: str
    caption: str
    problem: ProblemSpec
    runs: tuple[SceneRun, ...]
    window: Window | None = None
    colormap: str = "udl"
    log_scale: bool = False
    log_loss: bool = False
    grid: int = 256
    speed: float = 20.0
    show_batches: bool = False
    show_basins: bool = False
    overlays: tuple[str, ...] = ()
    theme: str | None = None
    fans: tuple[SceneFan, ...] = ()
    seed_spread: int | None = None
    number: int | None = None
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", tuple(self.runs))
        object.__setattr__(self, "fans", tuple(self.fans))
        object.__setattr__(self, "overlays", tuple(self.overlays))
        for key, check in _SCENE_FIELDS.items():
            try:
                check(getattr(self, key))
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        # The app shows each run and each fan as one entry of its list, of MAX_RUNS.
        entries = len(self.runs) + len(self.fans)
        if not 1 <= entries <= MAX_RUNS:
            raise ValueError(f"runs: a scene has 1 to {MAX_RUNS} runs and fans together; "
                             f"got {entries}")
        if len(self.fans) > MAX_FANS:
            raise ValueError(f"fans: a scene has at most {MAX_FANS} fans; got {len(self.fans)}")
        for run in (*self.runs, *self.fans):
            _steps(run.settings.steps)
        try:
            _check_batches(self.show_batches, self.problem)
        except ValueError as exc:
            raise ValueError(f"show_batches: {exc}") from None


# ----------------------------------------------------------------------------- value checks
# Each takes a value as TOML gives it and returns it converted, or raises
# ValueError saying what is allowed (a wrong type too, so that callers catch
# one thing, as with the core's own checks); Scene.__post_init__ reuses them.


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text in quotes; got {reprlib.repr(value)}")  # noqa: TRY004
    return value


def _line(value: object, limit: int) -> str:
    text = _text(value)
    if any(c in text for c in "\n\r") or len(text) > limit:
        raise ValueError(f"must be one line of at most {limit} characters")
    return text


def _title(value: object) -> str:
    text = _line(value, MAX_TITLE)
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _caption(value: object) -> str:
    return _line(value, MAX_CAPTION)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false; got {reprlib.repr(value)}")  # noqa: TRY004
    return value


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"must be a whole number; got {reprlib.repr(value)}")  # noqa: TRY004
    return int(value)


def _numbers(value: object, count: int) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)) or len(value) != count:
        raise ValueError(f"must be a list of {count} numbers; got {reprlib.repr(value)}")
    return tuple(finite_number(v) for v in value)


def _grid(value: object) -> int:
    grid = _integer(value)
    if not MIN_GRID <= grid <= MAX_GRID:
        raise ValueError(f"grid must be between {MIN_GRID} and {MAX_GRID} points a side; "
                         f"got {grid}")
    return grid


def _speed(value: object) -> float:
    speed = finite_number(value)
    if not 0 <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be between 0 and {MAX_SPEED:g} updates per second "
                         f"(0: as fast as possible); got {speed:g}")
    return speed


def _colormap(value: object) -> str:
    name = _text(value)
    if name not in COLORMAPS:
        raise ValueError(f"unknown colour map {name!r}; choose from {', '.join(COLORMAPS)}")
    return name


def _theme(value: object) -> str | None:
    if value is None:
        return value
    name = _text(value)
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose from {', '.join(THEMES)}")
    return name


def _window(value: object) -> Window | None:
    if value is None:
        return value
    window = value if isinstance(value, Window) else Window(*_numbers(value, 4))
    return window.check_drawable()


def _steps(value: object) -> int:
    steps = _integer(value)
    if steps > MAX_STEPS:  # RunSettings refuses fewer than 0
        raise ValueError(f"steps must be at most {MAX_STEPS} in a scene; got {steps}")
    return steps


def _overlays(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_OVERLAYS:
        raise ValueError(f"must be a list of at most {MAX_OVERLAYS} overlay names; "
                         f"got {reprlib.repr(value)}")
    names = tuple(_text(name) for name in value)
    for name in names:
        if not _OVERLAY_NAME.fullmatch(name):
            raise ValueError(f"{reprlib.repr(name)} is not an overlay name "
                             "(lower-case letters, digits and _)")
    return tuple(dict.fromkeys(names))  # once each, in the file's order


def _seed_spread(value: object) -> int | None:
    if value is None:
        return value
    if isinstance(value, dict):  # as TOML gives it: {seeds = 100}
        unknown = sorted(set(value) - {"seeds"})
        if unknown or "seeds" not in value:
            raise ValueError(f"must be a table {{seeds = N}}; got {reprlib.repr(value)}")
        value = value["seeds"]
    seeds = _integer(value)
    if not 2 <= seeds <= MAX_SPREAD_SEEDS:
        raise ValueError(f"seeds must be 2 to {MAX_SPREAD_SEEDS}; got {seeds}")
    return seeds


def _check_batches(show_batches: bool, problem: ProblemSpec) -> None:
    if show_batches and not has_data(problem.model):
        raise ValueError(f"model {problem.model!r} has no data, so no batches to show")


_SCENE_FIELDS: dict[str, Callable[[object], object]] = {
    "title": _title,
    "caption": _caption,
    "window": _window,
    "colormap": _colormap,
    "log_scale": _flag,
    "log_loss": _flag,
    "grid": _grid,
    "speed": _speed,
    "show_batches": _flag,
    "show_basins": _flag,
    "overlays": _overlays,
    "theme": _theme,
    "seed_spread": _seed_spread,
}
_VIEW_KEYS = tuple(key for key in _SCENE_FIELDS if key not in ("title", "caption"))
_TOP_KEYS = ("title", "caption", "problem", "view", "runs", "fans")
_FAN_KEYS = ("param", "values", "range", "count", "log")
"""The keys of a [[fans]] table besides those of a run."""
# The settings a run may give besides its optimizer's hyperparameters, each
# with the check that turns TOML's value into RunSettings' type.
_RUN_SETTINGS: dict[str, Callable[[object], object]] = {
    "schedule": _text,
    "batching": _text,
    "batch_size": _integer,
    "seed": _integer,
    "start": lambda value: _numbers(value, 2),
    "steps": _steps,
}


# ----------------------------------------------------------------------------- reading


@contextmanager
def _blame(label: str, key: str) -> Iterator[None]:
    """Turn a ``ValueError`` of the core into a :class:`SceneError` naming file and key."""
    try:
        yield
    except SceneError:
        raise
    except ValueError as exc:
        raise SceneError(f"{label}: {key}: {exc}") from None


def _table(value: object, label: str, key: str, allowed: tuple[str, ...]) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise SceneError(f"{label}: {key}: must be a table ([{key}]); got {reprlib.repr(value)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        where = f"in [{key}]" if key else "at the top level"
        raise SceneError(
            f"{label}: unknown key {unknown[0]!r} {where}; allowed: {', '.join(allowed)}"
        )
    return value


def _read_text(path: Path, label: str) -> str:
    try:
        raw = read_regular(path, MAX_FILE_BYTES, "scene")
    except ReadError as exc:
        raise SceneError(f"{label}: {exc}") from None
    try:
        return raw.decode("utf-8-sig")  # TOML is UTF-8; some editors add a BOM
    except UnicodeDecodeError as exc:
        raise SceneError(f"{label}: not a text file (byte {exc.start} is not UTF-8)") from None


def _data_path(spec: str, folder: Path, label: str) -> str:
    """The spec of a scene's data file with its absolute path, which must lie inside ``folder``.

    A scene may come from anywhere (a download, an e-mail), so it must not
    make the app read files elsewhere on disk: no absolute paths, no ``..``
    and no symbolic link that leads out of the scene's folder.
    """
    where = f"{label}: problem.data"
    if not spec.strip():
        raise SceneError(f"{where}: must not be empty")
    file = parse_file_spec(spec)
    path = file.path
    if any(p.is_absolute() or p.anchor for p in (PurePosixPath(path), PureWindowsPath(path))):
        raise SceneError(f"{where}: {path!r} is an absolute path; give the data file's name "
                         "relative to the scene file's folder")
    root = folder.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise SceneError(f"{where}: {path!r} leads outside the scene file's folder; "
                         "a scene may only read data files in its own folder")
    return file.with_path(str(target)).describe()


def _points(value: object) -> str:
    """The ``points:`` spec of a ``data_points`` list of [x, y] pairs."""
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_EMBEDDED_POINTS:
        raise ValueError(f"must be a list of 2 to {MAX_EMBEDDED_POINTS} [x, y] pairs; "
                         f"got {reprlib.repr(value)}")
    pairs = [_numbers(pair, 2) for pair in value]
    return points_spec(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))


def _problem(raw: object, label: str, folder: Path) -> tuple[ProblemSpec, Problem]:
    # The keys are the models' declared parameters, so a new model's are allowed and
    # checked by its own ranges; a key of another model is checked and ignored, as
    # it always was for the envelope.
    parameters = tuple(parameter_owners())
    table = _table(raw, label, "problem", ("model", "data", "data_points", *parameters))
    if "model" not in table:
        raise SceneError(f"{label}: problem.model is missing")
    with _blame(label, "problem.model"):
        spec = ProblemSpec(_text(table["model"]))
    for name in parameters:
        if name in table:
            with _blame(label, f"problem.{name}"):
                check = finite_number if declaration(name).is_number else _text
                spec = replace(spec, **{name: check(table[name])})
    if "data" in table and "data_points" in table:
        raise SceneError(f"{label}: problem: give data or data_points, not both")
    if "data" in table:
        with _blame(label, "problem.data"):
            data = _text(table["data"])
            if data_source(data).reads_file:
                data = _data_path(data, folder, label)
            spec = replace(spec, data=data)
    if "data_points" in table:
        with _blame(label, "problem.data_points"):
            spec = replace(spec, data=_points(table["data_points"]))
    key = "problem.data_points" if "data_points" in table else "problem.data"
    with _blame(label, key):  # DataError: a missing or broken file or spec
        return spec, spec.build()


def _run(raw: object, label: str, where: str, problem: Problem,
         extra: tuple[str, ...] = ()) -> SceneRun:
    """A [[runs]] table, or the run of a [[fans]] table, whose ``extra`` keys are its own."""
    if not isinstance(raw, dict):
        table = where.partition("[")[0]
        raise SceneError(f"{label}: {where}: must be a table ([[{table}]]); "
                         f"got {reprlib.repr(raw)}")
    with _blame(label, f"{where}.optimizer"):
        optimizer = make_optimizer(_text(raw.get("optimizer", "gd"))).name
    declared = {h.name: h for h in OPTIMIZERS[optimizer].hyperparameters}
    allowed = ("name", "optimizer", *declared, *_RUN_SETTINGS, *extra)
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise SceneError(f"{label}: {where}: unknown key {unknown[0]!r} for optimizer "
                         f"{optimizer!r}; allowed: {', '.join(allowed)}")
    name = None
    if "name" in raw:
        with _blame(label, f"{where}.name"):
            name = _line(raw["name"], MAX_RUN_NAME)
    values = {}
    for key in (k for k in declared if k in raw):
        with _blame(label, f"{where}.{key}"):
            hyper = declared[key]
            # A number is a TOML number, as for every other key: not "0.1" in quotes.
            values[key] = hyper.validate(raw[key] if hyper.is_choice else finite_number(raw[key]))
    settings = RunSettings(optimizer, values)
    # One setting at a time, so RunSettings' own check blames the right key.
    for key, convert in _RUN_SETTINGS.items():
        if key in raw:
            with _blame(label, f"{where}.{key}"):
                settings = replace(settings, **{key: convert(raw[key])})
    with _blame(label, f"{where}.batch_size"):  # the one setting that depends on the data
        settings.resolve(problem)
    return SceneRun(settings, name)


def _fan(raw: object, label: str, where: str, problem: Problem) -> SceneFan:
    run = _run(raw, label, where, problem, _FAN_KEYS)
    assert isinstance(raw, dict)  # _run refuses anything else
    with _blame(label, f"{where}.param"):
        if "param" not in raw:
            raise ValueError("is missing: the hyperparameter (or seed) the fan spreads")
        param = check_param(_text(raw["param"]))
    if ("values" in raw) == ("range" in raw):
        raise SceneError(f"{label}: {where}: give either values or range (with count)")
    for key in ("count", "log"):
        if key in raw and "range" not in raw:
            raise SceneError(f"{label}: {where}.{key}: goes with range, not values")
    if "values" in raw:
        with _blame(label, f"{where}.values"):
            values = raw["values"]
            if not isinstance(values, list):
                raise ValueError(f"must be a list of numbers; got {reprlib.repr(values)}")
            fan = Fan(param, tuple(finite_number(v) for v in values))
    else:
        count, log = DEFAULT_FAN, None
        if "count" in raw:
            with _blame(label, f"{where}.count"):
                count = check_count(_integer(raw["count"]))
        if "log" in raw:
            with _blame(label, f"{where}.log"):
                log = _flag(raw["log"])
        with _blame(label, f"{where}.range"):
            fan = Fan.spread(param, *_numbers(raw["range"], 2), count, log)
    with _blame(label, f"{where}.param"):
        scene_fan = SceneFan(run.settings, fan, run.name)
    if param == SEED:
        with _blame(label, f"{where}.param"):
            _check_minibatches((run.settings,), problem, "a seed fan")
    return scene_fan


def _check_minibatches(settings: tuple[RunSettings, ...], problem: Problem, what: str) -> None:
    """Refuse ``what`` (a seed fan, a seed spread) unless some run draws minibatches."""
    n = problem.n_points
    if not any(n is not None and s.resolve(problem).batch_size != n for s in settings):
        raise ValueError(f"{what} needs a minibatch run: with the full batch the seed "
                         "changes nothing")


def _name_and_number(path: Path) -> tuple[str, int | None]:
    match = _NUMBERED.match(path.stem)
    return (match.group(2), int(match.group(1))) if match else (path.stem, None)


def load_scene(path: str | Path) -> Scene:
    """Read and check the scene file at ``path``.

    Raises
    ------
    SceneError
        Naming the file, the key and the problem: a file that is missing, too
        large, not UTF-8 or not TOML; an unknown key; a value of the wrong type
        or out of range; a data file outside the scene's folder.
    """
    path = Path(path)
    label = shown_path(path.name)
    text = _read_text(path, label)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SceneError(f"{label}: not valid TOML: {exc}") from None
    except RecursionError:
        raise SceneError(f"{label}: not valid TOML: nested too deeply") from None
    _table(raw, label, "", _TOP_KEYS)
    values: dict[str, object] = {"caption": ""}
    # Checked in the file's order, so the first error reported is the first one met.
    if "title" not in raw:
        raise SceneError(f"{label}: title is missing")
    for key in ("title", "caption"):
        if key in raw:
            with _blame(label, key):
                values[key] = _SCENE_FIELDS[key](raw[key])
    if "problem" not in raw:
        raise SceneError(f"{label}: problem is missing: add a [problem] table with a model")
    spec, problem = _problem(raw["problem"], label, path.parent)
    view = _table(raw.get("view", {}), label, "view", _VIEW_KEYS)
    for key in _VIEW_KEYS:
        if key in view:
            with _blame(label, f"view.{key}"):
                values[key] = _SCENE_FIELDS[key](view[key])
    with _blame(label, "view.show_batches"):
        _check_batches(bool(values.get("show_batches")), spec)
    runs, fans = raw.get("runs"), raw.get("fans")
    if runs is None and fans is None:
        raise SceneError(f"{label}: runs is missing: add a [[runs]] table")
    runs, fans = runs or [], fans or []
    if not isinstance(runs, list):
        raise SceneError(f"{label}: runs: must be [[runs]] tables; got {reprlib.repr(runs)}")
    if not isinstance(fans, list) or len(fans) > MAX_FANS:
        raise SceneError(f"{label}: fans: a scene has up to {MAX_FANS} [[fans]] tables; "
                         f"got {reprlib.repr(fans)}")
    if not 1 <= len(runs) + len(fans) <= MAX_RUNS:
        raise SceneError(f"{label}: runs: a scene has 1 to {MAX_RUNS} [[runs]] and [[fans]] "
                         f"tables together; got {len(runs) + len(fans)}")
    values["runs"] = tuple(_run(r, label, f"runs[{i}]", problem) for i, r in enumerate(runs, 1))
    values["fans"] = tuple(_fan(f, label, f"fans[{i}]", problem) for i, f in enumerate(fans, 1))
    if values.get("seed_spread") is not None:
        with _blame(label, "view.seed_spread"):
            _check_minibatches(tuple(r.settings for r in values["runs"]), problem,
                               "a seed spread")
    name, number = _name_and_number(path)
    return Scene(name=name, problem=spec, number=number, source=str(path), **values)


# ----------------------------------------------------------------------------- writing


def _toml_string(text: str) -> str:
    # TOML basic strings forbid control characters and DEL; escape them all.
    escaped = "".join(
        "\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in text
    )
    return f'"{escaped}"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))  # repr reads back as exactly the same float
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, (tuple, list)) for v in value):  # a table: a row a line
            return "[\n" + "".join(f"    {_toml_value(v)},\n" for v in value) + "]"
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {reprlib.repr(value)} to a scene")


def _scene_data(spec: ProblemSpec, folder: Path) -> dict[str, object]:
    """The [problem] keys that give ``spec``'s data: ``data`` (a data file's path relative
    to ``folder``) or ``data_points`` (embedded points, and a small file outside ``folder``)."""
    data = spec.data
    if data is None:
        return {}
    source = data_source(data)
    if not source.reads_file and not data.startswith(POINTS_PREFIX):
        return {"data": data}
    if source.reads_file:
        file = parse_file_spec(data)
        root = folder.resolve()
        target = Path(file.path).resolve()
        if target.is_relative_to(root):
            return {"data": file.with_path(target.relative_to(root).as_posix()).describe()}
    dataset = spec.build().data
    assert dataset is not None  # a spec with data builds a problem with data
    if dataset.n > MAX_EMBEDDED_POINTS:
        raise SceneError(
            f"the data file {data} is not in the scene's folder {folder.resolve()} and has "
            f"{dataset.n} points, too many to embed in the scene (at most "
            f"{MAX_EMBEDDED_POINTS}); a scene may only read data files in its own folder, "
            "so copy the file there first"
        )
    return {"data_points": [[float(a), float(b)] for a, b in zip(dataset.x, dataset.y)]}


def scene_to_text(scene: Scene, folder: str | Path = ".") -> str:
    """The scene as TOML, with a data file's path written relative to ``folder``, and
    embedded points (or a small data file outside ``folder``) as ``data_points``.

    Raises
    ------
    SceneError
        If the scene's data file is not inside ``folder``, where a scene file
        may not point, and too large to embed.
    """
    spec = scene.problem
    problem = {
        "model": spec.model,
        **_scene_data(spec, Path(folder)),
        # Defaults are left out, as in the built-in scenes.
        **{p.name: spec.parameters[p.name] for p in spec.kind.parameters
           if spec.parameters[p.name] != p.default},
    }
    view = {
        "window": None if scene.window is None else scene.window.as_tuple(),
        "colormap": scene.colormap,
        "log_scale": scene.log_scale,
        "log_loss": scene.log_loss,
        "grid": scene.grid,
        "speed": scene.speed,
        "show_batches": scene.show_batches,
        "show_basins": scene.show_basins,
        "overlays": list(scene.overlays) or None,
        "theme": scene.theme,
        "seed_spread": None if scene.seed_spread is None else {"seeds": scene.seed_spread},
    }
    sections = [
        _entries({"title": scene.title, "caption": scene.caption}),
        ["[problem]", *_entries(problem)],
        ["[view]", *_entries(view)],
    ]
    for run in scene.runs:
        sections.append(["[[runs]]", *_entries(_run_entries(run.settings, run.name))])
    for fan in scene.fans:
        entries = {**_run_entries(fan.settings, fan.name), "param": fan.fan.param,
                   "values": fan.fan.values}
        sections.append(["[[fans]]", *_entries(entries)])
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _run_entries(settings: RunSettings, name: str | None) -> dict[str, object]:
    defaults = RunSettings()
    entries = {"name": name, "optimizer": settings.optimizer, **settings.hyperparameters}
    # Settings left at their defaults are left out, so files stay short.
    entries.update({k: getattr(settings, k) for k in _RUN_SETTINGS
                    if getattr(settings, k) != getattr(defaults, k)})
    return entries


def _entries(values: Mapping[str, object]) -> list[str]:
    return [f"{key} = {_toml_value(value)}" for key, value in values.items() if value is not None]


def save_scene(scene: Scene, path: str | Path) -> None:
    """Write ``scene`` to ``path`` as TOML that :func:`load_scene` reads back unchanged.

    Raises
    ------
    SceneError
        If the scene's CSV file is not in the folder of ``path``.
    ValueError
        If ``path`` names a folder (see :func:`gradviz.core.files.check_target`).
    OSError
        A :class:`~gradviz.core.files.WriteError` if the file cannot be written;
        an existing file is then left as it was.
    """
    path = Path(path)
    write_atomic(path, scene_to_text(scene, path.parent))


# ----------------------------------------------------------------------------- built-in scenes


def builtin_scenes() -> list[Scene]:
    """The lecture's scenes from ``resources/scenes``, in lecture order."""
    files = resource_path("scenes").glob(f"*{SCENE_SUFFIX}")
    scenes = [load_scene(path) for path in files]
    return sorted(scenes, key=lambda scene: (scene.number is None, scene.number, scene.name))


def find_scene(key: str) -> Scene:
    """A built-in scene by number (``"4"``) or name, or the scene file at path ``key``.

    Raises
    ------
    SceneError
        If no scene matches (listing the choices) or the file is broken.
    """
    scenes = builtin_scenes()
    wanted = key.strip()
    # Only a few ASCII digits are a number: int() refuses "²" and 5,000 digits.
    number = int(wanted) if _NUMBER.fullmatch(wanted) else None
    for scene in scenes:
        if wanted == scene.name or (number is not None and number == scene.number):
            return scene
    path = Path(key)
    if path.suffix == SCENE_SUFFIX or os.path.lexists(key):
        return load_scene(path)
    known = [s.number for s in scenes if s.number is not None]
    span = f"{min(known)}-{max(known)}" if known else "none"
    raise SceneError(
        f"no scene {excerpt(key)!r}; give a number ({span}), a name ({', '.join(s.name for s in scenes)}) "
        f"or a {SCENE_SUFFIX} file"
    )


__all__ = [
    "MAX_FANS",
    "MAX_GRID",
    "MAX_RUNS",
    "MIN_GRID",
    "Scene",
    "SceneError",
    "SceneFan",
    "SceneRun",
    "builtin_scenes",
    "find_scene",
    "load_scene",
    "save_scene",
    "scene_to_text",
]
