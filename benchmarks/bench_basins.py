"""Benchmark of the basins of attraction: every cell's run at once, beside a Python loop.

Run as ``python benchmarks/bench_basins.py [--quick]``. It prints figures and
never asserts on time. The case is the issue's: gradient descent at the
lecture's rate, 200 updates from each of 128 x 128 cells on the Gabor problem
(the target: under 2 s on a 2-core machine).

1. :func:`gradviz.core.basins.compute_basins`, on its default threads (one per
   CPU) and on one.
2. A Python loop over starts with :func:`gradviz.core.run.run`: timed on a
   sample of the cells (spread over the grid) and extrapolated to all of them,
   per cell.
3. The floor under both: the Gabor model's loss and gradient (a sine, a cosine
   and an exponential per data point) evaluated at every cell for every update,
   by one call per chunk of cells and update, with nothing else done. Each
   cell's run must equal the single run to the last bit, so this arithmetic is
   what it is; the engine's own work is the rest.

Each figure is the best of a few repeats, the four timed in turn so that all
meet the same load of a shared machine. ``--quick`` takes 64 x 64 cells.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

# Run from a checkout without installing: the repository root holds gradviz/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import timing  # noqa: E402 - benchmarks/timing.py, beside this script

from gradviz.core.basins import CHUNK_CELLS, MAX_THREADS, cell_centres, compute_basins
from gradviz.core.problems import Problem, make_problem
from gradviz.core.run import RunSettings, run

UPDATES = 200
REPEATS = 2
SAMPLE = 128
"""Cells run one by one by the Python loop, extrapolated to the grid."""


def python_loop(problem: Problem, settings: RunSettings, starts: np.ndarray) -> None:
    """One :func:`~gradviz.core.run.run` per start, as a loop over cells would."""
    for phi0, phi1 in starts.tolist():
        run(problem, replace(settings, start=(phi0, phi1)))


def formula_alone(problem: Problem, starts: np.ndarray, updates: int) -> None:
    """The loss and gradient at every start, chunk by chunk, ``updates`` times."""
    for first in range(0, len(starts), CHUNK_CELLS):
        chunk = starts[first : first + CHUNK_CELLS]
        for _ in range(updates):
            problem.loss_and_grad(chunk)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 x 64 cells")
    args = parser.parse_args(argv)
    grid = 64 if args.quick else 128
    problem = make_problem("gabor")
    settings = RunSettings("gd", {"lr": 0.1}, steps=UPDATES)
    phi0, phi1 = cell_centres(problem.window, grid, grid)
    starts = np.stack(np.meshgrid(phi0, phi1), axis=-1).reshape(-1, 2)
    sample = starts[np.linspace(0, len(starts) - 1, SAMPLE).round().astype(int)]
    cells = len(starts)

    print(timing.machine_line())
    print(f"GD α=0.1, {UPDATES} updates from each of {grid} x {grid} = {cells} cells "
          f"on the Gabor problem ({problem.n_points} points), chunks of {CHUNK_CELLS} cells")
    threads = min(os.cpu_count() or 1, MAX_THREADS)
    works = {
        "basins": lambda: compute_basins(problem, settings, grid=grid),
        "one thread": lambda: compute_basins(problem, settings, grid=grid, threads=1),
        "loop": lambda: python_loop(problem, settings, sample),
        "formula": lambda: formula_alone(problem, starts, UPDATES),
    }
    best = dict.fromkeys(works, float("inf"))
    for _ in range(REPEATS):
        for name, work in works.items():
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    loop = best["loop"] / SAMPLE * cells
    print(f"compute_basins, {threads} threads:  {best['basins']:7.2f} s  "
          f"({best['basins'] / cells * 1e6:.0f} µs per cell)")
    print(f"compute_basins, 1 thread:   {best['one thread']:7.2f} s")
    print(f"Python loop of run():       {loop:7.2f} s  (extrapolated from {SAMPLE} cells: "
          f"{best['loop'] / SAMPLE * 1e3:.2f} ms per cell)")
    print(f"ratio loop / basins:        {loop / best['basins']:7.1f} x "
          f"({loop / best['one thread']:.1f} x on 1 thread)")
    point_updates = cells * UPDATES * (problem.n_points or 1)
    print(f"the formula alone, 1 thread:{best['formula']:7.2f} s  "
          f"({best['formula'] / point_updates * 1e9:.0f} ns per point and update; "
          f"{100 * best['formula'] / best['one thread']:.0f} % of compute_basins on 1 thread)")
    print(f"target (2 s) reached:       {'yes' if best['basins'] < 2.0 else 'no'}")

if __name__ == "__main__":
    main()
