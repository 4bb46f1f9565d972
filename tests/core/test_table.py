"""Data files as tables: delimiters, headers, columns picked by name or number, every bad
cell with its line and column, hostile files, and the one-pass reader agreeing with the
line-by-line one to the bit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradviz.core.data import (
    MAX_EMBEDDED_POINTS,
    DataError,
    load_table,
    parse_points,
    points_spec,
)
from gradviz.core.problems import ProblemSpec
from gradviz.core.sources import data_source
from gradviz.core.table import (
    MAX_COLUMNS,
    SAMPLE_ROWS,
    WHITESPACE,
    FileSpec,
    parse_file_spec,
    parse_table,
    read_table,
)
from gradviz.core import table as table_module

WIDE = "# measured by hand\ntime,speed,label,height\n0.5,1.5,a,10\n1,2,b,11\n\n2,3e-1,c,12\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_a_wide_file_is_read_into_named_columns_with_its_bad_cells(tmp_path) -> None:
    table = read_table(_write(tmp_path, WIDE))
    assert (table.header, table.delimiter, table.rows, table.columns) == (True, ",", 3, 4)
    assert table.names == ("time", "speed", "label", "height")
    assert table.values[:, 0].tolist() == [0.5, 1.0, 2.0]
    assert table.values[:, 3].tolist() == [10.0, 11.0, 12.0]
    assert np.isnan(table.values[:, 2]).all()
    assert table.bad_counts == (0, 0, 3, 0)
    problem = table.problems[2]
    assert (problem.line, problem.column, problem.text, problem.reason) == (3, 3, "a",
                                                                          "not a number")
    assert table.sample == (("0.5", "1.5", "a", "10"), ("1", "2", "b", "11"),
                            ("2", "3e-1", "c", "12"))
    assert table.sample_lines == (3, 4, 6)
    assert table.label(1) == "2 (speed)"


def test_columns_are_picked_by_name_or_number(tmp_path) -> None:
    path = _write(tmp_path, WIDE)
    by_name = load_table(FileSpec(str(path), "time", "height"))
    by_number = load_table(FileSpec(str(path), "1", "4"))
    assert by_name.x.tolist() == by_number.x.tolist() == [0.5, 1.0, 2.0]
    assert by_name.y.tolist() == [10.0, 11.0, 12.0]
    assert by_name.source == f"{path}:x=time,y=height"
    assert ProblemSpec("linear", f"{path}:x=speed,y=time").build().data.y.tolist() == [0.5, 1, 2]


@pytest.mark.parametrize(("x", "y", "words"), [
    ("time", "label", ["line 3: column 3 (y: label) is 'a'", "not a number"]),
    ("nope", "time", ["no column named 'nope'", "'time', 'speed'", "1 to 4"]),
    ("9", "time", ["no column 9", "the file has 4"]),
])
def test_a_bad_choice_of_columns_is_named(tmp_path, x, y, words) -> None:
    with pytest.raises(DataError) as info:
        load_table(FileSpec(str(_write(tmp_path, WIDE)), x, y))
    for word in words:
        assert word in str(info.value)


def test_a_wide_file_needs_its_columns_chosen(tmp_path) -> None:
    path = _write(tmp_path, WIDE)
    with pytest.raises(DataError, match="4 columns; choose x and y: .*:x=1,y=2"):
        load_table(FileSpec(str(path)))


def test_duplicate_names_are_picked_by_number(tmp_path) -> None:
    path = _write(tmp_path, "a,a\n1,2\n3,4\n")
    with pytest.raises(DataError, match="columns 1 and 2 are both named 'a'"):
        load_table(FileSpec(str(path), "a", "2"))
    assert load_table(FileSpec(str(path), "2", "1")).x.tolist() == [2.0, 4.0]


@pytest.mark.parametrize(("text", "delimiter"), [
    ("x y\n0.5 1.5\n1.0\t2.0\n-2   3e-1\n", WHITESPACE),
    ("0.5\t1.5\n 1.0 2.0 \n-2 3e-1", WHITESPACE),
    ("x;y\n0,5;1,5\n1,0;2,0\n-2;0,3\n", ";"),
    ("\ufeffx,y\r\n0.5,1.5\r\n1.0,2.0\r\n-2,3e-1\r\n", ","),
    ("x,y\r0.5,1.5\r1.0,2.0\r-2,0.3\r", ","),
])
def test_delimiters_are_sniffed(tmp_path, text, delimiter) -> None:
    table = read_table(_write(tmp_path, text, "points.txt"))
    assert table.delimiter == delimiter
    assert table.values.tolist() == [[0.5, 1.5], [1.0, 2.0], [-2.0, 0.3]]


def test_a_header_can_be_forced_either_way(tmp_path) -> None:
    path = _write(tmp_path, "2020,2021\n1,2\n3,4\n")
    assert read_table(path).rows == 3  # a line of numbers is data unless told otherwise
    forced = read_table(path, header=True)
    assert forced.names == ("2020", "2021") and forced.rows == 2
    assert load_table(parse_file_spec(f"{path}:x=2021,y=2020,header=yes")).x.tolist() == [2, 4]
    text = read_table(_write(tmp_path, "x,y\n1,2\n3,4\n", "b.csv"), header=False)
    assert text.rows == 3 and text.problems[0].line == 1


@pytest.mark.parametrize(("text", "words"), [
    ("", ["the file is empty"]),
    ("# only\n# comments\n", ["0 data rows"]),
    ("1\n2\n3\n", ["line 1: 1 column; at least 2"]),
    ("x,y\n1,2\n3,4,5\n", ["line 3: 3 columns, but line 1 has 2"]),
    ("1 2\n3 4 5\n", ["line 2: 3 columns"]),
    ("x,y\n1,2\n", ["1 data row"]),
    ("x,y\n1,2\n3,nan\n", ["line 3: column 2 (y) is 'nan'", "finite"]),
    ("x,y\n1,2\n1e200,3\n", ["line 3: column 1 (x) is '1e200'", "within ±1e+100"]),
    (",".join(["1"] * (MAX_COLUMNS + 1)) + "\n", ["more than 1000 columns; a table has at most"]),
    ("x y\n1 2\n" + "3 " * 100_000 + "\n", ["line 3: more than 1000 columns, but line 1 has 2"]),
    ("x,y\n1,2\n1_0,3\n", ["line 3: column 1 (x) is '1_0'"]),
    ("x,y\n1,2\n١,3\n", ["line 3: column 1 (x) is '١'"]),
])
def test_bad_files_say_where_and_why(tmp_path, text, words) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_table(FileSpec(str(path)))
    message = str(info.value)
    assert message.startswith(str(path))
    for word in words:
        assert word in message


@pytest.mark.parametrize(("data", "words"), [
    (bytes(range(256)) * 4, ["not a text file"]),
    (b"x,y\n1,2\n\x00\x01,3\n", ["NUL bytes"]),
    (b"x,y\n\xff1,2\n", ["not a text file (byte 4 is not UTF-8; save it as UTF-8 text)"]),
    (b"\xff\xfex\x00,\x00y\x00\x00", ["not a text file (byte 8 is not UTF-16"]),
])
def test_binary_junk_is_not_text(tmp_path, data, words) -> None:
    with pytest.raises(DataError) as info:
        read_table(_write(tmp_path, data))
    for word in words:
        assert word in str(info.value)


def test_utf16_with_a_byte_order_mark_is_read(tmp_path) -> None:
    path = _write(tmp_path, "x\ty\r\n0.5\t1.5\r\n1\t2\r\n".encode("utf-16"), "excel.txt")
    table = read_table(path)
    assert table.names == ("x", "y") and table.values.tolist() == [[0.5, 1.5], [1.0, 2.0]]


def test_a_line_of_millions_of_fields_is_refused_within_bounded_memory(tmp_path) -> None:
    import tracemalloc

    for text in ("1," * 5_000_000 + "\n", "x,y\n1,2\n" + "1," * 5_000_000 + "\n"):
        path = _write(tmp_path, text)
        tracemalloc.start()
        with pytest.raises(DataError, match="more than 1000 columns"):
            load_table(FileSpec(str(path)))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 20 * len(text)  # not a string object per field (some 60 bytes each)


def test_a_huge_line_is_refused_quickly_and_quoted_short(tmp_path) -> None:
    path = _write(tmp_path, "x" * 5_000_000 + "\n1,2\n")
    with pytest.raises(DataError) as info:
        load_table(FileSpec(str(path)))
    assert len(str(info.value)) < 400
    assert "1 column" in str(info.value)


def test_a_file_over_the_cap_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(table_module, "MAX_TABLE_BYTES", 100)
    with pytest.raises(DataError, match="too large for a data file"):
        read_table(_write(tmp_path, "1,2\n" * 100))


def test_the_sample_is_the_first_rows(tmp_path) -> None:
    table = read_table(_write(tmp_path, "x,y\n" + "".join(f"{i},{i}\n" for i in range(200))))
    assert len(table.sample) == SAMPLE_ROWS and table.sample[-1] == ("49", "49")
    assert table.sample_lines[0] == 2 and table.rows == 200


def test_progress_is_reported_and_a_stop_honoured() -> None:
    text = "x,y\n" + "1,a\n" * 300_000  # not clean: read line by line
    seen: list[float] = []
    table = parse_table(text, progress=seen.append)
    assert table.rows == 300_000 and table.bad_counts == (0, 300_000)
    assert seen and seen == sorted(seen) and 0 < seen[-1] < 1
    with pytest.raises(table_module.ReadStopped):
        parse_table(text, should_stop=lambda: True)


# --- one pass and line by line read the same ------------------------------------------------

_NUMBER_TEXT = st.from_regex(
    r"[+-]?(?:[0-9]{1,4}(?:\.[0-9]{0,4})?|\.[0-9]{1,4})(?:[eE][+-]?[0-9]{1,3})?", fullmatch=True)
_CLEAN_CELL = _NUMBER_TEXT | st.sampled_from(["", "e", ".", "-", "1e", "1.2.3", "+-1", "1e5e5"])


@given(rows=st.lists(st.lists(_CLEAN_CELL, min_size=2, max_size=3), min_size=1, max_size=12),
       delimiter=st.sampled_from([",", ";", " ", "\t", " , "]),
       blank=st.booleans())
@settings(max_examples=300, deadline=None)
def test_the_one_pass_reader_agrees_with_the_line_by_line_one(rows, delimiter, blank) -> None:
    lines = [delimiter.join(row) for row in rows]
    if blank:
        lines.insert(len(lines) // 2, "")
    text = "\n".join(lines) + "\n"
    fast = _read(text, fast=True)
    slow = _read(text, fast=False)
    assert type(fast) is type(slow)
    if isinstance(fast, str):
        assert fast == slow
    else:
        assert fast[0].tobytes() == slow[0].tobytes() and fast[1:] == slow[1:]


def _read(text: str, fast: bool):  # type: ignore[no-untyped-def]
    original = table_module._fast
    if not fast:
        table_module._fast = lambda *args: None
    try:
        table = parse_table(text)
    except DataError as exc:
        return str(exc)
    finally:
        table_module._fast = original
    return table.values, table.problems, table.bad_counts, table.names


# --- hostile input --------------------------------------------------------------------------


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_either_load_or_raise_a_data_error(tmp_path, data) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    for spec in (FileSpec(str(path)), FileSpec(str(path), "1", "2", True),
                 FileSpec(str(path), "x", "y")):
        try:
            dataset = load_table(spec)
        except DataError:
            continue
        assert dataset.n >= 2 and np.isfinite(dataset.x).all() and np.isfinite(dataset.y).all()


_TABLE_TEXT = st.text(st.sampled_from("0123456789.,;eE+-# \t\n\rxyna_١\x00\x0b\u2028"),
                      max_size=200)


@given(text=_TABLE_TEXT | st.text(max_size=200), header=st.sampled_from([None, True, False]))
@settings(max_examples=500, deadline=None)
def test_any_text_parses_or_raises_a_data_error(text, header) -> None:
    try:
        table = parse_table(text, header=header)
    except DataError:
        return
    assert table.values.shape == (table.rows, len(table.names))
    assert 2 <= table.columns <= MAX_COLUMNS
    for index, problem in enumerate(table.problems):
        bad = np.isnan(table.values[:, index])
        assert table.bad_counts[index] == int(bad.sum())
        assert (problem is None) == (not bad.any())
        if problem is not None:
            assert problem.column == index + 1 and problem.line >= 1
    finite = table.values[~np.isnan(table.values)]
    assert np.all(np.abs(finite) <= 1e100)


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_any_spec_text_is_a_data_error_or_a_spec(text) -> None:
    for parse in (parse_file_spec, parse_points):
        try:
            parse(text)
        except DataError:
            pass


# --- data specs -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "spec"), [
    ("a.csv", FileSpec("a.csv")),
    ("C:\\data\\a.csv", FileSpec("C:\\data\\a.csv")),
    ("runs/a.txt:x=time,y=speed", FileSpec("runs/a.txt", "time", "speed")),
    ("a.txt:x=1,y=3,header=no", FileSpec("a.txt", "1", "3", False)),
    ("a.txt:header=yes", FileSpec("a.txt", None, None, True)),
    ("odd:name.csv", FileSpec("odd:name.csv")),
])
def test_file_specs_read_and_write_back(text, spec) -> None:
    assert parse_file_spec(text) == spec
    assert spec.describe() == text
    assert data_source(text).name == "file"


@pytest.mark.parametrize(("text", "match"), [
    ("a.csv:x=1", "give both columns"),
    ("a.csv:x=1,y=2,x=3", "x is given twice"),
    ("a.csv:header=maybe", "header must be yes or no"),
    ("a.csv:x=,y=2", "cannot be named"),
])
def test_bad_file_specs(text, match) -> None:
    with pytest.raises(DataError, match=match):
        parse_file_spec(text)


@given(st.lists(st.tuples(st.floats(-1e100, 1e100), st.floats(-1e100, 1e100)),
                min_size=2, max_size=40))
@settings(max_examples=100, deadline=None)
def test_embedded_points_round_trip_exactly(points) -> None:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    data = parse_points(points_spec(x, y))
    assert data.x.tobytes() == x.tobytes() and data.y.tobytes() == y.tobytes()


@pytest.mark.parametrize(("text", "match"), [
    ("points:1,2", "1 data point"),
    ("points:1,2;3", "point 2 is '3'"),
    ("points:1,2;3,inf", "point 2"),
    ("points:" + ";".join(["1,2"] * (MAX_EMBEDDED_POINTS + 1)), "at most 1000"),
])
def test_bad_embedded_points(text, match) -> None:
    with pytest.raises(DataError, match=match):
        parse_points(text)
    assert data_source(text).name == "points"


def test_a_million_rows_read_to_the_bit(tmp_path) -> None:
    x = np.linspace(-15.0, 15.0, 1_000_000)
    y = np.sin(0.9 * x) * np.exp(-x * x / 32.0)
    path = tmp_path / "million.txt"
    np.savetxt(path, np.column_stack([x, y]), header="x y", comments="")
    data = load_table(FileSpec(str(path)))
    assert data.n == 1_000_000
    assert data.x.tobytes() == x.tobytes() and data.y.tobytes() == y.tobytes()
    assert not math.isnan(data.y.sum())
