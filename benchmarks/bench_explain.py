"""What explaining the shown update costs per drawn frame, for each optimizer.

Run as ``python benchmarks/bench_explain.py``. It prints figures and never asserts on
time. The explanation overlays (the update explained, U, and its arrows, V) derive
their numbers on the UI thread at every frame the app publishes while a run plays:
:func:`gradviz.core.explain.explain_update` of the selected run's shown row, computed
once per frame for both overlays. A frame at 60 Hz has 16.7 ms.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from a checkout without installing: the repository root holds gradviz/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import timing  # noqa: E402 - benchmarks/timing.py, beside this script

from gradviz.core.explain import explain_update, magnification  # noqa: E402
from gradviz.core.optimizers import OPTIMIZERS  # noqa: E402
from gradviz.core.problems import make_problem  # noqa: E402
from gradviz.core.run import RunSettings, Trajectory, iterate  # noqa: E402

CALLS = 200
REPEATS = 7


def main() -> None:
    """Print the cost of one explanation (and its arrows' magnification) per optimizer."""
    problem = make_problem("gabor")
    print(timing.machine_line())
    print(f"explain_update + magnification of row 40 on the Gabor model, best of {REPEATS} "
          f"x {CALLS} calls")
    for name in OPTIMIZERS:
        settings = RunSettings(optimizer=name, steps=50).resolve(problem)
        rows = Trajectory.from_steps(settings, iterate(problem, settings, terms=True))

        def explain(settings: RunSettings = settings, rows: Trajectory = rows) -> None:
            for _ in range(CALLS):
                magnification(explain_update(settings, rows, 40), problem.window)

        seconds = timing.best_of(explain, REPEATS) / CALLS
        print(f"  {name:12s} {seconds * 1e6:7.1f} µs per frame")


if __name__ == "__main__":
    main()
