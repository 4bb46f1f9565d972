"""Tables of numbers from text files: CSV, semicolon- and white-space-separated.

A table file has one row per line and the same number of fields on every
line; blank lines and lines starting with ``#`` are skipped; the first other
line may be a header of column names. The delimiter is found from that first
line: semicolons if it has any (a comma in a field is then a decimal mark, as
spreadsheets write where that is the custom), else commas if it has any, else
white space. Lines end in ``\\n``, ``\\r\\n`` or ``\\r``, and are numbered as an
editor numbers them.

:func:`read_table` reads a whole file into a :class:`Table`: every column as
float64, NaN in a cell that is not a number, and for each column its first bad
cell (line, column, text, reason) and how many there are, so that a preview can
show them all and a data set can be made from any two good columns
(:meth:`Table.dataset`). A clean file of numbers is parsed by numpy in one pass
(a million rows in about a second); any other file line by line, to the same
values, which says exactly where each problem is.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gradviz.core.files import ReadError, read_regular
from gradviz.core.parsing import excerpt, quote, read_number, shown_path

MAX_TABLE_BYTES = 64 * 2**20
"""Largest file read: some two million rows of two numbers."""

MAX_COLUMNS = 1000
"""Most columns a table may have (a line of a million fields is refused, not parsed)."""

MAX_MAGNITUDE = 1e100
"""Largest |value| accepted in a cell: the squares of residuals over millions of such
points, even at parameters of 1e12, stay finite, so every loss can be computed."""

SAMPLE_ROWS = 50
"""Rows of a table kept as text for a preview."""

WHITESPACE = " "
"""The :attr:`Table.delimiter` of a white-space-separated file."""

_PROGRESS_LINES = 1 << 16
"""Lines parsed between progress reports (and checks for a stop)."""

# The bytes a clean table body may hold: digits, signs, points, exponents, the
# delimiters and white space. A body of only these, in which numpy finds the
# right number of finite numbers on every row, reads the same line by line.
_CLEAN = b"0123456789+-.eE,; \t\n"


class DataError(ValueError):
    """A data set could not be read or made; the message names the file, line and problem."""


class ReadStopped(Exception):
    """Reading a table was stopped because ``should_stop`` said so."""


@dataclass(frozen=True)
class CellProblem:
    """A cell that is not a usable number."""

    line: int
    """Its line in the file, from 1."""
    column: int
    """Its column, from 1."""
    text: str
    """The cell's text (at most a short excerpt)."""
    reason: str
    """``not a number``, ``not finite`` or ``too large``."""

    def describe(self, name: str = "") -> str:
        """``line 3: column 2 (y) is 'abc', not a number``."""
        label = f"column {self.column}" + (f" ({name})" if name else "")
        what = {
            "not a number": ", not a number",
            "not finite": "; values must be finite",
            "too large": f"; values must be within ±{MAX_MAGNITUDE:g}",
        }[self.reason]
        return f"line {self.line}: {label} is {quote(self.text)}{what}"


@dataclass(frozen=True, eq=False)
class Table:
    """A file's columns of numbers, with what is wrong in each.

    Attributes
    ----------
    name, path : str
        The file's name and path as given.
    delimiter : str
        ``","``, ``";"`` or :data:`WHITESPACE`.
    header : bool
        Whether the first line read was a header of column names.
    names : tuple of str
        Each column's name from the header (``""`` without one).
    values : numpy.ndarray
        ``(rows, columns)`` float64, NaN where a cell is bad.
    problems : tuple of (CellProblem or None)
        Each column's first bad cell.
    bad_counts : tuple of int
        How many bad cells each column has.
    sample : tuple of tuple of str
        The first :data:`SAMPLE_ROWS` rows' cells as text, header excluded.
    sample_lines : tuple of int
        Their lines in the file.
    """

    name: str
    path: str
    delimiter: str
    header: bool
    names: tuple[str, ...]
    values: np.ndarray
    problems: tuple[CellProblem | None, ...]
    bad_counts: tuple[int, ...]
    sample: tuple[tuple[str, ...], ...]
    sample_lines: tuple[int, ...]

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return int(self.values.shape[0])

    @property
    def columns(self) -> int:
        """Number of columns."""
        return int(self.values.shape[1])

    def label(self, index: int) -> str:
        """Column ``index`` (from 0) as the user sees it: ``2 (speed)`` or ``2``."""
        name = self.names[index]
        return f"{index + 1} ({excerpt(name, 30)})" if name else str(index + 1)

    def column(self, key: int | str) -> int:
        """The index (from 0) of the column named ``key`` or numbered ``key`` (from 1).

        A name in the header is looked up first, then a number.

        Raises
        ------
        DataError
            For no such column, or a name that several columns have.
        """
        if isinstance(key, str):
            matches = [i for i, name in enumerate(self.names) if name and name == key.strip()]
            if len(matches) > 1:
                raise DataError(f"{shown_path(self.path)}: columns {matches[0] + 1} and "
                                f"{matches[1] + 1} are both named {quote(key)}; "
                                "choose the column by its number")
            if matches:
                return matches[0]
            if not key.strip().isdigit() or not key.strip().isascii():
                known = ", ".join(quote(n) for n in self.names if n) or "none"
                raise DataError(f"{shown_path(self.path)}: no column named {quote(key)} "
                                f"(names: {excerpt(known, 200)}; or give a column number "
                                f"1 to {self.columns})")
            key = int(key.strip()[:6])
        if not 1 <= key <= self.columns:
            raise DataError(f"{shown_path(self.path)}: no column {key}; the file has "
                            f"{self.columns} (1 to {self.columns})")
        return key - 1

    def dataset_arrays(self, x: int | str = 1, y: int | str = 2) -> tuple[np.ndarray, np.ndarray]:
        """The columns ``x`` and ``y`` (names or numbers from 1) as float64 arrays.

        Raises
        ------
        DataError
            Naming the file and the first bad cell of either column (the one on the
            earlier line), or for fewer than two rows.
        """
        i, j = self.column(x), self.column(y)
        label = shown_path(self.path)
        bad = [(p, i if k == 0 else j) for k, p in enumerate((self.problems[i], self.problems[j]))
               if p is not None]
        if bad:
            problem, index = min(bad, key=lambda pair: (pair[0].line, pair[0].column))
            role = "x" if index == i else "y"
            name = self.names[index] or role
            if name != role:
                name = f"{role}: {excerpt(name, 30)}"
            raise DataError(f"{label}, {problem.describe(name)}")
        if self.rows < 2:
            raise DataError(f"{label}: {self.rows} data row(s); at least 2 are needed")
        return self.values[:, i].copy(), self.values[:, j].copy()


def _lines(text: str) -> str:
    """``text`` with every line ending as ``\\n`` (one line each, as editors count them)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def sniff_delimiter(line: str) -> str:
    """The delimiter of a table whose first content line is ``line``."""
    if ";" in line:
        return ";"
    if "," in line:
        return ","
    return WHITESPACE


def split_fields(line: str, delimiter: str) -> list[str]:
    """The stripped fields of ``line``; a decimal comma reads as a point with ``;``.

    At most :data:`MAX_COLUMNS` + 1 (the last then holds the rest of the line): a
    line of millions of fields is refused without making millions of strings.
    """
    if delimiter == WHITESPACE:
        return line.split(None, MAX_COLUMNS)
    if delimiter == ";":
        return [f.strip().replace(",", ".") for f in line.split(";", MAX_COLUMNS)]
    return [f.strip() for f in line.split(delimiter, MAX_COLUMNS)]


def _columns_text(count: int) -> str:
    if count > MAX_COLUMNS:
        return f"more than {MAX_COLUMNS} columns"
    return f"{count} column" + ("s" if count != 1 else "")


def _reason(value: float | None) -> str | None:
    if value is None:
        return "not a number"
    if not math.isfinite(value):
        return "not finite"
    if abs(value) > MAX_MAGNITUDE:
        return "too large"
    return None


def _content_lines(text: str, start: int = 0):  # type: ignore[no-untyped-def]
    """``(line number, start offset, stripped line)`` of each content line from ``start``."""
    number, position = 1, start
    size = len(text)
    while position < size:
        end = text.find("\n", position)
        if end < 0:
            end = size
        line = text[position:end].strip()
        if line and not line.startswith("#"):
            yield number, position, line
        number += 1
        position = end + 1


def _check_width(count: int, line: int, label: str, delimiter: str) -> None:
    if count > MAX_COLUMNS:
        raise DataError(f"{label}, line {line}: {_columns_text(count)}; a table has at "
                        f"most {MAX_COLUMNS}")
    if count < 2:
        how = "white space" if delimiter == WHITESPACE else f"{delimiter!r}"
        raise DataError(f"{label}, line {line}: 1 column; at least 2 are needed (x and y), "
                        f"separated by commas, semicolons or white space (this file: {how})")


def parse_table(
    text: str,
    name: str = "data",
    path: str = "",
    header: bool | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Table:
    """Parse the text of a table file (see the module's description).

    Parameters
    ----------
    header : bool or None
        Whether the first content line is a header; ``None`` decides: it is one when
        none of its fields is a number.
    progress, should_stop : callable, optional
        Told the fraction of the lines parsed; asked whether to stop (then
        :class:`ReadStopped` is raised). Called every few ten thousand lines.

    Raises
    ------
    DataError
        Naming the file (``path`` or ``name``) and the line, for no content, a line
        with another number of fields than the first, fewer than 2 or more than
        :data:`MAX_COLUMNS` columns.
    """
    label = shown_path(path or name)
    text = _lines(text)
    first = next(_content_lines(text), None)
    if first is None:
        raise DataError(f"{label}: the file is empty" if not text.strip()
                        else f"{label}: 0 data rows (only comments and blank lines)")
    first_line, first_start, first_text = first
    delimiter = sniff_delimiter(first_text)
    fields = split_fields(first_text, delimiter)
    _check_width(len(fields), first_line, label, delimiter)
    if header is None:
        header = all(read_number(f) is None for f in fields)
    names = tuple(fields) if header else ("",) * len(fields)
    body = text.find("\n", first_start) + 1 if header else first_start
    if header and body == 0:
        body = len(text)
    table = _fast(text, body, delimiter, len(fields))
    if table is None:
        table = _slow(text, body, delimiter, (len(fields), first_line), label,
                      progress, should_stop)
    values, problems, counts = table
    sample, sample_lines = _sample(text, body, delimiter)
    return Table(name, path or name, delimiter, header, names, values, problems, counts,
                 sample, sample_lines)


def _sample(text: str, body: int, delimiter: str) -> tuple[tuple[tuple[str, ...], ...],
                                                           tuple[int, ...]]:
    rows, lines = [], []
    offset = text.count("\n", 0, body)
    for number, _, line in _content_lines(text, body):
        rows.append(tuple(excerpt(f, 40) for f in split_fields(line, delimiter)[:MAX_COLUMNS]))
        lines.append(number + offset)
        if len(rows) == SAMPLE_ROWS:
            break
    return tuple(rows), tuple(lines)


_Columns = tuple[np.ndarray, tuple[CellProblem | None, ...], tuple[int, ...]]
"""A body's values, each column's first bad cell and its number of bad cells."""


def _fast(text: str, body: int, delimiter: str, width: int) -> _Columns | None:
    """The values of a clean body in one pass of numpy, or ``None`` to read it line by line."""
    # Anything not ASCII becomes one "?", which is not clean, so offsets in the bytes are
    # offsets in the text. The body is clean if it adds nothing to the head's unclean
    # bytes; numpy reads it from the bytes in place, with the least memory.
    raw = text.encode("ascii", errors="replace")
    if len(raw.translate(None, _CLEAN)) != len(raw[:body].translate(None, _CLEAN)):
        return None
    if delimiter == ";":
        raw = raw[:body] + raw[body:].replace(b",", b".")
    stream = io.BytesIO(raw)
    stream.seek(body)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data": then 0 rows
            values = np.loadtxt(stream, delimiter=None if delimiter == WHITESPACE
                                else delimiter, comments=None, ndmin=2, dtype=float,
                                encoding="ascii")
    except ValueError:
        return None
    if values.size == 0:
        values = np.zeros((0, width))
    if values.shape[1] != width or not np.isfinite(values).all() \
            or (values.size and np.abs(values).max() > MAX_MAGNITUDE):
        return None
    return values, (None,) * width, (0,) * width


def _slow(text: str, body: int, delimiter: str, shape: tuple[int, int], label: str,
          progress: Callable[[float], None] | None,
          should_stop: Callable[[], bool] | None) -> _Columns:
    """The values of the body read line by line, each bad cell noted; ``shape`` is the
    first line's number of fields and its line number."""
    width, first_line = shape
    columns: list[list[float]] = [[] for _ in range(width)]
    problems: list[CellProblem | None] = [None] * width
    counts = [0] * width
    offset = text.count("\n", 0, body)
    size = max(1, len(text) - body)
    for seen, (number, start, content) in enumerate(_content_lines(text, body), start=1):
        number += offset
        if seen % _PROGRESS_LINES == 0:
            if should_stop is not None and should_stop():
                raise ReadStopped
            if progress is not None:
                progress((start - body) / size)
        fields = split_fields(content, delimiter)
        if len(fields) != width:
            raise DataError(f"{label}, line {number}: {_columns_text(len(fields))}, but line "
                            f"{first_line} has {width}")
        for index, field in enumerate(fields):
            value = read_number(field)
            reason = None if value is not None and -MAX_MAGNITUDE <= value <= MAX_MAGNITUDE \
                else _reason(value)
            if reason is not None:
                counts[index] += 1
                if problems[index] is None:
                    problems[index] = CellProblem(number, index + 1, excerpt(field), reason)
                value = math.nan
            columns[index].append(value)  # type: ignore[arg-type]
    values = np.array(columns, dtype=float).T.reshape(-1, width)
    return values, tuple(problems), tuple(counts)


@dataclass(frozen=True)
class FileSpec:
    """A data file and the columns of it to fit: ``PATH`` or ``PATH:x=COL,y=COL,header=yes``.

    ``x`` and ``y`` are column names from the header or numbers from 1 (as text);
    ``None`` for both takes a two-column file's two columns. ``header`` of ``None``
    lets the reader decide (see :func:`gradviz.core.table.parse_table`).
    """

    path: str
    x: str | None = None
    y: str | None = None
    header: bool | None = None

    def __post_init__(self) -> None:
        if (self.x is None) != (self.y is None):
            raise DataError(f"{shown_path(self.path)}: give both columns x= and y=, or neither")
        for value in (self.x, self.y):
            if value is not None and (not value.strip() or any(c in value for c in ",:=")):
                raise DataError(f"{shown_path(self.path)}: the column {quote(value)} cannot be "
                                "named in a data spec (a name may not be empty or hold , : or "
                                "=); give its number")

    def describe(self) -> str:
        """The spec as :func:`parse_file_spec` reads it: the bare path without options."""
        options = []
        if self.x is not None:
            options += [f"x={self.x}", f"y={self.y}"]
        if self.header is not None:
            options.append(f"header={'yes' if self.header else 'no'}")
        return self.path + (":" + ",".join(options) if options else "")

    def with_path(self, path: str) -> FileSpec:
        """The same columns of the file at ``path``."""
        return replace(self, path=path)


_FILE_OPTION = re.compile(r"(?:x|y|header)=[^,:=]*(?:,(?:x|y|header)=[^,:=]*)*")


def parse_file_spec(spec: str) -> FileSpec:
    """Read ``PATH`` or ``PATH:x=COL,y=COL[,header=yes|no]`` (options after the last colon).

    A path whose last colon is not followed by such options (``C:\\data\\a.csv``) is
    a path as it stands.
    """
    path, colon, tail = spec.rpartition(":")
    if not colon or not path or not _FILE_OPTION.fullmatch(tail):
        return FileSpec(spec)
    values: dict[str, str] = {}
    for item in tail.split(","):
        key, _, value = item.partition("=")
        if key in values:
            raise DataError(f"{shown_path(path)}: {key} is given twice")
        values[key] = value
    header = None
    if "header" in values:
        if values["header"] not in ("yes", "no"):
            raise DataError(f"{shown_path(path)}: header must be yes or no, "
                            f"got {quote(values['header'])}")
        header = values["header"] == "yes"
    return FileSpec(path, values.get("x"), values.get("y"), header)


def read_table(
    path: str | Path,
    header: bool | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Table:
    """Read the table file at ``path`` (see :func:`parse_table`).

    Raises
    ------
    DataError
        As :func:`parse_table`, and for a file that is missing, not a regular file,
        larger than :data:`MAX_TABLE_BYTES` or not text (UTF-8, or UTF-16 with a
        byte-order mark).
    """
    path = Path(path)
    label = shown_path(path)
    try:
        data = read_regular(path, MAX_TABLE_BYTES, "data file")
    except ReadError as exc:
        raise DataError(f"{label}: {exc}") from None
    # UTF-16 with its byte-order mark is what spreadsheets write as "Unicode text".
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"{label}: not a text file (byte {exc.start} is not "
                        f"{'UTF-16' if encoding == 'utf-16' else 'UTF-8'}; save it as UTF-8 "
                        "text)") from None
    del data
    if "\x00" in text:
        raise DataError(f"{label}: not a text file (it holds NUL bytes)")
    return parse_table(text, path.name, str(path), header, progress, should_stop)


__all__ = [
    "CellProblem",
    "DataError",
    "FileSpec",
    "MAX_COLUMNS",
    "MAX_MAGNITUDE",
    "MAX_TABLE_BYTES",
    "ReadStopped",
    "SAMPLE_ROWS",
    "Table",
    "WHITESPACE",
    "parse_file_spec",
    "parse_table",
    "read_table",
    "sniff_delimiter",
    "split_fields",
]
