"""Data sets: the book's built-in sets, synthetic sets and CSV files, and their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from core_reference import UDL_GABOR_X, UDL_GABOR_Y, UDL_LINEAR_X, UDL_LINEAR_Y
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.data import (
    BUILTIN_DATASETS,
    DataError,
    Dataset,
    SyntheticSpec,
    load_builtin,
    load_csv,
    parse_synthetic,
    synthetic,
)
from gradviz.core.models import GaborModel, LinearModel


@pytest.mark.parametrize(
    ("name", "x", "y"),
    [("udl-linear", UDL_LINEAR_X, UDL_LINEAR_Y), ("udl-gabor", UDL_GABOR_X, UDL_GABOR_Y)],
)
def test_builtin_sets_are_the_lectures_exactly(name, x, y) -> None:
    data = load_builtin(name)
    assert data.n == len(x)
    # Exact equality, in order: the order decides which points a minibatch holds.
    assert data.x.tolist() == x
    assert data.y.tolist() == y
    assert data.name == data.source == name
    assert data.x.dtype == data.y.dtype == np.float64


def test_builtin_names_and_sizes() -> None:
    assert set(BUILTIN_DATASETS) == {"udl-linear", "udl-gabor"}
    assert load_builtin("udl-linear").n == 12
    assert load_builtin("udl-gabor").n == 30


def test_unknown_builtin_set() -> None:
    with pytest.raises(DataError, match="unknown data set 'udl-cubic'.*udl-linear"):
        load_builtin("udl-cubic")


def test_dataset_arrays_are_read_only() -> None:
    data = load_builtin("udl-linear")
    with pytest.raises(ValueError):
        data.x[0] = 1.0
    with pytest.raises(ValueError):
        data.y[0] = 1.0


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([1.0, 2.0], [1.0], "x has 2 values but y has 1"),
        ([1.0], [1.0], "at least 2"),
        ([1.0, math.nan], [1.0, 2.0], "finite"),
        ([1.0, 2.0], [math.inf, 2.0], "finite"),
    ],
)
def test_dataset_validates(x, y, match) -> None:
    with pytest.raises(DataError, match=match):
        Dataset("mine", np.array(x), np.array(y))


# --- CSV files -----------------------------------------------------------------------------

GOOD_CSV = {
    "header": "x,y\n0.5,1.5\n1.0,2.0\n-2,3e-1\n",
    "no header": "0.5,1.5\n1.0,2.0\n-2,3e-1\n",
    "comments and blanks": "# made by hand\n\nx, y\n# a comment between rows\n0.5, 1.5\n\n"
    "1.0,2.0\n  -2 ,  3e-1  \n",
    "semicolons": "x;y\n0.5;1.5\n1.0;2.0\n-2;3e-1\n",
    "semicolons, decimal commas": "x;y\n0,5;1,5\n1,0;2,0\n-2;0,3\n",
    "white space": "x y\n0.5 1.5\n1.0\t2.0\n-2   3e-1\n",
    "windows line ends and BOM": "\ufeffx,y\r\n0.5,1.5\r\n1.0,2.0\r\n-2,3e-1\r\n",
}


@pytest.mark.parametrize("text", GOOD_CSV.values(), ids=GOOD_CSV.keys())
def test_csv_variants_read(text, tmp_path) -> None:
    path = tmp_path / "points.csv"
    path.write_bytes(text.encode("utf-8"))
    data = load_csv(path)
    assert data.x.tolist() == [0.5, 1.0, -2.0]
    assert data.y.tolist() == [1.5, 2.0, 0.3]
    assert data.name == "points.csv"
    assert data.source == str(path)
    assert load_csv(str(path)).x.tolist() == data.x.tolist()  # str paths work too


def test_shipped_csv_files_parse_like_hand_written_ones(tmp_path) -> None:
    rows = "\n".join(f"{a!r},{b!r}" for a, b in zip(UDL_GABOR_X, UDL_GABOR_Y))
    path = tmp_path / "gabor.csv"
    path.write_text("x,y\n" + rows + "\n")
    assert load_csv(path).x.tolist() == load_builtin("udl-gabor").x.tolist()


# (file content, expected line number or None, words the message must contain)
BAD_CSV = {
    "text in a number column": ("x,y\n1,2\n3,abc\n", 3, ["column 2", "'abc'", "not a number"]),
    "text in the x column": ("1,2\nthree,4\n5,6\n", 2, ["column 1", "'three'"]),
    "empty field": ("x,y\n1,2\n,3\n", 3, ["column 1", "not a number"]),
    "NaN": ("x,y\n1,2\nnan,4\n5,6\n", 3, ["column 1", "nan", "finite"]),
    "inf": ("x,y\n1,2\n3,inf\n5,6\n", 3, ["column 2", "inf", "finite"]),
    "overflow to inf": ("x,y\n1,2\n1e400,4\n", 3, ["column 1", "finite"]),
    "one row": ("x,y\n1,2\n", None, ["1 data row", "at least 2"]),
    "header only": ("x,y\n", None, ["0 data row", "at least 2"]),
    "comments only": ("# nothing\n# here\n", None, ["0 data row"]),
    "three columns": ("x,y\n1,2\n3,4,5\n", 3, ["3 columns", "line 1 has 2"]),
    "one column": ("x,y\n1,2\n3\n", 3, ["1 column,", "line 1 has 2"]),
    "three-column header": ("x,y,z\n1,2\n", 2, ["2 columns", "line 1 has 3"]),
    "one column throughout": ("1\n2\n3\n", 1, ["1 column", "at least 2"]),
    "empty file": ("", None, ["empty"]),
    "blank lines only": ("\n  \n\t\n", None, ["empty"]),
}


@pytest.mark.parametrize(("text", "line", "words"), BAD_CSV.values(), ids=BAD_CSV.keys())
def test_csv_errors_name_file_line_and_problem(text, line, words, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_csv(path)
    message = str(info.value)
    assert message.startswith(str(path))
    if line is not None:
        assert f"line {line}:" in message
    else:
        # The path itself may contain "line" (pytest names tmp_path after the test).
        assert ", line" not in message
    for word in words:
        assert word in message
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, DataError)


def test_missing_file(tmp_path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(DataError, match="absent.csv: no such file"):
        load_csv(path)


def test_directory(tmp_path) -> None:
    with pytest.raises(DataError, match="is a directory"):
        load_csv(tmp_path)


def test_non_utf8_file(tmp_path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,y\n1,2\n3,4 # café\n".encode("latin-1"))
    with pytest.raises(DataError) as info:
        load_csv(path)
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)
    assert info.value.__suppress_context__  # one clear error, not a chained traceback


def test_binary_file(tmp_path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(DataError, match="image.csv"):
        load_csv(path)


def test_data_error_is_a_value_error() -> None:
    # Front ends catch ValueError for every bad input.
    assert issubclass(DataError, ValueError)


# --- synthetic data ------------------------------------------------------------------------


@pytest.mark.parametrize("model", [LinearModel(), GaborModel()], ids=["linear", "gabor"])
def test_synthetic_is_reproducible_from_its_seed(model) -> None:
    spec = SyntheticSpec(n=40, noise=0.2, seed=7)
    a, b = synthetic(model, spec), synthetic(model, spec)
    assert a.x.tolist() == b.x.tolist() and a.y.tolist() == b.y.tolist()
    c = synthetic(model, SyntheticSpec(n=40, noise=0.2, seed=8))
    assert a.x.tolist() != c.x.tolist()
    assert a.n == 40
    low, high = model.default_x_range
    assert low <= a.x.min() and a.x.max() <= high
    assert np.all(np.diff(a.x) >= 0)


def test_synthetic_without_noise_lies_on_the_model() -> None:
    model = GaborModel()
    data = synthetic(model, SyntheticSpec(n=25, noise=0.0, seed=1, phi=(0.5, 12.0)))
    np.testing.assert_allclose(data.y, model.evaluate(data.x, 0.5, 12.0), rtol=0, atol=0)


def test_synthetic_uses_its_range_and_truth() -> None:
    data = synthetic(
        LinearModel(), SyntheticSpec(n=50, noise=0.0, seed=2, phi=(1.0, -2.0), x_range=(3.0, 4.0))
    )
    assert 3.0 <= data.x.min() and data.x.max() <= 4.0
    np.testing.assert_allclose(data.y, 1.0 - 2.0 * data.x)


def test_parse_synthetic_defaults_and_keys() -> None:
    assert parse_synthetic("synthetic") == SyntheticSpec()
    spec = parse_synthetic("synthetic:n=12, noise=0.5,seed=3,phi0=1,phi1=2,xmin=-1,xmax=1")
    assert spec == SyntheticSpec(n=12, noise=0.5, seed=3, phi=(1.0, 2.0), x_range=(-1.0, 1.0))


@given(
    n=st.integers(2, 500),
    noise=st.floats(0, 10),
    seed=st.integers(0, 2**32 - 1),
    phi=st.none() | st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)),
    low=st.floats(-100, 100),
    width=st.floats(1e-3, 100),
)
@settings(max_examples=60, deadline=None)
def test_synthetic_spec_text_round_trips(n, noise, seed, phi, low, width) -> None:
    spec = SyntheticSpec(n=n, noise=noise, seed=seed, phi=phi, x_range=(low, low + width))
    assert parse_synthetic(spec.describe()) == spec


def test_synthetic_source_reproduces_the_data() -> None:
    spec = SyntheticSpec(n=9, noise=0.123456789, seed=5)
    data = synthetic(GaborModel(), spec)
    again = synthetic(GaborModel(), parse_synthetic(data.source))
    assert again.y.tolist() == data.y.tolist()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("synthetic:n=1", "n must be between 2"),
        ("synthetic:n=2.5", "n must be a whole number"),
        ("synthetic:seed=0.5", "seed must be a whole number"),
        ("synthetic:seed=-1", "seed must be between 0"),
        ("synthetic:noise=-1", "noise must be >= 0"),
        ("synthetic:noise=nan", "noise must be a number"),
        ("synthetic:noise=lots", "noise must be a number"),
        ("synthetic:phi0=1", "both phi0 and phi1"),
        ("synthetic:xmin=1", "both xmin and xmax"),
        ("synthetic:xmin=2,xmax=1", "empty"),
        ("synthetic:size=3", "bad item 'size=3'"),
        ("synthetic:n", "bad item 'n'"),
        ("synth:n=3", "not a synthetic data spec"),
    ],
)
def test_bad_synthetic_specs(text, match) -> None:
    with pytest.raises(DataError, match=match):
        synthetic(LinearModel(), parse_synthetic(text))
