"""Hyperparameter fans: one run's setup at K values of one hyperparameter, run at once.

A :class:`Fan` names a numeric hyperparameter of the run's optimizer (the
learning rate ``lr``, momentum's ``beta``, ...) or the minibatch ``seed``, and
the values it takes. :func:`run_fan` steps every member in one
:class:`~gradviz.core.engine.Engine`, so each member follows, to the last bit,
the path it follows alone. :func:`seed_spread` runs several setups over many
seeds and tells how often an ordering of their final losses holds: one seed
alone can tell a story the data does not.

:func:`fan_colours` maps the values onto a sequential colour scale, so that a
family of paths reads from the smallest value to the largest; every front end
draws fans with it.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from gradviz.core.colormaps import load_colormap
from gradviz.core.engine import Engine, StepBlock
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.pieces import run_piece
from gradviz.core.problems import Problem
from gradviz.core.parsing import finite_number
from gradviz.core.run import REPORT_EVERY, UNDEFINED_LOSS, RunSettings, Trajectory, loss_text
from gradviz.core.run_settings import check_seed

MAX_FAN = 32
"""Most members of a fan: a family of paths still told apart by colour."""
DEFAULT_FAN = 5
"""Members of a fan when no count is given."""
MAX_FAN_STEPS = 100_000
"""Most updates per member: the members' steps are held whole in memory."""
MAX_SPREAD_SEEDS = 1000
"""Most seeds of a :func:`seed_spread` (each run's final loss only is kept)."""
SEED = "seed"
"""The fan parameter that is the minibatch sequence's seed, not a hyperparameter."""
FAN_COLORMAP = "viridis"
"""The sequential colour scale of a fan's members: perceptually uniform, so equal
steps of the value look like equal steps of colour."""


def _declarations() -> dict[str, HyperParameter]:
    """Every numeric optimizer hyperparameter by name (the first declaration of each:
    optimizers that share a name share its range and scale)."""
    found: dict[str, HyperParameter] = {}
    for optimizer in OPTIMIZERS.values():
        for hyper in optimizer.hyperparameters:
            if not hyper.is_choice:
                found.setdefault(hyper.name, hyper)
    return found


_NUMERIC = _declarations()
FAN_PARAMETERS: tuple[str, ...] = (*_NUMERIC, SEED)
"""What a fan may spread: the optimizers' numeric hyperparameters and the seed."""


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.integer)):
        raise ValueError(f"{what} must be a whole number; got {value!r}")
    if not float(value).is_integer():
        raise ValueError(f"{what} must be a whole number; got {value!r}")
    return int(value)


def check_count(count: object) -> int:
    """``count`` if a fan can have that many members (2 to :data:`MAX_FAN`).

    Raises
    ------
    ValueError
        Saying how many a fan may have.
    """
    number = _whole(count, "a fan's count")
    if not 2 <= number <= MAX_FAN:
        raise ValueError(f"a fan has 2 to {MAX_FAN} members; got {number}")
    return number


def check_param(param: object) -> str:
    """``param`` if a fan can spread it (one of :data:`FAN_PARAMETERS`).

    Raises
    ------
    ValueError
        Listing the parameters a fan can spread.
    """
    if param not in FAN_PARAMETERS:
        raise ValueError(f"cannot fan over {param!r}; choose from {', '.join(FAN_PARAMETERS)} "
                         "(a choice such as Nesterov's lookahead has no values between)")
    return str(param)


@dataclass(frozen=True)
class Fan:
    """K values of one parameter: a numeric hyperparameter or the ``seed``.

    Parameters
    ----------
    param : str
        One of :data:`FAN_PARAMETERS`.
    values : tuple of float (of int for ``seed``)
        2 to :data:`MAX_FAN` distinct values, each in the parameter's declared range.

    Raises
    ------
    ValueError
        Naming what is wrong: an unknown parameter, too few or too many values,
        a repeated one or one out of range.
    """

    param: str
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        check_param(self.param)
        values = tuple(self.values) if isinstance(self.values, Iterable) else None
        if values is None or isinstance(self.values, str):
            raise ValueError(f"a fan's values must be a list of numbers; got {self.values!r}")
        check_count(len(values))
        what = f"each {self.param} of the fan"
        if self.param == SEED:
            checked: tuple[float, ...] = tuple(_whole(v, what) for v in values)
            for seed in checked:
                check_seed(seed)
        else:
            declared = _NUMERIC[self.param]
            checked = tuple(float(declared.validate(finite_number(v, what))) for v in values)
        if len(set(checked)) != len(checked):
            raise ValueError(f"a fan's values must differ; {self.param} repeats in {list(checked)}")
        object.__setattr__(self, "values", checked)

    @classmethod
    def spread(cls, param: str, low: float, high: float, count: int = DEFAULT_FAN,
               log: bool | None = None) -> Fan:
        """``count`` values from ``low`` to ``high``, both included.

        Evenly spaced on a log scale where the parameter is declared logarithmic
        (``lr``, ``eps``) unless ``log`` says otherwise, else evenly spaced; a
        ``seed`` fan takes whole seeds, rounded from an even spacing.

        Raises
        ------
        ValueError
            For ``low`` not below ``high``, a log range that is not positive, a
            count outside 2 to :data:`MAX_FAN`, or values out of the parameter's range.
        """
        param = check_param(param)
        count = check_count(count)
        low = finite_number(low, "a fan's low end")
        high = finite_number(high, "a fan's high end")
        if not low < high:
            raise ValueError(f"a fan's range must go from low to high; got {low:g} to {high:g}")
        if param == SEED:
            if log:
                raise ValueError("seeds are not spread on a log scale")
            seeds = np.round(np.linspace(low, high, count)).astype(np.int64).tolist()
            if len(set(seeds)) < count:
                raise ValueError(f"{count} different seeds do not fit between {low:g} and "
                                 f"{high:g}")
            return cls(param, tuple(seeds))
        log = _NUMERIC[param].log if log is None else log
        if log and low <= 0:
            raise ValueError(f"a log-spaced range must be positive; got {low:g} to {high:g} "
                             "(spread it linearly, or start above 0)")
        spaced = np.geomspace(low, high, count) if log else np.linspace(low, high, count)
        values = spaced.tolist()
        values[0], values[-1] = low, high  # exactly as given, whatever the rounding
        return cls(param, tuple(values))

    @property
    def symbol(self) -> str:
        """The parameter's symbol on screen (``α``), or ``seed``."""
        return SEED if self.param == SEED else _NUMERIC[self.param].symbol

    @property
    def log(self) -> bool:
        """Whether the values are best shown on a log axis (all positive, declared log)."""
        return self.param != SEED and _NUMERIC[self.param].log and min(self.values) > 0

    def labels(self) -> tuple[str, ...]:
        """Each value as short text, with as many digits as tell the values apart."""
        if self.param == SEED:
            return tuple(str(int(v)) for v in self.values)
        for digits in range(3, 18):
            texts = tuple(f"{v:.{digits}g}" for v in self.values)
            if len(set(texts)) == len(texts):
                return texts
        return tuple(repr(v) for v in self.values)  # pragma: no cover - 17 digits always differ

    def check(self, settings: RunSettings) -> None:
        """Refuse a fan that the run's optimizer cannot take.

        Raises
        ------
        ValueError
            If the optimizer has no such hyperparameter (naming those it has).
        """
        if self.param == SEED:
            return
        declared = OPTIMIZERS[settings.optimizer].hyperparameters
        numeric = [h.name for h in declared if not h.is_choice]
        if self.param not in numeric:
            title = OPTIMIZERS[settings.optimizer].title
            raise ValueError(f"{title} has no {self.param} to fan over (it has: "
                             f"{', '.join(numeric + [SEED])})")


def fan_settings(settings: RunSettings, fan: Fan) -> list[RunSettings]:
    """The fan's members: ``settings`` with the fan's parameter set to each value.

    Raises
    ------
    ValueError
        If the optimizer has no such hyperparameter.
    """
    fan.check(settings)
    if fan.param == SEED:
        return [replace(settings, seed=int(v)) for v in fan.values]
    return [replace(settings, hyperparameters={**settings.hyperparameters, fan.param: v})
            for v in fan.values]


def member_names(fan: Fan, name: str) -> tuple[str, ...]:
    """The members' names: ``name`` (the fan's, say ``GD``) and each value, ``GD α=0.01``."""
    return tuple(f"{name} {fan.symbol}={label}" for label in fan.labels())


def check_fan_run(problem: Problem, settings: RunSettings, fan: Fan) -> RunSettings:
    """``settings`` resolved against ``problem``, if the fan can be run there.

    Raises
    ------
    ValueError
        For settings that do not fit the problem, more than
        :data:`MAX_FAN_STEPS` updates, or a ``seed`` fan of a full-batch run
        (whose seed changes nothing).
    """
    resolved = settings.resolve(problem)
    fan.check(resolved)
    if resolved.steps > MAX_FAN_STEPS:
        raise ValueError(f"a fan's members take at most {MAX_FAN_STEPS} updates; "
                         f"got {resolved.steps}")
    if fan.param == SEED and _full_batch(problem, resolved):
        raise ValueError("a seed fan needs minibatches: this run uses the full batch, "
                         "so its seed changes nothing (give a smaller batch size)")
    return resolved


def _full_batch(problem: Problem, settings: RunSettings) -> bool:
    return problem.n_points is None or settings.batch_size == problem.n_points


Progress = Callable[[int, int], object]
"""Told (updates done, updates in all) now and then."""


def _advance_all(engine: Engine, steps: int, progress: Progress | None) -> list[StepBlock]:
    """Step ``engine`` to its end, :data:`~gradviz.core.run.REPORT_EVERY` updates a
    block, telling ``progress`` after each."""
    blocks = []
    while not engine.finished:
        blocks.append(engine.advance(REPORT_EVERY))
        if progress is not None:
            progress(min(engine.update, steps), steps)
    return blocks


@dataclass(frozen=True, eq=False)
class FanResult:
    """A fan's members run to their ends.

    Attributes
    ----------
    fan : Fan
        What was spread.
    members : tuple of Trajectory
        One per value, in the fan's order (resolved settings, diverged step left out).
    """

    fan: Fan
    members: tuple[Trajectory, ...]

    @property
    def final_losses(self) -> np.ndarray:
        """Each member's last finite full-data loss (before divergence, for one that diverged)."""
        return np.array([m.final_loss for m in self.members])

    @property
    def diverged(self) -> np.ndarray:
        """Whether each member diverged."""
        return np.array([m.diverged_at is not None for m in self.members])

    def table(self) -> str:
        """Value, final loss and divergence, one member a line, for a terminal."""
        labels = self.fan.labels()
        width = max(len(self.fan.param), *map(len, labels))
        lines = [f"{self.fan.param:<{width}}  final loss"]
        for label, member in zip(labels, self.members):
            text = loss_text(member.final_loss, ".6g")
            # A member that starts where the loss is undefined has no loss before.
            before = f" (loss {text} before)" if text != UNDEFINED_LOSS else ""
            if member.diverged_at is not None and member.undefined:
                text = f"stopped at step {member.diverged_at}: the loss is undefined there{before}"
            elif member.diverged_at is not None:
                text = f"diverged at step {member.diverged_at}{before}"
            lines.append(f"{label:<{width}}  {text}")
        return "\n".join(lines)


def run_fan(problem: Problem, settings: RunSettings, fan: Fan,
            progress: Progress | None = None) -> FanResult:
    """Run every member of ``fan`` on ``problem``, all at once in one engine.

    Each member's trajectory is exactly the one :func:`gradviz.core.run.run`
    gives it alone. ``progress`` is told (updates done, updates of a member).

    Raises
    ------
    ValueError
        As :func:`check_fan_run`.
    """
    resolved = check_fan_run(problem, settings, fan)
    members = [s.resolve(problem) for s in fan_settings(resolved, fan)]
    engine = Engine(problem, members)
    blocks = [engine.start, *_advance_all(engine, resolved.steps, progress)]
    return FanResult(fan, tuple(
        run_piece([(block, row) for block in blocks], member)
        for row, member in enumerate(members)
    ))


def fan_colours(fan: Fan, colormap: str = FAN_COLORMAP) -> tuple[str, ...]:
    """Each member's colour (``#rrggbb``) on a sequential scale keyed to its value:
    the smallest value at one end of ``colormap``, the largest at the other,
    evenly by log value where the fan is shown on a log axis."""
    return tuple(colour_at(fan_positions(fan), colormap))


def fan_positions(fan: Fan) -> np.ndarray:
    """Where each value lies from the smallest (0) to the largest (1), on a log scale
    where :attr:`Fan.log`."""
    values = np.array(fan.values, dtype=float)
    if fan.log:
        values = np.log10(values)
    low, high = values.min(), values.max()
    return (values - low) / (high - low)


def colour_at(positions: Iterable[float], colormap: str = FAN_COLORMAP) -> list[str]:
    """The colours of ``colormap`` at ``positions`` from 0 to 1, as ``#rrggbb``.

    Raises
    ------
    ValueError
        For an unknown colour map or a position outside 0 to 1.
    """
    table = load_colormap(colormap)
    colours = []
    for position in positions:
        if not 0.0 <= position <= 1.0:
            raise ValueError(f"a position on a colour scale is 0 to 1; got {position!r}")
        r, g, b = table[round(position * (len(table) - 1))].tolist()
        colours.append(f"#{r:02x}{g:02x}{b:02x}")
    return colours


@dataclass(frozen=True, eq=False)
class SeedSpread:
    """Several runs' final losses over many seeds of their minibatches.

    Attributes
    ----------
    seeds : tuple of int
        The seeds, in order.
    losses : numpy.ndarray
        Shape ``(runs, seeds)``: each run's full-data loss after its last
        update with each seed; ``inf`` where it diverged.
    """

    seeds: tuple[int, ...]
    losses: np.ndarray

    def beats(self, better: int, worse: int) -> int:
        """For how many seeds run ``better`` ends with a lower loss than run ``worse``."""
        return int(np.sum(self.losses[better] < self.losses[worse]))

    def quartiles(self) -> np.ndarray:
        """Each run's first quartile, median and third quartile over the seeds, shape
        ``(runs, 3)``, for a box plot: values that occur (no interpolation, so a
        diverged seed's ``inf`` stays one)."""
        return np.quantile(self.losses, [0.25, 0.5, 0.75], axis=1, method="inverted_cdf").T

    def order_holds(self, order: Sequence[int]) -> int:
        """For how many seeds the runs' final losses rise in ``order`` (run indices,
        lowest loss first), strictly."""
        held = np.ones(len(self.seeds), dtype=bool)
        for lower, higher in zip(order, order[1:]):
            held &= self.losses[lower] < self.losses[higher]
        return int(held.sum())


def ranking(losses: Sequence[float]) -> tuple[int, ...]:
    """The runs' indices from the lowest final loss to the highest (ties: in order)."""
    return tuple(int(i) for i in np.argsort(np.asarray(losses, dtype=float), kind="stable"))


def seed_spread(problem: Problem, settings: Sequence[RunSettings], seeds: Sequence[int],
                progress: Progress | None = None) -> SeedSpread:
    """Run each of ``settings`` with each of ``seeds``, all at once in one engine,
    and keep their final losses.

    Raises
    ------
    ValueError
        For no runs, no seeds or more than :data:`MAX_SPREAD_SEEDS`, a repeated
        or bad seed, or settings that do not fit the problem.
    """
    seeds = tuple(_whole(s, "a seed") for s in seeds)
    if not settings:
        raise ValueError("a seed spread needs at least one run")
    if not 1 <= len(seeds) <= MAX_SPREAD_SEEDS:
        raise ValueError(f"a seed spread takes 1 to {MAX_SPREAD_SEEDS} seeds; got {len(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError("a seed spread's seeds must differ")
    resolved = [s.resolve(problem) for s in settings]
    members = [replace(s, seed=seed) for s in resolved for seed in seeds]
    engine = Engine(problem, members)
    last = engine.start.loss[:, 0].copy()
    for block in _advance_all(engine, max(s.steps for s in resolved), progress):
        stepped = block.count > 0
        rows = np.flatnonzero(stepped)
        last[rows] = block.loss[rows, block.count[rows] - 1]
    diverged = np.array([at is not None for at in engine.diverged_at])
    last[diverged] = np.inf
    return SeedSpread(seeds, last.reshape(len(resolved), len(seeds)))


__all__ = [
    "DEFAULT_FAN",
    "FAN_COLORMAP",
    "FAN_PARAMETERS",
    "MAX_FAN",
    "MAX_FAN_STEPS",
    "MAX_SPREAD_SEEDS",
    "SEED",
    "Fan",
    "FanResult",
    "SeedSpread",
    "check_count",
    "check_fan_run",
    "check_param",
    "colour_at",
    "fan_colours",
    "fan_positions",
    "fan_settings",
    "member_names",
    "ranking",
    "run_fan",
    "seed_spread",
]
