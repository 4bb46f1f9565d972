"""One recorded update explained: its optimizer's rule with the update's own numbers.

:func:`explain_update` turns the rows a run recorded and its settings into an
:class:`Explanation` of the update that led to row ``i`` (from ``phi[i - 1]`` to
``phi[i]``): each part the optimizer declares (:mod:`gradviz.core.rules`) with its
formula, the same formula with the numbers substituted and its value, and the
arrows that show the update on the map. Every value is the record's own (the
gradient of the batch the update used, the moments, Adam's bias-corrected terms,
Nesterov's look-ahead point, the learning rate, the old and new phi) or
recomputed by the formula the optimizer's update uses (the step it subtracted
from phi: ``phi_old - step`` is ``phi_new`` to the last bit).

:func:`step_stage` is the step-by-step mode's order through the parts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from gradviz.core.optimizers import Optimizer
from gradviz.core.round_numbers import round_below
from gradviz.core.rules import RuleArrow, RulePart
from gradviz.core.run_settings import RunSettings
from gradviz.core.space import Window

VALUE_NAMES: frozenset[str] = frozenset({
    "g", "phi_old", "phi_new", "lookahead_phi", "m", "v", "m_hat", "v_hat", "m_before",
    "v_before", "step", "lr", "t1", "beta", "gamma", "eps", "one_minus_beta",
    "one_minus_gamma", "gradient_step", "momentum_step", "m_hat_step", "lookahead_reach",
    "step_vector", "L",
})
"""The names a rule's lines and arrows may use (``{name}`` in :class:`~gradviz.core.rules.RuleLine`):
the record's ``g`` (the gradient the update used), ``phi_old``, ``phi_new``,
``lookahead_phi``, ``m``, ``v``, ``m_hat``, ``v_hat`` and ``lr``; the moments before
the update ``m_before`` and ``v_before``; ``step``, what the update subtracted from
phi; the update's number ``t1`` (t + 1); the hyperparameters ``beta``, ``gamma``,
``eps`` and ``one_minus_beta``, ``one_minus_gamma``; the arrows ``gradient_step``
(−αg), ``momentum_step`` (−αm), ``m_hat_step`` (−αm̃), ``lookahead_reach`` (from phi
to the look-ahead point) and ``step_vector`` (−step); and ``L``, the loss's name
(``L_B`` for a minibatch)."""

VALUE_SYMBOLS: Mapping[str, str] = {
    "g": "g", "m": "m", "v": "v", "m_hat": "m̃", "v_hat": "ṽ", "lookahead_phi": "look-ahead",
    "step": "s", "phi_old": "φ", "phi_new": "φ′", "lr": "α",
}
"""How the values an explanation lists are written."""

MINUS = "\u2212"


class Rows(Protocol):
    """A run's recorded rows, one field per column series (a Trajectory, a frame)."""

    update: np.ndarray
    phi: np.ndarray
    lr: np.ndarray
    grad: np.ndarray
    batches: Sequence[np.ndarray | None]
    m: np.ndarray | None
    v: np.ndarray | None
    m_hat: np.ndarray | None
    v_hat: np.ndarray | None
    lookahead_phi: np.ndarray | None


def number(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, as a projector shows it: a true
    minus sign, powers of ten written out (``1×10⁻⁸``), no ``-0``."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if value == 0.0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = str(int(exponent)).translate(_SUPERSCRIPTS)
        text = f"{mantissa}×10{power}" if mantissa not in ("1", "-1") else f"{mantissa}0{power}"
    return text.replace("-", MINUS)


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def vector(values: np.ndarray, digits: int = 4) -> str:
    """A point or vector of parameter space: ``(0.1234, −0.3)``."""
    return "(" + ", ".join(number(v, digits) for v in np.asarray(values).ravel()) + ")"


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.shape:
        return vector(value)
    return number(float(value))  # type: ignore[arg-type]


@dataclass(frozen=True)
class ExplainedLine:
    """One line of the rule with the update's numbers.

    Attributes
    ----------
    formula : str
        As the optimizer declares it (``m ← βm + (1 − β)g``).
    numbers : str
        Its right-hand side with the numbers substituted.
    result : str
        The value it gives, written out.
    """

    formula: str
    numbers: str
    result: str

    @property
    def text(self) -> str:
        """The whole line: ``formula = numbers = result``."""
        return f"{self.formula} = {self.numbers} = {self.result}"


@dataclass(frozen=True)
class ExplainedPart:
    """One part of the update with its numbers.

    Attributes
    ----------
    name : str
        What it computes (``momentum``).
    lines : tuple of ExplainedLine
        Its formulas with numbers (without numbers at the start, before any update).
    arrow : int or None
        Its arrow's place in :attr:`Explanation.arrows`.
    """

    name: str
    lines: tuple[ExplainedLine, ...]
    arrow: int | None = None


@dataclass(frozen=True, eq=False)
class UpdateArrow:
    """An arrow of the update on the map, in parameter space.

    Attributes
    ----------
    label, kind : str
        Its text, and what it shows (see :class:`~gradviz.core.rules.RuleArrow`).
    tail, vector : numpy.ndarray
        Where it starts and where it points, shape ``(2,)``.
    dashed : bool
        Whether it marks a point the update looks at rather than a step.
    """

    label: str
    kind: str
    tail: np.ndarray
    vector: np.ndarray
    dashed: bool = False


@dataclass(frozen=True, eq=False)
class Explanation:
    """The update that led to one recorded row, explained.

    Attributes
    ----------
    title : str
        The optimizer's name (``Adam``).
    rule : str
        Its rule on one line.
    update : int
        The update's number (1 for the first); 0 at the start point, where the
        parts have formulas but no numbers yet and there are no arrows.
    parts : tuple of ExplainedPart
        The parts in the order they are explained.
    arrows : tuple of UpdateArrow
        The update's arrows, each once (parts may share one).
    values : Mapping
        The numbers, by the names of :data:`VALUE_NAMES` (arrays of shape ``(2,)``
        for vectors and points, floats for the rest).
    batch : tuple of int or None
        The data indices of the update's minibatch (``None``: all the data).
    """

    title: str
    rule: str
    update: int
    parts: tuple[ExplainedPart, ...]
    arrows: tuple[UpdateArrow, ...]
    values: Mapping[str, object]
    batch: tuple[int, ...] | None = None


def explain_update(settings: RunSettings, rows: Rows, index: int) -> Explanation:
    """The update that led to row ``index`` of a run with ``settings``, explained.

    Parameters
    ----------
    settings : RunSettings
        The run's resolved settings (its optimizer and hyperparameters).
    rows : Rows
        Its recorded rows, with the terms its optimizer reports.
    index : int
        The row shown; 0 is the start point (no update yet).

    Raises
    ------
    ValueError
        For a row the run has not recorded, or a run that did not record its
        optimizer's terms.
    """
    optimizer = settings.make_optimizer()
    count = len(rows.phi)
    if not 0 <= index < count:
        raise ValueError(f"the run has no row {index} (it has {count})")
    missing = [name for name in optimizer.terms if getattr(rows, name) is None]
    if missing:
        raise ValueError(f"the run did not record its optimizer's terms ({', '.join(missing)})")
    if index == 0:
        rule = explain_rule(settings, len(rows.batches) > 1 and rows.batches[1] is not None)
        return replace(rule, values={"phi_new": rows.phi[0]})
    parts = optimizer.parts()
    batch = rows.batches[index]
    values = _values(optimizer, rows, index)
    arrows: list[RuleArrow] = []
    for part in parts:
        if part.arrow is not None and part.arrow not in arrows:
            arrows.append(part.arrow)
    return Explanation(
        title=optimizer.title,
        rule=optimizer.rule,
        update=int(rows.update[index]),
        parts=tuple(_explained(part, values, arrows) for part in parts),
        arrows=tuple(UpdateArrow(a.label, a.kind, _value(values, a.tail), _value(values, a.vector),
                                 a.dashed) for a in arrows),
        values={name: values[name] for name in VALUE_SYMBOLS if name in values},
        batch=None if batch is None else tuple(int(i) for i in batch),
    )


def explain_rule(settings: RunSettings, minibatch: bool = False) -> Explanation:
    """The rule of a run with ``settings`` before any update: its parts' formulas
    without numbers, no arrows (``minibatch``: its gradients are a batch's)."""
    optimizer = settings.make_optimizer()
    loss = "L_B" if minibatch else "L"
    return Explanation(optimizer.title, optimizer.rule, 0, tuple(
        ExplainedPart(part.name, tuple(ExplainedLine(line.formula.format(L=loss), "", "")
                                       for line in part.lines))
        for part in optimizer.parts()), (), {})


def _values(optimizer: Optimizer, rows: Rows, index: int) -> dict[str, object]:
    """The numbers of the update that led to row ``index``, by name (see :data:`VALUE_NAMES`)."""
    t = int(rows.update[index]) - 1
    lr = float(rows.lr[index])
    g = rows.grad[index]
    values: dict[str, object] = {
        "g": g, "phi_old": rows.phi[index - 1], "phi_new": rows.phi[index], "lr": lr,
        "t1": t + 1, "L": "L" if rows.batches[index] is None else "L_B",
        "gradient_step": -(lr * g),
    }
    for name in ("beta", "gamma", "eps"):
        if name in optimizer.values:
            values[name] = float(optimizer.values[name])  # type: ignore[arg-type]
            values[f"one_minus_{name}"] = 1.0 - values[name]  # type: ignore[operator]
    new: dict[str, np.ndarray] = {}
    for name in optimizer.terms:
        values[name] = term = getattr(rows, name)[index]
        if name in optimizer.state_names:
            new[name] = term
            # The state before the first update is zeros (Optimizer.init_state).
            values[f"{name}_before"] = (getattr(rows, name)[index - 1] if index > 1
                                        else np.zeros_like(term))
    step = optimizer.step(g, new, t, lr)
    values["step"], values["step_vector"] = step, -step
    if "m" in values:
        values["momentum_step"] = -(lr * values["m"])  # type: ignore[operator]
    if "m_hat" in values:
        values["m_hat_step"] = -(lr * values["m_hat"])  # type: ignore[operator]
    if "lookahead_phi" in values:
        values["lookahead_reach"] = values["lookahead_phi"] - values["phi_old"]  # type: ignore[operator]
    return values


def _value(values: Mapping[str, object], name: str) -> object:
    try:
        return values[name]
    except KeyError:
        known = ", ".join(sorted(values))
        raise ValueError(f"the rule names a value {name!r} this update does not have; it has "
                         f"{known}") from None


def _explained(part: RulePart, values: Mapping[str, object],
               arrows: list[RuleArrow]) -> ExplainedPart:
    texts = _Texts(values)
    lines = tuple(
        ExplainedLine(line.formula.format_map(texts), line.numbers.format_map(texts),
                      texts[line.result])
        for line in part.lines
    )
    return ExplainedPart(part.name, lines, None if part.arrow is None else arrows.index(part.arrow))


class _Texts(dict):  # type: ignore[type-arg]
    """The values written out, for ``str.format_map``, each when a line asks for it."""

    def __init__(self, values: Mapping[str, object]) -> None:
        super().__init__()
        self._values = values

    def __missing__(self, name: str) -> str:
        return _text(_value(self._values, name))


def magnification(explanation: Explanation, window: Window, least: float = 0.1,
                  target: float = 0.25) -> float:
    """How much longer to draw the update's arrows so that they can be seen on ``window``.

    1 if the longest arrow is at least ``least`` of the view (each axis measured in
    the view's extent along it, so a stretched view counts alike), else the largest
    of 2, 5, 10, 20, 50, ... that draws it at most ``target`` of the view.
    """
    extent = np.array([window.width, window.height])
    lengths = [float(np.hypot(*(np.asarray(a.vector) / extent))) for a in explanation.arrows]
    longest = max((x for x in lengths if math.isfinite(x)), default=0.0)
    if longest == 0.0 or longest >= least:
        return 1.0
    return max(1.0, round_below(target / longest))


def step_stage(stage: int | None, parts: int, direction: int,
               at_start: bool = False) -> tuple[int | None, int]:
    """The step-by-step mode's next stage: ``(stage, updates to move)``.

    Forward (``direction`` > 0) from the whole update (``None``) to its first part,
    through its parts, and from its last to the next update's first; backward the
    other way, from the first part to the whole update and from the whole update
    to the previous update's last part. ``at_start``: the shown row is the start
    point, which has no update to explain, so forward takes one.
    """
    if parts < 1:
        return None, 0
    if direction > 0:
        if stage is None:
            return 0, int(at_start)
        return (stage + 1, 0) if stage + 1 < parts else (0, 1)
    if stage is None:
        return (None, 0) if at_start else (parts - 1, -1)
    return (stage - 1, 0) if stage > 0 else (None, 0)
