"""The optimizers' terms: recorded only when asked for, the update rules' own values,
and no other number changed by recording them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from core_reference import problem

from gradviz.core.columns import STEP_COLUMNS, TERM_COLUMNS
from gradviz.core.engine import Engine
from gradviz.core.optimizers import OPTIMIZERS, Optimizer
from gradviz.core.run import RunSettings, Step, iterate

REQUIRED = [c.name for c in STEP_COLUMNS if not c.optional and c.name != "batch"]
TERMS = [c.name for c in TERM_COLUMNS]


def bits(value: object) -> bytes:
    return np.asarray(value, dtype=float).tobytes()


def by_hand(settings: RunSettings, steps: list[Step]) -> list[dict[str, np.ndarray]]:
    """Each update's terms recomputed from the rules in lecture-math.md (and the rules
    of RMSProp and AdaGrad the optimizers state), written left to right as they read,
    from the gradient and rate each recorded step says its update used."""
    name, h = settings.optimizer, settings.hyperparameters
    m = v = np.zeros(2)
    terms = []
    for t, (before, step) in enumerate(zip(steps, steps[1:])):
        g, lr = step.grad, step.lr
        if name in ("momentum", "nesterov", "adam"):
            previous = m
            m = h["beta"] * m + (1 - h["beta"]) * g
        if name == "adam":
            v = h["gamma"] * v + (1 - h["gamma"]) * g**2
            terms.append({"m": m, "v": v, "m_hat": m / (1 - h["beta"] ** (t + 1)),
                          "v_hat": v / (1 - h["gamma"] ** (t + 1))})
        elif name == "rmsprop":
            v = h["gamma"] * v + (1 - h["gamma"]) * g * g
            terms.append({"v": v})
        elif name == "adagrad":
            v = v + g * g
            terms.append({"v": v})
        elif name == "nesterov":
            # phi - alpha m (slide), phi - alpha beta m (book), alpha m taken first.
            reach = lr * previous if h["lookahead"] == "slide" else h["beta"] * (lr * previous)
            terms.append({"m": m, "lookahead_phi": before.phi - reach})
        elif name == "momentum":
            terms.append({"m": m})
        else:
            terms.append({})
    return terms


# Hyperparameters off their defaults, so that a term mixed up with another shows.
CASES = [
    RunSettings(optimizer="momentum", hyperparameters={"lr": 0.3, "beta": 0.7}),
    RunSettings(optimizer="momentum", batch_size=30),
    RunSettings(optimizer="nesterov", hyperparameters={"beta": 0.8}),
    RunSettings(optimizer="nesterov", hyperparameters={"lookahead": "book", "beta": 0.7},
                schedule="exponential:decay=0.9"),
    RunSettings(optimizer="adam", hyperparameters={"beta": 0.7, "gamma": 0.95, "eps": 0.01}),
    RunSettings(optimizer="adam", batch_size=6, schedule="step:every=3,factor=0.5"),
    RunSettings(optimizer="rmsprop", hyperparameters={"gamma": 0.8}),
    RunSettings(optimizer="adagrad", batch_size=4, seed=2),
    RunSettings(optimizer="gd"),
    RunSettings(optimizer="sgd"),
    RunSettings(optimizer="normalized"),
]
IDS = [f"{s.optimizer}-{i}" for i, s in enumerate(CASES)]


@pytest.mark.parametrize("settings", CASES, ids=IDS)
def test_the_terms_are_the_update_rules_values_to_the_last_bit(settings) -> None:
    p = problem("gabor")
    settings = replace(settings, steps=12).resolve(p)
    steps = list(iterate(p, settings, terms=True))
    reported = set(OPTIMIZERS[settings.optimizer].terms)
    for name in TERMS:  # NaN at the start point, None where the optimizer has no such term
        start = getattr(steps[0], name)
        assert (start is None) == (name not in reported)
        assert start is None or np.isnan(start).all()
    for step, expected in zip(steps[1:], by_hand(settings, steps), strict=True):
        assert set(expected) == reported
        for name in TERMS:
            value = getattr(step, name)
            assert (value is None) == (name not in expected), (name, step.update)
            if value is not None:
                assert bits(value) == bits(expected[name]), (name, step.update)


def test_a_batchs_terms_are_each_runs_rule_values_across_blocks() -> None:
    # Cohorts of many runs with per-run hyperparameters and schedules, stepped in
    # blocks of uneven lengths: each block's terms are computed in one call over its
    # updates, and every run's must still be its own rule's values, update by update.
    p = problem("gabor")
    batch = [
        *(RunSettings(optimizer="adam", hyperparameters={"beta": b, "gamma": g}, steps=40)
          for b, g in ((0.7, 0.95), (0.9, 0.99), (0.5, 0.9))),
        *(RunSettings(optimizer="nesterov", hyperparameters={"lr": lr, "lookahead": "book"},
                      schedule="exponential:decay=0.9", steps=40) for lr in (0.05, 0.1)),
        RunSettings(optimizer="momentum", batch_size=6, seed=3, steps=25),
    ]
    engine = Engine(p, batch, terms=True)
    blocks = [engine.start] + [engine.advance(n) for n in (1, 17, 300)]
    assert engine.finished
    for r, settings in enumerate(engine.settings):
        steps = [s for b in blocks for s in b.steps(r)]
        for step, expected in zip(steps[1:], by_hand(settings, steps), strict=True):
            for name, value in expected.items():
                assert bits(getattr(step, name)) == bits(value), (r, name, step.update)


@pytest.mark.parametrize("lookahead", ["slide", "book"])
def test_nesterovs_gradient_is_taken_at_its_look_ahead_point(lookahead) -> None:
    p = problem("gabor")
    settings = RunSettings(optimizer="nesterov", hyperparameters={"lookahead": lookahead},
                           steps=10).resolve(p)
    for step in list(iterate(p, settings, terms=True))[1:]:
        _, grad = p.loss_and_grad(step.lookahead_phi, step.batch)
        assert bits(grad) == bits(step.grad)


def test_adams_step_is_its_bias_corrected_terms() -> None:
    p = problem("gabor")
    settings = RunSettings(optimizer="adam", hyperparameters={"eps": 0.1}, steps=10).resolve(p)
    steps = list(iterate(p, settings, terms=True))
    for before, step in zip(steps, steps[1:]):
        # The update folds the corrections into scalars: the same value, not the same bits.
        expected = before.phi - step.lr * step.m_hat / (np.sqrt(step.v_hat) + 0.1)
        np.testing.assert_allclose(step.phi, expected, rtol=1e-13)


def assert_same_numbers(got: list[Step], expected: list[Step]) -> None:
    """Every column every run records, and the divergence, bit for bit."""
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.diverged == b.diverged
        for name in REQUIRED:
            assert bits(getattr(a, name)) == bits(getattr(b, name)), (name, a.update)
        assert (a.batch is None and b.batch is None) or np.array_equal(a.batch, b.batch)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [None, 5])
def test_recording_the_terms_changes_no_other_number(name, batch_size) -> None:
    p = problem("gabor")
    for lr in (None, 40.0):  # the second diverges: at the same step
        values = {} if lr is None else {"lr": lr}
        settings = RunSettings(optimizer=name, hyperparameters=values, batch_size=batch_size,
                               steps=300).resolve(p)
        plain, with_terms = list(iterate(p, settings)), list(iterate(p, settings, terms=True))
        assert_same_numbers(with_terms, plain)
        assert all(getattr(s, term) is None for s in plain for term in TERMS)


MIXED = [
    RunSettings(optimizer="sgd", seed=1, steps=40),
    RunSettings(optimizer="adam", hyperparameters={"beta": 0.8}, steps=25),
    RunSettings(optimizer="adam", hyperparameters={"beta": 0.6}, steps=40),
    RunSettings(optimizer="nesterov", seed=2, steps=40),
    RunSettings(optimizer="gd", steps=40),
    RunSettings(optimizer="momentum", batch_size=30, steps=40),
    RunSettings(optimizer="gd", hyperparameters={"lr": 60.0}, steps=40),  # diverges
    RunSettings(optimizer="rmsprop", steps=40),
]


def test_each_run_of_a_batch_records_its_own_terms_as_alone() -> None:
    p = problem("gabor")
    engine = Engine(p, MIXED, terms=True)
    blocks = [engine.start] + [engine.advance(n) for n in (3, 30, 7)]
    assert engine.finished
    for r, settings in enumerate(MIXED):
        got = [s for b in blocks for s in b.steps(r)]
        alone = list(iterate(p, settings, terms=True))
        assert_same_numbers(got, alone)
        for a, b in zip(got, alone):
            for name in TERMS:
                x, y = getattr(a, name), getattr(b, name)
                assert (x is None) == (y is None) and (x is None or bits(x) == bits(y))
    # A term only some runs report is held for all, NaN for the others.
    block = blocks[2]
    assert block.records("m", 1) and block.records("m", 3) and not block.records("m", 0)
    assert np.isnan(block.m[0]).all() and block.recorded["lookahead_phi"].tolist() == [
        name == "nesterov" for name in (s.optimizer for s in MIXED)]


def test_without_terms_no_block_holds_them() -> None:
    engine = Engine(problem("gabor"), MIXED)
    block = engine.advance(10)
    for name in TERMS:
        assert getattr(engine.start, name) is None and getattr(block, name) is None
    assert not block.recorded and not engine.start.recorded
    assert not Engine(problem("gabor"), MIXED[:1], terms=True).advance(5).recorded  # SGD: none


def test_an_optimizer_reports_only_declared_terms() -> None:
    with pytest.raises(TypeError, match="no column declares: moment"):
        type("Bad", (Optimizer,), {"terms": ("m", "moment")})
