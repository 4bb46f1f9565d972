"""Data sets: the book's built-in sets, synthetic sets and CSV files of (x, y) pairs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gradviz.core.files import ReadError, read_regular
from gradviz.core.hyperparameters import HyperParameter, HyperParameterError
from gradviz.core.parsing import parse_float, quote, shown_path
from gradviz.core.resources import resource_path

if TYPE_CHECKING:  # pragma: no cover - typing only
    from gradviz.core.models import DataModel

BUILTIN_DATASETS: dict[str, str] = {
    "udl-linear": "12 points for 1D linear regression (UDL chapter 6)",
    "udl-gabor": "30 points for the Gabor model (UDL chapter 6)",
}


MAX_CSV_BYTES = 64 * 2**20
"""Largest CSV file read: some two million rows, far more than a demo needs."""

MAX_MAGNITUDE = 1e100
"""Largest |x| or |y| accepted: the squares of residuals over millions of such
points, even at parameters of 1e12, stay finite, so every loss can be computed."""


class DataError(ValueError):
    """A data set could not be read or made; the message names the file, line and problem."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Paired inputs ``x`` and targets ``y`` (read-only float64 arrays).

    Parameters
    ----------
    name : str
        Short name shown to the user (a built-in name, a file name or ``synthetic``).
    x, y : numpy.ndarray
        One-dimensional arrays of equal length; row order matters for minibatches.
    source : str
        Where the data came from: a built-in name, a file path or a synthetic spec.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        x = np.array(self.x, dtype=float).reshape(-1)
        y = np.array(self.y, dtype=float).reshape(-1)
        if x.shape != y.shape:
            raise DataError(f"{self.name}: x has {x.size} values but y has {y.size}")
        if x.size < 2:
            raise DataError(f"{self.name}: {x.size} data point(s); at least 2 are needed")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise DataError(f"{self.name}: values must be finite (no NaN or inf)")
        largest = max(float(np.max(np.abs(x))), float(np.max(np.abs(y))))
        if largest > MAX_MAGNITUDE:
            raise DataError(f"{self.name}: a value of size {largest:g} is too large to compute "
                            f"losses with; values must be within ±{MAX_MAGNITUDE:g}")
        x.flags.writeable = False
        y.flags.writeable = False
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        """Number of data points."""
        return int(self.x.size)


@cache
def load_builtin(name: str) -> Dataset:
    """Load one of :data:`BUILTIN_DATASETS` by name (read once: its arrays are read-only)."""
    if name not in BUILTIN_DATASETS:
        raise DataError(f"unknown data set {name!r}; built-in sets: {', '.join(BUILTIN_DATASETS)}")
    data = load_csv(resource_path("data", f"{name}.csv"))
    return Dataset(name, data.x, data.y, source=name)


def _split_fields(line: str) -> list[str]:
    # Semicolons first: a semicolon-separated file (as spreadsheets write where
    # the decimal mark is a comma) may hold commas inside its numbers.
    if ";" in line:
        return [f.strip().replace(",", ".") for f in line.split(";")]
    if "," in line:
        return [f.strip() for f in line.split(",")]
    return line.split()


def _parse_number(text: str) -> float | None:
    try:
        return parse_float(text)
    except ValueError:
        return None


def load_csv(path: str | Path) -> Dataset:
    """Read a CSV file of two numeric columns (x, y).

    The first non-comment line may be a header; lines starting with ``#`` and
    blank lines are skipped; fields may be separated by commas, semicolons or
    white space. In a line with semicolons a comma is read as a decimal mark
    (``1,5;2,25``), as spreadsheets write where that is the custom.

    Raises
    ------
    DataError
        With the file, the line number and the problem, for a missing or
        unreadable file, an empty file, a wrong number of columns, a field that
        is not a number, NaN or inf, or fewer than two data rows.
    """
    path = Path(path)
    label = shown_path(path)
    try:
        text = read_regular(path, MAX_CSV_BYTES, "CSV file").decode("utf-8-sig")
    except ReadError as exc:
        raise DataError(f"{label}: {exc}") from None
    except UnicodeDecodeError:
        raise DataError(f"{label}: not a text file (it is not UTF-8)") from None
    if not text.strip():
        raise DataError(f"{label}: the file is empty")

    xs: list[float] = []
    ys: list[float] = []
    seen_content = False
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = _split_fields(line)
        if len(fields) != 2:
            raise DataError(
                f"{label}, line {line_no}: expected 2 columns (x, y), found {len(fields)}"
            )
        values = [_parse_number(f) for f in fields]
        if not seen_content and all(v is None for v in values):
            seen_content = True  # a header line
            continue
        seen_content = True
        for column, (value, name, text_value) in enumerate(zip(values, "xy", fields), start=1):
            if value is None:
                raise DataError(
                    f"{label}, line {line_no}: column {column} ({name}) is {quote(text_value)}, "
                    "not a number"
                )
            if not math.isfinite(value):
                raise DataError(
                    f"{label}, line {line_no}: column {column} ({name}) is {text_value}; "
                    "values must be finite"
                )
        xs.append(values[0])  # type: ignore[arg-type]
        ys.append(values[1])  # type: ignore[arg-type]
    if len(xs) < 2:
        raise DataError(f"{label}: {len(xs)} data row(s); at least 2 are needed")
    return Dataset(path.name, np.array(xs), np.array(ys), source=str(path))


def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``:g`` keeps only 6 digits)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


MAX_SYNTHETIC = 1e12
"""Largest noise, |x| or |phi| of a synthetic set (a model's values stay far
inside :data:`MAX_MAGNITUDE`)."""


SYNTHETIC_N = HyperParameter(
    "n", "N", 30, 2, 100_000, log=True, integer=True, label="Points N",
    help="number of synthetic points",
)
SYNTHETIC_NOISE = HyperParameter(
    # Unbounded as declared: MAX_SYNTHETIC, which bounds phi and x too, caps it.
    "noise", "σ", 0.1, 0.0, math.inf, slider=(0.0, 10.0), label="Noise σ",
    help="standard deviation of the noise added to y",
)
SYNTHETIC_SEED = HyperParameter(
    "seed", "seed", 0, 0, 2**32 - 1, integer=True, label="Data seed",
    help="seed of the random x and noise",
)
SYNTHETIC_PARAMETERS: tuple[HyperParameter, ...] = (SYNTHETIC_N, SYNTHETIC_NOISE, SYNTHETIC_SEED)
"""The synthetic generator's parameters, each a field of :class:`SyntheticSpec`."""


@dataclass(frozen=True)
class SyntheticSpec:
    """How to draw a synthetic data set from a model.

    ``phi`` of ``None`` means the model's own default truth; likewise ``x_range``.
    ``n``, ``noise`` and ``seed`` are checked against :data:`SYNTHETIC_PARAMETERS`.
    """

    n: int = SYNTHETIC_N.default  # type: ignore[assignment]
    noise: float = SYNTHETIC_NOISE.default  # type: ignore[assignment]
    seed: int = SYNTHETIC_SEED.default  # type: ignore[assignment]
    phi: tuple[float, float] | None = None
    x_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for parameter in SYNTHETIC_PARAMETERS:
            try:
                parameter.validate(getattr(self, parameter.name))
            except HyperParameterError as exc:
                raise DataError(f"synthetic data: {exc}") from None
        if self.noise > MAX_SYNTHETIC:
            raise DataError(f"synthetic data: noise must be at most {MAX_SYNTHETIC:g}, "
                            f"got {self.noise:g}")
        if self.x_range is not None and not self.x_range[0] < self.x_range[1]:
            raise DataError(f"synthetic data: x range {self.x_range} is empty")
        for name, value in (("x range", self.x_range), ("phi", self.phi)):
            if value is not None and max(map(abs, value)) > MAX_SYNTHETIC:
                raise DataError(f"synthetic data: {name} must be within ±{MAX_SYNTHETIC:g}, "
                                f"got ({value[0]:g}, {value[1]:g})")

    def describe(self) -> str:
        """Return the spec as the text :func:`parse_synthetic` reads."""
        parts = [f"n={self.n}", f"noise={_number(self.noise)}", f"seed={self.seed}"]
        if self.phi is not None:
            parts += [f"phi0={_number(self.phi[0])}", f"phi1={_number(self.phi[1])}"]
        if self.x_range is not None:
            parts += [f"xmin={_number(self.x_range[0])}", f"xmax={_number(self.x_range[1])}"]
        return "synthetic:" + ",".join(parts)


def parse_synthetic(spec: str) -> SyntheticSpec:
    """Parse ``synthetic[:n=30,noise=0.1,seed=0,phi0=..,phi1=..,xmin=..,xmax=..]``."""
    head, _, tail = spec.partition(":")
    if head != "synthetic":
        raise DataError(f"not a synthetic data spec: {spec!r}")
    values: dict[str, float] = {}
    allowed = (*(p.name for p in SYNTHETIC_PARAMETERS), "phi0", "phi1", "xmin", "xmax")
    for item in filter(None, (p.strip() for p in tail.split(","))):
        key, eq, value = item.partition("=")
        if not eq or key not in allowed:
            raise DataError(f"synthetic data: bad item {quote(item)}; "
                            f"use keys {', '.join(allowed)}")
        if key in values:
            raise DataError(f"synthetic data: {key} is given twice")
        number = _parse_number(value)
        if number is None or not math.isfinite(number):
            raise DataError(f"synthetic data: {key} must be a number, got {quote(value)}")
        values[key] = number
    phi = None
    if "phi0" in values or "phi1" in values:
        if not ("phi0" in values and "phi1" in values):
            raise DataError("synthetic data: give both phi0 and phi1, or neither")
        phi = (values["phi0"], values["phi1"])
    x_range = None
    if "xmin" in values or "xmax" in values:
        if not ("xmin" in values and "xmax" in values):
            raise DataError("synthetic data: give both xmin and xmax, or neither")
        x_range = (values["xmin"], values["xmax"])
    for key in ("n", "seed"):
        if key in values and values[key] != int(values[key]):
            raise DataError(f"synthetic data: {key} must be a whole number")
    return SyntheticSpec(
        n=int(values.get("n", SyntheticSpec.n)),
        noise=values.get("noise", SyntheticSpec.noise),
        seed=int(values.get("seed", SyntheticSpec.seed)),
        phi=phi,
        x_range=x_range,
    )


def synthetic(model: DataModel, spec: SyntheticSpec) -> Dataset:
    """Draw ``spec.n`` points ``y = f(x, phi) + noise`` with x uniform over the range."""
    rng = np.random.default_rng(spec.seed)
    low, high = spec.x_range or model.default_x_range
    phi = spec.phi or model.default_truth
    x = np.sort(rng.uniform(low, high, spec.n))
    y = model.evaluate(x, phi[0], phi[1]) + rng.normal(0.0, spec.noise, spec.n)
    return Dataset("synthetic", x, y, source=spec.describe())
