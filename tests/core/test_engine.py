"""The engine: every run of a mixed batch equals the same run stepped alone, to the last bit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from core_reference import problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradviz.core.batching import BATCHING_SCHEMES
from gradviz.core.columns import TERM_COLUMNS
from gradviz.core.engine import Engine, StepBlock, _diverged
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import MODELS, Problem, make_problem
from gradviz.core.run import RunSettings, Step, iterate
from gradviz.core.step import is_diverged

SCHEDULES = [
    "constant",
    "constant:warmup=4",
    "step:every=3,factor=0.5",
    "exponential:decay=0.9",
    "inverse-time:decay=0.3",
    "cosine:period=7,floor=0.1",
    "cosine:period=20,warmup=3",
]

TERMS = [c.name for c in TERM_COLUMNS]

# Besides the built-in problems, data sets whose size no usual batch size
# divides, so epochs end with a short batch.
PROBLEMS = [*MODELS, "gabor:synthetic:n=37,seed=3", "linear:synthetic:n=101,seed=5"]


def build(name: str) -> Problem:
    model, _, data = name.partition(":")
    return problem(model) if not data else _synthetic(model, data)


_SYNTHETIC: dict[tuple[str, str], Problem] = {}


def _synthetic(model: str, data: str) -> Problem:
    if (model, data) not in _SYNTHETIC:
        _SYNTHETIC[model, data] = make_problem(model, data)
    return _SYNTHETIC[model, data]


def _bounded(low: float, high: float, log: bool) -> st.SearchStrategy[float]:
    if not log:
        return st.floats(low, high)
    # Drawn on a log scale, then clipped: 10 ** log10(low) may round below low.
    exponents = st.floats(math.log10(low), math.log10(high))
    return exponents.map(lambda e: min(max(10.0**e, low), high))


@st.composite
def run_settings(draw: st.DrawFn, p: Problem) -> RunSettings:
    """Any settings of one run on ``p``, learning rates that diverge included."""
    optimizer = draw(st.sampled_from(list(OPTIMIZERS)))
    values: dict[str, float | str] = {}
    for parameter in OPTIMIZERS[optimizer].hyperparameters:
        if parameter.is_choice:
            values[parameter.name] = draw(st.sampled_from(parameter.choices))
        elif parameter.name == "lr":
            # A few shared values (so that runs share them) and any rate up to 50.
            lr = draw(st.sampled_from([0.01, 0.1, 0.6, 3.0]) | _bounded(1e-3, 50.0, True))
            values["lr"] = lr
        elif draw(st.booleans()):
            values[parameter.name] = draw(
                _bounded(max(parameter.low, 1e-12) if parameter.log else parameter.low,
                         parameter.high, parameter.log)
            )
    n = p.n_points
    batch_size = None
    if n is not None:
        batch_size = draw(st.sampled_from([None, 1, 2, 5, 7, n - 1, n]))
    window = p.window
    start = draw(st.none() | st.tuples(
        st.floats(window.phi0_min, window.phi0_max), st.floats(window.phi1_min, window.phi1_max)
    ))
    return RunSettings(
        optimizer=optimizer,
        hyperparameters=values,
        schedule=draw(st.sampled_from(SCHEDULES)),
        batch_size=batch_size,
        batching=draw(st.sampled_from(list(BATCHING_SCHEMES))),
        seed=draw(st.sampled_from([0, 1, 42]) | st.integers(0, 2**32 - 1)),
        start=start,
        steps=draw(st.integers(0, 40)),
    )


@st.composite
def batches_of_runs(draw: st.DrawFn) -> tuple[Problem, list[RunSettings], list[int]]:
    """A problem, 1 to 6 runs on it and the sizes of the engine's advances."""
    p = build(draw(st.sampled_from(PROBLEMS)))
    runs = draw(st.lists(run_settings(p), min_size=1, max_size=6))
    if draw(st.booleans()):
        # Variations of one run share its optimizer: a cohort with per-run values.
        base = runs[0]
        for other in list(runs[1:]):
            runs.append(RunSettings(
                optimizer=base.optimizer,
                hyperparameters={**base.hyperparameters, "lr": other.hyperparameters.get("lr", 0.1)},
                schedule=other.schedule,
                batch_size=other.batch_size,
                batching=base.batching,
                seed=draw(st.sampled_from([base.seed, other.seed])),
                start=other.start,
                steps=other.steps,
            ))
    chunks = draw(st.lists(st.integers(1, 50), min_size=1, max_size=4))
    return p, runs, chunks


def engine_steps(
    p: Problem, runs: list[RunSettings], chunks: list[int], terms: bool = False
) -> tuple[Engine, list]:
    """Every run's steps from one engine advanced by ``chunks`` in turn."""
    engine = Engine(p, runs, terms=terms)
    blocks = [engine.start]
    for size in itertools.cycle(chunks):
        if engine.finished:
            break
        blocks.append(engine.advance(size))
    return engine, [[s for b in blocks for s in b.steps(r)] for r in range(len(runs))]


def bits(value: object) -> bytes:
    return np.asarray(value, dtype=float).tobytes()


def assert_same_steps(got: list[Step], expected: list[Step]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert (a.update, a.epoch, a.diverged) == (b.update, b.epoch, b.diverged), a.update
        for name in ("phi", "loss", "batch_loss", "lr", "grad"):
            assert bits(getattr(a, name)) == bits(getattr(b, name)), (name, a.update)
        for name in TERMS:  # None for a run that does not record the term
            x, y = getattr(a, name), getattr(b, name)
            assert (x is None) == (y is None), (name, a.update)
            assert x is None or bits(x) == bits(y), (name, a.update)
        assert (a.batch is None) == (b.batch is None), a.update
        if a.batch is not None:
            assert np.array_equal(a.batch, b.batch), a.update


@given(case=batches_of_runs(), terms=st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_each_run_of_a_mixed_batch_equals_the_run_alone(case, terms) -> None:
    p, runs, chunks = case
    engine, steps = engine_steps(p, runs, chunks, terms)
    for r, one in enumerate(runs):
        alone = list(iterate(p, one, terms=terms))
        assert_same_steps(steps[r], alone)
        assert engine.diverged_at[r] == (alone[-1].update if alone[-1].diverged else None)
    assert engine.finished


def test_numeric_hyperparameters_go_per_run_in_one_cohort() -> None:
    # Four Adam runs that differ in every numeric hyperparameter but the shared eps:
    # one cohort, one update call, each differing value a per-run array.
    p = problem("gabor")
    runs = [RunSettings(optimizer="adam", hyperparameters={
        "lr": lr, "beta": beta, "gamma": gamma, "eps": 1e-3}, steps=60)
        for lr, beta, gamma in [(0.1, 0.9, 0.99), (0.05, 0.5, 0.9), (0.2, 0.7, 0.999),
                                (0.1, 0.8, 0.95)]]
    engine = Engine(p, runs, terms=True)
    (cohort,) = engine._cohorts
    values = cohort.optimizer.values
    assert values["eps"] == 1e-3
    for name, expected in [("beta", [0.9, 0.5, 0.7, 0.8]), ("gamma", [0.99, 0.9, 0.999, 0.95])]:
        assert isinstance(values[name], np.ndarray) and values[name].tolist() == expected
    blocks = [engine.start, engine.advance(60)]
    for r, one in enumerate(runs):
        steps = [s for b in blocks for s in b.steps(r)]
        assert_same_steps(steps, list(iterate(p, one, terms=True)))


def test_a_diverged_run_stops_at_its_step_and_the_others_go_on() -> None:
    p = problem("linear")
    runs = [RunSettings(hyperparameters={"lr": lr}, steps=300) for lr in (0.02, 0.045, 0.01)]
    engine = Engine(p, runs)
    block = engine.advance(300)
    alone = list(iterate(p, runs[1]))
    assert alone[-1].diverged
    assert engine.diverged_at == (None, alone[-1].update, None)
    assert block.count.tolist() == [300, alone[-1].update, 300]
    assert block.diverged[1].tolist() == [False] * (alone[-1].update - 1) + [True] + [False] * (
        300 - alone[-1].update
    )
    # After its diverged step the run has no numbers, only NaN.
    assert np.isnan(block.phi[1, alone[-1].update :]).all()
    assert engine.finished and engine.update == 300


def test_runs_of_different_lengths_end_at_their_own_step() -> None:
    p = problem("gabor")
    runs = [RunSettings(optimizer="sgd", steps=steps, seed=2) for steps in (0, 7, 300)]
    engine = Engine(p, runs)
    assert engine.start.count.tolist() == [1, 1, 1]
    first = engine.advance(5)
    assert first.count.tolist() == [0, 5, 5]
    rest = engine.advance(10_000)
    assert rest.count.tolist() == [0, 2, 295]
    assert engine.finished and engine.advance(5).count.tolist() == [0, 0, 0]


def test_block_columns_are_the_steps_fields() -> None:
    assert set(Step._fields) <= set(StepBlock.__dataclass_fields__)
    block = Engine(problem("gabor"), [RunSettings(optimizer="adam", steps=20)] * 3).advance(20)
    for name in ("epoch", "loss", "batch_loss", "lr", "diverged"):
        assert getattr(block, name).shape == (3, 20)
    assert block.phi.shape == block.grad.shape == (3, 20, 2)
    assert block.update.tolist() == list(range(1, 21))


def test_minibatches_are_gathered_by_index_never_masked() -> None:
    # 100,000 points: every evaluation on a batch gets B indices per run, or
    # one shared row of them, never a row of N; the full data is passed as None.
    p = make_problem("linear", "synthetic:n=100000,seed=1")
    shapes: list[tuple[int, ...] | None] = []
    inner = p.loss_and_grad

    def spy(phi, batch=None):  # type: ignore[no-untyped-def]
        shapes.append(None if batch is None else np.shape(batch))
        return inner(phi, batch)

    p.loss_and_grad = spy  # type: ignore[method-assign]
    runs = [RunSettings(optimizer=name, batch_size=5, seed=seed, steps=30)
            for name, seed in [("sgd", 0), ("sgd", 1), ("nesterov", 2), ("sgd", 0)]]
    Engine(p, runs).advance(30)
    batched = [shape for shape in shapes if shape is not None]
    assert batched and all(shape[-1] == 5 and math.prod(shape) <= 4 * 5 for shape in batched)


def test_runs_with_one_sequence_share_its_batches() -> None:
    p = problem("gabor")
    runs = [RunSettings(optimizer="sgd", start=(a, 6.5), seed=3, steps=40) for a in (-2.0, 0.0)]
    block = Engine(p, runs).advance(40)
    assert all(a is b for a, b in zip(block.batch[0], block.batch[1]))
    for r, one in enumerate(runs):
        assert_same_steps(block.steps(r), list(iterate(p, one))[1:])


def test_batch_sizes_that_differ_are_evaluated_apart() -> None:
    # 37 points: batches of 5 end each epoch with 2, batches of 7 with 2 too,
    # but at other updates; a full batch and B = 1 join them.
    p = make_problem("gabor", "synthetic:n=37,seed=3")
    runs = [RunSettings(optimizer=name, batch_size=b, seed=s, steps=60)
            for name, b, s in [("sgd", 5, 0), ("nesterov", 7, 1), ("nesterov", 5, 2),
                               ("momentum", 1, 0), ("momentum", 37, 0), ("sgd", 7, 4)]]
    engine, steps = engine_steps(p, runs, [60])
    for r, one in enumerate(runs):
        assert_same_steps(steps[r], list(iterate(p, one)))


def test_advancing_in_pieces_gives_the_same_steps() -> None:
    p = problem("gabor")
    runs = [RunSettings(optimizer=name, steps=600, seed=i) for i, name in enumerate(OPTIMIZERS)]
    _, whole = engine_steps(p, runs, [600])
    _, pieces = engine_steps(p, runs, [1, 255, 3, 300, 41])
    for a, b in zip(whole, pieces):
        assert_same_steps(a, b)


def test_a_batch_of_grid_starts_equals_single_runs() -> None:
    p = problem("gabor")
    axes = p.window.axes((6, 5))
    runs = [RunSettings(optimizer="gd", start=(float(a), float(b)), steps=50)
            for a in axes[0] for b in axes[1]]
    _, steps = engine_steps(p, runs, [50])
    for r in (0, 7, 29):
        assert_same_steps(steps[r], list(iterate(p, runs[r])))


def test_the_engine_leaves_the_error_state_alone() -> None:
    outside = np.geterr()
    with np.errstate(all="raise"):
        engine = Engine(problem("linear"), [RunSettings(hyperparameters={"lr": 1e3}, steps=50)])
        engine.advance(50)
    assert engine.diverged_at[0] is not None
    assert np.geterr() == outside


def test_an_engine_needs_runs_that_fit_the_problem() -> None:
    with pytest.raises(ValueError, match="at least one run"):
        Engine(problem("gabor"), [])
    with pytest.raises(ValueError, match="batch size"):
        Engine(problem("linear"), [RunSettings(batch_size=13)])
    with pytest.raises(ValueError, match="no data"):
        Engine(problem("ravine"), [RunSettings(batch_size=5)])


@pytest.mark.parametrize(
    ("phi", "loss"),
    [
        ((0.0, 0.0), 1.0), ((0.0, 0.0), 1e12), ((0.0, 0.0), 1.01e12), ((0.0, 0.0), math.nan),
        ((0.0, 0.0), math.inf), ((math.nan, 0.0), 1.0), ((0.0, math.nan), 1.0),
        ((math.inf, 0.0), 1.0), ((0.0, -math.inf), 1.0), ((10.0, 0.0), 1.0),
        ((10.5, 0.0), 1.0), ((0.0, -10.5), 1.0),
    ],
)
def test_divergence_rule_is_the_single_runs(phi, loss) -> None:
    expected = is_diverged(np.array(phi), loss, (0.0, 0.0), 10.0)
    got = _diverged(np.array([phi, phi]), np.array([loss, loss]), (0.0, 0.0), 10.0)
    assert got.tolist() == [expected, expected]


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "adam"])
def test_runs_given_starts_share_one_settings_and_equal_single_runs(optimizer) -> None:
    p = problem("gabor")
    shared = RunSettings(optimizer=optimizer, steps=40, seed=5)
    axes = p.window.axes((4, 3))
    starts = np.array([(a, b) for b in axes[1] for a in axes[0]])
    engine, steps = engine_steps_from(p, shared, starts)
    assert len({id(s) for s in engine.settings}) == 1  # resolved once
    for r in (0, 5, 11):
        one = RunSettings(optimizer=optimizer, steps=40, seed=5, start=tuple(starts[r]))
        assert_same_steps(steps[r], list(iterate(p, one)))


def engine_steps_from(p: Problem, shared: RunSettings, starts: np.ndarray) -> tuple[Engine, list]:
    engine = Engine(p, [shared] * len(starts), starts=starts)
    blocks = [engine.start, engine.advance(shared.steps)]
    return engine, [[s for b in blocks for s in b.steps(r)] for r in range(len(starts))]


@pytest.mark.parametrize("starts", [np.zeros((2, 2)), np.zeros((3, 3)),
                                    np.array([[0.0, 1.0], [np.nan, 0.0], [0.0, 0.0]]),
                                    np.array([[0.0, 1.0], [2e12, 0.0], [0.0, 0.0]])])
def test_starts_must_be_one_finite_point_per_run(starts) -> None:
    with pytest.raises(ValueError, match="starts must"):
        Engine(problem("gabor"), [RunSettings()] * 3, starts=starts)


def test_a_settings_object_given_for_many_runs_is_resolved_and_scheduled_once(monkeypatch) -> None:
    calls = {"resolve": 0, "make_schedule": 0}
    for name in calls:
        inner = getattr(RunSettings, name)

        def counted(self, *args, _inner=inner, _name=name):  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _inner(self, *args)

        monkeypatch.setattr(RunSettings, name, counted)
    shared = RunSettings(schedule="step:every=3,factor=0.5", steps=5)
    counts = []
    for runs in (1, 50):
        calls.update(dict.fromkeys(calls, 0))
        Engine(problem("gabor"), [shared] * runs, starts=np.zeros((runs, 2)) + (0.0, 10.0))
        counts.append(dict(calls))
    assert counts[0] == counts[1] and counts[0]["resolve"] == 1
