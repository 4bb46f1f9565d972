"""Declared hyperparameters: complete declarations and validation with clear messages."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from gradviz.core.hyperparameters import HyperParameter, HyperParameterError, validate_all
from gradviz.core.optimizers import OPTIMIZERS, make_optimizer
from gradviz.core.schedules import SCHEDULES, WARMUP

ALL_DECLARED = [
    (f"{name}.{p.name}", p) for name, cls in OPTIMIZERS.items() for p in cls.hyperparameters
] + [
    (f"schedule {kind}.{p.name}", p) for kind, (_, ps) in SCHEDULES.items() for p in ps
] + [("schedule warmup", WARMUP)]


@pytest.mark.parametrize("param", [p for _, p in ALL_DECLARED], ids=[i for i, _ in ALL_DECLARED])
def test_declarations_are_complete(param: HyperParameter) -> None:
    assert param.name.isidentifier()
    assert param.symbol.strip()
    assert len(param.help) > 10
    assert param.name in param.describe() and param.help in param.describe()
    if param.is_choice:
        assert param.default in param.choices
        assert len(param.choices) >= 2
    else:
        assert param.low < param.high
        assert math.isfinite(param.low) and math.isfinite(param.high)
        assert param.low <= param.default <= param.high
        if param.log:
            assert param.low > 0  # a logarithmic slider needs a positive range
        if param.integer:
            assert param.default == int(param.default)
    # The default validates to itself.
    assert param.validate(param.default) == param.default


NUMBER = HyperParameter("beta", "β", 0.5, 0.0, 1.0, help="a weight between 0 and 1")
WHOLE = HyperParameter("every", "K", 10, 1, 100, integer=True, help="updates between drops")
CHOICE = HyperParameter("lookahead", "la", "slide", choices=("slide", "book"), help="which form")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.25, 0.25), (0, 0.0), (1, 1.0), ("0.75", 0.75), (np.float32(0.5), 0.5),
     (np.int64(1), 1.0), (np.array(0.5), 0.5)],
)
def test_number_values_convert_to_float(value, expected) -> None:
    got = NUMBER.validate(value)
    assert got == expected and type(got) is float


def test_integer_values_convert_to_int() -> None:
    assert NUMBER.validate(1) == 1.0
    got = WHOLE.validate("20")
    assert got == 20 and type(got) is int
    assert WHOLE.validate(30.0) == 30


@pytest.mark.parametrize(
    ("param", "value", "words"),
    [
        (NUMBER, 1.5, ["beta", "between 0 and 1", "1.5"]),
        (NUMBER, -0.1, ["beta", "between 0 and 1"]),
        (NUMBER, math.nan, ["beta", "finite"]),
        (NUMBER, math.inf, ["beta", "finite"]),
        (NUMBER, "fast", ["beta", "must be a number", "'fast'"]),
        (NUMBER, None, ["beta", "must be a number"]),
        (NUMBER, True, ["beta", "must be a number"]),
        (NUMBER, np.bool_(False), ["beta", "must be a number"]),
        (NUMBER, [0.5], ["beta", "must be a number"]),
        (NUMBER, np.array([0.5]), ["beta", "must be a number"]),
        (NUMBER, 0.5j, ["beta", "must be a number"]),
        (WHOLE, 2.5, ["every", "whole number"]),
        (WHOLE, 0, ["every", "between 1 and 100"]),
        (CHOICE, "books", ["lookahead", "slide, book", "'books'"]),
        (CHOICE, 1, ["lookahead", "slide, book"]),
        (CHOICE, None, ["lookahead", "slide, book"]),
        (CHOICE, np.array(["slide"]), ["lookahead", "slide, book"]),
        (CHOICE, ["book"], ["lookahead", "slide, book"]),
    ],
)
def test_bad_values_name_the_parameter(param, value, words) -> None:
    with pytest.raises(HyperParameterError) as info:
        param.validate(value)
    for word in words:
        assert word in str(info.value)


def test_validate_all_fills_defaults_and_refuses_unknown_names() -> None:
    declared = (NUMBER, WHOLE, CHOICE)
    assert validate_all(declared, {}, "thing") == {"beta": 0.5, "every": 10, "lookahead": "slide"}
    assert validate_all(declared, {"every": 3}, "thing")["every"] == 3
    with pytest.raises(HyperParameterError) as info:
        validate_all(declared, {"gamma": 0.9}, "optimizer 'x'")
    message = str(info.value)
    assert "optimizer 'x'" in message and "'gamma'" in message
    assert "beta, every, lookahead" in message


def test_error_is_a_value_error() -> None:
    assert issubclass(HyperParameterError, ValueError)


def test_describe_shows_range_or_choices() -> None:
    assert "[0, 1]" in NUMBER.describe()
    assert "slide|book" in CHOICE.describe()
    lr = OPTIMIZERS["gd"].hyperparameters[0]
    assert lr.log and "log" in lr.describe()


POSITIVE = HyperParameter("envelope", "E", 32.0, 0.0, math.inf, open_low=True, log=True,
                          slider=(0.5, 1000.0), help="a divisor, so above 0")
AT_LEAST = HyperParameter("noise", "σ", 0.1, 0.0, math.inf, help="a spread, 0 or more")
AT_MOST = HyperParameter("shift", "s", 0.0, -math.inf, 5.0, help="anything up to 5")
OPEN_BOUNDED = HyperParameter("rate", "r", 0.5, 0.0, 1.0, open_low=True, help="in (0, 1]")


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (POSITIVE, 0.0, "envelope must be positive; got 0"),
        (POSITIVE, -8, "envelope must be positive; got -8"),
        (replace(POSITIVE, low=1.0), 1.0, "envelope must be > 1; got 1"),
        (AT_LEAST, -1, "noise must be >= 0; got -1"),
        (AT_MOST, 6, "shift must be <= 5; got 6"),
        (OPEN_BOUNDED, 0, "rate must be > 0 and <= 1; got 0"),
        (OPEN_BOUNDED, 1.5, "rate must be > 0 and <= 1; got 1.5"),
    ],
)
def test_one_sided_and_open_ranges_say_what_they_allow(param, value, message) -> None:
    with pytest.raises(HyperParameterError, match=f"^{re.escape(message)}$"):
        param.validate(value)


def test_open_and_one_sided_ranges_take_what_they_allow() -> None:
    assert POSITIVE.validate(1e-300) == 1e-300 and POSITIVE.validate(1e300) == 1e300
    assert AT_LEAST.validate(0) == 0.0 and AT_MOST.validate(-1e300) == -1e300
    assert OPEN_BOUNDED.validate(1) == 1.0


def test_slider_range_is_declared_or_the_bounded_range() -> None:
    assert POSITIVE.slider_range == (0.5, 1000.0)
    assert NUMBER.slider_range == (0.0, 1.0)
    assert AT_LEAST.slider_range is None  # unbounded and no slider declared
    assert "(0, inf) log" in POSITIVE.describe() and "[0, inf)" in AT_LEAST.describe()


# --- through the optimizers ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_declares_a_learning_rate_first(name) -> None:
    declared = OPTIMIZERS[name].hyperparameters
    assert declared[0].name == "lr"
    assert len({p.name for p in declared}) == len(declared)
    optimizer = make_optimizer(name)
    assert dict(optimizer.values) == {p.name: p.default for p in declared}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"lr": 0.0}, ["lr", "between"]),
        ({"lr": -0.1}, ["lr", "between"]),
        ({"lr": 1e9}, ["lr", "between"]),
        ({"lr": "quick"}, ["lr", "must be a number"]),
        ({"lr": None}, ["lr", "must be a number"]),
        ({"momentum": 0.9}, ["has no hyperparameter 'momentum'", "lr"]),
    ],
)
def test_optimizer_rejects_bad_values(name, values, words) -> None:
    with pytest.raises(HyperParameterError) as info:
        make_optimizer(name, **values)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("name", "values", "words"),
    [
        ("momentum", {"beta": 1.0}, ["beta", "between 0 and 0.9999"]),
        ("adam", {"gamma": -0.5}, ["gamma", "between"]),
        ("adam", {"eps": 0.0}, ["eps", "between"]),
        ("nesterov", {"lookahead": "ahead"}, ["lookahead", "slide, book"]),
        ("gd", {"beta": 0.9}, ["optimizer 'gd'", "'beta'", "it has: lr"]),
    ],
)
def test_optimizer_specific_errors(name, values, words) -> None:
    with pytest.raises(HyperParameterError) as info:
        make_optimizer(name, **values)
    for word in words:
        assert word in str(info.value)


def test_unknown_optimizer() -> None:
    with pytest.raises(HyperParameterError) as info:
        make_optimizer("lbfgs")
    assert "'lbfgs'" in str(info.value)
    assert all(name in str(info.value) for name in OPTIMIZERS)


def test_per_run_arrays_only_where_asked() -> None:
    declared = (HyperParameter("beta", "β", 0.9, 0.0, 0.9999),)
    with pytest.raises(HyperParameterError, match="must be a number"):
        validate_all(declared, {"beta": np.array([0.5, 0.6])}, "schedule x")
    values = validate_all(declared, {"beta": np.array([[0.5], [0.6]])}, "optimizer x",
                          per_run=True)
    assert values["beta"].shape == (2, 1) and values["beta"].tolist() == [[0.5], [0.6]]
    assert not values["beta"].flags.writeable
    # A 0-d array is one value, as before.
    assert validate_all(declared, {"beta": np.array(0.5)}, "x", per_run=True) == {"beta": 0.5}
    with pytest.raises(HyperParameterError, match="got -0.1"):
        validate_all(declared, {"beta": np.array([0.5, -0.1])}, "x", per_run=True)
