"""Learning-rate schedules: alpha_t for update t = 0, 1, 2, ...

A schedule is written as a short spec, ``kind[:key=value,...]``, for example
``step:every=20,factor=0.5`` or ``cosine:period=200,warmup=10``. Every kind
accepts ``warmup=W``: a linear ramp over the first W updates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from gradviz.core.hyperparameters import HyperParameter, HyperParameterError, validate_all
from gradviz.core.parsing import quote

WARMUP = HyperParameter(
    "warmup", "W", 0, 0, 1_000_000, integer=True,
    help="updates over which the rate ramps up linearly from alpha/W (0: none)",
)

SCHEDULES: Mapping[str, tuple[str, tuple[HyperParameter, ...]]] = MappingProxyType(
    {
        "constant": ("alpha_t = alpha", ()),
        "step": (
            "alpha_t = alpha * factor ** (t // every)",
            (
                HyperParameter("every", "K", 50, 1, 1_000_000, integer=True,
                               help="updates between drops"),
                HyperParameter("factor", "F", 0.5, 1e-6, 1.0, help="multiplier at each drop"),
            ),
        ),
        "exponential": (
            "alpha_t = alpha * decay ** t",
            (HyperParameter("decay", "d", 0.99, 1e-6, 1.0, help="multiplier per update"),),
        ),
        "inverse-time": (
            "alpha_t = alpha / (1 + decay * t)",
            (HyperParameter("decay", "k", 0.01, 0.0, 1e6, help="how fast the rate falls"),),
        ),
        "cosine": (
            "alpha_t = floor + (alpha - floor) (1 + cos(pi min(t, period) / period)) / 2",
            (
                HyperParameter("period", "T", 100, 1, 1_000_000, integer=True,
                               help="updates from alpha down to the floor"),
                HyperParameter("floor", "η", 0.0, 0.0, 1.0,
                               help="final rate as a fraction of alpha"),
            ),
        ),
    }
)
"""Each schedule kind: its formula and its declared parameters (``warmup`` aside)."""


@dataclass(frozen=True)
class Schedule:
    """A validated learning-rate schedule.

    Parameters
    ----------
    kind : str
        One of :data:`SCHEDULES`.
    params : Mapping[str, float]
        The kind's parameters and ``warmup``; missing ones take their defaults.
    """

    kind: str = "constant"
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise HyperParameterError(
                f"unknown schedule {quote(self.kind)}; choose from {', '.join(SCHEDULES)}"
            )
        declared = SCHEDULES[self.kind][1] + (WARMUP,)
        values = validate_all(declared, dict(self.params), f"schedule {self.kind!r}")
        object.__setattr__(self, "params", MappingProxyType(values))

    def rate(self, t: int, alpha: float) -> float:
        """The learning rate for update ``t`` given the base rate ``alpha``."""
        p = self.params
        if self.kind == "step":
            rate = alpha * p["factor"] ** (t // p["every"])
        elif self.kind == "exponential":
            rate = alpha * p["decay"] ** t
        elif self.kind == "inverse-time":
            rate = alpha / (1.0 + p["decay"] * t)
        elif self.kind == "cosine":
            floor = alpha * p["floor"]
            progress = min(t, p["period"]) / p["period"]
            rate = floor + (alpha - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
        else:
            rate = alpha
        warmup = p["warmup"]
        if warmup and t < warmup:
            rate *= (t + 1) / warmup
        return rate

    @property
    def is_constant(self) -> bool:
        """Whether every update gets the base rate."""
        return self.kind == "constant" and not self.params["warmup"]

    @property
    def spec(self) -> str:
        """The schedule as the text :func:`parse_schedule` reads."""
        defaults = {h.name: h.default for h in SCHEDULES[self.kind][1] + (WARMUP,)}
        items = [f"{k}={_number(v)}" for k, v in self.params.items() if v != defaults[k]]
        return self.kind + (":" + ",".join(items) if items else "")


class RunRates:
    """The learning rate of each of many runs, each from its own schedule and base rate.

    Every rate is the float :meth:`Schedule.rate` returns, so a run stepped
    among others gets exactly the rates it gets alone. Runs that share a
    schedule and a base rate share its computation, and a batch whose
    schedules are all constant computes nothing per update.

    Parameters
    ----------
    schedules : Sequence[Schedule]
        One schedule per run.
    alphas : Sequence[float]
        The base rate of each run.
    """

    def __init__(self, schedules: Sequence[Schedule], alphas: Sequence[float]) -> None:
        if len(schedules) != len(alphas):
            raise ValueError(f"{len(schedules)} schedules for {len(alphas)} base rates")
        pairs: dict[tuple[object, ...], int] = {}
        distinct: list[tuple[Schedule, float]] = []
        inverse = []
        for schedule, alpha in zip(schedules, alphas):
            key = (schedule.kind, tuple(schedule.params.items()), float(alpha))
            if key not in pairs:
                pairs[key] = len(distinct)
                distinct.append((schedule, float(alpha)))
            inverse.append(pairs[key])
        self._varying = [(i, s, a) for i, (s, a) in enumerate(distinct) if not s.is_constant]
        self._distinct = np.array([a for _, a in distinct], dtype=float)
        self._inverse = np.array(inverse, dtype=np.intp)
        self._constant = self._distinct[self._inverse]
        self._constant.flags.writeable = False

    @property
    def is_constant(self) -> bool:
        """Whether every run's rate is its base rate at every update."""
        return not self._varying

    def at(self, t: int) -> np.ndarray:
        """The runs' rates for update ``t``, shape ``(runs,)`` (read-only when constant)."""
        if not self._varying:
            return self._constant
        for i, schedule, alpha in self._varying:
            self._distinct[i] = schedule.rate(t, alpha)
        return self._distinct[self._inverse]


def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``:g`` keeps only 6 digits)."""
    if isinstance(value, int):
        return str(value)
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def parse_schedule(spec: str) -> Schedule:
    """Parse ``kind[:key=value,...]`` into a :class:`Schedule`.

    Raises
    ------
    HyperParameterError
        For an unknown kind or key, or a value out of range.
    """
    kind, _, tail = spec.strip().partition(":")
    params: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in tail.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise HyperParameterError(f"schedule item {quote(item)} is not key=value")
        key = key.strip()
        if key in params:
            raise HyperParameterError(f"schedule {quote(kind.strip())}: {quote(key)} is given twice")
        params[key] = value.strip()
    return Schedule(kind.strip() or "constant", params)
