"""A few formulas to start from: models fitted to data and loss surfaces, each with
a view window and a start that show it well (the app's formula editor lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from gradviz.core.formula_problems import FormulaModel, FormulaSurface
from gradviz.core.problems import ProblemSpec


@dataclass(frozen=True)
class FormulaExample:
    """A named formula problem: ``spec`` holds its kind, data, formula, window and start."""

    title: str
    spec: ProblemSpec

    @property
    def expression(self) -> str:
        """The example's formula."""
        return str(self.spec.parameters["expression"])


def _model(title: str, expression: str, data: str, bounds: str, guess: str) -> FormulaExample:
    return FormulaExample(title, ProblemSpec(FormulaModel.name, data, expression=expression,
                                             bounds=bounds, guess=guess))


def _surface(title: str, expression: str, bounds: str, guess: str) -> FormulaExample:
    return FormulaExample(title, ProblemSpec(FormulaSurface.name, None, expression=expression,
                                             bounds=bounds, guess=guess))


EXAMPLES: tuple[FormulaExample, ...] = (
    _model("exponential decay", "phi0 * exp(-phi1 * x)",
           "synthetic:n=30,noise=0.05,seed=0,phi0=1.5,phi1=1.2,xmin=0,xmax=3",
           "0 3 0 3", "0.5 2.5"),
    _model("Gabor function (the book's model, typed)",
           "sin(phi0 + 0.06*phi1*x) * exp(-(phi0 + 0.06*phi1*x)**2 / 32)",
           "udl-gabor", "-10 10 2.5 22.5", "-1.5 6.5"),
    _model("sine fit: amplitude and frequency", "phi0 * sin(phi1 * x)",
           "synthetic:n=40,noise=0.1,seed=0,phi0=1,phi1=2,xmin=0,xmax=6",
           "-2 2 0 4", "0.5 1.2"),
    _surface("Rosenbrock's valley", "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2",
             "-2 2 -1 3", "-1.2 1"),
    _surface("Himmelblau: four minima", "(phi0**2 + phi1 - 11)**2 + (phi0 + phi1**2 - 7)**2",
             "-5 5 -5 5", "-0.5 0.5"),
    _surface("a saddle between two minima", "phi0**2 + (phi1**2 - 1)**2 / 4",
             "-1.5 1.5 -1.5 1.5", "1.3 0.001"),
    _surface("undefined where phi0 < 0: a log", "log(phi0) + phi1**2 + phi0**2",
             "-1 2 -1.5 1.5", "1.5 1.2"),
)
"""Every example, models first."""


def examples_of(kind: str) -> tuple[FormulaExample, ...]:
    """The examples of the problem kind ``kind`` (none for a kind without a formula)."""
    return tuple(e for e in EXAMPLES if e.spec.model == kind)


__all__ = ["EXAMPLES", "FormulaExample", "examples_of"]
