"""Parameters declared as data, so front ends can generate their controls.

Optimizers, schedules, models and data sources declare theirs the same way:
the control panel, the command line and the scene checker are made from the
declarations, and every one of them validates by the same ranges.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gradviz.core.parsing import excerpt, parse_float, quote


class HyperParameterError(ValueError):
    """A hyperparameter value outside its declared range or of the wrong kind."""


def _number(value: float) -> str:
    """``value`` as a message says it: every digit of a whole number (1000001, not
    1e+06, which reads as the limit it exceeds), else up to 15 significant digits."""
    return f"{value:.15g}"


@dataclass(frozen=True)
class HyperParameter:
    """One declared parameter of an optimizer, a schedule, a model or a data source.

    Parameters
    ----------
    name : str
        Identifier used in code, files and on the command line (``lr``).
    symbol : str
        Symbol used on screen (``α``).
    default : float or str
        Value used when none is given.
    low, high : float
        Allowed range, both ends included unless ``open_low`` (numbers only).
    log : bool
        Whether a slider for it should be logarithmic.
    help : str
        One line shown as a tooltip and in ``gradviz problems``.
    choices : tuple of str
        For a choice parameter, the allowed values (``low``/``high`` unused).
    integer : bool
        Whether only whole numbers are allowed.
    open_low : bool
        Whether ``low`` itself is excluded (a divisor must be above 0).
    slider : (float, float) or None
        The part of the range a slider spans, where the allowed range is
        unbounded or too wide to slide through; values beyond it may be typed.
    label : str
        Text beside its field in the app; empty for its symbol and name.
    reader : callable or None
        For a text parameter (a formula, a window), what reads a value into its
        text, raising ``ValueError`` for a bad one with a message that reads after
        the parameter's name; ``None`` for a number or a choice.
    """

    name: str
    symbol: str
    default: float | str
    low: float = -math.inf
    high: float = math.inf
    log: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    integer: bool = False
    open_low: bool = False
    slider: tuple[float, float] | None = None
    label: str = ""
    reader: Callable[[object], str] | None = None

    @property
    def is_text(self) -> bool:
        """Whether the parameter takes free text that :attr:`reader` checks."""
        return self.reader is not None

    @property
    def is_number(self) -> bool:
        """Whether the parameter takes a number (neither a choice nor text)."""
        return not (self.is_choice or self.is_text)

    @property
    def is_choice(self) -> bool:
        """Whether the parameter takes one of a few named values."""
        return bool(self.choices)

    @property
    def slider_range(self) -> tuple[float, float] | None:
        """What a slider spans: :attr:`slider`, else a bounded range; ``None`` for no slider."""
        if self.slider is not None:
            return self.slider
        if math.isfinite(self.low) and math.isfinite(self.high):
            return self.low, self.high
        return None

    def _allowed(self) -> str:
        """The numeric range in words, as the error messages say it."""
        low, high = _number(self.low), _number(self.high)
        if self.high == math.inf:
            if self.open_low:
                return "positive" if self.low == 0 else f"> {low}"
            return f">= {low}"
        if self.low == -math.inf:
            return f"<= {high}"
        if self.open_low:
            return f"> {low} and <= {high}"
        return f"between {low} and {high}"

    def _in_range(self, number: float) -> bool:
        above = self.low < number if self.open_low else self.low <= number
        return above and number <= self.high

    def validate(self, value: object) -> float | str:
        """Return ``value`` converted to the parameter's type.

        Raises
        ------
        HyperParameterError
            Naming the parameter, the allowed values and the value given.
        """
        shown = excerpt(repr(value))
        if self.reader is not None:
            try:
                return self.reader(value)
            except ValueError as exc:
                raise HyperParameterError(f"{self.name} {exc}") from exc
        if self.is_choice:
            # Only a str: an array compares element-wise and would pass ``in``.
            if not isinstance(value, str) or value not in self.choices:
                raise HyperParameterError(
                    f"{self.name} must be one of {', '.join(self.choices)}; got {shown}"
                )
            return str(value)
        scalar = isinstance(value, (numbers.Real, str)) or (
            isinstance(value, np.ndarray) and value.ndim == 0
        )
        if isinstance(value, (bool, np.bool_)) or not scalar:
            raise HyperParameterError(f"{self.name} must be a number; got {shown}")
        try:
            # Text (a schedule spec's) is read as every number typed is read.
            number = parse_float(value) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise HyperParameterError(f"{self.name} must be a number; got {shown}") from None
        if not math.isfinite(number):
            raise HyperParameterError(f"{self.name} must be a finite number; got {shown}")
        if self.integer and number != int(number):
            raise HyperParameterError(f"{self.name} must be a whole number; got {shown}")
        if not self._in_range(number):
            raise HyperParameterError(f"{self.name} must be {self._allowed()}; got {_number(number)}")
        return int(number) if self.integer else number

    def validate_each(self, values: np.ndarray) -> np.ndarray:
        """Per-run values (an array of any shape), each checked by :meth:`validate`.

        Returns
        -------
        numpy.ndarray
            The converted values, read-only, in the shape given.

        Raises
        ------
        HyperParameterError
            For a choice parameter (its runs take one value) or a bad value.
        """
        if self.is_choice:
            raise HyperParameterError(
                f"{self.name} takes one value for all runs, one of {', '.join(self.choices)}"
            )
        if self.is_text:
            raise HyperParameterError(f"{self.name} takes one text for all runs")
        checked = np.array([self.validate(v) for v in values.ravel().tolist()])
        checked = checked.reshape(values.shape)
        checked.flags.writeable = False
        return checked

    def describe(self) -> str:
        """One line: name, symbol, default, range and help."""
        if self.is_text:
            return f"{self.name} ({self.symbol}) default {self.default!r}: {self.help}"
        if self.is_choice:
            allowed = "|".join(self.choices)
        else:
            opening = "(" if self.open_low else "["
            closing = ")" if self.high == math.inf else "]"
            allowed = f"{opening}{self.low:g}, {self.high:g}{closing}" + (" log" if self.log else "")
        return f"{self.name} ({self.symbol}) default {self.default} in {allowed}: {self.help}"


def validate_all(
    declared: tuple[HyperParameter, ...], given: dict[str, object], owner: str,
    per_run: bool = False,
) -> dict[str, float | str | np.ndarray]:
    """Fill defaults and validate ``given`` against ``declared``.

    With ``per_run``, a value given as an array of one or more dimensions holds
    one value per run and is checked by :meth:`HyperParameter.validate_each`.

    Raises
    ------
    HyperParameterError
        For an unknown name (listing the known ones) or a bad value.
    """
    known = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise HyperParameterError(
            f"{owner} has no hyperparameter {quote(unknown[0])} (it has: {names})"
        )
    def checked(p: HyperParameter) -> float | str | np.ndarray:
        value = given[p.name]
        if per_run and isinstance(value, np.ndarray) and value.ndim > 0:
            return p.validate_each(value)
        return p.validate(value)

    return {p.name: checked(p) if p.name in given else p.default for p in declared}
