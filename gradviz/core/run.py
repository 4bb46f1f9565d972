"""Runs: an optimizer stepping across a problem, as a generator of recorded steps."""

from __future__ import annotations

import itertools
import math
import numbers
import textwrap
import time
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from gradviz.core.batching import BATCHING_SCHEMES, batches, check_batch_size
from gradviz.core.columns import STEP_COLUMNS, column_fields
from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from gradviz.core.problems import Problem
from gradviz.core.schedules import Schedule, parse_schedule
from gradviz.core.space import MAX_COORDINATE, Window

DIVERGENCE_LOSS = 1e12
"""A loss above this (or a non-finite phi or loss) stops a run as diverged."""

ESCAPE_FACTOR = 10.0
"""A run more than this many view sizes from the centre of its problem's view
has left the landscape (on a bounded loss such as the Gabor model's, a too
large step lands on a flat plain far away where the loss never blows up) and
is stopped as diverged."""

MAX_STEPS = 10_000_000

BLOCK_STEPS = 32
"""Most updates :func:`iterate` computes ahead of its consumer."""

BLOCK_SECONDS = 1e-3
"""Time a block of updates may take; a slower block makes the next one smaller."""


@dataclass(frozen=True)
class RunSettings:
    """Everything that decides a run's path, as plain data.

    ``None`` fields take a default that depends on the problem: the problem's
    recommended learning rate for the optimizer, the optimizer's usual batch
    size (the lecture's 5 for SGD and momentum, otherwise the full batch) and
    the problem's start point. :meth:`resolve` fills them in.

    Parameters
    ----------
    optimizer : str
        One of :data:`~gradviz.core.optimizers.OPTIMIZERS`.
    hyperparameters : Mapping[str, float | str]
        Values by name, ``lr`` included; missing ones take their defaults.
    schedule : str
        A schedule spec such as ``step:every=20,factor=0.5``.
    batch_size : int or None
        Points per minibatch; equal to N means full batch.
    batching : str
        One of :data:`~gradviz.core.batching.BATCHING_SCHEMES`.
    seed : int
        Seed of the batch sequence.
    start : (float, float) or None
        Start point.
    steps : int
        Number of updates.
    """

    optimizer: str = "gd"
    hyperparameters: Mapping[str, float | str] = field(default_factory=dict)
    schedule: str = "constant"
    batch_size: int | None = None
    batching: str = "epoch"
    seed: int = 0
    start: tuple[float, float] | None = None
    steps: int = 100

    def __post_init__(self) -> None:
        object.__setattr__(self, "hyperparameters", MappingProxyType(dict(self.hyperparameters)))
        if self.start is not None:
            start = (float(self.start[0]), float(self.start[1]))
            if not all(math.isfinite(v) for v in start):
                raise ValueError(f"start must be finite, got {self.start}")
            if max(map(abs, start)) > MAX_COORDINATE:
                raise ValueError(f"start must be within ±{MAX_COORDINATE:g}, got "
                                 f"({start[0]:g}, {start[1]:g})")
            object.__setattr__(self, "start", start)
        if self.batching not in BATCHING_SCHEMES:
            raise ValueError(
                f"unknown batching {self.batching!r}; choose from {', '.join(BATCHING_SCHEMES)}"
            )
        for name in ("steps", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        if not 0 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps must be between 0 and {MAX_STEPS}, got {self.steps}")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be between 0 and {2**32 - 1}, got {self.seed}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        # Fail early, with the optimizer's own message, on a bad name or value.
        self.make_optimizer()
        self.make_schedule()

    def make_optimizer(self) -> Optimizer:
        """The optimizer with these hyperparameters."""
        return make_optimizer(self.optimizer, **self.hyperparameters)

    def make_schedule(self) -> Schedule:
        """The learning-rate schedule."""
        return parse_schedule(self.schedule)

    def resolve(self, problem: Problem) -> RunSettings:
        """These settings with every problem-dependent default made explicit.

        Raises
        ------
        ValueError
            If the batch size does not fit the problem's data.
        """
        values = dict(self.hyperparameters)
        if "lr" not in values and self.optimizer in problem.recommended_lr:
            values["lr"] = problem.recommended_lr[self.optimizer]
        values = dict(make_optimizer(self.optimizer, **values).values)
        n = problem.n_points
        batch_size = self.batch_size
        if n is None:
            if batch_size is not None:
                raise ValueError(f"problem {problem.name!r} has no data, so no batch size")
        else:
            if batch_size is None:
                batch_size = min(OPTIMIZERS[self.optimizer].default_batch_size or n, n)
            check_batch_size(batch_size, n)
        start = self.start if self.start is not None else problem.start
        return replace(self, hyperparameters=values, batch_size=batch_size, start=start)

    def label(self, n_points: int | None = None) -> str:
        """A short name for legends: the optimizer, its rate and, for minibatches, B.

        ``n_points`` tells a minibatch from the full batch.
        """
        optimizer = OPTIMIZERS[self.optimizer]
        text = optimizer.short
        if "lr" in self.hyperparameters:
            text += f" α={float(self.hyperparameters['lr']):g}"
        if self.batch_size is not None and self.batch_size != n_points:
            text += f" B={self.batch_size}"
        if self.schedule != "constant":
            text += f" ({self.schedule.partition(':')[0]} schedule)"
        return text

    def to_dict(self) -> dict[str, object]:
        """The settings as JSON-ready data."""
        return {
            "optimizer": self.optimizer,
            "hyperparameters": dict(self.hyperparameters),
            "schedule": self.schedule,
            "batch_size": self.batch_size,
            "batching": self.batching,
            "seed": self.seed,
            "start": None if self.start is None else list(self.start),
            "steps": self.steps,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunSettings:
        """Inverse of :meth:`to_dict`; unknown keys are refused."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown run setting(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if values.get("start") is not None:
            values["start"] = tuple(values["start"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


def _step_type() -> type[tuple]:  # type: ignore[type-arg]
    required = [c.name for c in STEP_COLUMNS if not c.optional]
    optional = [c.name for c in STEP_COLUMNS if c.optional]
    # The columns every run records come first, so that a step is built from
    # them positionally (as the hot loop of iterate does), then the divergence
    # flag, then the optional columns: None unless a run records them.
    step = namedtuple("Step", [*required, "diverged", *optional],
                      defaults=(False, *(None for _ in optional)))
    step.__doc__ = """One recorded point of a run: one field per column of
    :data:`~gradviz.core.columns.STEP_COLUMNS`, and ``diverged``.

    ``update`` counts the updates applied so far (0 is the start point). The
    batch, batch loss, learning rate and gradient are those of the update
    that led here (NaN or ``None`` for the start point). ``diverged`` marks the
    step where the run blew up; its values are not finite or too large.

    Attributes
    ----------
""" + textwrap.indent("\n".join(c.step_doc() for c in STEP_COLUMNS), "    ") + """
    diverged : bool
        Whether the run blew up at this step.
"""
    return step


Step = _step_type()


def escape_box(window: Window) -> tuple[tuple[float, float], float]:
    """The centre of ``window`` and how far from it (in either coordinate) a run may
    go before it counts as diverged: :data:`ESCAPE_FACTOR` times the window's size."""
    centre = ((window.phi0_min + window.phi0_max) / 2, (window.phi1_min + window.phi1_max) / 2)
    return centre, ESCAPE_FACTOR * max(window.width, window.height)


def _is_diverged(phi: np.ndarray, loss: float, centre: tuple[float, float], reach: float) -> bool:
    # Every comparison with NaN is false, so a NaN or infinite phi or loss fails
    # these tests as well: no separate finiteness check is needed.
    phi0, phi1 = phi.tolist()
    return not (
        loss <= DIVERGENCE_LOSS
        and abs(phi0 - centre[0]) <= reach
        and abs(phi1 - centre[1]) <= reach
    )


def iterate(problem: Problem, settings: RunSettings) -> Iterator[Step]:
    """Yield the start point, then one :class:`Step` per update.

    A run that produces a non-finite phi or loss, a loss above
    :data:`DIVERGENCE_LOSS`, or a phi farther than :data:`ESCAPE_FACTOR` view
    sizes from the centre of the problem's view, yields that step with
    ``diverged=True`` and stops.

    Updates are computed a block at a time, ahead of the consumer: up to
    :data:`BLOCK_STEPS` while they are cheap, fewer once a block takes longer
    than :data:`BLOCK_SECONDS`, and never past ``settings.steps`` nor past a
    diverged step. An error raised by the problem surfaces when the consumer
    asks for the first step of the block it interrupted.
    """
    updates = _updates(problem, settings.resolve(problem))
    with np.errstate(all="ignore"):  # as for the blocks below
        first = next(updates)  # the start point
    yield first
    size = 1
    while True:
        # numpy's error state is a context variable: it is set while a block
        # is computed, never while this generator waits at a yield, so it does
        # not leak into the consumer. Entering it once per block rather than
        # once per update saves a few microseconds per update.
        started = time.perf_counter()
        with np.errstate(all="ignore"):
            block = list(itertools.islice(updates, size))
        finished = len(block) < size
        # Grow the block while updates are cheap, shrink it when they are slow,
        # so that a consumer taking one step at a time never waits long.
        if time.perf_counter() - started < BLOCK_SECONDS:
            size = min(2 * size, BLOCK_STEPS)
        else:
            size = max(size // 2, 1)
        yield from block
        if finished:
            return


def _updates(problem: Problem, settings: RunSettings) -> Iterator[Step]:
    """The steps of :func:`iterate`, one by one, for resolved ``settings``."""
    optimizer = settings.make_optimizer()
    schedule = settings.make_schedule()
    alpha = optimizer.lr
    phi = np.array(settings.start, dtype=float)
    state = optimizer.init_state(phi)
    loss, grad = problem.loss_and_grad(phi)
    nan = math.nan
    # Steps are built positionally, their fields in the order of STEP_COLUMNS.
    yield Step(0, 0, phi, float(loss), nan, nan, None, np.full(2, nan))
    centre, reach = escape_box(problem.window)
    n = problem.n_points
    full_batch = n is None or settings.batch_size == n
    stream = (
        None if full_batch
        else batches(n, settings.batch_size, settings.batching, settings.seed)
    )
    batch = None

    def objective(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Full-batch runs already know the loss and gradient at the current
        # point (phi, loss and grad below, before the update replaces them)
        # from recording it, so the common case costs one evaluation.
        if full_batch and p is phi:
            return loss, grad
        return problem.loss_and_grad(p, batch)

    for t in range(settings.steps):
        epoch, batch = (t, None) if stream is None else next(stream)
        lr = schedule.rate(t, alpha)
        phi, state, batch_loss, used_grad = optimizer.update(phi, state, t, lr, objective)
        loss, grad = problem.loss_and_grad(phi)
        loss_value = float(loss)
        diverged = _is_diverged(phi, loss_value, centre, reach)
        yield Step(
            t + 1, epoch, phi, loss_value, float(batch_loss), lr, batch, used_grad, diverged
        )
        if diverged:
            return


def stack_steps(steps: Sequence[Step]) -> dict[str, np.ndarray | tuple[object, ...] | None]:
    """The columns of ``steps`` as whole-run holders keep them, by series name."""
    values = dict(zip(Step._fields, zip(*steps)))  # each field over the steps
    return {c.series: c.stack(values.get(c.name, ())) for c in STEP_COLUMNS}


@dataclass(frozen=True, eq=False)
@column_fields
class Trajectory:
    """A finished run as arrays; the diverging step, if any, is not included.

    Row 0 is the start point. Besides its settings and divergence it has one
    field per column of :data:`~gradviz.core.columns.STEP_COLUMNS`, listed last.

    Attributes
    ----------
    settings : RunSettings
        The resolved settings of the run.
    diverged_at : int or None
        The update at which the run diverged.
    """

    settings: RunSettings
    diverged_at: int | None = None

    @classmethod
    def from_steps(cls, settings: RunSettings, steps: Iterable[Step]) -> Trajectory:
        """Collect steps, stopping at (and leaving out) a diverged one."""
        tally = RunTally()
        columns = stack_steps(list(tally.kept(steps)))
        return cls(settings=settings, diverged_at=tally.diverged_at, **columns)

    @property
    def final_phi(self) -> np.ndarray:
        """The last finite parameters."""
        return self.phi[-1]

    @property
    def final_loss(self) -> float:
        """The full-data loss at :attr:`final_phi`."""
        return float(self.loss[-1])

    @property
    def updates(self) -> int:
        """Number of updates recorded (the start point not counted)."""
        return int(self.update[-1])

    def summary(self) -> str:
        """One line: final phi, final loss, number of updates and any divergence."""
        return summary_line(self.final_phi, self.final_loss, self.updates, self.diverged_at)


def summary_line(phi: np.ndarray, loss: float, updates: int, diverged_at: int | None) -> str:
    """The one-line summary of a run that ended at ``phi`` with ``loss`` after ``updates``."""
    phi0, phi1 = phi
    text = f"final phi = ({phi0:.4f}, {phi1:.4f}), final loss = {loss:.4f}, {updates} updates"
    if diverged_at is not None:
        text += f"; diverged at step {diverged_at}"
    return text


class RunTally:
    """What a consumer of a run's steps needs to know once it has seen them all,
    kept in constant memory: the last finite step, the divergence and the row count.
    """

    def __init__(self) -> None:
        self.last: Step | None = None
        self.diverged_at: int | None = None
        self.rows = 0

    def kept(self, steps: Iterable[Step]) -> Iterator[Step]:
        """Yield ``steps`` up to (and leaving out) a diverged one, noting each."""
        for step in steps:
            if step.diverged:
                self.diverged_at = step.update
                return
            self.last = step
            self.rows += 1
            yield step

    def summary(self) -> str:
        """:meth:`Trajectory.summary` of the steps seen (at least one)."""
        if self.last is None:
            raise ValueError("no step of the run has been seen")
        return summary_line(self.last.phi, self.last.loss, self.last.update, self.diverged_at)


REPORT_EVERY = 1024
"""Updates between two reports of :func:`reported` (a report may read the clock,
which would cost more than an update)."""


def reported(
    steps: Iterable[Step], progress: Callable[[int, int], object], total: int, done: int = 0
) -> Iterator[Step]:
    """``steps``, telling ``progress`` (updates done, ``total``) every
    :data:`REPORT_EVERY` updates; ``done`` counts the updates before these."""
    for step in steps:
        if not step.update % REPORT_EVERY:
            progress(done + step.update, total)
        yield step


def run(problem: Problem, settings: RunSettings | None = None, **overrides: object) -> Trajectory:
    """Run an optimizer to the end and return its :class:`Trajectory`.

    Parameters
    ----------
    problem : Problem
        What to minimise.
    settings : RunSettings, optional
        The run's settings; defaults to gradient descent.
    **overrides
        Fields of :class:`RunSettings` to replace, e.g. ``optimizer="adam"``,
        ``steps=200``; other keyword names are taken as hyperparameters
        (``lr=0.05``, ``beta=0.9``).
    """
    settings = settings or RunSettings()
    fields = {k: v for k, v in overrides.items() if k in RunSettings.__dataclass_fields__}
    hyper = {k: v for k, v in overrides.items() if k not in fields}
    if hyper:
        fields["hyperparameters"] = {**settings.hyperparameters, **hyper}
    try:
        settings = replace(settings, **fields)  # type: ignore[arg-type]
    except TypeError as exc:  # pragma: no cover - replace() only raises for bad fields
        raise HyperParameterError(str(exc)) from None
    resolved = settings.resolve(problem)
    return Trajectory.from_steps(resolved, iterate(problem, resolved))
