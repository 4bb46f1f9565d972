"""The data files are found from a source checkout and from a plain wheel install.

A source checkout (and an editable install) reads the top-level ``resources/``;
a wheel carries them as ``gradviz/resources``. The wheel is built once, put into
a fresh virtual environment that borrows numpy from the running interpreter's
environment (so nothing but the build backend is downloaded) and used from a
directory outside the repository.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from gradviz.core.resources import resources_dir

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import pathlib, sys
import gradviz
from gradviz.core.resources import resources_dir

prefix = pathlib.Path(sys.prefix).resolve()
assert pathlib.Path(gradviz.__file__).resolve().is_relative_to(prefix), gradviz.__file__
assert resources_dir().resolve() == pathlib.Path(gradviz.__file__).resolve().parent / "resources"
loss = float(gradviz.make_problem("gabor").loss([0.6, -0.2]))
assert abs(loss - 16.419) < 5e-4, loss
assert gradviz.make_problem("linear").data.n == 12
print("ok", resources_dir())
"""


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # No PYTHONPATH: the installed copy, not this checkout, must be imported.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python of a fresh virtual environment with the gradviz wheel installed."""
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed, so no wheel can be built or installed")
    tmp = tmp_path_factory.mktemp("packaging")
    try:
        # No pip inside: the running pip installs into it (--python), which is quicker.
        venv.create(tmp / "venv", with_pip=False)
    except OSError as exc:
        pytest.skip(f"cannot create a virtual environment here: {exc}")
    python = tmp / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
    # Borrow numpy from the environment running the tests. --system-site-packages
    # would not do inside a CI virtual environment: it links the base interpreter,
    # which may have no numpy. A .pth path line adds the directories only (their
    # own .pth files, such as an editable gradviz, are not processed).
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                cwd=tmp).stdout.strip()
    outer = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(site) / "borrowed.pth").write_text("\n".join(outer) + "\n")
    _run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--quiet", "-w", tmp / "dist",
         cwd=tmp)
    (wheel,) = (tmp / "dist").glob("gradviz-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "gradviz/resources/data/udl-gabor.csv" in archive.namelist()
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel,
         cwd=tmp)
    return python


def test_checkout_uses_top_level_resources() -> None:
    assert resources_dir().resolve() == ROOT / "resources"


def test_wheel_install_finds_its_data(installed: Path, tmp_path: Path) -> None:
    assert _run(installed, "-c", CHECK, cwd=tmp_path).stdout.startswith("ok")


def test_wheel_install_runs_the_command(installed: Path, tmp_path: Path) -> None:
    out = _run(installed, "-m", "gradviz", "problems", cwd=tmp_path).stdout
    assert "udl-gabor" in out and "nesterov" in out
