"""The lecture's optimizers, as pure update rules on arrays of shape ``(..., 2)``.

An optimizer holds validated hyperparameters only; its state (momentum,
squared-gradient averages) lives in a separate dict of arrays that
:meth:`Optimizer.update` returns anew, so a reset or a replay from the same
start gives the same path. Updates broadcast over leading axes, so a grid of
runs steps at once, and every numeric hyperparameter may hold one value per
run: an array with the runs' leading shape, as the learning rate ``lr`` of
:meth:`Optimizer.update` may. A run stepped in a batch follows, to the last
bit, the path it follows alone: the rules use elementwise arithmetic only, and
scalar formulas of a hyperparameter (Adam's bias corrections) are evaluated
in Python floats for each run (see :func:`_each`).

``t`` counts updates from 0; ``lr`` is the learning rate for update ``t``
(from the schedule); ``objective(phi)`` returns the batch's summed loss and
its gradient at ``phi``.

An optimizer names the terms of its updates that it reports (:attr:`Optimizer.terms`,
optional columns of :data:`~gradviz.core.columns.STEP_COLUMNS`: its moments, Adam's
bias-corrected ones, Nesterov's look-ahead point), and :meth:`Optimizer.update_terms`
gives their values after an update, asked for only by a run that records them: the
update itself computes nothing more for them.

An optimizer explains its update as data (:attr:`Optimizer.explanation`: the parts
of :mod:`gradviz.core.rules`, in the order a lecturer goes through them), and its
:meth:`Optimizer.step` is the displacement its update subtracts from phi, by the
very arithmetic of the update, so that an explanation of a recorded update
(:mod:`gradviz.core.explain`) shows the numbers the update used.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from gradviz.core.columns import TERM_COLUMNS
from gradviz.core.hyperparameters import HyperParameter, HyperParameterError, validate_all
from gradviz.core.rules import (
    GRADIENT,
    GRADIENT_STEP,
    MOMENTUM,
    MOMENTUM_STEP,
    SECOND_MOMENT,
    RuleArrow,
    RuleLine,
    RulePart,
    scaled_update,
    update_by,
)

Objective = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``phi -> (batch loss, gradient)``."""

State = Mapping[str, np.ndarray]

LR = HyperParameter(
    "lr", "α", 0.1, 1e-6, 1000.0, log=True, help="learning rate: the size of each step"
)
BETA = HyperParameter(
    "beta", "β", 0.9, 0.0, 0.9999, help="momentum: weight of the past gradients in m"
)
GAMMA = HyperParameter(
    "gamma", "γ", 0.99, 0.0, 0.99999,
    help="weight of the past squared gradients in v",
)
EPS = HyperParameter(
    "eps", "ε", 1e-8, 1e-12, 1.0, log=True, help="small constant that prevents division by 0"
)


class Optimizer(ABC):
    """Base class: declared hyperparameters, a state layout and an update rule.

    Parameters
    ----------
    **values
        Hyperparameter values by name; missing ones take their defaults. A
        numeric one may be an array of per-run values (shape: the runs'
        leading shape); a choice takes one value for all runs.

    Raises
    ------
    HyperParameterError
        For an unknown name or a value out of range.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    short: ClassVar[str]
    """Name for legends."""
    rule: ClassVar[str]
    """The update rule as one line of text."""
    hyperparameters: ClassVar[tuple[HyperParameter, ...]]
    state_names: ClassVar[tuple[str, ...]] = ()
    terms: ClassVar[tuple[str, ...]] = ()
    """The terms its updates report: names of :data:`~gradviz.core.columns.TERM_COLUMNS`."""
    default_batch_size: ClassVar[int | None] = None
    """Minibatch size the lecture uses with this optimizer (``None``: full batch)."""
    explanation: ClassVar[tuple[RulePart, ...]]
    """Its update in parts, in the order they are explained (see :mod:`gradviz.core.rules`)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        unknown = set(cls.terms) - {c.name for c in TERM_COLUMNS}
        if unknown:
            raise TypeError(f"{cls.__name__} reports terms that no column declares: "
                            f"{', '.join(sorted(unknown))}")

    def __init__(self, **values: object) -> None:
        self.values: Mapping[str, float | str | np.ndarray] = MappingProxyType(
            validate_all(self.hyperparameters, values, f"optimizer {self.name!r}", per_run=True)
        )

    def __getitem__(self, name: str) -> float | str | np.ndarray:
        return self.values[name]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({args})"

    @property
    def lr(self) -> float | np.ndarray:
        """The base learning rate: a float, or the runs' array of per-run rates."""
        lr = self.values["lr"]
        return lr if isinstance(lr, np.ndarray) else float(lr)

    def value(self, name: str) -> float | np.ndarray:
        """A numeric hyperparameter as the update rules use it.

        A float shared by all runs, or per-run values with a trailing axis
        added, so that they broadcast against ``phi`` of shape ``(..., 2)``.
        """
        value = self.values[name]
        if isinstance(value, float):  # the common case first: this is on the hot path
            return value
        return value[..., None] if isinstance(value, np.ndarray) else float(value)

    def init_state(self, phi: np.ndarray) -> dict[str, np.ndarray]:
        """Fresh state (all zeros) for runs starting at ``phi``."""
        return {name: np.zeros(np.shape(phi)) for name in self.state_names}

    @abstractmethod
    def update(
        self, phi: np.ndarray, state: State, t: int, lr: float | np.ndarray, objective: Objective
    ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """One update.

        Returns
        -------
        phi, state, batch_loss, grad
            New parameters, new state, the batch loss at the old ``phi`` and the
            gradient the update used (Nesterov's is taken at its look-ahead point).
        """

    def update_terms(
        self, phi: np.ndarray, state: State, t: int | np.ndarray, lr: float | np.ndarray,
        new: State,
    ) -> dict[str, np.ndarray]:
        """The :attr:`terms` of the update from ``phi`` and ``state`` (update ``t``
        with rate ``lr``) whose new state is ``new``, by name.

        By default the terms are state, which ``new`` holds; an optimizer that
        reports other terms computes them here, by the formulas its update uses,
        elementwise: the engine asks for a block of updates at once, each argument
        with a leading axis of updates (``t`` an array of update numbers shaped to
        broadcast against ``phi``, as ``lr`` is).
        """
        return {name: new[name] for name in self.terms}

    @abstractmethod
    def step(
        self, grad: np.ndarray, new: State, t: int, lr: float | np.ndarray
    ) -> np.ndarray:
        """What update ``t`` with rate ``lr``, gradient ``grad`` and new state ``new``
        subtracts from phi, computed as the update computes it (the update calls it)."""

    def parts(self) -> tuple[RulePart, ...]:
        """The parts of :attr:`explanation` that belong to this optimizer's choices."""
        return tuple(part for part in self.explanation
                     if part.when is None or self.values[part.when[0]] == part.when[1])


@functools.lru_cache(maxsize=256)
def _weights(decay: float) -> tuple[np.ndarray, np.ndarray]:
    """``decay`` and ``1 - decay`` as read-only 0-d arrays, made once per value.

    numpy combines a small array with a 0-d array faster (about 0.9 us) than
    with a Python float (about 1.5 us), and to the same result.
    """
    weights = np.array(decay), np.array(1.0 - decay)
    for weight in weights:
        weight.flags.writeable = False
    return weights


def _average(
    previous: np.ndarray, new: np.ndarray, decay: float | np.ndarray
) -> np.ndarray:
    """The exponential moving average ``decay * previous + (1 - decay) * new``."""
    keep, mix = _weights(decay) if isinstance(decay, float) else (decay, 1.0 - decay)
    return keep * previous + mix * new


def _each(
    formula: Callable[[float, int], float], value: float | np.ndarray, t: int | np.ndarray
) -> float | np.ndarray:
    """``formula(value, t)`` of a shared value, or of each run's value, in Python floats;
    ``t`` may also be an array of update numbers (a block's updates, in
    :meth:`Optimizer.update_terms`), broadcast against ``value``.

    numpy's ``**`` rounds some powers differently from Python's (``0.9 ** 3``
    among them), so a formula evaluated on an array of per-run values would
    put a run in a batch a bit off the path it follows alone.
    """
    if not isinstance(t, np.ndarray):  # an update's: the hot path
        if isinstance(value, float):
            return formula(value, t)
        return np.array([formula(v, t) for v in value.ravel().tolist()]).reshape(value.shape)
    values, numbers = np.broadcast_arrays(np.asarray(value, dtype=float), np.asarray(t))
    return np.array([formula(v, n) for v, n in zip(values.ravel().tolist(),
                                                   numbers.ravel().tolist())]).reshape(values.shape)


def _lr(lr: float | np.ndarray) -> float | np.ndarray:
    # A per-run learning rate of shape (...) must broadcast against phi (..., 2).
    return lr if isinstance(lr, float) else np.asarray(lr)[..., None]


class GradientDescent(Optimizer):
    """Plain gradient descent on the whole data set."""

    name = "gd"
    title = "Gradient descent"
    short = "GD"
    rule = "φ ← φ − α g"
    hyperparameters = (LR,)
    explanation = (GRADIENT, update_by("g", GRADIENT_STEP))

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        loss, grad = objective(phi)
        return phi - self.step(grad, {}, t, lr), {}, loss, grad

    def step(self, grad, new, t, lr):  # type: ignore[no-untyped-def]
        return _lr(lr) * grad


class StochasticGradientDescent(GradientDescent):
    """Gradient descent on a fresh minibatch at each update."""

    name = "sgd"
    title = "Stochastic gradient descent"
    short = "SGD"
    hyperparameters = (replace(LR, default=0.6),)
    default_batch_size = 5


class Momentum(Optimizer):
    """Heavy-ball momentum in the lecture's form, an exponential average of gradients."""

    name = "momentum"
    title = "Momentum"
    short = "Momentum"
    rule = "m ← βm + (1 − β)g;  φ ← φ − αm"
    hyperparameters = StochasticGradientDescent.hyperparameters + (
        replace(BETA, default=0.6),
    )
    state_names = ("m",)
    terms = ("m",)
    default_batch_size = 5
    explanation = (GRADIENT, MOMENTUM, update_by("m", MOMENTUM_STEP))

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        loss, grad = objective(phi)
        m = _average(state["m"], grad, self.value("beta"))
        new = {"m": m}
        return phi - self.step(grad, new, t, lr), new, loss, grad

    def step(self, grad, new, t, lr):  # type: ignore[no-untyped-def]
        return _lr(lr) * new["m"]


_LOOK_AHEAD = RuleArrow("look-ahead", "lookahead", "lookahead_reach", dashed=True)
_GRADIENT_AHEAD = RuleArrow("−αg", "gradient", "gradient_step", tail="lookahead_phi")


class Nesterov(Optimizer):
    """Nesterov momentum: the gradient is taken where the momentum is about to carry phi."""

    name = "nesterov"
    title = "Nesterov momentum"
    short = "Nesterov"
    rule = "m ← βm + (1 − β)g(φ − αm);  φ ← φ − αm"
    hyperparameters = Momentum.hyperparameters + (
        HyperParameter(
            "lookahead", "look-ahead", "slide", choices=("slide", "book"),
            help="evaluate g at φ − αm (slide) or at φ − αβm (the book's corrected form)",
        ),
    )
    state_names = ("m",)
    terms = ("m", "lookahead_phi")
    default_batch_size = 5
    explanation = (  # the slide's form and the book's, each in its own words
        *(part for form, reach, numbers in (
            ("slide", "αm", "{phi_old} − {lr}·{m_before}"),
            ("book", "αβm", "{phi_old} − {lr}·{beta}·{m_before}"),
        ) for part in (
            RulePart("look-ahead", (RuleLine(f"φ − {reach}", numbers, "lookahead_phi"),),
                     _LOOK_AHEAD, ("lookahead", form)),
            RulePart("gradient", (RuleLine(f"g = ∇{{L}}(φ − {reach})", "∇{L}{lookahead_phi}",
                                           "g"),), _GRADIENT_AHEAD, ("lookahead", form)),
        )),
        MOMENTUM,
        update_by("m", MOMENTUM_STEP),
    )
    step = Momentum.step

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        beta = self.value("beta")
        loss, _ = objective(phi)
        _, grad = objective(self._ahead(phi, state["m"], lr, beta))
        m = _average(state["m"], grad, beta)
        new = {"m": m}
        return phi - self.step(grad, new, t, lr), new, loss, grad

    def update_terms(self, phi, state, t, lr, new):  # type: ignore[no-untyped-def]
        ahead = self._ahead(phi, state["m"], lr, self.value("beta"))
        return {"m": new["m"], "lookahead_phi": ahead}

    def _ahead(
        self, phi: np.ndarray, m: np.ndarray, lr: float | np.ndarray, beta: float | np.ndarray
    ) -> np.ndarray:
        """Where the momentum ``m`` is about to carry ``phi``: ``phi - αm``, or
        ``phi - αβm`` in the book's form."""
        reach = _lr(lr) * m
        if self.values["lookahead"] == "book":
            reach = beta * reach
        return phi - reach


class NormalizedGradient(Optimizer):
    """Each coordinate moves a fixed distance alpha downhill: the sign of the gradient."""

    name = "normalized"
    title = "Normalized gradients"
    short = "Normalized"
    rule = "φ ← φ − α g / (√(g²) + ε)"
    hyperparameters = (LR, EPS)
    explanation = (GRADIENT, *scaled_update("α g / (√(g²) + ε)", "{lr}·{g} / (|{g}| + {eps})",
                                            "normalized step"))

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        loss, grad = objective(phi)
        return phi - self.step(grad, {}, t, lr), {}, loss, grad

    def step(self, grad, new, t, lr):  # type: ignore[no-untyped-def]
        return _lr(lr) * (grad / (np.abs(grad) + self.value("eps")))


class Adam(Optimizer):
    """Adaptive moment estimation with the book's bias correction and ``sqrt(v~) + eps``."""

    name = "adam"
    title = "Adam"
    short = "Adam"
    rule = "m ← βm + (1 − β)g;  v ← γv + (1 − γ)g²;  φ ← φ − α m̃ / (√ṽ + ε)"
    hyperparameters = (LR, BETA, GAMMA, EPS)
    state_names = ("m", "v")
    terms = ("m", "v", "m_hat", "v_hat")
    explanation = (
        GRADIENT,
        RulePart("first moment", MOMENTUM.lines),
        SECOND_MOMENT,
        RulePart("bias correction", (
            RuleLine("m̃ = m / (1 − β^(t+1))", "{m} / (1 − {beta}^{t1})", "m_hat"),
            RuleLine("ṽ = v / (1 − γ^(t+1))", "{v} / (1 − {gamma}^{t1})", "v_hat"),
        ), RuleArrow("−αm̃", "momentum", "m_hat_step")),
        *scaled_update("α m̃ / (√ṽ + ε)", "{lr}·{m_hat} / (√{v_hat} + {eps})", "Adam step"),
    )

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        beta, gamma = self.value("beta"), self.value("gamma")
        loss, grad = objective(phi)
        m = _average(state["m"], grad, beta)
        v = _average(state["v"], grad * grad, gamma)
        new = {"m": m, "v": v}
        return phi - self.step(grad, new, t, lr), new, loss, grad

    def step(self, grad, new, t, lr):  # type: ignore[no-untyped-def]
        # m~ / (sqrt(v~) + eps) with the bias corrections folded into scalars:
        # (root / correction) m / (sqrt(v) + eps root), root = sqrt(1 - gamma^(t+1)).
        # Same value, three array operations fewer on the hot path.
        correction = _each(_bias_correction, self.value("beta"), t)
        root = _each(_root_correction, self.value("gamma"), t)
        scaled = new["m"] / (np.sqrt(new["v"]) + self.value("eps") * root)
        return (_lr(lr) * (root / correction)) * scaled

    def update_terms(self, phi, state, t, lr, new):  # type: ignore[no-untyped-def]
        # The lecture's m~ and v~, which the update folds into scalars.
        m, v = new["m"], new["v"]
        return {"m": m, "v": v,
                "m_hat": m / _each(_bias_correction, self.value("beta"), t),
                "v_hat": v / _each(_bias_correction, self.value("gamma"), t)}


def _bias_correction(beta: float, t: int) -> float:
    """Adam's ``1 - beta^(t+1)`` (and ``1 - gamma^(t+1)``, of its second moment)."""
    return 1.0 - beta ** (t + 1)


def _root_correction(gamma: float, t: int) -> float:
    """Adam's ``sqrt(1 - gamma^(t+1))``."""
    return (1.0 - gamma ** (t + 1)) ** 0.5


class RMSProp(Optimizer):
    """Divide each coordinate's gradient by a running root-mean-square of its history."""

    name = "rmsprop"
    title = "RMSProp"
    short = "RMSProp"
    rule = "v ← γv + (1 − γ)g²;  φ ← φ − α g / (√v + ε)"
    hyperparameters = (LR, GAMMA, EPS)
    state_names = ("v",)
    terms = ("v",)
    explanation = (GRADIENT, SECOND_MOMENT,
                   *scaled_update("α g / (√v + ε)", "{lr}·{g} / (√{v} + {eps})", "RMSProp step"))

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        gamma = self.value("gamma")
        loss, grad = objective(phi)
        v = gamma * state["v"] + (1.0 - gamma) * grad * grad
        new = {"v": v}
        return phi - self.step(grad, new, t, lr), new, loss, grad

    def step(self, grad, new, t, lr):  # type: ignore[no-untyped-def]
        return _lr(lr) * (grad / (np.sqrt(new["v"]) + self.value("eps")))


class AdaGrad(Optimizer):
    """Divide each coordinate's gradient by the root of its summed squared history."""

    name = "adagrad"
    title = "AdaGrad"
    short = "AdaGrad"
    rule = "v ← v + g²;  φ ← φ − α g / (√v + ε)"
    hyperparameters = (LR, EPS)
    state_names = ("v",)
    terms = ("v",)
    explanation = (
        GRADIENT,
        RulePart("squared gradients", (RuleLine("v ← v + g²", "{v_before} + {g}²", "v"),)),
        *scaled_update("α g / (√v + ε)", "{lr}·{g} / (√{v} + {eps})", "AdaGrad step"),
    )
    step = RMSProp.step

    def update(self, phi, state, t, lr, objective):  # type: ignore[no-untyped-def]
        loss, grad = objective(phi)
        v = state["v"] + grad * grad
        new = {"v": v}
        return phi - self.step(grad, new, t, lr), new, loss, grad


OPTIMIZERS: Mapping[str, type[Optimizer]] = MappingProxyType(
    {
        cls.name: cls
        for cls in (
            GradientDescent,
            StochasticGradientDescent,
            Momentum,
            Nesterov,
            NormalizedGradient,
            Adam,
            RMSProp,
            AdaGrad,
        )
    }
)
"""Every optimizer by name, in the lecture's order."""


def make_optimizer(name: str, **values: object) -> Optimizer:
    """Build the optimizer ``name`` with hyperparameter ``values``.

    Raises
    ------
    HyperParameterError
        For an unknown optimizer, an unknown hyperparameter or a bad value.
    """
    if name not in OPTIMIZERS:
        raise HyperParameterError(
            f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}"
        )
    return OPTIMIZERS[name](**values)
