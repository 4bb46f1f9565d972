"""Data sources: where the points of a data spec come from, declared for the front ends.

A data spec is text: a built-in set's name, ``synthetic:...``, ``points:...``
(a few points written out, as a scene embeds them) or the path of a data file
with the columns to fit (``PATH:x=time,y=speed``). Each source says which
specs are its own, whether reading them reads a file, and which parameters it
takes, so the control panel, the command line and the scene checker are made
from :data:`DATA_SOURCES` and the app knows, without looking at names, when a
spec must be read off the UI thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from gradviz.core.data import (
    BUILTIN_DATASETS,
    MAX_EMBEDDED_POINTS,
    POINTS_PREFIX,
    SYNTHETIC_PARAMETERS,
    DataError,
    Dataset,
    SyntheticSpec,
    load_builtin,
    load_table,
    parse_points,
    parse_synthetic,
    synthetic,
)
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.table import parse_file_spec

if TYPE_CHECKING:  # pragma: no cover - typing only
    from gradviz.core.models import DataModel


class DataSource(ABC):
    """One kind of data spec: a built-in set, the synthetic generator or a file."""

    name: str
    """Short name, as the app's data list shows it."""
    usage: str
    """How a spec of this source is written (``udl-gabor``, ``PATH.csv``)."""
    description: str
    reads_file: bool = False
    """Whether loading a spec of this source reads a file the user named."""
    offered: bool = True
    """Whether the app's list of data offers it (files and embedded points are
    listed only when they are the data in use)."""
    parameters: tuple[HyperParameter, ...] = ()

    @abstractmethod
    def claims(self, spec: str) -> bool:
        """Whether ``spec`` is one of this source's."""

    @abstractmethod
    def load(self, spec: str, model: DataModel) -> Dataset:
        """The data of ``spec`` (drawn from ``model`` where the source makes them).

        Raises
        ------
        DataError
            If the data cannot be read or made.
        """

    def values(self, spec: str) -> dict[str, float | str]:
        """The values ``spec`` gives :attr:`parameters` (their defaults where it gives none)."""
        return {}

    def label(self, spec: str) -> str:
        """``spec`` in a few words, as the app's list of data shows it."""
        return self.name

    def with_values(self, spec: str | None, values: Mapping[str, object]) -> str:
        """The spec of this source with ``values`` for parameters, the rest as in ``spec``
        (when it is this source's) or at their defaults."""
        if values:
            raise DataError(f"the {self.name} data take no parameters")
        return spec if spec is not None and self.claims(spec) else self.usage


class BuiltinSet(DataSource):
    """One of the data sets shipped with gradviz."""

    def __init__(self, name: str, description: str) -> None:
        self.name = self.usage = name
        self.description = description

    def claims(self, spec: str) -> bool:
        return spec == self.name

    def load(self, spec: str, model: DataModel) -> Dataset:
        return load_builtin(spec)


class SyntheticSource(DataSource):
    """Points drawn from the model itself, with noise, as ``synthetic:n=30,...`` says."""

    name = "synthetic"
    usage = SyntheticSpec().describe()
    description = "points drawn from the model plus Gaussian noise; also phi0=, phi1=, xmin=, xmax="
    parameters = SYNTHETIC_PARAMETERS

    def claims(self, spec: str) -> bool:
        return spec.startswith(self.name)

    def load(self, spec: str, model: DataModel) -> Dataset:
        return synthetic(model, parse_synthetic(spec))

    def values(self, spec: str) -> dict[str, float | str]:
        parsed = parse_synthetic(spec)
        return {p.name: getattr(parsed, p.name) for p in self.parameters}

    def with_values(self, spec: str | None, values: Mapping[str, object]) -> str:
        """As :meth:`DataSource.with_values`; ``phi`` and ``x_range`` (pairs) may be given too."""
        base = parse_synthetic(spec) if spec is not None and self.claims(spec) else SyntheticSpec()
        return replace(base, **values).describe()  # type: ignore[arg-type]

    def resolved(self, spec: str | None, model: DataModel) -> dict[str, object]:
        """Everything the points of ``spec`` (or the defaults) are drawn with from ``model``:
        ``n``, ``noise``, ``seed``, ``phi`` (the true parameters) and ``x_range``."""
        own = spec is not None and self.claims(spec)
        parsed = parse_synthetic(spec) if own else SyntheticSpec()  # type: ignore[arg-type]
        return {"n": parsed.n, "noise": parsed.noise, "seed": parsed.seed,
                "phi": parsed.phi or model.default_truth,
                "x_range": parsed.x_range or model.default_x_range}


class EmbeddedPoints(DataSource):
    """A few points written out in the spec: ``points:x,y;x,y;...``, as scenes embed them."""

    name = "points"
    usage = "points:X,Y;X,Y;..."
    description = f"up to {MAX_EMBEDDED_POINTS} points written out (as a scene embeds them)"
    offered = False

    def claims(self, spec: str) -> bool:
        return spec.startswith(POINTS_PREFIX)

    def load(self, spec: str, model: DataModel) -> Dataset:
        return parse_points(spec)

    def label(self, spec: str) -> str:
        return f"{spec.count(';') + 1} embedded points"


class CsvFile(DataSource):
    """A file of numbers in columns: every spec no other source claims."""

    name = "file"
    usage = "PATH.csv"
    description = ("columns of numbers separated by commas, semicolons or white space; a "
                   "header line and # comments are allowed; PATH:x=COL,y=COL picks two columns "
                   "of a wider file by name or number")
    reads_file = True
    offered = False

    def claims(self, spec: str) -> bool:
        return True

    def load(self, spec: str, model: DataModel) -> Dataset:
        return load_table(parse_file_spec(spec))

    def label(self, spec: str) -> str:
        try:
            parsed = parse_file_spec(spec)
        except DataError:  # a broken spec is named as it stands (reading it will say why)
            return Path(spec).name
        name = Path(parsed.path).name
        return name if parsed.x is None else f"{name} ({parsed.x}, {parsed.y})"


DATA_SOURCES: tuple[DataSource, ...] = (
    *(BuiltinSet(name, text) for name, text in BUILTIN_DATASETS.items()),
    SyntheticSource(),
    EmbeddedPoints(),
    CsvFile(),  # last: it claims whatever the others leave
)
"""Every data source, in the order a spec is offered to them."""


def data_source(spec: str) -> DataSource:
    """The source that ``spec`` belongs to."""
    return next(source for source in DATA_SOURCES if source.claims(spec))


def load_data(spec: str | None, model: DataModel, default: str) -> Dataset:
    """Resolve a data spec: ``None`` (the model's built-in set), a built-in name,
    ``synthetic:...``, ``points:...`` or the path of a data file."""
    spec = default if spec is None else spec
    return data_source(spec).load(spec, model)
