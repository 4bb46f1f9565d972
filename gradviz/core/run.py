"""Runs: an optimizer stepping across a problem, as a generator of recorded steps.

A run is the case R = 1 of the :class:`~gradviz.core.engine.Engine`, which
steps many runs at once: :func:`iterate` streams the steps of an engine of one
run, and :func:`run` collects them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from gradviz.core.columns import STEP_COLUMNS, column_fields
from gradviz.core.engine import BLOCK_UPDATES, Engine
from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.problems import Problem

# A run's settings and steps have modules of their own, which the engine builds
# on; they are this module's public names too.
from gradviz.core.run_settings import MAX_STEPS, RunSettings
from gradviz.core.step import DIVERGENCE_LOSS, ESCAPE_FACTOR, Step

BLOCK_STEPS = BLOCK_UPDATES
"""Most updates :func:`iterate` computes ahead of its consumer: the engine's
longest block, so that one block of the engine serves a request."""

BLOCK_SECONDS = 1e-2
"""Time a block of updates may take; a slower block makes the next one smaller.
Each block costs the engine about what three updates of a run alone cost
besides its updates, so blocks must grow long (at 1 ms a run alone lost a fifth
of its speed); a hundredth of a second ahead is still far less than a consumer
waiting for a step notices."""


def iterate(problem: Problem, settings: RunSettings, terms: bool = False) -> Iterator[Step]:
    """Yield the start point, then one :class:`Step` per update.

    The steps are those of an :class:`~gradviz.core.engine.Engine` of this one
    run; with ``terms``, they hold the terms that its optimizer reports too
    (the same steps otherwise, to the last bit). A run that produces a non-finite phi or loss, a loss above
    :data:`DIVERGENCE_LOSS`, or a phi farther than :data:`ESCAPE_FACTOR` view
    sizes from the centre of the problem's view, yields that step with
    ``diverged=True`` and stops.

    Updates are computed a block at a time, ahead of the consumer: up to
    :data:`BLOCK_STEPS` while they are cheap, fewer once a block takes longer
    than :data:`BLOCK_SECONDS`, and never past ``settings.steps`` nor past a
    diverged step. An error raised by the problem surfaces when the consumer
    asks for the first step of the block it interrupted.

    Raises
    ------
    ValueError
        When the first step is asked for, if the settings do not fit the problem.
    """
    # The engine sets numpy's error state while it computes, never while this
    # generator waits at a yield, so the state does not leak into the consumer.
    engine = Engine(problem, [settings], terms=terms)
    yield from engine.start.steps(0)
    size = 1
    while not engine.finished:
        started = time.perf_counter()
        block = engine.advance(size)
        # Grow the block while updates are cheap, shrink it when they are slow,
        # so that a consumer taking one step at a time never waits long.
        if time.perf_counter() - started < BLOCK_SECONDS:
            size = min(2 * size, BLOCK_STEPS)
        else:
            size = max(size // 2, 1)
        yield from block.steps(0)


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
    undefined : bool
        Whether it stopped there because the loss is undefined (:func:`loss_undefined`).
    """

    settings: RunSettings
    diverged_at: int | None = None
    undefined: bool = False

    @classmethod
    def from_steps(cls, settings: RunSettings, steps: Iterable[Step]) -> Trajectory:
        """Collect steps, stopping at (and leaving out) a diverged one."""
        tally = RunTally()
        columns = stack_steps(list(tally.kept(steps)))
        return cls(settings=settings, diverged_at=tally.diverged_at, undefined=tally.undefined,
                   **columns)

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
        return summary_line(self.final_phi, self.final_loss, self.updates, self.diverged_at,
                            self.undefined)


def summary_line(
    phi: np.ndarray, loss: float, updates: int, diverged_at: int | None, undefined: bool = False
) -> str:
    """The one-line summary of a run that ended at ``phi`` with ``loss`` after ``updates``,
    and stopped at step ``diverged_at`` (if not ``None``) by diverging or, if
    ``undefined``, where the loss is undefined."""
    phi0, phi1 = phi
    text = (f"final phi = ({phi0:.4f}, {phi1:.4f}), final loss = {loss_text(loss, '.4f')}, "
            f"{updates} updates")
    if diverged_at is not None and undefined:
        text += f"; stopped at step {diverged_at}: the loss is undefined there"
    elif diverged_at is not None:
        text += f"; diverged at step {diverged_at}"
    return text


UNDEFINED_LOSS = "undefined"
"""How a NaN loss reads wherever a loss is shown as text (files keep NaN)."""


def loss_text(loss: float, spec: str = ".4g") -> str:
    """``loss`` as shown to people: formatted by ``spec``, or :data:`UNDEFINED_LOSS`
    where it is NaN (a formula's loss where it takes the log of a negative number,
    say), never "nan"."""
    return UNDEFINED_LOSS if np.isnan(loss) else format(loss, spec)


def loss_undefined(phi: np.ndarray, loss: float, batch_loss: float) -> bool:
    """Whether a diverged step stopped where the loss is undefined, not huge: its
    full-data loss at finite parameters is NaN (a formula's is where it takes the log
    of a negative number or divides by zero) and its batch loss is not huge, or its
    batch loss is NaN: the loss on that batch at the step before, whose parameters
    passed the divergence test, inside the view's reach. A run on a large data set,
    whose steps off its schedule hold no full-data loss, stops there, a step after it
    reached the undefined point, mostly with NaN parameters. A run that diverges has
    huge or infinite losses, or parameters beyond reach."""
    if np.isnan(batch_loss):
        return True
    return (bool(np.isfinite(phi).all()) and bool(np.isnan(loss))
            and not abs(batch_loss) > DIVERGENCE_LOSS)


class RunTally:
    """What a consumer of a run's steps needs to know once it has seen them all,
    kept in constant memory: the last finite step, the divergence and the row count.
    """

    def __init__(self) -> None:
        self.last: Step | None = None
        self.diverged_at: int | None = None
        self.undefined = False
        self.rows = 0

    def kept(self, steps: Iterable[Step]) -> Iterator[Step]:
        """Yield ``steps`` up to (and leaving out) a diverged one, noting each."""
        for step in steps:
            if step.diverged:
                self.diverged_at = step.update
                self.undefined = loss_undefined(step.phi, step.loss, step.batch_loss)
                return
            self.last = step
            self.rows += 1
            yield step

    def summary(self) -> str:
        """:meth:`Trajectory.summary` of the steps seen (at least one)."""
        if self.last is None:
            raise ValueError("no step of the run has been seen")
        return summary_line(self.last.phi, self.last.loss, self.last.update, self.diverged_at,
                            self.undefined)


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
