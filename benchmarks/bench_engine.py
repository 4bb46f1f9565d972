"""Benchmarks of the engine that steps many runs at once, side by side with single runs.

Run as ``python benchmarks/bench_engine.py [--quick]``. It prints figures and
never asserts on time: every figure is the best of a few repeats, and each
ratio compares two ways of computing the same steps, timed one after the
other in this process. ``--quick`` takes fewer updates.

1. R = 8 runs in one batch (:class:`gradviz.core.engine.Engine`) against the
   same 8 runs one after the other through :func:`gradviz.core.run.iterate`.
2. Run to end of 8 x 12,000 updates by the engine alone (the app's target:
   under 0.5 s).
3. Single-run throughput: the engine with R = 1 against ``iterate``.
4. Minibatches gathered by index: the batch evaluation of 8 runs costs the
   same on 30 points as on 1,000,000.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Run from a checkout without installing: the repository root holds gradviz/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import timing  # noqa: E402 - benchmarks/timing.py, beside this script

from gradviz.core.data import Dataset
from gradviz.core.engine import Engine
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import DataFitProblem, Problem, make_problem
from gradviz.core.run import RunSettings, iterate

UPDATES = 12_000
REPEATS = 3


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


def large_problem(n: int) -> DataFitProblem:
    """The Gabor model on ``n`` points drawn around the built-in set."""
    base = make_problem("gabor")
    assert isinstance(base, DataFitProblem)
    rng = np.random.default_rng(0)
    x = rng.uniform(-15.0, 15.0, n)
    y = base.model.evaluate(x, 0.0, 15.0) + rng.normal(0.0, 0.1, n)
    return DataFitProblem(base.model, Dataset("large", x, y), base.window, base.start,
                          base.recommended_lr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 updates instead of 12,000")
    updates = 2_000 if parser.parse_args().quick else UPDATES
    print(timing.machine_line())
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

    print("Single runs: the engine with R = 1 against iterate (updates per second)")
    gabor = make_problem("gabor")
    for name in ("gd", "sgd", "nesterov", "adam"):
        one = [RunSettings(optimizer=name, steps=updates)]
        batched, single = side_by_side(lambda: engine_to_end(gabor, one),
                                       lambda: singles_to_end(gabor, one))
        print(f"  {name:10} engine {updates / batched:9,.0f}   iterate {updates / single:9,.0f}"
              f"   ratio {single / batched:4.1f}x")
    print()

    print("Minibatches gathered by index: one batch evaluation of 8 runs, B = 5")
    phi = np.tile(np.array(gabor.start), (8, 1))
    for n in (30, 1_000_000):
        problem = gabor if n == 30 else large_problem(n)
        indices = np.array([np.random.default_rng(s).permutation(n)[:5] for s in range(8)])
        seconds = best_of(lambda: [problem.loss_and_grad(phi, indices) for _ in range(1000)])
        print(f"  N = {n:>9,}: {seconds * 1e3:6.1f} us per evaluation")


if __name__ == "__main__":
    main()
