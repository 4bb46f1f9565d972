"""The import contracts in pyproject.toml hold, and each catches what it forbids.

import-linter reads the imports without running the code (lazy and type-only
imports count too), so these tests need neither Qt nor a display.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the gradviz package under ``root`` (and only that one)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], capture_output=True, text=True,
                          env=env, cwd=root, timeout=120)


def contract_named(kind: str) -> str:
    (name,) = (c["name"] for c in CONTRACTS if c["type"] == kind)
    return name


def test_every_contract_is_kept() -> None:
    result = lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    for contract in CONTRACTS:
        assert f"{contract['name']} KEPT" in result.stdout


@pytest.mark.parametrize(("module", "line", "kind"), [
    ("gradviz/core/run.py", "from gradviz.qt import style", "forbidden"),
    ("gradviz/qt/views/fit_view.py", "from gradviz.qt.control import controller", "layers"),
    ("gradviz/qt/control/controller.py", "from gradviz.qt import main_window", "protected"),
    ("gradviz/qt/layers/lines.py", "from gradviz.qt.layers import path_layer", "acyclic_siblings"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, line: str,
                                                kind: str) -> None:
    shutil.copytree(REPO / "gradviz", tmp_path / "gradviz",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with open(tmp_path / module, "a") as file:
        file.write(f"\n{line}\n")
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{contract_named(kind)} BROKEN" in result.stdout, result.stdout
