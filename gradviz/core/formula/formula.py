"""A formula read and differentiated: its tree, exact first and second derivatives
with respect to phi0 and phi1, and numpy programs that evaluate them."""

from __future__ import annotations

from dataclasses import dataclass, field

from gradviz.core.formula.builder import Builder
from gradviz.core.formula.derivative import differentiate
from gradviz.core.formula.parse import parse
from gradviz.core.formula.printing import to_text
from gradviz.core.formula.program import Program
from gradviz.core.formula.separation import separated
from gradviz.core.formula.tree import Node

PARAMETERS = ("phi0", "phi1")
"""The variables a formula is differentiated by."""


@dataclass(frozen=True, eq=False)
class Formula:
    """The formula ``text`` in ``variables`` (which include :data:`PARAMETERS`).

    Raises
    ------
    FormulaError
        If the text is refused (:func:`~gradviz.core.formula.parse.parse`).
    """

    text: str
    variables: tuple[str, ...]
    tree: Node = field(init=False)
    gradient: tuple[Node, Node] = field(init=False)
    """d/dphi0 and d/dphi1."""
    hessian: tuple[Node, Node, Node] = field(init=False)
    """d²/dphi0², d²/dphi0 dphi1 and d²/dphi1²."""
    value_program: Program = field(init=False)
    """Computes the formula."""
    grid_program: Program = field(init=False)
    """Computes the formula where each variable varies along an axis of its own (a grid):
    sines and cosines of separable sums split (:mod:`~gradviz.core.formula.separation`)."""
    gradient_program: Program = field(init=False)
    """Computes the formula and its gradient."""
    hessian_program: Program = field(init=False)
    """Computes the three second derivatives."""

    def __post_init__(self) -> None:
        build = Builder()
        tree = parse(self.text, self.variables, build)
        d0, d1 = (differentiate(tree, name, build) for name in PARAMETERS)
        hessian = (differentiate(d0, "phi0", build), differentiate(d0, "phi1", build),
                   differentiate(d1, "phi1", build))
        values = {
            "tree": tree,
            "gradient": (d0, d1),
            "hessian": hessian,
            "value_program": Program((tree,), self.variables),
            "grid_program": Program((separated(tree, build),), self.variables),
            "gradient_program": Program((tree, d0, d1), self.variables),
            "hessian_program": Program(hessian, self.variables),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def canonical(self) -> str:
        """The formula as gradviz reads it (numbers folded, spacing regular)."""
        return to_text(self.tree)

    def derivative_text(self) -> tuple[str, str]:
        """The gradient as text: d/dphi0 and d/dphi1, as computed."""
        return to_text(self.gradient[0]), to_text(self.gradient[1])
