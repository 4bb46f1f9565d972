"""Shared pieces of the formula tests: the variables, and reading a formula."""

from __future__ import annotations

from gradviz.core.formula import Formula

MODEL = ("x", "phi0", "phi1")
SURFACE = ("phi0", "phi1")

GABOR = "sin(phi0 + 0.06*phi1*x) * exp(-(phi0 + 0.06*phi1*x)**2 / 32)"
"""The built-in Gabor model, typed."""

ROSENBROCK = "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2"


def model(text: str) -> Formula:
    """``text`` read as a model's formula."""
    return Formula(text, MODEL)
