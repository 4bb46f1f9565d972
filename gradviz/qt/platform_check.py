"""Which shared libraries Qt's X11 (xcb) platform plugin lacks, found before Qt loads it.

Without one of them Qt prints a hint that can be wrong (it names libxcb-cursor0
whatever is missing) and aborts. This module reads the plugin's ELF dynamic
section itself (running ``ldd`` would run code, and it may be missing), resolves
each needed library the way the dynamic loader would look for it, and names the
missing ones with the Debian/Ubuntu packages that provide them. It uses the
standard library only and never imports Qt.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import platform
import struct
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    **dict.fromkeys(("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
                     "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"), "libc6"),
}
"""Debian/Ubuntu package of each library Qt's xcb plugin (and the Qt libraries it
loads) needs from the system, as ``ldd`` lists them for PySide6 6.8 to 6.11."""

_DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_RPATH, _DT_RUNPATH = 1, 5, 10, 15, 29
_PT_LOAD, _PT_DYNAMIC = 1, 2
_MAX_HEADER = 1 << 20  # program headers and a dynamic section fit in far less


class MissingLibraries(RuntimeError):
    """Qt's xcb platform cannot load: the message names the libraries and the fix."""


@dataclass(frozen=True)
class ElfDynamic:
    """What the dynamic loader reads from a shared object to load what it needs."""

    machine: tuple[int, int, int]
    """ELF class, byte order and machine: a library of another kind does not load."""
    needed: tuple[str, ...]
    search: tuple[str, ...]
    """The RPATH or RUNPATH folders, ``$ORIGIN`` replaced by the object's folder."""


def _read(file, offset: int, size: int) -> bytes:  # type: ignore[no-untyped-def]
    file.seek(offset)
    data = file.read(size)
    if len(data) != size:
        raise ValueError("truncated ELF file")
    return data


def elf_machine(path: Path) -> tuple[int, int, int] | None:
    """The (class, byte order, machine) of the ELF file ``path``, or ``None`` if it is not one."""
    try:
        with open(path, "rb") as file:
            ident = file.read(20)
    except OSError:
        return None
    if len(ident) < 20 or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) \
            or ident[5] not in (1, 2):
        return None
    order = "<" if ident[5] == 1 else ">"
    return ident[4], ident[5], struct.unpack_from(order + "H", ident, 18)[0]


def read_dynamic(path: Path) -> ElfDynamic:
    """The needed libraries and search folders of the ELF shared object ``path``.

    Raises
    ------
    ValueError
        If ``path`` is not an ELF file with a dynamic section.
    OSError
        If it cannot be read.
    """
    machine = elf_machine(path)
    if machine is None:
        raise ValueError(f"{path} is not an ELF file")
    wide, order = machine[0] == 2, "<" if machine[1] == 1 else ">"
    with open(path, "rb") as file:
        if wide:
            phoff, = struct.unpack(order + "Q", _read(file, 32, 8))
            phentsize, phnum = struct.unpack(order + "HH", _read(file, 54, 4))
            phdr, dyn = order + "IIQQQQQQ", order + "qQ"
        else:
            phoff, = struct.unpack(order + "I", _read(file, 28, 4))
            phentsize, phnum = struct.unpack(order + "HH", _read(file, 42, 4))
            phdr, dyn = order + "IIIIIIII", order + "iI"
        if phnum * phentsize > _MAX_HEADER or phentsize < struct.calcsize(phdr):
            raise ValueError(f"{path} has malformed program headers")
        loads, dynamic = [], None
        for index in range(phnum):
            fields = struct.unpack(phdr, _read(file, phoff + index * phentsize,
                                                struct.calcsize(phdr)))
            # Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, ...; Elf32 puts
            # flags after memsz: type, offset, vaddr, paddr, filesz, memsz, flags, align.
            kind, offset, vaddr, filesz = ((fields[0], fields[2], fields[3], fields[5]) if wide
                                           else (fields[0], fields[1], fields[2], fields[4]))
            if kind == _PT_LOAD:
                loads.append((vaddr, offset, filesz))
            elif kind == _PT_DYNAMIC:
                dynamic = (offset, filesz)
        if dynamic is None or dynamic[1] > _MAX_HEADER:
            raise ValueError(f"{path} has no dynamic section")
        table = _read(file, *dynamic)
        entry = struct.calcsize(dyn)
        tags: dict[int, list[int]] = {}
        for tag, value in struct.iter_unpack(dyn, table[:len(table) // entry * entry]):
            if tag == 0:  # DT_NULL ends the table
                break
            tags.setdefault(tag, []).append(value)
        if _DT_STRTAB not in tags or _DT_STRSZ not in tags:
            raise ValueError(f"{path} has no dynamic string table")
        strtab, strsz = tags[_DT_STRTAB][0], tags[_DT_STRSZ][0]
        # The table is given as a virtual address: the loaded segment holding it says where
        # it is in the file.
        start = next((offset + strtab - vaddr for vaddr, offset, size in loads
                      if vaddr <= strtab < vaddr + size), None)
        if start is None or strsz > _MAX_HEADER:
            raise ValueError(f"{path} has a dynamic string table outside its segments")
        strings = _read(file, start, strsz)

    def string(index: int) -> str:
        end = strings.find(b"\0", index)
        if not 0 <= index < len(strings) or end < 0:
            raise ValueError(f"{path} has a name outside its string table")
        return strings[index:end].decode("utf-8", errors="replace")

    # The loader ignores RPATH when RUNPATH is present.
    paths = tags.get(_DT_RUNPATH) or tags.get(_DT_RPATH) or []
    origin = str(path.parent.absolute())
    search = tuple(folder.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)
                   for value in paths for folder in string(value).split(":") if folder)
    return ElfDynamic(machine, tuple(string(v) for v in tags.get(_DT_NEEDED, [])), search)


def _ld_so_conf(path: Path, seen: set[Path]) -> list[str]:
    """The folders listed in the loader's configuration ``path``, following ``include``."""
    if path in seen:
        return []
    seen.add(path)
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    folders: list[str] = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line.startswith("include"):
            for pattern in line.split()[1:]:
                pattern = pattern if os.path.isabs(pattern) else str(path.parent / pattern)
                for included in sorted(glob.glob(pattern)):
                    folders += _ld_so_conf(Path(included), seen)
        elif line:
            folders.append(line)
    return folders


def system_folders(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Where the dynamic loader looks for a library not on an object's own path:
    LD_LIBRARY_PATH, the folders of /etc/ld.so.conf (those ldconfig caches), and the
    default folders."""
    arch = sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu"
    folders = [f for f in environ.get("LD_LIBRARY_PATH", "").split(":") if f]
    folders += _ld_so_conf(Path("/etc/ld.so.conf"), set())
    folders += [f"/lib/{arch}", f"/usr/lib/{arch}", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]
    return [Path(f) for f in dict.fromkeys(folders)]


def missing_libraries(plugin: Path, folders: Sequence[Path] | None = None) -> list[str]:
    """The libraries ``plugin`` needs, directly or through the libraries it brings along
    (found on its own RPATH or RUNPATH, as PySide6's Qt libraries are), that are in none
    of the places the loader looks (``folders``, default :func:`system_folders`).

    The needs of a system library are left to the package that installed it. A file
    that cannot be read as ELF counts as needing nothing, so a check that cannot tell
    never stops the app.
    """
    folders = system_folders() if folders is None else folders
    missing: list[str] = []
    seen: set[Path] = set()
    todo = [plugin]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            dynamic = read_dynamic(current)
        except (OSError, ValueError):
            continue
        for name in dynamic.needed:
            own = _find(name, map(Path, dynamic.search), dynamic.machine)
            if own is not None:
                todo.append(own)
            elif _find(name, folders, dynamic.machine) is None and name not in missing:
                missing.append(name)
    return missing


def _find(name: str, folders: Iterable[Path], machine: tuple[int, int, int]) -> Path | None:
    """The first library ``name`` of the kind ``machine`` in ``folders`` (the loader
    skips one built for another machine, as 32-bit libraries in /usr/lib are)."""
    if "/" in name:
        return Path(name) if elf_machine(Path(name)) == machine else None
    for folder in folders:
        candidate = (folder / name).resolve()
        if elf_machine(candidate) == machine:
            return candidate
    return None


def install_hint(missing: Sequence[str]) -> str:
    """One line naming the ``missing`` libraries and the command that installs them."""
    line = f"Qt's X11 (xcb) platform cannot load: this system lacks {', '.join(missing)}"
    packages = dict.fromkeys(DEBIAN_PACKAGES[n] for n in missing if n in DEBIAN_PACKAGES)
    if packages:
        line += f"; on Debian or Ubuntu: sudo apt-get install {' '.join(packages)}"
    if any(n.startswith("libQt6") for n in missing):  # not a system package
        line += "; reinstall PySide6-Essentials for its Qt libraries"
    return line


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt, or ``None``."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def uses_xcb(environ: Mapping[str, str] = os.environ, system: str = sys.platform) -> bool:
    """Whether Qt will start on its xcb platform: Linux with an X display and no other
    platform asked for (nor a Wayland session, where Qt prefers Wayland)."""
    if not system.startswith("linux") or not environ.get("DISPLAY"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def check_xcb(environ: Mapping[str, str] = os.environ, plugin: Path | None = None,
              folders: Sequence[Path] | None = None) -> None:
    """Make sure Qt's xcb platform will load, where it is the one Qt will use.

    Raises
    ------
    MissingLibraries
        Naming the missing libraries and the command that installs them.
    """
    if not uses_xcb(environ):
        return
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return  # a Qt without the plugin is Qt's to report
    missing = missing_libraries(plugin, system_folders(environ) if folders is None else folders)
    if missing:
        raise MissingLibraries(install_hint(missing))
