"""The numeric core never imports Qt: it must work with PySide6 uninstalled."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import gradviz.core

REPO = Path(__file__).resolve().parents[2]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph")


def test_importing_the_core_loads_no_qt() -> None:
    modules = ["gradviz", "gradviz.core"] + [
        f"gradviz.core.{m.name}" for m in pkgutil.iter_modules(gradviz.core.__path__)
    ]
    if (REPO / "gradviz" / "cli.py").exists():
        modules.append("gradviz.cli")
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})))\n"
    )
    paths = [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_public_names() -> None:
    import gradviz

    for name in gradviz.core.__all__:
        assert getattr(gradviz, name) is getattr(gradviz.core, name)
    assert {"run", "iterate", "make_problem", "loss_surface", "Trajectory"} <= set(dir(gradviz))
