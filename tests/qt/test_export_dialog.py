"""The Export dialog: the exporter's ranges per format, its errors in the dialog while they
are typed (Export disabled, the text kept), what it asks the window to write, and what it
remembers for the next export."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QFileDialog

from gradviz.qt.export import exporter
from gradviz.qt.export.export_dialog import (
    ExportDialog,
    ExportRequest,
    TypedSpinBox,
    export_formats,
)


@pytest.fixture
def dialog(qtbot, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A shown Export dialog offering the 3D view, whose default folder is ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    shown = ExportDialog(offer_3d=True)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def _choose(dialog: ExportDialog, key: str) -> None:
    """Pick the format ``key`` (``landscape.png``, ``runs.csv``, ...) in the list, as a user does."""
    dialog.format.setCurrentIndex(dialog.format.findData(key))


def _type(qtbot, box: TypedSpinBox, text: str) -> None:  # type: ignore[no-untyped-def]
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, text)


def _refusal(check, *args) -> str:  # type: ignore[no-untyped-def]
    """The exporter's own message for ``check(*args)``."""
    with pytest.raises(ValueError) as refused:
        check(*args)
    return str(refused.value)


def _shows_error(dialog: ExportDialog, message: str) -> bool:
    return (not dialog.ok.isEnabled() and dialog.error.isVisibleTo(dialog)
            and dialog.error.text().casefold() == message.casefold())


# ----------------------------------------------------------------------------- ranges


def test_every_format_shows_the_exporters_limits_and_defaults(dialog):
    assert [f.suffix for f in export_formats(offer_3d=False)] == list(exporter.FORMATS)
    for choice in dialog.formats:
        _choose(dialog, choice.key)
        assert dialog.path.text().endswith(f"gradviz{choice.suffix}")
        animation = choice.suffix in exporter.ANIMATION_FORMATS
        assert dialog.frames.isEnabled() == animation
        if choice.suffix in exporter.NUMBER_FORMATS:
            assert not dialog.width_box.isEnabled() and not dialog.height_box.isEnabled()
            assert dialog.width_box.typed() is None and "no size" in dialog.size_range.text()
            assert dialog.request().size is None
        else:
            (low_w, low_h), (high_w, high_h) = exporter.size_limits(choice.suffix)
            assert (dialog.width_box.minimum(), dialog.width_box.maximum()) == (low_w, high_w)
            assert (dialog.height_box.minimum(), dialog.height_box.maximum()) == (low_h, high_h)
            assert dialog.size_range.text().startswith(
                f"{low_w} × {low_h} to {high_w} × {high_h}")
            assert dialog.size_range.text().endswith("even") == (
                choice.suffix in exporter.EVEN_SIZE_FORMATS)
            assert dialog.request().size == exporter.DEFAULT_SIZES[choice.suffix]
        assert dialog.ok.isEnabled() and not dialog.error.isVisibleTo(dialog)
    assert (dialog.frames.minimum(), dialog.frames.maximum()) == (exporter.MIN_FRAMES,
                                                                   exporter.MAX_FRAMES)
    assert dialog.frames.value() == exporter.DEFAULT_FRAMES


def test_the_3d_view_is_offered_only_where_opengl_starts(qtbot):
    assert "3D view PNG" not in [f.text for f in export_formats(offer_3d=False)]
    (in_3d,) = (f for f in export_formats(offer_3d=True) if f.view == "3d")
    assert (in_3d.text, in_3d.suffix) == ("3D view PNG", ".png")


# ----------------------------------------------------------------------------- errors


def test_an_odd_mp4_size_is_refused_in_the_dialog(dialog, qtbot):
    _choose(dialog, "landscape.mp4")
    _type(qtbot, dialog.width_box, "1921")
    assert _shows_error(dialog, _refusal(exporter.check_size, (1921, 1080), ".mp4"))
    _type(qtbot, dialog.width_box, "1920")
    assert dialog.ok.isEnabled() and not dialog.error.isVisibleTo(dialog)


def test_a_size_too_small_is_refused_and_kept_as_typed(dialog, qtbot):
    _type(qtbot, dialog.height_box, "100")
    width = exporter.DEFAULT_SIZES[".png"][0]
    assert _shows_error(dialog, _refusal(exporter.check_size, (width, 100), ".png"))
    # Leaving the field or pressing Enter neither puts the old height back nor exports.
    dialog.height_box.event(QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    qtbot.keyClick(dialog.height_box, Qt.Key.Key_Return)
    assert dialog.height_box.typed() == 100 and dialog.isVisible()
    assert not dialog.ok.isEnabled()


def test_a_size_too_large_is_kept_and_refused(dialog, qtbot):
    _choose(dialog, "landscape.gif")
    _type(qtbot, dialog.width_box, "1600")  # QSpinBox alone would refuse the last key
    assert dialog.width_box.typed() == 1600
    height = exporter.DEFAULT_SIZES[".gif"][1]
    assert _shows_error(dialog, _refusal(exporter.check_size, (1600, height), ".gif"))
    assert "1280x720 for a GIF" in dialog.error.text()


def test_an_empty_size_or_frame_count_asks_for_one(dialog, qtbot):
    _choose(dialog, "landscape.gif")
    _type(qtbot, dialog.width_box, "")
    qtbot.keyClick(dialog.width_box, Qt.Key.Key_Backspace)
    assert _shows_error(dialog, "type the width in pixels")
    _type(qtbot, dialog.width_box, "640")
    _type(qtbot, dialog.frames, "")
    qtbot.keyClick(dialog.frames, Qt.Key.Key_Backspace)
    assert _shows_error(dialog, "type the number of frames")


def test_a_frame_count_out_of_range_is_refused(dialog, qtbot):
    _choose(dialog, "landscape.gif")
    _type(qtbot, dialog.frames, "1")
    assert _shows_error(dialog, _refusal(exporter.check_frames, 1))
    _type(qtbot, dialog.frames, "30")
    assert dialog.ok.isEnabled() and "1.5 s" in dialog.frames_range.text()


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "missing/figure.png", "figure.png/"])
def test_a_file_the_exporter_cannot_write_is_refused(dialog, tmp_path, name):
    path = str(tmp_path / name) + ("/" if name.endswith("/") else "")
    dialog.path.setText(path)
    assert _shows_error(dialog, _refusal(exporter.check_output, path))


def test_mp4_without_ffmpeg_says_how_to_get_it(dialog, monkeypatch):
    monkeypatch.setattr(exporter, "find_ffmpeg", lambda: None)
    _choose(dialog, "landscape.mp4")
    assert _shows_error(dialog, exporter.MP4_NEEDS)


def test_an_existing_file_is_named_before_it_is_replaced(dialog, tmp_path):
    (tmp_path / "gradviz.csv").write_text("old")
    _choose(dialog, "runs.csv")
    assert dialog.ok.isEnabled() and "gradviz.csv exists and will be replaced" in dialog.note.text()


# ----------------------------------------------------------------------------- file and format


def test_typing_at_once_names_the_file_in_the_folder_shown(dialog, qtbot, tmp_path):
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, "lecture-3")
    assert dialog.path.text() == str(tmp_path / "lecture-3.png") and dialog.ok.isEnabled()


def test_the_format_follows_the_file_name_and_the_name_the_format(dialog, tmp_path):
    dialog.path.setText(str(tmp_path / "slides.json"))
    assert dialog.choice.key == "runs.json"
    _choose(dialog, "landscape.svg")
    assert dialog.path.text() == str(tmp_path / "slides.svg")
    dialog.path.setText(str(tmp_path / "fig.v2"))  # an ending of its own is kept
    _choose(dialog, "landscape.gif")
    assert dialog.path.text() == str(tmp_path / "fig.v2.gif")


def test_going_back_to_a_format_finds_its_size(dialog, qtbot):
    _type(qtbot, dialog.width_box, "2000")
    _choose(dialog, "landscape.gif")
    assert dialog.request().size == exporter.DEFAULT_SIZES[".gif"]
    _choose(dialog, "runs.csv")
    _choose(dialog, "landscape.png")
    assert dialog.request().size == (2000, exporter.DEFAULT_SIZES[".png"][1])


def test_browse_takes_the_file_and_the_filters_format(dialog, tmp_path, monkeypatch):
    asked = {}

    def save_name(parent, title, start, filters, chosen):  # type: ignore[no-untyped-def]
        asked.update(start=start, filters=filters.split(";;"), chosen=chosen)
        return str(tmp_path / "talk"), "3D view PNG (*.png)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    _choose(dialog, "landscape.gif")
    dialog.browse_button.click()
    assert asked["start"] == str(tmp_path / "gradviz.gif")
    assert asked["filters"] == [f.name_filter for f in dialog.formats]
    assert asked["chosen"] == "Animation GIF (*.gif)"
    assert dialog.path.text() == str(tmp_path / "talk.png")
    assert dialog.choice.view == "3d" and dialog.ok.isEnabled()


# ----------------------------------------------------------------------------- the window


def _requested(window, monkeypatch) -> list[tuple]:  # type: ignore[no-untyped-def]
    """What the window's export_to is called with from now on (nothing is written)."""
    calls: list[tuple] = []
    monkeypatch.setattr(window, "export_to", lambda *args: calls.append(args))
    return calls


def test_export_passes_the_dialogs_choices_to_export_to(window, qtbot, tmp_path, monkeypatch):
    calls = _requested(window, monkeypatch)
    window.export_action.trigger()
    dialog = window.export_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.path.setText(str(tmp_path / "talk.gif"))
    _type(qtbot, dialog.width_box, "640")
    _type(qtbot, dialog.height_box, "360")
    _type(qtbot, dialog.frames, "30")
    received = []
    dialog.exportRequested.connect(received.append)
    dialog.ok.click()
    assert calls == [(str(tmp_path / "talk.gif"), (640, 360), "landscape", 30)]
    assert isinstance(received[0], ExportRequest) and window.export_dialog is None


def test_cancel_writes_nothing_and_remembers_nothing(window, qtbot, tmp_path, monkeypatch):
    calls = _requested(window, monkeypatch)
    window.export_action.trigger()
    dialog = window.export_dialog
    dialog.path.setText(str(tmp_path / "talk.png"))
    dialog.buttons.rejected.emit()
    assert calls == [] and window.export_dialog is None
    assert not list(tmp_path.iterdir())
    assert "export" not in QSettings().childGroups()


def test_the_next_export_starts_from_the_last(window, qtbot, tmp_path, monkeypatch):
    calls = _requested(window, monkeypatch)
    folder = tmp_path / "figures"
    folder.mkdir()
    window.export_action.trigger()
    first = window.export_dialog
    first.path.setText(str(folder / "a.mp4"))
    _type(qtbot, first.width_box, "1280")
    _type(qtbot, first.height_box, "720")
    _type(qtbot, first.frames, "60")
    first.ok.click()
    window.export_action.trigger()
    again = window.export_dialog
    assert again.path.text() == str(folder / "a.mp4")
    assert again.request() == ExportRequest(str(folder / "a.mp4"), again.choice, (1280, 720), 60)
    assert again.choice.key == "landscape.mp4" and not again.note.isVisibleTo(again)
    (folder / "a.mp4").write_bytes(b"")  # as the first export would have
    again.close()
    window.export_action.trigger()
    third = window.export_dialog
    assert "a.mp4 exists and will be replaced" in third.note.text()
    qtbot.keyClick(third.path, Qt.Key.Key_Return)  # exporting again after a change
    assert calls[-1] == (str(folder / "a.mp4"), (1280, 720), "landscape", 60)


@pytest.mark.parametrize("remembered_format", ["landscape.tiff", ["landscape", "tiff"]])
def test_unreadable_remembered_choices_are_named_and_the_defaults_used(dialog, qtbot,
                                                                         remembered_format):
    settings = QSettings()
    settings.setValue("export/format", remembered_format)
    settings.setValue("export/size.gif", ["4000", "3000"])
    settings.setValue("export/frames", "many")
    settings.setValue("export/name", "../elsewhere")
    settings.sync()
    again = ExportDialog(offer_3d=False)
    qtbot.addWidget(again)
    assert again.choice.key == "landscape.png" and again.frames.value() == exporter.DEFAULT_FRAMES
    note = again.note.text()
    assert "export settings that could not be read (name, format, size.gif, frames)" in note
    assert again.path.text().endswith("gradviz.png")
    _choose(again, "landscape.gif")
    assert again.request().size == exporter.DEFAULT_SIZES[".gif"]


def test_a_3d_png_remembered_where_opengl_is_missing_falls_back_quietly(qtbot, tmp_path,
                                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    QSettings().setValue("export/format", "3d.png")
    plain = ExportDialog(offer_3d=False)
    qtbot.addWidget(plain)
    assert plain.choice.key == "landscape.png" and not plain.note.text()


def test_the_dialog_writes_what_it_shows(window, qtbot, tmp_path):
    from PIL import Image

    window.export_action.trigger()
    dialog = window.export_dialog
    dialog.path.setText(str(tmp_path / "slide.png"))
    _type(qtbot, dialog.width_box, "800")
    _type(qtbot, dialog.height_box, "450")
    dialog.ok.click()
    with Image.open(tmp_path / "slide.png") as image:
        assert image.size == (800, 450)
