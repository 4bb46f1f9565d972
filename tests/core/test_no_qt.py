"""The package, its core and its headless commands never load Qt or pyqtgraph."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import sys
    import gradviz, gradviz.core, gradviz.cli

    statuses = [
        gradviz.cli.main(["run", "--optimizer", "adam", "--steps", "20", "--out", "run.json"]),
        gradviz.cli.main(["run", "--model", "ravine", "--steps", "20", "--out", "run.csv"]),
        gradviz.cli.main(["surface", "--grid", "20", "--out", "surface.csv"]),
        gradviz.cli.main(["problems"]),
        gradviz.cli.main(["fan", "--param", "lr", "--range", "0.1", "1", "--out", "fan.csv"]),
        gradviz.cli.main(["fan", "--optimizer", "sgd", "--param", "seed", "--values", "1", "2",
                          "--out", "fan.json"]),
    ]
    assert statuses == [0] * 6, statuses
    qt = sorted(
        name for name in sys.modules
        if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
    )
    print("QT MODULES:", qt)
    """
)


def _qt_modules_loaded_by(script: str, folder: Path) -> str:
    """The last line of what ``script`` prints, run in a fresh interpreter in ``folder``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    ))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_headless_commands_import_no_qt(tmp_path) -> None:
    assert _qt_modules_loaded_by(SCRIPT, tmp_path) == "QT MODULES: []"


EXPORT_SCRIPT = textwrap.dedent(
    """
    import sys
    import gradviz.cli

    statuses = [
        gradviz.cli.main(["export", "--scene", name, "--steps", "30", "--out", out])
        for name in ("batches-and-epochs", "nesterov") for out in ("runs.csv", "runs.json")
    ]
    assert statuses == [0, 0, 0, 0], statuses
    qt = sorted(
        name for name in sys.modules
        if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
    )
    print("QT MODULES:", qt)
    """
)


def test_a_scenes_numbers_are_exported_without_qt(tmp_path) -> None:
    assert _qt_modules_loaded_by(EXPORT_SCRIPT, tmp_path) == "QT MODULES: []"
    assert (tmp_path / "runs.csv").read_text().startswith("run,step,epoch,phi0,phi1,")
