"""Benchmarks of fans: K members in one engine against the same K runs one after the other.

Run as ``python benchmarks/bench_fans.py [--quick]``. It prints figures and never
asserts on time: every figure is the best of a few repeats, and each ratio compares
two ways of computing the same trajectories, timed one after the other in this
process.

1. :func:`gradviz.core.fans.run_fan` of K = 8 and 32 learning rates (gradient
   descent on the Gabor model) and of 32 seeds (SGD, batches of 5), against
   :func:`gradviz.core.run.run` of each member.
2. The seed spread of scene 10 (3 runs x 100 seeds x 81 updates in one engine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import timing  # noqa: E402 - benchmarks/timing.py, beside this script

from gradviz.core.fans import Fan, fan_settings, run_fan  # noqa: E402
from gradviz.core.problems import make_problem  # noqa: E402
from gradviz.core.run import RunSettings, run  # noqa: E402
from gradviz.core.run_set import scene_seed_spread  # noqa: E402
from gradviz.core.scenes import find_scene  # noqa: E402

REPEATS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates")
    updates = 300 if parser.parse_args().quick else 3000
    problem = make_problem("gabor")
    print(timing.machine_line())
    cases = {
        "8 learning rates, GD": (RunSettings("gd", steps=updates), Fan.spread("lr", 0.01, 0.3, 8)),
        "32 learning rates, GD": (RunSettings("gd", steps=updates),
                                  Fan.spread("lr", 0.01, 0.3, 32)),
        "32 seeds, SGD B=5": (RunSettings("sgd", {"lr": 0.05}, steps=updates),
                              Fan.spread("seed", 0, 31, 32)),
    }
    for name, (settings, fan) in cases.items():
        together = timing.best_of(lambda: run_fan(problem, settings, fan), REPEATS)
        alone = timing.best_of(lambda: [run(problem, s) for s in fan_settings(settings, fan)],
                               REPEATS)
        print(f"{name}, {updates} updates: one engine {together * 1e3:.0f} ms, "
              f"one run after another {alone * 1e3:.0f} ms ({alone / together:.1f}x)")
    scene = find_scene("nesterov")
    spread = timing.best_of(lambda: scene_seed_spread(scene), REPEATS)
    print(f"scene 10's seed spread (3 runs x 100 seeds x 81 updates): {spread * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
