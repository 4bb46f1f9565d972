"""The runs whose CSV and JSON files are kept in tests/golden, byte for byte.

The files were written by gradviz before its per-step columns were declared in
one schema (gradviz.core.columns) and before the runs' numbers of ``gradviz
export`` came from the core: the tests compare what gradviz writes now with
them, so the files a user has kept stay the files gradviz writes. (Written
again once the problems declared their own parameters, which took the Gabor
model's envelope out of the other problems' JSON; nothing else changed.)

Run as a script (``PYTHONPATH=. python tests/golden_cases.py``) to write them
again; that must change none of them.

The last bit of a number depends on the CPU: numpy's dot products go through
the BLAS kernel of the CPU (with fused multiply-adds on AVX-512, without on
AVX2), and its float64 sine and cosine are vectorized on some CPUs only. The
files in tests/golden were written on a CPU of the first kind (CI's). For a CPU
whose arithmetic is another (:func:`arithmetic_fingerprint`), the files that
differ there are in ``tests/golden/<fingerprint>/``, written on such a CPU by
the code of the files in tests/golden, so that on each CPU the tests check
that gradviz writes what it wrote before, to the last bit.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings
from gradviz.core.scenes import Scene, builtin_scenes, load_scene

GOLDEN = Path(__file__).resolve().parent / "golden"


def arithmetic_fingerprint() -> str:
    """A short hash of how this machine's numpy rounds what the runs compute: dot
    products of the lengths of the data sets and the models' transcendental functions."""
    rng = np.random.default_rng(11)
    values = [np.vecdot(rng.normal(size=(4, n)), rng.normal(size=n)) for n in (5, 12, 30)]
    angles = rng.uniform(-20, 20, size=256)
    values += [np.sin(angles), np.cos(angles), np.exp(-angles * angles / 32)]
    return hashlib.sha256(np.concatenate(values).tobytes()).hexdigest()[:12]


CPU_GOLDEN = GOLDEN / arithmetic_fingerprint()
"""Where this CPU's own golden files are, if its arithmetic is not that of tests/golden."""


def golden_path(name: str) -> Path:
    """The golden file ``name`` for this CPU: its own if it has one, else tests/golden's."""
    own = CPU_GOLDEN / name
    return own if own.exists() else GOLDEN / name

RUNS: dict[str, tuple[ProblemSpec, RunSettings]] = {
    "gabor-nesterov-notebook": (
        ProblemSpec("gabor"), RunSettings(optimizer="nesterov", batching="notebook", seed=1,
                                          steps=20),
    ),
    "gabor-diverges": (ProblemSpec("gabor"), RunSettings(hyperparameters={"lr": 100.0},
                                                         steps=10)),
    "linear-sgd-epochs": (
        ProblemSpec("linear", "synthetic:n=17,noise=0.2,seed=3"),
        RunSettings(optimizer="sgd", batch_size=5, seed=7, steps=12),
    ),
    "ravine-adam-schedule": (
        ProblemSpec("ravine"),
        RunSettings(optimizer="adam", schedule="step:every=5,factor=0.5", steps=15),
    ),
}
"""Single runs, written by :func:`gradviz.core.export.write_trajectory`."""

SCENE_STEPS = 12
"""Every shipped scene is exported with its runs cut to this many updates."""

MIXED_SCENE = GOLDEN / "mixed.toml"
"""A scene of runs whose names repeat, one that diverges and one of minibatches,
exported with its own steps."""


KEPT_SCENES = frozenset({
    "linear-gd", "linear-lr-too-large", "gabor-global-minimum", "gabor-local-minimum",
    "gabor-saddle-point", "batches-and-epochs", "sgd-escapes-local-minimum",
    "learning-rate-schedule", "momentum", "nesterov", "ravine-fixed-step-sizes",
    "ravine-normalized-gradients", "ravine-adam", "mixed",
})
"""The scene exports whose golden files are kept: the scenes shipped before the fans
and the basins, whose files were written on CI's CPU (and, in their own folder,
on an AVX2 one) by the code before them. Scenes shipped since are checked against
the core and against their runs alone, computed where the tests run."""


def golden_scenes() -> dict[str, Scene]:
    """Every shipped scene and the mixed one, as ``gradviz export`` reads the flags of
    :func:`scene_exports` (the golden ones are those of :data:`KEPT_SCENES`)."""
    def cut(runs: tuple) -> tuple:
        return tuple(replace(run, settings=replace(run.settings, steps=SCENE_STEPS)) for run in runs)

    scenes = {scene.name: replace(scene, runs=cut(scene.runs), fans=cut(scene.fans))
              for scene in builtin_scenes()}
    scenes["mixed"] = load_scene(MIXED_SCENE)
    return scenes


def scene_exports() -> dict[str, list[str]]:
    """The ``gradviz export`` flags (but ``--out``) of each golden scene file, by its name."""
    exports = {scene.name: ["--scene", scene.name, "--steps", str(SCENE_STEPS)]
               for scene in builtin_scenes() if scene.name in KEPT_SCENES}
    exports["mixed"] = ["--scene", str(MIXED_SCENE)]
    return exports


def run_file(name: str, suffix: str) -> Path:
    """The golden file of the single run ``name``."""
    return golden_path(f"run-{name}{suffix}")


def scene_file(name: str, suffix: str) -> Path:
    """The golden file of the scene export ``name`` of :func:`scene_exports`."""
    return golden_path(f"scene-{name}{suffix}")


def write_golden() -> None:
    """Write every golden file with the gradviz found first on the path."""
    from gradviz.core.export import write_trajectory
    from gradviz.core.run import run

    GOLDEN.mkdir(exist_ok=True)
    for name, (spec, settings) in RUNS.items():
        trajectory = run(spec.build(), settings)
        for suffix in (".csv", ".json"):
            write_trajectory(run_file(name, suffix), spec, trajectory)
    for name, flags in scene_exports().items():
        for suffix in (".csv", ".json"):
            subprocess.run([sys.executable, "-m", "gradviz", "export", *flags,
                            "--out", str(scene_file(name, suffix))], check=True)


if __name__ == "__main__":
    write_golden()
