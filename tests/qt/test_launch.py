"""A launch that works, or says in one line why not: the X11 libraries Qt's xcb
platform lacks (found in fake ELF files), and remembered settings that are garbage."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from gradviz import cli
from gradviz.qt import app, platform_check

X86_64 = 62
ARM = 40


def _elf(path: Path, needed: list[str], runpath: str | None = None,
         machine: int = X86_64) -> Path:
    """A minimal little-endian ELF64 shared object whose dynamic section needs ``needed``:
    an ELF header, a PT_LOAD over the whole file, a PT_DYNAMIC, the strings, the table."""
    strings = b"\0"
    offsets = []
    for name in [*needed, *([runpath] if runpath else [])]:
        offsets.append(len(strings))
        strings += name.encode() + b"\0"
    header_size, phdr_size = 64, 56
    strtab = header_size + 2 * phdr_size
    dynamic_at = strtab + len(strings)
    entries = [(1, offset) for offset in offsets[:len(needed)]]
    if runpath:
        entries.append((29, offsets[-1]))
    entries += [(5, strtab), (10, len(strings)), (0, 0)]
    dynamic = b"".join(struct.pack("<qQ", tag, value) for tag, value in entries)
    size = dynamic_at + len(dynamic)
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, machine, 1, 0, header_size, 0, 0,
                                 header_size, phdr_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 4, 0, 0, 0, size, size, 0x1000)
    dyn = struct.pack("<IIQQQQQQ", 2, 4, dynamic_at, dynamic_at, dynamic_at,
                      len(dynamic), len(dynamic), 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + load + dyn + strings + dynamic)
    return path


@pytest.fixture
def fake_qt(tmp_path):  # type: ignore[no-untyped-def]
    """A PySide6-like Qt folder whose xcb plugin needs, through its own libQt6XcbQpa,
    two libraries the fake system folder lacks, as on the Debian machine of issue 9."""
    qt = tmp_path / "Qt"
    plugin = _elf(qt / "plugins" / "platforms" / "libqxcb.so",
                  ["libQt6XcbQpa.so.6", "libxcb-cursor.so.0", "libc.so.6"],
                  runpath="$ORIGIN/../../lib")
    _elf(qt / "lib" / "libQt6XcbQpa.so.6",
         ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libc.so.6"],
         runpath="$ORIGIN")
    system = tmp_path / "system"
    for name in ("libxcb-cursor.so.0", "libc.so.6"):
        _elf(system / name, [])
    return plugin, system


def test_read_dynamic_reads_needed_libraries_and_runpath(tmp_path):
    path = _elf(tmp_path / "libx.so", ["liba.so.1", "libb.so.2"], runpath="$ORIGIN/../lib:/opt")
    dynamic = platform_check.read_dynamic(path)
    assert dynamic.needed == ("liba.so.1", "libb.so.2")
    assert dynamic.search == (f"{tmp_path}/../lib", "/opt")
    assert dynamic.machine == (2, 1, X86_64)


def test_read_dynamic_of_pyside6s_own_plugin():
    plugin = platform_check.xcb_plugin()
    if plugin is None:
        pytest.skip("this PySide6 has no xcb plugin")
    assert "libQt6XcbQpa.so.6" in platform_check.read_dynamic(plugin).needed


def test_missing_libraries_are_found_through_the_bundled_qt_library(fake_qt):
    plugin, system = fake_qt
    assert platform_check.missing_libraries(plugin, [system]) == [
        "libxcb-icccm.so.4", "libxcb-keysyms.so.1"
    ]
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        _elf(system / name, [])
    assert platform_check.missing_libraries(plugin, [system]) == []


def test_a_library_built_for_another_machine_does_not_count(fake_qt):
    plugin, system = fake_qt
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        _elf(system / name, [], machine=ARM)
    assert platform_check.missing_libraries(plugin, [system]) == [
        "libxcb-icccm.so.4", "libxcb-keysyms.so.1"
    ]


@pytest.mark.parametrize("content", [b"", b"not an ELF file", b"\x7fELF\x02\x01\x01" + bytes(9)])
def test_a_plugin_that_cannot_be_read_never_stops_the_app(tmp_path, content):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(content)
    assert platform_check.missing_libraries(plugin, []) == []


def test_the_hint_names_the_libraries_and_their_packages():
    hint = platform_check.install_hint(["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "\n" not in hint
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in hint
    assert hint.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")
    assert "cursor" not in hint  # Qt's own hint named libxcb-cursor0 whatever was missing


@pytest.mark.parametrize(("environ", "system", "xcb"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({}, "linux", False),
    ({"DISPLAY": ":0"}, "darwin", False),
])
def test_the_check_runs_only_where_qt_will_use_xcb(environ, system, xcb):
    assert platform_check.uses_xcb(environ, system) is xcb


def test_a_launch_without_the_libraries_is_one_line_and_exit_2(fake_qt, monkeypatch, capsys):
    plugin, system = fake_qt
    monkeypatch.setenv("DISPLAY", ":16")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: plugin)
    monkeypatch.setattr(platform_check, "system_folders", lambda environ: [system])

    def no_qt(*_args: object) -> None:
        raise AssertionError("Qt was started")

    monkeypatch.setattr(app, "make_application", no_qt)
    assert cli.main([]) == 2
    assert capsys.readouterr().err == (
        "gradviz: error: Qt's X11 (xcb) platform cannot load: this system lacks "
        "libxcb-icccm.so.4, libxcb-keysyms.so.1; on Debian or Ubuntu: "
        "sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n"
    )


# ----------------------------------------------------------------------------- settings


def _settings_file(folder: Path) -> Path:
    """Where QSettings keeps gradviz's settings in the tests' private folder."""
    return folder / "gradviz" / "gradviz.ini"


def _open(qtbot):  # type: ignore[no-untyped-def]
    from gradviz.qt.main_window import MainWindow

    app.make_application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: window.controller.surface is not None, timeout=10_000)
    return window


@pytest.mark.parametrize(("section", "line", "key"), [
    ("window", "geometry=hello world", "window/geometry"),
    ("window", "geometry=@ByteArray(not a geometry)", "window/geometry"),
    ("window", "geometry=@Rect(0 0 10 10)", "window/geometry"),
    ("view", "theme=dark, light", "view/theme"),
    ("view", "theme=@Size(3 4)", "view/theme"),
    ("view", "theme=sepia", "view/theme"),
    ("scene", "last=a, b", "scene/last"),
])
def test_garbage_in_the_settings_file_is_ignored_and_reported_once(
        qtbot, private_settings, section, line, key):
    path = _settings_file(private_settings)
    path.parent.mkdir(parents=True)
    path.write_text(f"[{section}]\n{line}\n")
    window = _open(qtbot)
    qtbot.waitUntil(window.message_bar.isVisible, timeout=2000)
    assert key in window.message_bar.text()
    assert window.theme.name == "dark"
    window.close()
    # The values saved on exit replace the garbage: the next launch reports nothing.
    again = _open(qtbot)
    qtbot.wait(50)  # let a report posted to the event loop arrive, were there one
    assert not again.message_bar.isVisible()
    again.close()


def test_a_symlinked_settings_file_is_replaced_by_a_regular_file(qtbot, private_settings,
                                                                 tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere") / "precious.ini"
    target.write_text("[view]\ntheme=light\n")
    path = _settings_file(private_settings)
    path.parent.mkdir(parents=True)
    path.symlink_to(target)
    window = _open(qtbot)
    assert window.theme.name == "light"  # read through the link
    window.set_theme("dark")
    window.close()
    assert target.read_text() == "[view]\ntheme=light\n"
    assert not path.is_symlink() and path.is_file()
    assert "theme=dark" in path.read_text()


def test_a_geometry_off_every_screen_opens_on_a_screen(qtbot):
    from PySide6.QtGui import QGuiApplication

    window = _open(qtbot)
    screens = QGuiApplication.screens()
    far = max(s.geometry().right() for s in screens) + 5000
    window.move(far, far)
    window.close()  # remembers where it was
    again = _open(qtbot)
    frame = again.frameGeometry()
    assert any(s.availableGeometry().intersects(frame) for s in screens)
    assert any(s.availableGeometry().contains(frame.topLeft()) for s in screens)
    again.close()
