"""Numbers read one way everywhere, and user text quoted short."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradviz.core.parsing import EXCERPT_CHARS, excerpt, parse_float, parse_int


@given(st.floats(allow_nan=False))
def test_every_float_reads_back_from_its_repr(value: float) -> None:
    assert parse_float(repr(value)) == value


@given(st.text(max_size=40))
def test_text_is_a_number_as_float_reads_it_or_refused(text: str) -> None:
    try:
        value = parse_float(text)
    except ValueError as exc:
        assert str(exc).endswith("is not a number")
        return
    # What is accepted means what Python means by it, in plain ASCII.
    assert text.isascii() and "_" not in text and text == text.strip()
    expected = float(text)
    assert value == expected or (math.isnan(value) and math.isnan(expected))


@pytest.mark.parametrize("text", ["1_0", "١٢", " 1", "1 ", "", "0x10", "1e", "--1", "1,5"])
def test_what_float_would_take_or_mistake_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a number"):
        parse_float(text)


@pytest.mark.parametrize("text", ["-1e3", "2e0", ".5", "-.5e-3", "1.", "+7", "inf", "-NaN"])
def test_numbers_in_every_notation_are_read(text: str) -> None:
    expected = float(text)
    value = parse_float(text)
    assert value == expected or (math.isnan(value) and math.isnan(expected))


@given(st.integers(min_value=-10**29, max_value=10**29))
def test_integers_read_back(value: int) -> None:
    assert parse_int(str(value)) == value


@pytest.mark.parametrize("text", ["9" * 5000, "1_0", "²", "1.0", "1e3", " 1"])
def test_what_int_would_fail_on_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_int(text)
    assert len(str(info.value)) < 2 * EXCERPT_CHARS + 40


@given(st.text(max_size=500))
def test_an_excerpt_is_short_and_starts_the_text(text: str) -> None:
    short = excerpt(text)
    assert len(short) <= EXCERPT_CHARS
    assert short == text or (short.endswith("…") and text.startswith(short[:-1]))
