"""The settings of a run: everything that decides its path, as plain data."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from gradviz.core.batching import BATCHING_SCHEMES, check_batch_size
from gradviz.core.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from gradviz.core.problems import Problem
from gradviz.core.schedules import Schedule, parse_schedule
from gradviz.core.space import start_problem

MAX_STEPS = 10_000_000
MAX_SEED = 2**32 - 1
"""Largest seed of a minibatch sequence (numpy's generators take 32-bit seeds here)."""


def check_seed(seed: int) -> int:
    """``seed`` if a minibatch sequence can start from it (0 to :data:`MAX_SEED`).

    Raises
    ------
    ValueError
        Saying the range.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}, got {seed}")
    return seed
"""Most updates a run may take."""


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
            wrong = start_problem(start)
            if wrong is not None:
                raise ValueError(f"start {wrong}, got ({start[0]:g}, {start[1]:g})")
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
        check_seed(self.seed)
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


__all__ = ["MAX_STEPS", "RunSettings"]
