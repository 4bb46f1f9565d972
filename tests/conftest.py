"""Fixtures shared by the core and the Qt tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


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
