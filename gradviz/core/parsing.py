"""Text from users: numbers read one way everywhere, and short quotes of it in errors.

Every number gradviz reads from text (command-line flags, CSV fields, data and
schedule specs) goes through :func:`parse_float` or :func:`parse_int`, so that
``1_0``, ``١٢`` or a 5,000-digit integer mean the same, or are refused the
same way, wherever they are typed. Errors quote user text through
:func:`excerpt`, so a million-character line becomes a short quote.
"""

from __future__ import annotations

import math
import numbers
import re
import reprlib

EXCERPT_CHARS = 60
"""Most characters of user text quoted in an error message."""

PATH_CHARS = 200
"""Most characters of a file name shown in an error (paths are longer than values)."""

MAX_INT_DIGITS = 30
"""Longest integer read; every count gradviz takes has far fewer digits, and
Python refuses to convert more than 4,300 at all."""

_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)",
    re.IGNORECASE,
)
_INT = re.compile(r"[+-]?[0-9]+")
NEGATIVE_NUMBER = re.compile(r"-(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)",
                             re.IGNORECASE)
"""A negative number as a whole command-line word (``-1e3``, ``-.5``, ``-inf``)."""


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``repr`` of :func:`excerpt` of ``text``, for error messages."""
    return repr(excerpt(text, limit))


def shown_path(path: object) -> str:
    """A file name for an error message: :func:`excerpt` of it to :data:`PATH_CHARS`."""
    return excerpt(str(path), PATH_CHARS)


def parse_float(text: str) -> float:
    """Read a decimal number: digits, an optional point and exponent, or inf and nan.

    Unlike :class:`float`, refuses underscores (``1_0``), digits of other scripts
    and surrounding white space; NaN and infinities are read, for the caller to
    refuse with its own message.

    Raises
    ------
    ValueError
        Quoting (an excerpt of) ``text``.
    """
    if not _FLOAT.fullmatch(text):
        raise ValueError(f"{quote(text)} is not a number")
    return float(text)


def read_number(text: str) -> float | None:
    """:func:`parse_float` of ``text``, or ``None`` if it is not a number (no exception:
    a file's column of words costs no more to read than one of numbers)."""
    return float(text) if _FLOAT.fullmatch(text) else None


def parse_int(text: str) -> int:
    """Read a whole number in decimal digits, with an optional sign.

    Raises
    ------
    ValueError
        Quoting (an excerpt of) ``text``, also for more than
        :data:`MAX_INT_DIGITS` digits.
    """
    if not _INT.fullmatch(text):
        raise ValueError(f"{quote(text)} is not a whole number")
    if len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise ValueError(f"{quote(text)} has too many digits (at most {MAX_INT_DIGITS})")
    return int(text)


__all__ = [
    "EXCERPT_CHARS",
    "NEGATIVE_NUMBER",
    "excerpt",
    "parse_float",
    "parse_int",
    "quote",
    "read_number",
    "shown_path",
]


def finite_number(value: object, what: str = "") -> float:
    """``value`` (a real number as a file or a caller gives it, not a bool) as a float.

    Raises
    ------
    ValueError
        For anything else, or an infinity or NaN, starting with ``what``
        (``"a fan's low end must be a number; got 'x'"``).
    """
    subject = f"{what} " if what else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{subject}must be a number; got {reprlib.repr(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{subject}must be a finite number; got {reprlib.repr(value)}")
    return number
