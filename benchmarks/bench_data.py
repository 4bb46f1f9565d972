"""Large data: reading a million rows, and what a million points cost the app's work.

Prints figures; asserts nothing.

1. Reading 1,000,000 rows: a clean CSV and a white-space file (one pass of numpy), and
   a CSV with a text column (line by line), each in a fresh process, which reports its
   wall time and its peak memory (the process's maximum resident set, less what the
   interpreter and numpy take before the read).
2. A synthetic set of 1,000,000 Gabor points, made.
3. The loss surface over 1,000,000 points: the linear model (closed form, any grid)
   and the Gabor model, whose cost is grid² × N evaluations of the model.
4. Runs on 1,000,000 points against 30: a full batch (every update
   evaluates every point; Adam, as GD's stable rate on a million summed residuals is
   below the rate field's least) and SGD with B = 5 (an update costs its batch), updates per
   second through ``iterate``.

``--quick`` measures the surfaces on smaller grids and fewer updates.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import best_of, machine_line

from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, iterate
from gradviz.core.surface import loss_surface

ROWS = 1_000_000

# The peak is read from /proc (VmHWM, of this process's memory alone): ru_maxrss would
# count the parent's memory at the fork too.
_CHILD = """
import sys, time
import numpy
from gradviz.core.data import load_table
from gradviz.core.table import parse_file_spec
def peak():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM"))
before = peak()
start = time.perf_counter()
data = load_table(parse_file_spec(sys.argv[1]))
seconds = time.perf_counter() - start
print(seconds, (peak() - before) / 1024, data.n)
"""


def _files(folder: Path) -> dict[str, str]:
    """The files to read, by what they are: their data specs."""
    x = np.linspace(-15.0, 15.0, ROWS)
    y = np.sin(0.9 * x) * np.exp(-x * x / 32.0)
    clean = folder / "clean.csv"
    np.savetxt(clean, np.column_stack([x, y]), delimiter=",", header="x,y", comments="")
    spaced = folder / "spaced.txt"
    np.savetxt(spaced, np.column_stack([x, y]), header="x y", comments="")
    labelled = folder / "labelled.csv"
    with labelled.open("w") as file:
        file.write("x,y,label\n")
        for a, b in zip(x.tolist(), y.tolist()):
            file.write(f"{a!r},{b!r},p\n")
    return {"clean CSV, 2 columns": str(clean), "white space, 2 columns": str(spaced),
            "CSV with a text column (line by line)": f"{labelled}:x=x,y=y"}


def reading() -> None:
    print(f"1. Reading {ROWS:,} rows (a fresh process each; peak memory beyond the "
          "interpreter's; the data themselves are 16 MB)")
    with tempfile.TemporaryDirectory() as folder:
        for what, spec in _files(Path(folder)).items():
            size = Path(spec.split(":")[0]).stat().st_size / 2**20
            out = subprocess.run([sys.executable, "-c", _CHILD, spec], capture_output=True,
                                 text=True, check=True).stdout.split()
            seconds, peak, n = float(out[0]), float(out[1]), int(out[2])
            print(f"  {what:40s} {size:5.1f} MiB file: {seconds:5.2f} s, peak +{peak:4.0f} MiB"
                  f" ({n:,} points)")


def synthetic() -> None:
    spec = ProblemSpec("gabor", f"synthetic:n={ROWS},noise=0.2,seed=3")
    seconds = best_of(spec.build, 3)
    print(f"2. {ROWS:,} synthetic Gabor points made (and the problem built): {seconds:.2f} s")


def surfaces(quick: bool) -> None:
    print(f"3. Loss surfaces over {ROWS:,} points")
    for model, grid in (("linear", 256), ("gabor", 16 if quick else 64)):
        problem = ProblemSpec(model, f"synthetic:n={ROWS},seed=3").build()
        start = time.perf_counter()
        loss_surface(problem, problem.window, grid)
        seconds = time.perf_counter() - start
        per = seconds / (grid * grid * ROWS) * 1e9
        note = "" if model == "linear" else (
            f"; {per:.1f} ns per cell and point, so 256 x 256: about "
            f"{seconds * (256 / grid) ** 2 / 60:.0f} min")
        print(f"  {model:7s} {grid} x {grid}: {seconds:6.2f} s{note}")


def runs(quick: bool) -> None:
    print("4. Runs through iterate, updates per second (best of 3). Full batch: Adam, whose step "
          "does not grow with the summed loss's gradient (GD's stable rate on a million points "
          "is below the rate field's 1e-6); it costs what a GD update costs, one evaluation of "
          "every point")
    for model in ("linear", "gabor"):
        for optimizer, batch, steps in (("adam", None, 20 if quick else 200),
                                        ("sgd", 5, 2000 if quick else 40_000)):
            rates = {}
            for n in (30, ROWS):
                problem = ProblemSpec(model, f"synthetic:n={n},seed=3").build()
                settings = RunSettings(optimizer, batch_size=batch, steps=steps)
                made = []
                seconds = best_of(lambda: made.append(sum(1 for _ in iterate(problem, settings))),
                                  3)
                assert made[-1] == steps + 1, f"the run stopped after {made[-1] - 1} updates"
                rates[n] = steps / seconds
            label = "Adam, full batch" if batch is None else f"SGD, B = {batch}"
            print(f"  {model:7s} {label:15s} 30 points: {rates[30]:9,.0f}/s   {ROWS:,} points: "
                  f"{rates[ROWS]:9,.1f}/s ({rates[30] / rates[ROWS]:,.1f}x the cost)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grids, fewer updates")
    args = parser.parse_args()
    print(machine_line())
    reading()
    synthetic()
    surfaces(args.quick)
    runs(args.quick)


if __name__ == "__main__":
    main()
