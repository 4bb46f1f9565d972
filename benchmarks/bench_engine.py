"""Benchmarks of the engine that steps many runs at once, side by side with single runs.

Run as ``python benchmarks/bench_engine.py [--quick] [--single]``. It prints figures and
never asserts on time: every figure is the best of a few repeats, and each
ratio compares two ways of computing the same steps, timed one after the
other in this process. ``--quick`` takes fewer updates.

1. R = 8 runs in one batch (:class:`gradviz.core.engine.Engine`) against the
   same 8 runs one after the other through :func:`gradviz.core.run.iterate`.
2. Run to end of 8 x 12,000 updates by the engine alone (the app's target:
   under 0.5 s).
3. Single-run throughput: ``iterate``, which streams an engine of one run,
   against the loop that ``iterate`` ran before the engine (kept below, only
   here, as the reference), on GD, momentum, Adam and SGD on the linear and
   Gabor models; also ``iterate`` held to the loop's old block limits (32
   updates, 1 ms), to show what the engine's cost per block asks of them, and
   ``iterate`` recording the optimizer's terms (``terms=True``) against it.
   ``--single`` measures this alone.
4. Minibatches gathered by index: the batch evaluation of 8 runs costs the
   same on 30 points as on 1,000,000.
5. Large data: one SGD run (B = 5) through ``iterate`` on 30 points and on
   1,000,000, in turn, and the full-data loss on 1,000,000 points, which such a
   run evaluates on a schedule and at its start and end; ``--large`` measures
   this alone (``--large-updates`` updates per run).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import math
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

# Run from a checkout without installing: the repository root holds gradviz/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import timing  # noqa: E402 - benchmarks/timing.py, beside this script

from gradviz.core.batching import batches
from gradviz.core.data import Dataset
from gradviz.core.engine import Engine, full_loss_every
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import DataFitProblem, Problem, make_problem
from gradviz.core.run import RunSettings, Step, iterate
from gradviz.core.step import escape_box, is_diverged

# gradviz.core.run the module, not the function gradviz.core re-exports under that name.
run_module = importlib.import_module("gradviz.core.run")

UPDATES = 12_000
REPEATS = 3
SINGLE_UPDATES = 4_000
SINGLE_REPEATS = 9


def best_of(function: Callable[[], object], repeats: int = REPEATS) -> float:
    """Shortest wall time of ``repeats`` calls (default :data:`REPEATS`), in seconds."""
    return timing.best_of(function, repeats)


def side_by_side(
    first: Callable[[], object], second: Callable[[], object], repeats: int = REPEATS
) -> tuple[float, float]:
    """Best wall times of ``first`` and ``second``, called in turn so that both
    meet the same load of a shared machine."""
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for i, function in enumerate((first, second)):
            start = time.perf_counter()
            function()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], best[1]


def engine_to_end(problem: Problem, settings: list[RunSettings]) -> None:
    """Every run to its end in one engine."""
    engine = Engine(problem, settings)
    engine.advance(max(s.steps for s in settings))


def singles_to_end(problem: Problem, settings: list[RunSettings]) -> None:
    """Every run to its end through ``iterate``, one after the other."""
    for one in settings:
        for _ in iterate(problem, one):
            pass


def batches_of_eight(updates: int) -> dict[str, tuple[Problem, list[RunSettings]]]:
    """The compositions of 8 runs measured: what the lecture's pictures batch."""
    gabor = make_problem("gabor")
    lr_fan = [RunSettings(optimizer="adam", hyperparameters={"lr": float(lr)}, steps=updates)
              for lr in np.geomspace(0.02, 0.3, 8)]
    seeds = [RunSettings(optimizer="sgd", seed=seed, steps=updates) for seed in range(8)]
    beta_fan = [RunSettings(optimizer="momentum", hyperparameters={"beta": float(beta)},
                            seed=1, steps=updates) for beta in np.linspace(0.1, 0.95, 8)]
    starts = [RunSettings(optimizer="gd", start=(float(a), 6.5), steps=updates)
              for a in np.linspace(-4.0, 4.0, 8)]
    mixed = [RunSettings(optimizer=name, seed=i, steps=updates)
             for i, name in enumerate(OPTIMIZERS)]
    return {
        "Adam, 8 learning rates, full batch": (gabor, lr_fan),
        "SGD B=5, 8 seeds": (gabor, seeds),
        "momentum B=5, 8 betas": (gabor, beta_fan),
        "GD, 8 starts": (gabor, starts),
        "8 optimizers, one of each (defaults)": (gabor, mixed),
    }


# -- the reference: iterate before the engine -------------------------------------------
# A copy of gradviz.core.run.iterate and its driver loop _updates as they were
# before iterate streamed an engine (commit 6e1c57a), kept here only as the
# baseline that the engine's single runs are measured against. Not used elsewhere.

OLD_BLOCK_STEPS = 32
OLD_BLOCK_SECONDS = 1e-3


def old_iterate(problem: Problem, settings: RunSettings) -> Iterator[Step]:
    """The steps of a run as ``iterate`` computed them before the engine."""
    updates = _old_updates(problem, settings.resolve(problem))
    with np.errstate(all="ignore"):
        first = next(updates)
    yield first
    size = 1
    while True:
        started = time.perf_counter()
        with np.errstate(all="ignore"):
            block = list(itertools.islice(updates, size))
        finished = len(block) < size
        if time.perf_counter() - started < OLD_BLOCK_SECONDS:
            size = min(2 * size, OLD_BLOCK_STEPS)
        else:
            size = max(size // 2, 1)
        yield from block
        if finished:
            return


def _old_updates(problem: Problem, settings: RunSettings) -> Iterator[Step]:
    """The old driver loop: one update, one full-data evaluation and one step at a time."""
    optimizer = settings.make_optimizer()
    schedule = settings.make_schedule()
    alpha = optimizer.lr
    phi = np.array(settings.start, dtype=float)
    state = optimizer.init_state(phi)
    loss, grad = problem.loss_and_grad(phi)
    nan = math.nan
    yield Step(0, 0, phi, float(loss), nan, nan, None, np.full(2, nan))
    centre, reach = escape_box(problem.window)
    n = problem.n_points
    full_batch = n is None or settings.batch_size == n
    stream = (
        None if full_batch
        else batches(n, settings.batch_size, settings.batching, settings.seed)
    )
    batch = None

    def objective(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if full_batch and p is phi:
            return loss, grad
        return problem.loss_and_grad(p, batch)

    for t in range(settings.steps):
        epoch, batch = (t, None) if stream is None else next(stream)
        lr = schedule.rate(t, alpha)
        phi, state, batch_loss, used_grad = optimizer.update(phi, state, t, lr, objective)
        loss, grad = problem.loss_and_grad(phi)
        loss_value = float(loss)
        diverged = is_diverged(phi, loss_value, centre, reach)
        yield Step(
            t + 1, epoch, phi, loss_value, float(batch_loss), lr, batch, used_grad, diverged
        )
        if diverged:
            return


@contextlib.contextmanager
def block_limits(steps: int, seconds: float) -> Iterator[None]:
    """``iterate`` held to blocks of at most ``steps`` updates and ``seconds``."""
    kept = run_module.BLOCK_STEPS, run_module.BLOCK_SECONDS
    run_module.BLOCK_STEPS, run_module.BLOCK_SECONDS = steps, seconds
    try:
        yield
    finally:
        run_module.BLOCK_STEPS, run_module.BLOCK_SECONDS = kept


def drain(steps: Iterator[Step]) -> None:
    """Take every step, as a consumer of a run does."""
    for _ in steps:
        pass


def limited_drain(problem: Problem, settings: RunSettings) -> None:
    """Every step of ``iterate`` held to the old loop's block limits."""
    with block_limits(OLD_BLOCK_STEPS, OLD_BLOCK_SECONDS):
        drain(iterate(problem, settings))


def single_runs(updates: int) -> None:
    """Updates per second of single runs through iterate and through the old loop."""
    print(f"Single runs through iterate (the engine, R = 1) against the loop it replaced: "
          f"{updates:,} updates per run,\n  updates per CPU second, best of {SINGLE_REPEATS}, "
          f"the four in turn; the last ratio is iterate with terms against iterate")
    print(f"  {'':18} {'old loop':>9} {'iterate':>9} {'ratio':>6}   "
          f"{'iterate at 32 / 1 ms':>20} {'ratio':>6}   {'with terms':>10} {'ratio':>6}")
    for model in ("linear", "gabor"):
        problem = make_problem(model)
        for name in ("gd", "momentum", "adam", "sgd"):
            settings = RunSettings(optimizer=name, steps=updates)
            old_steps, new_steps = list(old_iterate(problem, settings)), list(iterate(problem, settings))
            assert len(old_steps) == updates + 1  # no divergence
            assert np.array([s.phi for s in old_steps]).tobytes() == \
                np.array([s.phi for s in new_steps]).tobytes()  # the same path, to the bit
            ways = [lambda: drain(old_iterate(problem, settings)),
                    lambda: drain(iterate(problem, settings)),
                    lambda: limited_drain(problem, settings),
                    lambda: drain(iterate(problem, settings, terms=True))]
            best = [math.inf] * len(ways)
            for _ in range(SINGLE_REPEATS):
                for i, way in enumerate(ways):
                    # CPU time: on a machine shared with other work it varies far
                    # less than wall time, and these runs use one thread.
                    start = time.process_time()
                    way()
                    best[i] = min(best[i], time.process_time() - start)
            old, new, limited, terms = (updates / seconds for seconds in best)
            label = f"{model} {name}"
            print(f"  {label:18} {old:9,.0f} {new:9,.0f} {new / old:5.2f}x   "
                  f"{limited:20,.0f} {limited / old:5.2f}x   {terms:10,.0f} {terms / new:5.2f}x")
    print()


def large_problem(n: int) -> DataFitProblem:
    """The Gabor model on ``n`` points drawn around the built-in set."""
    base = make_problem("gabor")
    assert isinstance(base, DataFitProblem)
    rng = np.random.default_rng(0)
    x = rng.uniform(-15.0, 15.0, n)
    y = base.model.evaluate(x, 0.0, 15.0) + rng.normal(0.0, 0.1, n)
    return DataFitProblem(base.model, Dataset("large", x, y), base.window, base.start,
                          base.recommended_lr)


LARGE_UPDATES = 160_000
LARGE_REPEATS = 3


def large_data(updates: int) -> None:
    """Updates per second of one SGD run, B = 5, on 30 points and on 1,000,000, and what
    a run on 1,000,000 pays once: the full-data loss at its start and its end."""
    print(f"Large data: SGD B = 5 through iterate, {updates:,} updates per run, updates per "
          f"CPU second, best of {LARGE_REPEATS}, the two in turn")
    problems = {n: large_problem(n) for n in (30, 1_000_000)}
    settings = RunSettings(optimizer="sgd", batch_size=5, steps=updates)
    best = dict.fromkeys(problems, math.inf)
    for _ in range(LARGE_REPEATS):
        for n, problem in problems.items():
            start = time.process_time()
            drain(iterate(problem, settings))
            best[n] = min(best[n], time.process_time() - start)
    small, large = (updates / best[n] for n in problems)
    million = problems[1_000_000]
    loss = timing.best_cpu_of(lambda: million.loss(np.array(million.start)), LARGE_REPEATS)
    with_grad = timing.best_cpu_of(lambda: million.loss_and_grad(np.array(million.start)),
                                   LARGE_REPEATS)
    every = full_loss_every(million.n_points, settings.batch_size)
    print(f"  N = {30:>9,}: {small:9,.0f} updates/s")
    print(f"  N = {1_000_000:>9,}: {large:9,.0f} updates/s, {small / large:.2f}x the cost of an "
          f"update on 30 points")
    print(f"  the full-data loss on 1,000,000 points: {loss * 1e3:.1f} ms alone "
          f"({with_grad * 1e3:.1f} ms with its gradient), recorded every {every:,} updates and "
          f"at a run's start and end: {loss / every * 1e6:.2f} us per update\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 updates instead of 12,000")
    parser.add_argument("--single", action="store_true",
                        help="only the single runs against the loop iterate ran before")
    parser.add_argument("--large", action="store_true",
                        help="only SGD on 30 points against SGD on 1,000,000")
    parser.add_argument("--large-updates", type=int, default=LARGE_UPDATES, metavar="N",
                        help=f"updates per run of the large-data figure (default {LARGE_UPDATES:,})")
    args = parser.parse_args()
    updates = 2_000 if args.quick else UPDATES
    print(timing.machine_line())
    if args.single:
        single_runs(SINGLE_UPDATES)
        return
    if args.large:
        large_data(args.large_updates)
        return
    print(f"best of {REPEATS} repeats, the two sides of a ratio in turn; "
          f"every run takes {updates:,} updates\n")

    print("R = 8 in one batch against 8 single runs through iterate (run to end)")
    print(f"  {'':40} {'engine':>9} {'8 singles':>10} {'ratio':>7}")
    for name, (problem, settings) in batches_of_eight(updates).items():
        batched, single = side_by_side(lambda: engine_to_end(problem, settings),
                                       lambda: singles_to_end(problem, settings))
        print(f"  {name:40} {batched:8.3f}s {single:9.3f}s {single / batched:6.1f}x")
    print(f"  (the engine column is the run to end of 8 x {updates:,} updates;"
          f" the app's target at 12,000: under 0.5 s)\n")

    single_runs(SINGLE_UPDATES)

    gabor = make_problem("gabor")
    print("Minibatches gathered by index: one batch evaluation of 8 runs, B = 5")
    phi = np.tile(np.array(gabor.start), (8, 1))
    for n in (30, 1_000_000):
        problem = gabor if n == 30 else large_problem(n)
        indices = np.array([np.random.default_rng(s).permutation(n)[:5] for s in range(8)])
        seconds = best_of(lambda: [problem.loss_and_grad(phi, indices) for _ in range(1000)])
        print(f"  N = {n:>9,}: {seconds * 1e3:6.1f} us per evaluation")
    print()

    large_data(args.large_updates)


if __name__ == "__main__":
    main()
