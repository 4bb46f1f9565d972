"""The update explained: every optimizer declares its rule in parts, and the numbers an
explanation shows are the step record's own, to the last bit."""

from __future__ import annotations

import re
import string
from dataclasses import replace

import numpy as np
import pytest
from core_reference import problem

from gradviz.core.explain import (
    VALUE_NAMES,
    explain_update,
    magnification,
    number,
    step_stage,
    vector,
)
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.run import RunSettings, Trajectory, iterate
from gradviz.core.space import Window


def bits(value: object) -> bytes:
    return np.asarray(value, dtype=float).tobytes()


def names_in(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_explains_its_update_in_parts_with_known_names(name) -> None:
    kind = OPTIMIZERS[name]
    assert "explanation" in vars(kind) or name == "sgd", f"{name} declares no explanation"
    assert kind.explanation, f"{name} has an empty explanation"
    for part in kind.explanation:
        assert part.name and part.lines
        for line in part.lines:
            used = names_in(line.formula) | names_in(line.numbers) | {line.result}
            assert used <= VALUE_NAMES, (name, used - VALUE_NAMES)
        if part.arrow is not None:
            assert {part.arrow.vector, part.arrow.tail} <= VALUE_NAMES
    assert kind.explanation[-1].lines[-1].result == "phi_new"  # it ends where phi moves


CASES = [
    RunSettings(optimizer="gd", hyperparameters={"lr": 0.07}),
    RunSettings(optimizer="sgd", seed=3),
    RunSettings(optimizer="momentum", hyperparameters={"lr": 0.3, "beta": 0.7}),
    RunSettings(optimizer="momentum", batch_size=6, schedule="step:every=3,factor=0.5"),
    RunSettings(optimizer="nesterov", hyperparameters={"beta": 0.8}),
    RunSettings(optimizer="nesterov", hyperparameters={"lookahead": "book", "beta": 0.7},
                schedule="exponential:decay=0.9"),
    RunSettings(optimizer="normalized", hyperparameters={"eps": 0.01}),
    RunSettings(optimizer="adam", hyperparameters={"beta": 0.7, "gamma": 0.95, "eps": 0.01}),
    RunSettings(optimizer="adam", batch_size=6),
    RunSettings(optimizer="rmsprop", hyperparameters={"gamma": 0.8}),
    RunSettings(optimizer="adagrad", batch_size=4, seed=2),
]
IDS = [f"{s.optimizer}-{i}" for i, s in enumerate(CASES)]


def recorded(settings: RunSettings, steps: int = 8):  # type: ignore[no-untyped-def]
    p = problem("gabor")
    settings = replace(settings, steps=steps).resolve(p)
    return p, settings, Trajectory.from_steps(settings, iterate(p, settings, terms=True))


def test_the_cases_cover_every_optimizer() -> None:
    assert {s.optimizer for s in CASES} == set(OPTIMIZERS)


@pytest.mark.parametrize("settings", CASES, ids=IDS)
def test_the_values_are_the_step_records_to_the_last_bit(settings) -> None:
    p, settings, rows = recorded(settings)
    name, h = settings.optimizer, settings.hyperparameters
    for i in range(1, len(rows.phi)):
        e = explain_update(settings, rows, i)
        got = e.values
        assert e.update == i
        assert bits(got["phi_old"]) == bits(rows.phi[i - 1])
        assert bits(got["phi_new"]) == bits(rows.phi[i])
        assert bits(got["lr"]) == bits(rows.lr[i])
        assert bits(got["g"]) == bits(rows.grad[i])
        # The step is what the update subtracted: phi_old - step is phi_new, bit for bit.
        assert bits(got["phi_old"] - got["step"]) == bits(rows.phi[i])
        for term in OPTIMIZERS[name].terms:
            assert bits(got[term]) == bits(getattr(rows, term)[i]), term
        # The gradient is the batch's, at phi (Nesterov: at its look-ahead point).
        at = rows.lookahead_phi[i] if name == "nesterov" else rows.phi[i - 1]
        assert bits(p.loss_and_grad(at, rows.batches[i])[1]) == bits(got["g"])
        assert (e.batch is None) == (rows.batches[i] is None)
        if name == "adam":  # the bias-corrected terms, and the step they give
            t = i - 1
            assert bits(got["m_hat"]) == bits(rows.m[i] / (1 - h["beta"] ** (t + 1)))
            assert bits(got["v_hat"]) == bits(rows.v[i] / (1 - h["gamma"] ** (t + 1)))
            np.testing.assert_allclose(
                got["step"], rows.lr[i] * got["m_hat"] / (np.sqrt(got["v_hat"]) + h["eps"]),
                rtol=1e-13)


@pytest.mark.parametrize("settings", CASES, ids=IDS)
def test_the_arrows_are_the_updates_vectors(settings) -> None:
    _, settings, rows = recorded(settings)
    name = settings.optimizer
    e = explain_update(settings, rows, 5)
    arrows = {a.label: a for a in e.arrows}
    lr, g, old = rows.lr[5], rows.grad[5], rows.phi[4]
    assert bits(arrows["−αg"].vector) == bits(-(lr * g))
    if name == "nesterov":
        ahead = arrows["look-ahead"]
        assert ahead.dashed and bits(ahead.tail) == bits(old)
        assert bits(ahead.tail + ahead.vector) == bits(rows.lookahead_phi[5])
        assert bits(arrows["−αg"].tail) == bits(rows.lookahead_phi[5])  # where g is taken
    else:
        assert bits(arrows["−αg"].tail) == bits(old)
    if name in ("momentum", "nesterov"):
        assert bits(old + arrows["−αm"].vector) == bits(rows.phi[5])
    steps = [a for a in e.arrows if a.kind == "step"]
    if name in ("normalized", "adam", "rmsprop", "adagrad"):
        assert len(steps) == 1 and bits(old + steps[0].vector) == bits(rows.phi[5])
    else:
        assert not steps  # the step is −αg or −αm, drawn once
    labels = [a.label for a in e.arrows]
    assert len(labels) == len(set(labels))


def test_a_part_names_its_arrow_and_the_stages_follow_the_lecture() -> None:
    _, settings, rows = recorded(CASES[4])
    e = explain_update(settings, rows, 3)
    assert [p.name for p in e.parts] == ["look-ahead", "gradient", "momentum", "step"]
    assert [e.arrows[p.arrow].label for p in e.parts] == ["look-ahead", "−αg", "−αm", "−αm"]
    _, settings, rows = recorded(CASES[5])  # the book's form
    e = explain_update(settings, rows, 3)
    assert e.parts[0].lines[0].formula == "φ − αβm"
    assert e.parts[1].lines[0].formula == "g = ∇L_B(φ − αβm)"  # batches of 5


def test_the_substituted_text_has_the_updates_numbers() -> None:
    _, settings, rows = recorded(CASES[7])
    e = explain_update(settings, rows, 3)
    text = {p.name: " ".join(line.text for line in p.lines) for p in e.parts}
    assert vector(rows.grad[3]) in text["gradient"]
    first = e.parts[1].lines[0]
    assert first.formula == "m ← βm + (1 − β)g"
    assert first.numbers == (f"0.7·{vector(rows.m[2])} + 0.3·{vector(rows.grad[3])}")
    assert first.result == vector(rows.m[3])
    assert vector(rows.m_hat[3]) in text["bias correction"]
    assert "0.7^3" in text["bias correction"]
    assert text["step"].endswith(vector(rows.phi[3]))
    assert vector(rows.phi[2]) in text["step"]
    # The first update's moments start from zero.
    e = explain_update(settings, rows, 1)
    assert e.parts[1].lines[0].numbers.startswith("0.7·(0, 0) + ")


def test_a_minibatch_gradient_is_named_the_batchs() -> None:
    _, settings, rows = recorded(CASES[1])
    e = explain_update(settings, rows, 2)
    assert e.parts[0].lines[0].formula == "g = ∇L_B(φ)"
    assert e.batch == tuple(int(i) for i in rows.batches[2]) and len(e.batch) == 5
    _, settings, rows = recorded(CASES[0])
    assert explain_update(settings, rows, 2).parts[0].lines[0].formula == "g = ∇L(φ)"


def test_the_start_has_the_rule_without_numbers_and_no_arrows() -> None:
    _, settings, rows = recorded(CASES[7])
    e = explain_update(settings, rows, 0)
    assert e.update == 0 and e.arrows == ()
    assert e.parts[0].lines[0].formula == "g = ∇L(φ)" and e.parts[0].lines[0].numbers == ""


def test_bad_rows_are_told() -> None:
    _, settings, rows = recorded(CASES[2])
    with pytest.raises(ValueError, match="no row 99"):
        explain_update(settings, rows, 99)
    with pytest.raises(ValueError, match="did not record its optimizer's terms"):
        explain_update(settings, replace(rows, m=None), 2)


def test_numbers_are_written_for_a_projector() -> None:
    assert number(0.123456) == "0.1235"
    assert number(-0.3) == "−0.3"
    assert number(1e-8) == "10⁻⁸"
    assert number(-2.5e-7) == "−2.5×10⁻⁷"
    assert number(12345678.0) == "1.235×10⁷"
    assert number(0.0) == "0" and number(-0.0) == "0"
    assert vector(np.array([1.5, -2.0])) == "(1.5, −2)"
    assert not re.search("[-e]", number(-3e-12))


def test_short_arrows_are_magnified_by_a_round_factor() -> None:
    _, settings, rows = recorded(CASES[0])
    e = explain_update(settings, rows, 1)
    length = float(np.hypot(*e.arrows[0].vector))
    big = Window(-length, length, -length, length)  # an arrow half the view: as it is
    assert magnification(e, big) == 1.0
    small = Window(-1000 * length, 1000 * length, -1000 * length, 1000 * length)
    k = magnification(e, small)
    assert k in (200.0, 500.0) and k / 2000 <= 0.25  # the round factor that draws it
    # at most a quarter of the view: 500 (0.25 of it), or 200 where rounding lands it above
    assert magnification(explain_update(settings, rows, 0), small) == 1.0


def test_step_by_step_goes_through_the_parts_and_on_to_the_next_update() -> None:
    stage, moves = None, []
    for _ in range(7):
        stage, move = step_stage(stage, 3, +1)
        moves.append((stage, move))
    assert moves == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 0), (2, 0), (0, 1)]
    assert step_stage(0, 3, -1) == (None, 0)
    assert step_stage(None, 3, -1) == (2, -1)
    assert step_stage(2, 3, -1) == (1, 0)
    assert step_stage(None, 0, +1) == (None, 0)


def test_round_factors_are_one_two_or_five_times_a_power_of_ten() -> None:
    from gradviz.core.round_numbers import round_above, round_below

    assert [round_below(v) for v in (0.3, 1.0, 4.99, 5.0, 73.0)] == [0.2, 1.0, 2.0, 5.0, 50.0]
    assert [round_above(v) for v in (0.3, 1.0, 1.01, 4.99, 73.0, float("nan"))] == [
        1.0, 1.0, 2.0, 5.0, 100.0, 1.0]
