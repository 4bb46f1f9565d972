"""Learning-rate schedules: each formula, warmup, and the spec text round trip."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.schedules import SCHEDULES, RunRates, Schedule, parse_schedule

FAST = settings(max_examples=60, deadline=None)
ALPHA = 0.3
T = range(0, 250, 7)


def rates(spec: str, ts=T, alpha: float = ALPHA) -> list[float]:
    schedule = parse_schedule(spec)
    return [schedule.rate(t, alpha) for t in ts]


def test_kinds() -> None:
    assert set(SCHEDULES) == {"constant", "step", "exponential", "inverse-time", "cosine"}


def test_constant() -> None:
    assert rates("constant") == [ALPHA] * len(T)
    assert parse_schedule("").kind == "constant"
    assert Schedule() == parse_schedule("constant")


@pytest.mark.parametrize(("every", "factor"), [(50, 0.5), (20, 0.1), (1, 0.9), (7, 1.0)])
def test_step(every, factor) -> None:
    got = rates(f"step:every={every},factor={factor}")
    assert got == pytest.approx([ALPHA * factor ** (t // every) for t in T], rel=1e-15)


def test_step_defaults_and_boundaries() -> None:
    schedule = parse_schedule("step")
    assert dict(schedule.params) == {"every": 50, "factor": 0.5, "warmup": 0}
    assert [schedule.rate(t, 1.0) for t in (0, 49, 50, 99, 100)] == [1.0, 1.0, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("decay", [0.99, 0.5, 1.0])
def test_exponential(decay) -> None:
    assert rates(f"exponential:decay={decay}") == pytest.approx(
        [ALPHA * decay**t for t in T], rel=1e-12
    )


@pytest.mark.parametrize("decay", [0.0, 0.01, 3.0])
def test_inverse_time(decay) -> None:
    assert rates(f"inverse-time:decay={decay}") == pytest.approx(
        [ALPHA / (1 + decay * t) for t in T], rel=1e-15
    )


@pytest.mark.parametrize(("period", "floor"), [(100, 0.0), (40, 0.1), (1, 0.5)])
def test_cosine(period, floor) -> None:
    def expected(t: int) -> float:
        low = ALPHA * floor
        return low + (ALPHA - low) * (1 + math.cos(math.pi * min(t, period) / period)) / 2

    assert rates(f"cosine:period={period},floor={floor}") == pytest.approx(
        [expected(t) for t in T], rel=1e-12, abs=1e-15
    )
    schedule = parse_schedule(f"cosine:period={period},floor={floor}")
    assert schedule.rate(0, ALPHA) == pytest.approx(ALPHA)
    assert schedule.rate(period, ALPHA) == pytest.approx(ALPHA * floor, abs=1e-15)
    assert schedule.rate(10 * period, ALPHA) == pytest.approx(ALPHA * floor, abs=1e-15)


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
@pytest.mark.parametrize("warmup", [1, 4, 10])
def test_linear_warmup_scales_every_kind(kind, warmup) -> None:
    plain = parse_schedule(kind)
    warm = parse_schedule(f"{kind}:warmup={warmup}")
    for t in range(30):
        ramp = (t + 1) / warmup if t < warmup else 1.0
        assert warm.rate(t, ALPHA) == pytest.approx(plain.rate(t, ALPHA) * ramp, rel=1e-15)


def test_warmup_reaches_alpha_linearly() -> None:
    assert rates("constant:warmup=4", range(6), 1.0) == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("kind", sorted(SCHEDULES))
def test_rates_are_positive_and_never_above_alpha(kind) -> None:
    got = rates(f"{kind}:warmup=5", range(500))
    assert all(0 <= r <= ALPHA * (1 + 1e-15) for r in got)
    if kind != "cosine":  # cosine may end at floor 0
        assert all(r > 0 for r in got)


SPEC_VALUES = {
    "step": {"every": st.integers(1, 10**6), "factor": st.floats(1e-6, 1.0)},
    "exponential": {"decay": st.floats(1e-6, 1.0)},
    "inverse-time": {"decay": st.floats(0.0, 1e6)},
    "cosine": {"period": st.integers(1, 10**6), "floor": st.floats(0.0, 1.0)},
    "constant": {},
}


@st.composite
def schedules(draw) -> Schedule:
    kind = draw(st.sampled_from(sorted(SPEC_VALUES)))
    params = {k: draw(s) for k, s in SPEC_VALUES[kind].items() if draw(st.booleans())}
    if draw(st.booleans()):
        params["warmup"] = draw(st.integers(0, 10**6))
    return Schedule(kind, params)


@given(schedules())
@FAST
def test_spec_round_trips_exactly(schedule: Schedule) -> None:
    again = parse_schedule(schedule.spec)
    assert again == schedule
    assert dict(again.params) == dict(schedule.params)
    assert again.spec == schedule.spec


def test_spec_is_short_and_leaves_out_defaults() -> None:
    assert parse_schedule("step:every=50").spec == "step"
    assert parse_schedule(" step : every = 20 , factor = 0.25 ").spec == "step:every=20,factor=0.25"
    assert Schedule("cosine", {"period": 200, "warmup": 10}).spec == "cosine:period=200,warmup=10"
    assert Schedule("exponential", {"decay": 0.9999999}).spec == "exponential:decay=0.9999999"


def test_integer_parameters_are_ints() -> None:
    schedule = parse_schedule("step:every=20,warmup=3")
    assert type(schedule.params["every"]) is int
    assert type(schedule.params["warmup"]) is int


def test_schedule_params_are_read_only() -> None:
    schedule = parse_schedule("step")
    with pytest.raises(TypeError):
        schedule.params["every"] = 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("linear", ["unknown schedule 'linear'", "constant", "cosine"]),
        ("step:every", ["'every'", "key=value"]),
        ("step:foo=1", ["'foo'", "every, factor, warmup"]),
        ("step:every=0", ["every", "between 1 and"]),
        ("step:every=2.5", ["every", "whole number"]),
        ("step:factor=2", ["factor", "between"]),
        ("step:factor=abc", ["factor", "must be a number", "'abc'"]),
        ("exponential:decay=nan", ["decay", "finite"]),
        ("inverse-time:decay=-1", ["decay", "between 0"]),
        ("cosine:floor=1.5", ["floor", "between 0 and 1"]),
        ("cosine:warmup=-1", ["warmup", "between 0"]),
        ("constant:decay=0.5", ["constant", "'decay'", "warmup"]),
    ],
)
def test_bad_specs_raise_with_a_clear_message(spec, words) -> None:
    with pytest.raises(HyperParameterError) as info:
        parse_schedule(spec)
    for word in words:
        assert word in str(info.value)


def test_bad_schedule_constructed_directly() -> None:
    with pytest.raises(HyperParameterError, match="unknown schedule"):
        Schedule("linear")
    with pytest.raises(HyperParameterError, match="every"):
        Schedule("step", {"every": None})


def test_run_rates_are_each_runs_own_schedule_rates_exactly() -> None:
    specs = ["constant", "step:every=3,factor=0.5", "cosine:period=7,warmup=2", "constant",
             "exponential:decay=0.9", "step:every=3,factor=0.5"]
    alphas = [0.3, 0.1, 0.7, 0.3, 2.0, 0.1]
    schedules = [parse_schedule(spec) for spec in specs]
    rates = RunRates(schedules, alphas)
    for t in range(40):
        expected = [s.rate(t, a) for s, a in zip(schedules, alphas)]
        assert rates.at(t).tolist() == expected  # floats compared exactly


def test_constant_run_rates_are_computed_once() -> None:
    rates = RunRates([parse_schedule("constant")] * 3, [0.1, 0.2, 0.1])
    first = rates.at(0)
    assert rates.is_constant and rates.at(500) is first and first.tolist() == [0.1, 0.2, 0.1]
    assert not RunRates([parse_schedule("step")], [0.1]).is_constant
    assert not first.flags.writeable
    assert not parse_schedule("constant:warmup=3").is_constant
    with pytest.raises(ValueError, match="2 schedules for 1"):
        RunRates([parse_schedule("constant")] * 2, [0.1])
