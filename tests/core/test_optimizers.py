"""Optimizers: each update rule against lecture-math.md, state handling and broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.optimizers import OPTIMIZERS, Optimizer, make_optimizer

FAST = settings(max_examples=40, deadline=None)

# A non-separable quadratic with an offset: g(phi) = A phi + b, so every
# coordinate's gradient changes sign at some point and updates do not commute.
A = np.array([[3.0, 1.0], [1.0, 0.5]])
B = np.array([-1.0, 2.0])


class Recorder:
    """An objective ``phi -> (loss, grad)`` that remembers where it was asked."""

    def __init__(self) -> None:
        self.calls: list[np.ndarray] = []

    def __call__(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.calls.append(np.array(phi, copy=True))
        return quadratic_loss(phi), gradient(phi)


def gradient(phi: np.ndarray) -> np.ndarray:
    return phi @ A.T + B


def quadratic_loss(phi: np.ndarray) -> np.ndarray:
    return 0.5 * np.einsum("...i,ij,...j->...", phi, A, phi) + phi @ B


def reference_path(name: str, values: dict, phi0, lrs) -> list[np.ndarray]:
    """The update rules exactly as lecture-math.md writes them, one scalar step at a time."""
    lr0 = values["lr"]
    beta, gamma, eps = values.get("beta"), values.get("gamma"), values.get("eps")
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    v = np.zeros(2)
    path = [phi.copy()]
    for t, lr in enumerate(lrs):
        assert lr0 > 0
        if name in ("gd", "sgd"):
            phi = phi - lr * gradient(phi)
        elif name == "momentum":
            m = beta * m + (1 - beta) * gradient(phi)
            phi = phi - lr * m
        elif name == "nesterov":
            reach = lr * m if values["lookahead"] == "slide" else lr * beta * m
            m = beta * m + (1 - beta) * gradient(phi - reach)
            phi = phi - lr * m
        elif name == "normalized":
            g = gradient(phi)
            phi = phi - lr * g / (np.sqrt(g**2) + eps)
        elif name == "adam":
            g = gradient(phi)
            m = beta * m + (1 - beta) * g
            v = gamma * v + (1 - gamma) * g**2
            m_hat = m / (1 - beta ** (t + 1))
            v_hat = v / (1 - gamma ** (t + 1))
            phi = phi - lr * m_hat / (np.sqrt(v_hat) + eps)
        elif name == "rmsprop":
            g = gradient(phi)
            v = gamma * v + (1 - gamma) * g**2
            phi = phi - lr * g / (np.sqrt(v) + eps)
        elif name == "adagrad":
            g = gradient(phi)
            v = v + g**2
            phi = phi - lr * g / (np.sqrt(v) + eps)
        else:  # pragma: no cover - a new optimizer needs a reference here
            raise AssertionError(f"no reference rule for {name}")
        path.append(phi.copy())
    return path


def optimizer_path(optimizer: Optimizer, phi0, lrs) -> list[np.ndarray]:
    phi = np.array(phi0, dtype=float)
    state = optimizer.init_state(phi)
    path = [phi]
    for t, lr in enumerate(lrs):
        phi, state, _, _ = optimizer.update(phi, state, t, lr, Recorder())
        path.append(phi)
    return path


def test_the_lectures_optimizers_are_all_there() -> None:
    assert list(OPTIMIZERS)[:4] == ["gd", "sgd", "momentum", "nesterov"]
    assert set(OPTIMIZERS) >= {"normalized", "adam", "rmsprop", "adagrad"}
    for name, cls in OPTIMIZERS.items():
        assert cls.name == name
        assert cls.title and cls.rule


SETTINGS = {
    "gd": [{"lr": 0.1}],
    "sgd": [{"lr": 0.2}],
    "momentum": [{"lr": 0.2, "beta": 0.6}, {"lr": 0.05, "beta": 0.95}],
    "nesterov": [
        {"lr": 0.2, "beta": 0.6, "lookahead": "slide"},
        {"lr": 0.2, "beta": 0.6, "lookahead": "book"},
        {"lr": 0.1, "beta": 0.9, "lookahead": "book"},
    ],
    "normalized": [{"lr": 0.1, "eps": 1e-8}, {"lr": 0.1, "eps": 0.5}],
    "adam": [
        {"lr": 0.1, "beta": 0.9, "gamma": 0.99, "eps": 1e-8},
        # A large eps tells sqrt(v~) + eps from sqrt(v~ + eps) and from eps added before correcting.
        {"lr": 0.1, "beta": 0.6, "gamma": 0.9, "eps": 0.5},
    ],
    "rmsprop": [{"lr": 0.05, "gamma": 0.9, "eps": 1e-8}, {"lr": 0.05, "gamma": 0.5, "eps": 0.3}],
    "adagrad": [{"lr": 0.3, "eps": 1e-8}, {"lr": 0.3, "eps": 0.7}],
}
CASES = [(name, values) for name, options in SETTINGS.items() for values in options]
CASE_IDS = [f"{name}-{i}" for name, options in SETTINGS.items() for i in range(len(options))]


def test_every_optimizer_has_reference_settings() -> None:
    assert set(SETTINGS) == set(OPTIMIZERS)


@pytest.mark.parametrize(("name", "values"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("schedule", ["constant", "decaying"])
def test_update_rule_matches_lecture_math(name, values, schedule) -> None:
    lr = values["lr"]
    lrs = [lr] * 12 if schedule == "constant" else [lr / (1 + t) for t in range(12)]
    optimizer = make_optimizer(name, **values)
    got = optimizer_path(optimizer, (1.5, -2.0), lrs)
    expected = reference_path(name, dict(optimizer.values), (1.5, -2.0), lrs)
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-12, atol=1e-14)


def test_momentum_by_hand() -> None:
    # g(phi) = A phi + b at (1, 1) is (3, 3.5); m starts at 0.
    optimizer = make_optimizer("momentum", lr=0.5, beta=0.6)
    phi, state, _, grad = optimizer.update(np.ones(2), {"m": np.zeros(2)}, 0, 0.5, Recorder())
    np.testing.assert_allclose(grad, [3.0, 3.5])
    np.testing.assert_allclose(state["m"], [1.2, 1.4])  # 0.4 g
    np.testing.assert_allclose(phi, [0.4, 0.3])  # phi - 0.5 m
    # Second step: g(0.4, 0.3) = (0.5, 2.55); m = 0.6 (1.2, 1.4) + 0.4 (0.5, 2.55).
    phi, state, _, _ = optimizer.update(phi, state, 1, 0.5, Recorder())
    np.testing.assert_allclose(state["m"], [0.92, 1.86])
    np.testing.assert_allclose(phi, [-0.06, -0.63])


@pytest.mark.parametrize(("lookahead", "factor"), [("slide", 1.0), ("book", 0.6)])
def test_nesterov_evaluates_the_gradient_ahead(lookahead, factor) -> None:
    optimizer = make_optimizer("nesterov", lr=0.5, beta=0.6, lookahead=lookahead)
    phi = np.array([1.0, 1.0])
    m = np.array([0.2, -0.4])
    recorder = Recorder()
    new_phi, state, loss, grad = optimizer.update(phi, {"m": m}, 3, 0.5, recorder)
    ahead = phi - factor * 0.5 * m  # slide: phi - alpha m; book: phi - alpha beta m
    assert any(np.allclose(call, ahead, rtol=0, atol=1e-15) for call in recorder.calls)
    np.testing.assert_allclose(grad, gradient(ahead), rtol=1e-15)
    np.testing.assert_allclose(state["m"], 0.6 * m + 0.4 * gradient(ahead), rtol=1e-15)
    np.testing.assert_allclose(new_phi, phi - 0.5 * state["m"], rtol=1e-15)
    assert float(loss) == pytest.approx(float(quadratic_loss(phi)))  # batch loss at phi itself


def test_nesterov_first_step_equals_momentum() -> None:
    # With m = 0 there is nothing to look ahead by.
    for lookahead in ("slide", "book"):
        a = optimizer_path(make_optimizer("nesterov", lr=0.3, beta=0.7, lookahead=lookahead),
                           (1.0, 2.0), [0.3])
        b = optimizer_path(make_optimizer("momentum", lr=0.3, beta=0.7), (1.0, 2.0), [0.3])
        np.testing.assert_allclose(a[1], b[1], rtol=1e-15)


@given(
    g=st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)).filter(
        lambda g: min(abs(g[0]), abs(g[1])) > 1e-3
    ),
    lr=st.floats(1e-4, 10),
)
@FAST
def test_normalized_step_is_lr_times_sign(g, lr) -> None:
    g = np.array(g)
    optimizer = make_optimizer("normalized", lr=lr, eps=1e-12)
    phi, state, _, _ = optimizer.update(np.zeros(2), {}, 0, lr, lambda p: (np.float64(0), g))
    np.testing.assert_allclose(phi, -lr * np.sign(g), rtol=1e-8)
    assert state == {}


def test_normalized_zero_gradient_does_not_move() -> None:
    optimizer = make_optimizer("normalized", lr=0.1)
    phi, _, _, _ = optimizer.update(np.array([0.3, 0.4]), {}, 0, 0.1,
                                    lambda p: (np.float64(0), np.zeros(2)))
    np.testing.assert_array_equal(phi, [0.3, 0.4])


def test_adam_by_hand() -> None:
    # g = (3, 3.5) at (1, 1); t = 0, beta 0.6, gamma 0.9, eps 0.5:
    # m = 0.4 g, v = 0.1 g^2, m~ = g, v~ = g^2, step = lr g / (|g| + 0.5).
    optimizer = make_optimizer("adam", lr=0.1, beta=0.6, gamma=0.9, eps=0.5)
    state = optimizer.init_state(np.ones(2))
    phi, state, _, _ = optimizer.update(np.ones(2), state, 0, 0.1, Recorder())
    np.testing.assert_allclose(state["m"], [1.2, 1.4])
    np.testing.assert_allclose(state["v"], [0.9, 1.225])
    np.testing.assert_allclose(phi, [1 - 0.1 * 3 / 3.5, 1 - 0.1 * 3.5 / 4.0], rtol=1e-14)


def test_adam_bias_correction_makes_the_first_step_lr_sign() -> None:
    optimizer = make_optimizer("adam", lr=0.05, beta=0.9, gamma=0.999, eps=1e-12)
    phi, _, _, _ = optimizer.update(np.array([1.0, -3.0]), optimizer.init_state(np.zeros(2)), 0,
                                    0.05, Recorder())
    g = gradient(np.array([1.0, -3.0]))
    np.testing.assert_allclose(phi, np.array([1.0, -3.0]) - 0.05 * np.sign(g), rtol=1e-10)


def test_adam_at_a_later_step_uses_t_plus_one() -> None:
    beta, gamma, eps, lr, t = 0.8, 0.95, 0.2, 0.1, 6
    m, v = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    phi = np.array([0.2, 0.1])
    optimizer = make_optimizer("adam", lr=lr, beta=beta, gamma=gamma, eps=eps)
    new_phi, state, _, _ = optimizer.update(phi, {"m": m, "v": v}, t, lr, Recorder())
    g = gradient(phi)
    m1 = beta * m + (1 - beta) * g
    v1 = gamma * v + (1 - gamma) * g * g
    expected = phi - lr * (m1 / (1 - beta**7)) / (np.sqrt(v1 / (1 - gamma**7)) + eps)
    np.testing.assert_allclose(new_phi, expected, rtol=1e-14)
    np.testing.assert_allclose(state["m"], m1)
    np.testing.assert_allclose(state["v"], v1)


def test_rmsprop_and_adagrad_by_hand() -> None:
    g = gradient(np.ones(2))  # (3, 3.5)
    rms = make_optimizer("rmsprop", lr=0.1, gamma=0.75, eps=0.0 + 1e-12)
    phi, state, _, _ = rms.update(np.ones(2), {"v": np.array([4.0, 1.0])}, 2, 0.1, Recorder())
    v = 0.75 * np.array([4.0, 1.0]) + 0.25 * g**2
    np.testing.assert_allclose(state["v"], v)
    np.testing.assert_allclose(phi, 1 - 0.1 * g / np.sqrt(v), rtol=1e-10)
    ada = make_optimizer("adagrad", lr=0.1, eps=1e-12)
    phi, state, _, _ = ada.update(np.ones(2), {"v": np.array([7.0, 3.75])}, 5, 0.1, Recorder())
    np.testing.assert_allclose(state["v"], [16.0, 16.0])
    np.testing.assert_allclose(phi, 1 - 0.1 * g / 4.0, rtol=1e-10)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_is_separate_and_never_mutated(name) -> None:
    optimizer = make_optimizer(name)
    phi = np.array([0.5, -0.5])
    state = optimizer.init_state(phi)
    assert set(state) == set(type(optimizer).state_names)
    assert all(np.array_equal(s, np.zeros(2)) for s in state.values())
    for t in range(3):
        before = {k: v.copy() for k, v in state.items()}
        phi_before = phi.copy()
        phi, new_state, _, _ = optimizer.update(phi, state, t, optimizer.lr, Recorder())
        for k in before:
            np.testing.assert_array_equal(state[k], before[k])  # the old state is untouched
            assert new_state[k] is not state[k]
        state = new_state
        assert not np.array_equal(phi, phi_before)
    # The optimizer itself holds no state: values are read-only hyperparameters.
    assert set(vars(optimizer)) == {"values"}
    with pytest.raises(TypeError):
        optimizer.values["lr"] = 1.0  # type: ignore[index]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_same_settings_give_the_same_path(name) -> None:
    optimizer = make_optimizer(name)
    lrs = [optimizer.lr] * 20
    first = optimizer_path(optimizer, (1.0, 1.0), lrs)
    second = optimizer_path(optimizer, (1.0, 1.0), lrs)
    fresh = optimizer_path(make_optimizer(name), (1.0, 1.0), lrs)
    np.testing.assert_array_equal(np.array(first), np.array(second))
    np.testing.assert_array_equal(np.array(first), np.array(fresh))


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_updates_broadcast_over_runs_with_their_own_rates(name, rng) -> None:
    optimizer = make_optimizer(name)
    phi = rng.normal(size=(3, 4, 2))
    lr = rng.uniform(0.01, 0.2, size=(3, 4))
    state = optimizer.init_state(phi)
    assert all(s.shape == (3, 4, 2) for s in state.values())
    for t in range(4):
        new_phi, new_state, loss, grad = optimizer.update(phi, state, t, lr, Recorder())
        assert new_phi.shape == grad.shape == (3, 4, 2) and loss.shape == (3, 4)
        for i, j in np.ndindex(3, 4):
            one_phi, one_state, one_loss, _ = optimizer.update(
                phi[i, j], {k: v[i, j] for k, v in state.items()}, t, float(lr[i, j]), Recorder()
            )
            np.testing.assert_allclose(new_phi[i, j], one_phi, rtol=1e-13, atol=1e-15)
            for k in one_state:
                np.testing.assert_allclose(new_state[k][i, j], one_state[k], rtol=1e-13)
            assert loss[i, j] == pytest.approx(float(one_loss), rel=1e-13)
        phi, state = new_phi, new_state


def elementwise_objective(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Elementwise only, so a batch's rows get exactly a single run's numbers.
    grad = phi * (phi - 1.0) + 0.5
    return (phi * phi)[..., 0] + (phi * phi)[..., 1], grad


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_per_run_hyperparameters_step_each_run_as_alone_to_the_last_bit(name, rng) -> None:
    runs = 5
    declared = [p for p in OPTIMIZERS[name].hyperparameters if not p.is_choice]
    per_run = {p.name: rng.uniform(p.low if p.low > 0 else 1e-3, min(p.high, 1.0), runs)
               for p in declared}
    batch = make_optimizer(name, **per_run)
    singles = [make_optimizer(name, **{k: float(v[r]) for k, v in per_run.items()})
               for r in range(runs)]
    phi = rng.normal(size=(runs, 2))
    state = batch.init_state(phi)
    alone = [(phi[r], one.init_state(phi[r])) for r, one in enumerate(singles)]
    for t in range(8):
        lr = per_run["lr"] * (1.0 + t)
        new_phi, new_state, loss, grad = batch.update(phi, state, t, lr, elementwise_objective)
        terms = batch.update_terms(phi, state, t, lr, new_state)
        phi, state = new_phi, new_state
        assert set(terms) == set(batch.terms)
        for r, one in enumerate(singles):
            q, s, one_loss, one_grad = one.update(*alone[r], t, float(lr[r]), elementwise_objective)
            one_terms = one.update_terms(*alone[r], t, float(lr[r]), s)
            alone[r] = (q, s)
            assert phi[r].tobytes() == q.tobytes()
            assert grad[r].tobytes() == one_grad.tobytes()
            assert loss[r].tobytes() == np.float64(one_loss).tobytes()
            for key in s:
                assert state[key][r].tobytes() == s[key].tobytes()
            for key in one_terms:
                assert terms[key][r].tobytes() == one_terms[key].tobytes()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_terms_are_the_new_state_and_the_look_ahead_point(name) -> None:
    choices = {"lookahead": "book"} if name == "nesterov" else {}
    optimizer = make_optimizer(name, **choices)
    phi = np.array([0.5, -0.5])
    state = optimizer.init_state(phi)
    for t in range(3):
        recorder = Recorder()
        new_phi, new_state, _, _ = optimizer.update(phi, state, t, 0.1, recorder)
        terms = optimizer.update_terms(phi, state, t, 0.1, new_state)
        assert set(terms) == set(type(optimizer).terms)
        for key in set(terms) & set(new_state):
            assert terms[key] is new_state[key]  # the state itself, not a copy
        if "lookahead_phi" in terms:  # where the update took its gradient
            assert terms["lookahead_phi"].tobytes() == recorder.calls[-1].tobytes()
        phi, state = new_phi, new_state


def test_per_run_values_are_checked_each_and_kept_read_only() -> None:
    optimizer = make_optimizer("adam", beta=np.array([0.5, 0.9]), eps=1e-8)
    assert optimizer.values["eps"] == 1e-8
    np.testing.assert_array_equal(optimizer.values["beta"], [0.5, 0.9])
    assert optimizer.value("beta").shape == (2, 1) and optimizer.value("eps") == 1e-8
    with pytest.raises(ValueError):
        optimizer.values["beta"][0] = 0.1
    with pytest.raises(HyperParameterError, match="beta must be between"):
        make_optimizer("momentum", beta=np.array([0.5, 1.5]))
    with pytest.raises(HyperParameterError, match="one value for all runs"):
        make_optimizer("nesterov", lookahead=np.array(["slide", "book"]))
    with pytest.raises(HyperParameterError, match="no hyperparameter"):
        make_optimizer("gd", beta=np.array([0.5]))
