"""Benchmarks of gradviz's numeric core, printed side by side in one process.

Run as ``python benchmarks/bench_core.py``. It prints figures and never
asserts on time: timings on a shared machine vary from run to run, so every
figure is the best of several repeats, and ratios compare methods timed in
the same process one after the other.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Run from a checkout without installing: the repository root holds gradviz/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import timing  # noqa: E402 - benchmarks/timing.py, beside this script

import gradviz
from gradviz.core.problems import DataFitProblem, make_problem

GRID = 512
REPEATS = 5
LOOP_BUDGET = 15.0
"""Seconds the Python double loop may take; past that it is timed on fewer rows."""
RUN_STEPS = 20_000


def best_of(function: Callable[[], object], repeats: int = REPEATS) -> float:
    """Shortest wall time of ``repeats`` calls (default :data:`REPEATS`), in seconds."""
    return timing.best_of(function, repeats)


def broadcast_gabor(problem: DataFitProblem, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
    """Plain float64 broadcasting over (phi1, phi0, data), as one would write it first."""
    x, y, envelope = problem.dataset.x, problem.dataset.y, problem.model.envelope
    z = phi0[None, :, None] + 0.06 * phi1[:, None, None] * x
    f = np.sin(z) * np.exp(-z * z / envelope)
    return ((f - y) ** 2).sum(axis=-1)


def broadcast_linear(problem: DataFitProblem, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
    """Plain float64 broadcasting of the straight line's loss."""
    x, y = problem.dataset.x, problem.dataset.y
    return ((phi0[None, :, None] + phi1[:, None, None] * x - y) ** 2).sum(axis=-1)


def double_loop(problem: DataFitProblem, phi0: np.ndarray, phi1: np.ndarray) -> np.ndarray:
    """The book notebooks' way: a Python loop over cells, numpy over the data in each."""
    x, y, envelope = problem.dataset.x, problem.dataset.y, problem.model.envelope
    out = np.empty((phi1.size, phi0.size))
    for i, p1 in enumerate(phi1):
        for j, p0 in enumerate(phi0):
            z = p0 + 0.06 * p1 * x
            out[i, j] = np.sum((np.sin(z) * np.exp(-z * z / envelope) - y) ** 2)
    return out


def time_double_loop(
    problem: DataFitProblem, phi0: np.ndarray, phi1: np.ndarray
) -> tuple[float, str]:
    """Seconds for the full grid, timed fully when that fits LOOP_BUDGET, else scaled from rows."""
    probe_rows = 8
    per_row = best_of(lambda: double_loop(problem, phi0, phi1[:probe_rows]), 1) / probe_rows
    if per_row * phi1.size <= LOOP_BUDGET:
        return best_of(lambda: double_loop(problem, phi0, phi1), 1), "timed in full, once"
    rows = max(probe_rows, int(LOOP_BUDGET / per_row))
    seconds = best_of(lambda: double_loop(problem, phi0, phi1[:rows]), 1) * phi1.size / rows
    return seconds, f"timed on {rows} of {phi1.size} rows and scaled"


def main() -> None:
    print(timing.machine_line())
    print(f"best of {REPEATS} repeats unless said otherwise\n")

    gabor = make_problem("gabor")
    phi0, phi1 = gabor.window.axes((GRID, GRID))
    fast = best_of(lambda: gabor.loss_grid(phi0, phi1))
    plain = best_of(lambda: broadcast_gabor(gabor, phi0, phi1))
    loop, how = time_double_loop(gabor, phi0, phi1)
    error = np.max(np.abs(gabor.loss_grid(phi0, phi1) - broadcast_gabor(gabor, phi0, phi1)))
    print(f"Gabor surface {GRID} x {GRID}, {gabor.dataset.n} points")
    print(f"  gradviz              {fast * 1e3:10.1f} ms")
    print(f"  float64 broadcasting {plain * 1e3:10.1f} ms   gradviz is {plain / fast:6.1f}x faster")
    print(f"  Python double loop   {loop * 1e3:10.1f} ms   gradviz is {loop / fast:6.0f}x faster"
          f"   ({how})")
    print(f"  largest difference from broadcasting: {error:.1e}\n")

    linear = make_problem("linear")
    phi0, phi1 = linear.window.axes((GRID, GRID))
    closed = best_of(lambda: linear.loss_grid(phi0, phi1))
    plain = best_of(lambda: broadcast_linear(linear, phi0, phi1))
    print(f"Linear surface {GRID} x {GRID}, {linear.dataset.n} points")
    print(f"  closed form          {closed * 1e3:10.2f} ms")
    print(f"  float64 broadcasting {plain * 1e3:10.2f} ms   "
          f"closed form is {plain / closed:6.1f}x faster\n")

    gradviz.run(gabor, optimizer="adam", steps=1000)  # warm up
    seconds = best_of(lambda: gradviz.run(gabor, optimizer="adam", steps=RUN_STEPS), 3)
    print(f"Single run: Adam on the Gabor model, full batch, {RUN_STEPS} steps (best of 3)")
    print(f"  {seconds:.2f} s, {RUN_STEPS / seconds:,.0f} steps per second")


if __name__ == "__main__":
    main()
