"""The registry of problem kinds: every model and surface the app, CLI and scenes offer.

A kind declares its name, a line of description, its parameters, its
capabilities and, for a model fitted to data, its default data set; it builds
its problem from validated parameter values and a data spec. Adding a model
or a surface is one entry in :data:`PROBLEM_KINDS`; the control panel, the
command line's flags and listing and the scene checker are made from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gradviz.core.analytic import (
    AnalyticProblem,
    HimmelblauProblem,
    RavineProblem,
    RosenbrockProblem,
    SaddleProblem,
)
from gradviz.core.formula_problems import (
    DEFAULT_MODEL,
    FormulaModel,
    FormulaSurface,
    bounds,
    guess,
    model_expression,
    start_of,
    surface_expression,
    window_of,
)
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.losses import Capabilities, DataFitProblem, Problem
from gradviz.core.models import DataModel, GaborModel, LinearModel
from gradviz.core.sources import load_data
from gradviz.core.space import Window

Values = Mapping[str, float | str]
"""Parameter values by name, validated against a kind's declarations."""

_RESERVED = ("model", "data", "parameters")
"""Names a parameter may not have: a problem spec's own fields."""


@dataclass(frozen=True)
class ProblemKind:
    """One kind of problem as the registry declares it.

    Parameters
    ----------
    name : str
        Identifier used in code, files and on the command line (``gabor``).
    title : str
        Name in sentences (``Gabor model``).
    description : str
        One line for lists and tooltips.
    build : callable
        ``build(values, data)`` makes the problem from validated parameter
        values and a data spec (``None`` for :attr:`default_data`).
    capabilities : Capabilities
        What its problems can do (the same for every problem of the kind).
    parameters : tuple of HyperParameter
        Its own parameters besides phi.
    default_data : str or None
        The data spec used when none is given; ``None`` for a kind without data.
    """

    name: str
    title: str
    description: str
    build: Callable[[Values, str | None], Problem]
    capabilities: Capabilities
    parameters: tuple[HyperParameter, ...] = ()
    default_data: str | None = None

    def __post_init__(self) -> None:
        clash = [p.name for p in self.parameters if p.name in _RESERVED]
        if clash:
            raise ValueError(f"problem kind {self.name!r}: a parameter may not be named "
                             f"{clash[0]!r}")
        if self.capabilities.has_data != (self.default_data is not None):
            raise ValueError(f"problem kind {self.name!r}: a kind has default data "
                             "exactly when it has data")


def data_fit_kind(
    model: type[DataModel],
    description: str,
    default_data: str,
    window: Window,
    start: tuple[float, float],
    recommended_lr: Mapping[str, float],
) -> ProblemKind:
    """The kind that fits ``model`` (built from its declared parameters) to data."""

    def build(values: Values, data: str | None) -> Problem:
        instance = model(**values)
        dataset = load_data(data, instance, default_data)
        # The book draws its own data sets in fixed ranges; other data are shown whole.
        ranges = (model.default_x_range, model.default_y_range) if data is None else None
        return DataFitProblem(instance, dataset, window, start, recommended_lr, ranges)

    capabilities = DataFitProblem.capabilities_of(model)
    return ProblemKind(model.name, model.title, description, build, capabilities,
                       model.parameters, default_data)


def analytic_kind(surface: type[AnalyticProblem]) -> ProblemKind:
    """The kind of an analytic surface (no parameters, no data)."""
    return ProblemKind(surface.name, surface.title, f"{surface.title}: {surface.formula}",
                       lambda values, data: surface(), surface.capabilities)


def formula_fit_kind(
    description: str, default_data: str, window: str, start: str,
    recommended_lr: Mapping[str, float],
) -> ProblemKind:
    """The kind that fits a formula model to data, with a view and start of its own."""
    parameters = (model_expression(DEFAULT_MODEL), bounds(window), guess(start))

    def build(values: Values, data: str | None) -> Problem:
        model = FormulaModel(str(values["expression"]))
        dataset = load_data(data, model, default_data)
        return DataFitProblem(model, dataset, window_of(str(values["bounds"])),
                              start_of(str(values["guess"])), recommended_lr)

    return ProblemKind(FormulaModel.name, FormulaModel.title, description, build,
                       DataFitProblem.capabilities_of(FormulaModel), parameters, default_data)


def formula_surface_kind(
    description: str, expression: str, window: str, start: str,
    recommended_lr: Mapping[str, float],
) -> ProblemKind:
    """The kind of a loss surface typed as a formula, with a view and start of its own."""
    parameters = (surface_expression(expression), bounds(window), guess(start))

    def build(values: Values, data: str | None) -> Problem:
        return FormulaSurface(str(values["expression"]), str(values["bounds"]),
                              str(values["guess"]), recommended_lr)

    return ProblemKind(FormulaSurface.name, FormulaSurface.title, description, build,
                       FormulaSurface.capabilities, parameters)


_LINEAR_LR = MappingProxyType(
    {"gd": 0.02, "sgd": 0.05, "momentum": 0.02, "nesterov": 0.02,
     "normalized": 0.01, "adam": 0.02, "rmsprop": 0.01, "adagrad": 0.2}
)

# The book's view windows and start points (lecture-math.md, "How the book draws them").
PROBLEM_KINDS: dict[str, ProblemKind] = {
    kind.name: kind
    for kind in (
        data_fit_kind(
            LinearModel,
            "straight line phi0 + phi1 x, least squares",
            "udl-linear",
            Window(0.0, 2.0, -1.0, 1.0),
            (1.6, -0.5),
            _LINEAR_LR,
        ),
        data_fit_kind(
            GaborModel,
            "Gabor function sin(z) exp(-z^2/envelope), z = phi0 + 0.06 phi1 x",
            "udl-gabor",
            Window(-10.0, 10.0, 2.5, 22.5),
            (-1.5, 6.5),
            MappingProxyType(
                {"gd": 0.1, "sgd": 0.6, "momentum": 0.6, "nesterov": 0.6,
                 "normalized": 0.1, "adam": 0.1, "rmsprop": 0.05, "adagrad": 1.0}
            ),
        ),
        # A typed model; its defaults are the linear model's problem.
        formula_fit_kind(
            "your own model: a formula in x, phi0 and phi1, least squares",
            "udl-linear", "0 2 -1 1", "1.6 -0.5", _LINEAR_LR,
        ),
        *map(analytic_kind, (RavineProblem, RosenbrockProblem, HimmelblauProblem, SaddleProblem)),
        # A typed surface; its defaults are Rosenbrock's.
        formula_surface_kind(
            "your own loss surface: a formula in phi0 and phi1",
            "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2", "-2 2 -1 3", "-1.2 1",
            RosenbrockProblem.recommended_lr,
        ),
    )
}
"""Every problem kind by name, data models first (the order the app and CLI list them)."""


def problem_kind(name: object) -> ProblemKind:
    """The registered kind called ``name``.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if not isinstance(name, str) or name not in PROBLEM_KINDS:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(PROBLEM_KINDS)}")
    return PROBLEM_KINDS[name]


def parameter_owners() -> dict[str, list[ProblemKind]]:
    """Every declared parameter name, with the kinds that declare it."""
    owners: dict[str, list[ProblemKind]] = {}
    for kind in PROBLEM_KINDS.values():
        for parameter in kind.parameters:
            owners.setdefault(parameter.name, []).append(kind)
    return owners


def declaration(name: str) -> HyperParameter:
    """The first declaration of the parameter ``name`` among the kinds (KeyError if none)."""
    kind = parameter_owners()[name][0]
    return next(p for p in kind.parameters if p.name == name)


def describe_models() -> dict[str, str]:
    """One line of description for each registered kind."""
    return {name: kind.description for name, kind in PROBLEM_KINDS.items()}


def has_data(model: str) -> bool:
    """Whether the named problem fits a model to data."""
    kind = PROBLEM_KINDS.get(model)
    return kind is not None and kind.capabilities.has_data


def kinds_with_data() -> tuple[str, ...]:
    """The names of the kinds that fit a model to data."""
    return tuple(name for name, kind in PROBLEM_KINDS.items() if kind.capabilities.has_data)
