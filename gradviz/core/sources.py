"""Data sources: where the points of a data spec come from, declared for the front ends.

A data spec is text: a built-in set's name, ``synthetic:...`` or the path of
a CSV file. Each source says which specs are its own, whether reading them
reads a file, and which parameters it takes, so the control panel, the
command line and the scene checker are made from :data:`DATA_SOURCES` and
the app knows, without looking at names, when a spec must be read off the
UI thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from gradviz.core.data import (
    BUILTIN_DATASETS,
    SYNTHETIC_PARAMETERS,
    DataError,
    Dataset,
    SyntheticSpec,
    load_builtin,
    load_csv,
    parse_synthetic,
    synthetic,
)
from gradviz.core.hyperparameters import HyperParameter

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
        base = parse_synthetic(spec) if spec is not None and self.claims(spec) else SyntheticSpec()
        return replace(base, **values).describe()  # type: ignore[arg-type]


class CsvFile(DataSource):
    """A CSV file of (x, y) pairs: every spec no other source claims."""

    name = "file"
    usage = "PATH.csv"
    description = "two numeric columns x, y; a header line and # comments are allowed"
    reads_file = True

    def claims(self, spec: str) -> bool:
        return True

    def load(self, spec: str, model: DataModel) -> Dataset:
        return load_csv(spec)


DATA_SOURCES: tuple[DataSource, ...] = (
    *(BuiltinSet(name, text) for name, text in BUILTIN_DATASETS.items()),
    SyntheticSource(),
    CsvFile(),  # last: it claims whatever the others leave
)
"""Every data source, in the order a spec is offered to them."""


def data_source(spec: str) -> DataSource:
    """The source that ``spec`` belongs to."""
    return next(source for source in DATA_SOURCES if source.claims(spec))


def load_data(spec: str | None, model: DataModel, default: str) -> Dataset:
    """Resolve a data spec: ``None`` (the model's built-in set), a built-in name,
    ``synthetic:...`` or the path of a CSV file."""
    spec = default if spec is None else spec
    return data_source(spec).load(spec, model)
