"""Fixtures shared by the core and the Qt tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from gradviz.core.analytic import AnalyticProblem
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.kinds import PROBLEM_KINDS, ProblemKind
from gradviz.core.space import Window


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip() or done.returncode}")


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, a real file system that fills up (skipped where mount is denied)."""
    folder = tmp_path / "small"
    folder.mkdir()
    _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def make_read_only(small_tmpfs: Path) -> Callable[[], None]:
    """Remounts :func:`small_tmpfs` read-only: root ignores permission bits, a
    read-only file system it cannot."""
    return lambda: _mount("-o", "remount,ro", str(small_tmpfs))


TILT = HyperParameter("tilt", "t", 1.0, 0.0, 10.0, help="how far the bowl's floor is tilted")


class TiltedBowl(AnalyticProblem):
    """L = phi0² + phi1² - t phi0: a surface with a parameter, known to no front end."""

    name = "tilted"
    title = "Tilted bowl"
    formula = "L = φ₀² + φ₁² − tφ₀"
    window = Window(-3.0, 3.0, -3.0, 3.0)
    start = (-2.0, 2.0)
    recommended_lr = MappingProxyType({"gd": 0.1})

    def __init__(self, tilt: float) -> None:
        self.minima = ((tilt / 2.0, 0.0),)
        self.tilt = tilt

    def value_and_grad(self, p0, p1):  # type: ignore[no-untyped-def]
        return p0 * p0 + p1 * p1 - self.tilt * p0, 2.0 * p0 - self.tilt, 2.0 * p1

    def second_derivatives(self, p0, p1):  # type: ignore[no-untyped-def]
        return np.full(np.shape(p0), 2.0), np.zeros(np.shape(p0)), np.full(np.shape(p0), 2.0)


@pytest.fixture
def tilted_kind(monkeypatch: pytest.MonkeyPatch) -> ProblemKind:
    """:class:`TiltedBowl` registered as the problem kind ``tilted`` for one test."""
    kind = ProblemKind(
        "tilted", TiltedBowl.title, f"{TiltedBowl.title}: {TiltedBowl.formula}",
        lambda values, data: TiltedBowl(float(values["tilt"])),
        TiltedBowl.capabilities, parameters=(TILT,),
    )
    monkeypatch.setitem(PROBLEM_KINDS, kind.name, kind)
    return kind
