"""Reading formulas: the whitelist is accepted, everything else is refused where it is."""

from __future__ import annotations

import numpy as np
import pytest

from formula_checks import SURFACE, model
from gradviz.core.formula import MAX_DEPTH, MAX_LENGTH, Formula, FormulaError, to_text

ACCEPTED = [
    "phi0 * exp(-phi1 * x)",
    "phi0 + phi1 * x",
    "sin(x) + cos(phi0) - tan(phi1) * exp(x) / log(2) ** sqrt(abs(phi0))",
    "tanh(phi0 * x) + sigmoid(phi1 - x)",
    "-(-phi0) + +phi1",
    "2.5e-3 * x ** 2 ** 0.5",
    "((((phi0))))",
    "  phi0 + x  ",
    "1_000 * phi0",
    "phi0 / 0",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_the_whitelist_is_read_and_printed_back_as_the_same_formula(text: str) -> None:
    formula = model(text)
    again = model(formula.canonical)
    x, phi0, phi1 = np.linspace(0.1, 2.0, 7), 0.7, -0.3
    first = np.asarray(formula.value_program(x, phi0, phi1)[0])
    second = np.asarray(again.value_program(x, phi0, phi1)[0])
    np.testing.assert_array_equal(first, second)


# (formula, column of the offending part, its text as quoted, words of the message)
REFUSED = [
    ("phi0 + foo", 8, "foo", "unknown name 'foo'"),
    ("phi0 * x.real", 8, "x.real", "attribute access"),
    ("().__class__", 1, "().__class__", "attribute access"),
    ("__import__('os')", 1, "__import__", "unknown function '__import__'"),
    ("x + open('f')", 5, "open", "unknown function 'open'"),
    ("x[0]", 1, "x[0]", "subscripts"),
    ("(lambda: x)", 2, "lambda: x", "lambda"),
    ("'text' * 2", 1, "'text'", "strings are not allowed"),
    ("[x for x in phi0]", 1, "[x for x in phi0]", "comprehensions"),
    ("x if phi0 else phi1", 1, "x if phi0 else phi1", "if/else"),
    ("x < phi0", 1, "x < phi0", "comparisons"),
    ("x % 2", 1, "x % 2", "operators + - * / **"),
    ("x ^ 2", 3, "^", "write **"),
    ("phi0 +", 6, "+", "a term is missing after"),
    ("  phi0 ** ", 8, "**", "ends too soon"),
    ("~x", 1, "~x", "signs"),
    ("sin(x, phi0)", 1, "sin(x, phi0)", "exactly one argument"),
    ("sin(x=1)", 7, "1", "no keyword"),
    ("sin + x", 1, "sin", "is a function"),
    ("2j * x", 1, "2j", "complex values"),
    ("True * x", 1, "True", "bool values"),
    ("x +* 2", 4, "* 2", "not a formula here"),
    ("x\n+ 2", 2, "'\\n'", "line breaks"),
    ("(x", 1, "(x", "never closed"),
    ("   ", 1, "   ", "empty"),
    ("x + " + "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), 5 + MAX_DEPTH, "(x)",
     "nested deeper"),
    ("-" * (MAX_DEPTH + 5) + "x", MAX_DEPTH + 1, "-----x", "nested deeper"),
    ("x" * (MAX_LENGTH + 1), MAX_LENGTH + 1, "x", f"at most {MAX_LENGTH}"),
    ("phi0 + é", 8, "é", "unknown name 'é'"),
]


@pytest.mark.parametrize(("text", "column", "part", "words"), REFUSED)
def test_a_refused_formula_names_the_column_and_the_text(
    text: str, column: int, part: str, words: str
) -> None:
    with pytest.raises(FormulaError) as info:
        model(text)
    error = info.value
    assert error.column == column
    assert error.text.startswith(part)
    assert words in error.message
    assert str(error).startswith(f"at column {column} (")


def test_x_is_not_a_variable_of_a_surface() -> None:
    with pytest.raises(FormulaError, match=r"unknown name 'x'; the formula may use phi0, phi1"):
        Formula("phi0 * x", SURFACE)


def test_the_limits_themselves_are_allowed() -> None:
    assert model("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH).canonical == "x"
    assert model("-" * (MAX_DEPTH - 1) + "x").canonical == "-x"
    long = "x + " * ((MAX_LENGTH - 1) // 4) + "x"
    assert len(long) <= MAX_LENGTH
    model(long)  # a long chain of terms is one level of nesting


def test_a_column_counts_characters_not_bytes() -> None:
    with pytest.raises(FormulaError) as info:
        model("phi0 + 'φφφ' + foo")
    assert info.value.column == 8


def test_numbers_are_folded_in_floats_and_only_when_finite() -> None:
    assert model("2 * 3 + x").canonical == "6 + x"
    assert model("10**10**10").canonical == "10**10000000000"
    assert model("1/0 + x").canonical == "1 / 0 + x"
    with pytest.raises(FormulaError, match="too large"):
        model("1e999 * x")
    with pytest.raises(FormulaError, match="too large"):
        model("1" * 400 + " * x")


def test_printing_puts_parentheses_only_where_needed() -> None:
    cases = {
        "(phi0 + x) * phi1": "(phi0 + x) * phi1",
        "phi0 - (x - phi1)": "phi0 - (x - phi1)",
        "(phi0 ** x) ** phi1": "(phi0**x)**phi1",
        "phi0 ** (x ** phi1)": "phi0**x**phi1",
        "(-phi0) ** 2": "(-phi0)**2",
        "-(phi0 ** 2)": "-phi0**2",
        "phi0 / (x * phi1)": "phi0 / (x * phi1)",
    }
    for text, printed in cases.items():
        assert to_text(model(text).tree) == printed
