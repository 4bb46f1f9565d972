"""Shared pieces of the formula tests: the variables, reading a formula, and random
formulas."""

from __future__ import annotations

from hypothesis import strategies as st

from gradviz.core.formula import FUNCTIONS, Formula

MODEL = ("x", "phi0", "phi1")
SURFACE = ("phi0", "phi1")

GABOR = "sin(phi0 + 0.06*phi1*x) * exp(-(phi0 + 0.06*phi1*x)**2 / 32)"
"""The built-in Gabor model, typed."""

ROSENBROCK = "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2"


def model(text: str) -> Formula:
    """``text`` read as a model's formula."""
    return Formula(text, MODEL)


_LEAVES = st.one_of(
    st.sampled_from(["x", "phi0", "phi1"]),
    st.sampled_from(["0.5", "2", "3", "0.06", "1.5", "-1"]),
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from("+-*/"), inner),
        st.builds(lambda a, e: f"({a})**{e}", inner, st.sampled_from(["2", "3", "0.5", "-1"])),
        st.builds(lambda a, b: f"({a})**({b})", inner, inner),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(FUNCTIONS), inner),
        st.builds(lambda a: f"-({a})", inner),
    )


FORMULAS = st.recursive(_LEAVES, _extend, max_leaves=12)
"""Random formulas in x, phi0 and phi1 over the whole whitelist."""
