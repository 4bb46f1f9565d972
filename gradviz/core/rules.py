"""An update rule as data: the parts an optimizer's update is explained in.

Each optimizer declares its :attr:`~gradviz.core.optimizers.Optimizer.explanation`,
a tuple of :class:`RulePart` in the order a lecturer goes through them (the
gradient, then the moments, then the step). A part's lines are written with the
names of the values :func:`gradviz.core.explain.explain_update` knows
(:data:`~gradviz.core.explain.VALUE_NAMES`) in braces, so a new optimizer brings
its explanation with it and nothing that shows explanations changes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleLine:
    """One line of a rule: its formula, the same with numbers, and what it gives.

    Attributes
    ----------
    formula : str
        As the lecture writes it (``m ← βm + (1 − β)g``); ``{L}`` is ``L`` or,
        for a minibatch, ``L_B``.
    numbers : str
        Its right-hand side with values named in braces
        (``{beta}·{m_before} + {one_minus_beta}·{g}``).
    result : str
        The name of the value the line gives (``m``).
    """

    formula: str
    numbers: str
    result: str


@dataclass(frozen=True)
class RuleArrow:
    """An arrow from a point of the update, drawn on the map.

    Attributes
    ----------
    label : str
        Its text (``−αg``).
    kind : str
        What it shows, which decides its colour: ``gradient``, ``momentum``,
        ``lookahead`` or ``step``.
    vector : str
        The name of the value it draws.
    tail : str
        The name of the point it starts at.
    dashed : bool
        Drawn dashed: a point the update looks at rather than a step it takes.
    """

    label: str
    kind: str
    vector: str
    tail: str = "phi_old"
    dashed: bool = False


@dataclass(frozen=True)
class RulePart:
    """One part of an update, one stage of the step-by-step mode.

    Attributes
    ----------
    name : str
        What the part computes, in a word or two (``momentum``).
    lines : tuple of RuleLine
        Its formulas.
    arrow : RuleArrow or None
        The arrow that shows it on the map.
    when : tuple of str, optional
        ``(hyperparameter, value)``: the part belongs to the rule only for that
        value of a choice (Nesterov's two look-ahead forms).
    """

    name: str
    lines: tuple[RuleLine, ...]
    arrow: RuleArrow | None = None
    when: tuple[str, str] | None = None


GRADIENT_STEP = RuleArrow("−αg", "gradient", "gradient_step")
MOMENTUM_STEP = RuleArrow("−αm", "momentum", "momentum_step")

GRADIENT = RulePart("gradient", (RuleLine("g = ∇{L}(φ)", "∇{L}{phi_old}", "g"),), GRADIENT_STEP)
"""The gradient at phi, of the batch the update used."""
MOMENTUM = RulePart(
    "momentum",
    (RuleLine("m ← βm + (1 − β)g", "{beta}·{m_before} + {one_minus_beta}·{g}", "m"),),
    MOMENTUM_STEP,
)
"""The lecture's momentum, an exponential average of the gradients."""
SECOND_MOMENT = RulePart(
    "second moment",
    (RuleLine("v ← γv + (1 − γ)g²", "{gamma}·{v_before} + {one_minus_gamma}·{g}²", "v"),),
)
"""The squared gradients' exponential average."""


def update_by(term: str, arrow: RuleArrow) -> RulePart:
    """The last part of a rule that moves phi by ``α term`` (``g`` or ``m``)."""
    return RulePart("step", (RuleLine(f"φ ← φ − α{term}", f"{{phi_old}} − {{lr}}·{{{term}}}",
                                      "phi_new"),), arrow)


def scaled_update(formula: str, numbers: str, label: str) -> tuple[RulePart, RulePart]:
    """The last two parts of a rule that scales each coordinate's step: the step
    ``s`` (``formula`` and its ``numbers``), drawn as an arrow ``label``, then phi moved by it."""
    arrow = RuleArrow(label, "step", "step_vector")
    return (RulePart("scaled step", (RuleLine(f"s = {formula}", numbers, "step"),), arrow),
            RulePart("step", (RuleLine("φ ← φ − s", "{phi_old} − {step}", "phi_new"),), arrow))
