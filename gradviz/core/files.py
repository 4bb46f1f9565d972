"""Files in and out: written whole or not at all, read only if regular and bounded.

Writing goes through :func:`atomic_path` (for writers that take a file name:
numpy, Pillow, Qt, ffmpeg) or :func:`atomic_open` (for a file object): the
data goes to a hidden temporary file in the target's folder, is flushed to
disk, checked, and only then renamed over the target. On any failure, a full
disk, a read-only folder or Ctrl+C, the temporary file is removed and an
existing target is left as it was. Errors are :class:`WriteError`, one line
naming the file and the cause.

Reading goes through :func:`read_regular`: only a regular file (never a FIFO,
a device or a folder, which could block or never end), opened without
blocking, and at most a given number of bytes.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from gradviz.core.parsing import shown_path

PathLike = str | os.PathLike[str]


class WriteError(OSError):
    """A file that could not be written; ``str()`` names the file and the cause.

    ``errno``, ``strerror`` (the cause) and ``filename`` are those of :class:`OSError`.
    """

    def __str__(self) -> str:
        return f"cannot write {shown_path(self.filename)}: {self.strerror}"


class ReadError(ValueError):
    """A file that cannot be read as input; the message is the reason, without the file."""


def check_target(path: PathLike) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it can name a file to write.

    Raises
    ------
    ValueError
        For an empty name, a name ending in a path separator (which names a
        folder, though :class:`~pathlib.Path` would drop the separator), or an
        existing folder, device, FIFO or socket.
    """
    text = os.fspath(path)
    if not text:
        raise ValueError("the file name is empty")
    if text.endswith(tuple(filter(None, ("/", os.sep, os.altsep)))):
        raise ValueError(f"{shown_path(text)!r} ends in {text[-1]!r}, so it names a folder, "
                         "not a file")
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return Path(text)  # not there (yet): writing will tell if it cannot be
    if not stat.S_ISREG(mode):
        # Renaming over a device or a FIFO would replace it with a file.
        what = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise ValueError(f"{shown_path(text)!r} is {what}, not a file to write")
    return Path(text)


def check_folder(path: PathLike) -> None:
    """Refuse ``path`` now, before any work for it is done, if its folder does not exist.

    Raises
    ------
    ValueError
        Naming the folder.
    """
    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise ValueError(f"the folder {str(folder)!r} does not exist")


def _write_error(exc: OSError, target: Path) -> WriteError:
    if isinstance(exc, WriteError):
        return exc
    return WriteError(exc.errno or errno.EIO, exc.strerror or str(exc), str(target))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass  # already gone, or the folder became unwritable: nothing more to do


def _reserve(target: Path) -> Path:
    """Create an empty, hidden temporary file beside ``target`` and return its path.

    It keeps the target's suffix, since Pillow and ffmpeg choose the format by it.
    """
    stem = target.stem[:100]  # the extra characters must not make the name too long
    while True:
        temp = target.with_name(f".{stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temp


def _commit(temp: Path, target: Path) -> None:
    """Flush ``temp`` to disk and rename it over ``target``."""
    info = os.stat(temp)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EIO, "the writer left no file")
    fd = os.open(temp, os.O_RDWR)  # fsync needs a writable descriptor on Windows
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))  # a rewritten file keeps its mode
    except FileNotFoundError:
        pass
    os.replace(temp, target)
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        try:
            fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass  # some file systems cannot sync a folder; the file itself is on disk
        finally:
            os.close(fd)


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``path``.

    The temporary file exists (empty) when the block starts, in ``path``'s
    folder, with ``path``'s suffix. When the block ends without an exception
    the file is synced to disk and renamed over ``path``; if the block raises
    (anything, ``KeyboardInterrupt`` included) or the commit fails, it is
    removed and ``path`` is untouched.

    Raises
    ------
    ValueError
        If ``path`` cannot name a file (see :func:`check_target`).
    WriteError
        For any :class:`OSError` of the block or the commit, naming ``path``.
    """
    target = check_target(path)
    try:
        temp = _reserve(target)
    except OSError as exc:
        raise _write_error(exc, target) from None
    try:
        yield temp
        _commit(temp, target)
    except OSError as exc:
        _remove(temp)
        raise _write_error(exc, target) from None
    except BaseException:
        _remove(temp)
        raise


@contextmanager
def atomic_open(path: PathLike, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a file to write, UTF-8 text or ``binary``, that replaces ``path`` when complete.

    Text is written as :meth:`pathlib.Path.write_text` writes it. After the
    block the file is flushed and its size on disk checked against what was
    written. Errors as for :func:`atomic_path`.
    """
    with atomic_path(path) as temp, open(temp, "wb") as raw:
        file = raw if binary else io.TextIOWrapper(raw, encoding="utf-8")
        yield file
        file.flush()
        if os.fstat(raw.fileno()).st_size != raw.tell():
            raise OSError(errno.EIO, "the file on disk is shorter than what was written")


def write_atomic(path: PathLike, data: str | bytes) -> None:
    """Write ``data`` (UTF-8 text or bytes) to ``path`` whole or not at all."""
    with atomic_open(path, binary=isinstance(data, bytes)) as file:
        file.write(data)  # type: ignore[arg-type]


_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO (named pipe)",
          stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def _size_text(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 1024} KiB"


def _check_regular(info: os.stat_result, limit: int, kind: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        what = _KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
        raise ReadError(f"is {what}, not a regular file")
    if info.st_size > limit:
        raise ReadError(f"is {info.st_size} bytes, too large for a {kind} "
                        f"(at most {_size_text(limit)})")


def read_regular(path: PathLike, limit: int, kind: str = "file") -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    The file is checked with :func:`os.stat` before it is opened, opened
    without blocking (a FIFO swapped in meanwhile cannot hang the reader) and
    checked again, and never more than ``limit + 1`` bytes are read (a file
    that grew meanwhile is refused).

    Raises
    ------
    ReadError
        Saying why (no such file, a folder, a FIFO, a device, larger than
        ``limit`` bytes for a ``kind``, a system error); the caller names the file.
    """
    try:
        _check_regular(os.stat(path), limit, kind)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as file:
            _check_regular(os.fstat(fd), limit, kind)
            data = file.read(limit + 1)
    except FileNotFoundError:
        raise ReadError("no such file") from None
    except OSError as exc:
        raise ReadError(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise ReadError(f"too large for a {kind} (at most {_size_text(limit)})")
    return data


__all__ = [
    "ReadError",
    "WriteError",
    "atomic_open",
    "atomic_path",
    "check_folder",
    "check_target",
    "read_regular",
    "write_atomic",
]
