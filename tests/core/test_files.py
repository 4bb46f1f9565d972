"""Files written whole or not at all, on real full and read-only file systems, and
input read only from regular files of bounded size."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from gradviz.core import files
from gradviz.core.files import (
    ReadError,
    WriteError,
    atomic_open,
    atomic_path,
    check_target,
    read_regular,
    write_atomic,
)

OLD = "the old, good contents\n"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "out.csv"
    path.write_text(OLD)
    return path


def test_a_complete_write_replaces_the_file(old_file: Path) -> None:
    old_file.chmod(0o640)
    write_atomic(old_file, "new\n")
    assert old_file.read_text() == "new\n"
    assert old_file.stat().st_mode & 0o777 == 0o640  # a rewritten file keeps its mode
    assert _leftovers(old_file.parent) == []


def test_the_temporary_path_keeps_the_suffix_for_writers_that_need_it(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "movie.mp4") as temp:
        assert temp.parent == tmp_path and temp.suffix == ".mp4" and temp.exists()
        assert not (tmp_path / "movie.mp4").exists()  # nothing there until complete
        temp.write_bytes(b"frames")
    assert (tmp_path / "movie.mp4").read_bytes() == b"frames"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("error", [OSError(errno.EIO, "Input/output error"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(old_file: Path, error) -> None:
    with pytest.raises(type(error)) as info, atomic_open(old_file) as file:
        file.write("half of the new")
        raise error
    assert old_file.read_text() == OLD
    assert _leftovers(old_file.parent) == []
    if isinstance(error, OSError):
        assert isinstance(info.value, WriteError)
        assert str(info.value) == f"cannot write {old_file}: Input/output error"


def test_a_writer_that_leaves_no_file_is_an_error(old_file: Path) -> None:
    with pytest.raises(WriteError, match="cannot write .*out.csv: No such file"), \
            atomic_path(old_file) as temp:
        temp.unlink()
    assert old_file.read_text() == OLD


def test_a_full_device_is_reported_and_the_old_file_kept(old_file: Path, monkeypatch) -> None:
    # The temporary file is a link to /dev/full, so the kernel itself says the
    # disk is full when the data is flushed.
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    link = old_file.parent / ".out.full.tmp.csv"
    link.symlink_to("/dev/full")
    monkeypatch.setattr(files, "_reserve", lambda target: link)
    with pytest.raises(WriteError) as info:
        write_atomic(old_file, "x" * 100_000)
    assert str(info.value) == f"cannot write {old_file}: No space left on device"
    assert info.value.errno == errno.ENOSPC
    assert old_file.read_text() == OLD
    assert _leftovers(old_file.parent) == []


@pytest.mark.parametrize("name", ["x.gif/", "x.csv/", "x.json/", "folder", "/dev/full",
                                  "/dev/null"])
def test_names_that_are_not_files_to_write_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "folder").mkdir()
    trailing = "/" if name.endswith("/") else ""
    path = name if name.startswith("/dev/") else str(tmp_path / name.rstrip("/")) + trailing
    if path.startswith("/dev/") and not os.path.exists(path):
        pytest.skip(f"no {path} on this system")
    with pytest.raises(ValueError, match="names a folder|is a directory|is a device"):
        write_atomic(path, "x")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    if path.startswith("/dev/"):
        assert stat.S_ISCHR(os.stat(path).st_mode)  # the device is still a device


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        check_target("")


def test_a_full_file_system_keeps_the_old_file(small_tmpfs: Path) -> None:
    path = small_tmpfs / "run.csv"
    path.write_text(OLD)
    with pytest.raises(WriteError) as info:
        write_atomic(path, "1.0,2.0\n" * 100_000)  # 800 KB into 64 KiB
    assert str(info.value) == f"cannot write {path}: No space left on device"
    assert path.read_text() == OLD
    assert _leftovers(small_tmpfs) == []


def test_a_read_only_folder_keeps_the_old_file(small_tmpfs: Path, make_read_only) -> None:
    # Root ignores permission bits, so the file system itself is made read-only.
    path = small_tmpfs / "scene.toml"
    path.write_text(OLD)
    make_read_only()
    with pytest.raises(WriteError) as info:
        write_atomic(path, "new")
    assert str(info.value) == f"cannot write {path}: Read-only file system"
    assert path.read_text() == OLD
    assert _leftovers(small_tmpfs) == []


# ----------------------------------------------------------------------------- reading


def test_a_regular_file_is_read(old_file: Path) -> None:
    assert read_regular(old_file, 1000) == OLD.encode()


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    with pytest.raises(ReadError, match="is a FIFO"):
        read_regular(fifo, 1000)


def test_a_link_to_an_endless_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(ReadError, match="is a device, not a regular file"):
        read_regular(link, 1000)


def test_a_file_over_the_cap_is_refused_naming_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as file:
        file.truncate(3 * 2**20)  # sparse: no disk used
    with pytest.raises(ReadError, match="too large for a CSV file \\(at most 2 MiB\\)"):
        read_regular(big, 2 * 2**20, "CSV file")


def test_errors_of_the_system_are_reasons(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read_regular(tmp_path / "absent", 10)
    with pytest.raises(ReadError, match="cannot be read \\(File name too long\\)"):
        read_regular(tmp_path / ("n" * 400), 10)
    with pytest.raises(ReadError, match="is a directory"):
        read_regular(tmp_path, 10)
