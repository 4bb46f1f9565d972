"""Data sets: the book's built-in sets, synthetic sets and CSV files of (x, y) pairs."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from gradviz.core.hyperparameters import HyperParameter, HyperParameterError
from gradviz.core.parsing import excerpt, quote, read_number, shown_path
from gradviz.core.resources import resource_path
from gradviz.core.table import (
    MAX_MAGNITUDE,
    DataError,
    FileSpec,
    read_table,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from gradviz.core.models import DataModel

BUILTIN_DATASETS: dict[str, str] = {
    "udl-linear": "12 points for 1D linear regression (UDL chapter 6)",
    "udl-gabor": "30 points for the Gabor model (UDL chapter 6)",
}




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


def load_table(spec: FileSpec, progress: Callable[[float], None] | None = None) -> Dataset:
    """The data set of the columns ``spec`` names.

    Raises
    ------
    DataError
        As :func:`~gradviz.core.table.read_table`, for a column that is not there,
        a bad cell in either column (naming its line and column), fewer than two
        rows, or a file of more than two columns whose columns are not chosen.
    """
    table = read_table(spec.path, spec.header, progress)
    x, y = spec.x, spec.y
    if x is None:
        if table.columns != 2:
            raise DataError(f"{shown_path(spec.path)}: {table.columns} columns; choose x and "
                            f"y: {excerpt(spec.path, 60)}:x=1,y=2 (names or numbers from 1)")
        x, y = "1", "2"
    xs, ys = table.dataset_arrays(x, y)
    return Dataset(Path(spec.path).name, xs, ys, source=spec.describe())


def load_csv(path: str | Path) -> Dataset:
    """Read a file of two numeric columns (x, y): CSV, semicolon- or white-space-separated.

    The first non-comment line may be a header; lines starting with ``#`` and
    blank lines are skipped. In a file with semicolons a comma is read as a
    decimal mark (``1,5;2,25``), as spreadsheets write where that is the custom.
    :func:`load_table` reads other columns of wider files.

    Raises
    ------
    DataError
        With the file, the line number and the problem, for a missing or
        unreadable file, an empty file, a wrong number of columns, a field that
        is not a number, NaN or inf, or fewer than two data rows.
    """
    return load_table(FileSpec(str(path)))


def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (``:g`` keeps only 6 digits)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


POINTS_PREFIX = "points:"
MAX_EMBEDDED_POINTS = 1000
"""Most points a ``points:`` spec (and so a scene) holds: a larger set belongs in a file."""


def points_spec(x: np.ndarray, y: np.ndarray) -> str:
    """The ``points:x,y;x,y;...`` spec of the points, each number exactly (shortest form).

    Raises
    ------
    DataError
        For more than :data:`MAX_EMBEDDED_POINTS` points.
    """
    if len(x) > MAX_EMBEDDED_POINTS:
        raise DataError(f"{len(x)} points are too many to embed (at most "
                        f"{MAX_EMBEDDED_POINTS}); keep them in a file")
    return POINTS_PREFIX + ";".join(f"{_number(a)},{_number(b)}" for a, b in zip(x, y))


def parse_points(spec: str) -> Dataset:
    """The data set of a ``points:x,y;x,y;...`` spec.

    Raises
    ------
    DataError
        Naming the point (from 1) that is not two finite numbers, or for more than
        :data:`MAX_EMBEDDED_POINTS` or fewer than two points.
    """
    if not spec.startswith(POINTS_PREFIX):
        raise DataError(f"not a points spec: {quote(spec)}")
    items = spec[len(POINTS_PREFIX):].split(";")
    if len(items) > MAX_EMBEDDED_POINTS:
        raise DataError(f"embedded points: {len(items)} points; at most {MAX_EMBEDDED_POINTS} "
                        "(keep larger sets in a file)")
    values: list[tuple[float, float]] = []
    for index, item in enumerate(items, start=1):
        pair = [read_number(f.strip()) for f in item.split(",")]
        if len(pair) != 2 or any(v is None or not math.isfinite(v) for v in pair):
            raise DataError(f"embedded points: point {index} is {quote(item)}, not two finite "
                            "numbers x,y")
        values.append((pair[0], pair[1]))  # type: ignore[arg-type]
    array = np.array(values, dtype=float).reshape(-1, 2)
    return Dataset("embedded points", array[:, 0], array[:, 1], source=spec)


MAX_SYNTHETIC = 1e12
"""Largest noise, |x| or |phi| of a synthetic set (a model's values stay far
inside :data:`MAX_MAGNITUDE`)."""


SYNTHETIC_N = HyperParameter(
    "n", "N", 30, 2, 1_000_000, log=True, integer=True, label="Points N",
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
        number = read_number(value)
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
