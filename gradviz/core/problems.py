"""Problems by name: :class:`ProblemSpec`, the plain data that names one, and
:func:`make_problem`; with the public names of the problem modules.

The problems themselves live in :mod:`gradviz.core.losses` (the base class and
the least-squares fit to data) and :mod:`gradviz.core.analytic` (the test
surfaces); the kinds a spec may name are registered in :mod:`gradviz.core.kinds`
and its data sources declared in :mod:`gradviz.core.sources`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gradviz.core.analytic import AnalyticProblem
from gradviz.core.data import DataError
from gradviz.core.hyperparameters import validate_all
from gradviz.core.kinds import (
    PROBLEM_KINDS,
    ProblemKind,
    declaration,
    describe_models,
    has_data,
    parameter_owners,
    problem_kind,
)
from gradviz.core.losses import MINIMUM_GRID, Batch, Capabilities, DataFitProblem, Problem
from gradviz.core.sources import DataSource, data_source, load_data

MODELS: tuple[str, ...] = tuple(PROBLEM_KINDS)
"""Every built-in problem name, data models first."""


@dataclass(frozen=True, init=False)
class ProblemSpec:
    """Plain-data description of a problem, as the CLI, scenes and exports store it.

    Parameters
    ----------
    model : str
        A kind of :data:`~gradviz.core.kinds.PROBLEM_KINDS` (see :data:`MODELS`).
    data : str or None
        Built-in data set name, ``synthetic:...`` spec or CSV path; ``None`` for
        the model's own set. Must be ``None`` for analytic surfaces.
    parameters : mapping, optional
        The model's own parameters by name (``{"envelope": 8.0}``); missing
        ones take their declared defaults.
    **named
        Parameters given by name instead (``envelope=8.0``); they override
        ``parameters``. A parameter that another kind declares is checked by
        its declaration and dropped, so a spec moved to another model, or
        read from a file written when every spec carried an envelope, stays valid.

    Attributes
    ----------
    parameters : mapping
        Every parameter the model declares, validated, defaults filled in.

    Raises
    ------
    ValueError
        For an unknown model, data given to a surface, a parameter no kind
        declares, or a value outside its declared range.
    """

    # The defaults are __init__'s; these annotations give the fields for eq, hash and repr.
    model: str
    data: str | None
    parameters: Mapping[str, float | str]

    def __init__(
        self,
        model: str = "gabor",
        data: str | None = None,
        *,
        parameters: Mapping[str, object] | None = None,
        **named: object,
    ) -> None:
        kind = problem_kind(model)
        if data is not None and not kind.capabilities.has_data:
            raise ValueError(f"model {model!r} is an analytic surface and takes no data")
        given = {**(parameters or {}), **named}
        own = {p.name for p in kind.parameters}
        owners = parameter_owners()
        for name in given.keys() - own:
            if name not in owners:
                known = ", ".join(owners) or "none"
                raise ValueError(f"no model has a parameter {name!r} (models have: {known})")
            declaration(name).validate(given[name])
        values = validate_all(
            kind.parameters, {k: v for k, v in given.items() if k in own}, f"model {model!r}"
        )
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "parameters", MappingProxyType(values))

    def __hash__(self) -> int:
        return hash((self.model, self.data, tuple(self.parameters.items())))

    @property
    def kind(self) -> ProblemKind:
        """The registered kind the spec names."""
        return PROBLEM_KINDS[self.model]

    @property
    def resolved_data(self) -> str | None:
        """The data spec loaded: :attr:`data`, or the model's own set when it is ``None``;
        ``None`` for a kind without data."""
        return self.data if self.data is not None else self.kind.default_data

    @property
    def data_source(self) -> DataSource | None:
        """Where the data come from; ``None`` for a kind without data."""
        data = self.resolved_data
        return None if data is None else data_source(data)

    @property
    def reads_file(self) -> bool:
        """Whether building the problem reads a data file."""
        source = self.data_source
        return source is not None and source.reads_file

    def build(self) -> Problem:
        """Make the problem, loading its data.

        Raises
        ------
        DataError
            If the data cannot be loaded.
        """
        return self.kind.build(self.parameters, self.data)

    def to_dict(self) -> dict[str, object]:
        """The spec as JSON-ready data: model, data and the model's parameters by name,
        which ``ProblemSpec(**spec.to_dict())`` reads back."""
        return {"model": self.model, "data": self.data, **self.parameters}


def make_problem(model: str = "gabor", data: str | None = None, **parameters: object) -> Problem:
    """Build a problem by name (``make_problem("gabor", envelope=8.0)``); see
    :class:`ProblemSpec` for the arguments."""
    return ProblemSpec(model, data, **parameters).build()


__all__ = [
    "AnalyticProblem",
    "Batch",
    "Capabilities",
    "DataError",
    "DataFitProblem",
    "MINIMUM_GRID",
    "MODELS",
    "Problem",
    "ProblemSpec",
    "describe_models",
    "has_data",
    "load_data",
    "make_problem",
]
