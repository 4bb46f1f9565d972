"""File ▸ Export…: the file, its format, the size in pixels and an animation's frames, in one
dialog that says what is wrong while it is typed and enables Export only when the file can
be written.

Every check is the exporter's own (:func:`~gradviz.qt.export.exporter.check_output`,
:func:`~gradviz.qt.export.exporter.check_size`,
:func:`~gradviz.qt.export.exporter.check_frames`) and every range shown is its
(:func:`~gradviz.qt.export.exporter.size_limits`), so the dialog and ``gradviz export``
cannot disagree. The file name, folder, format, sizes and frames of the last export are
remembered (QSettings) for the next one: exporting a figure again after a change is Ctrl+E,
Enter (the dialog says that the file will be replaced), and typing names a new one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPalette, QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gradviz.qt import style
from gradviz.qt.export import exporter
from gradviz.qt.export.exporter import Size
from gradviz.qt.export.views import EXPORT_VIEWS
from gradviz.qt.widgets.buddy_label import BuddyLabel
from gradviz.qt.widgets.dialog_parts import file_row, message_line, ok_cancel

DEFAULT_STEM = "gradviz"
"""The file name the first export is offered under (then the last one's)."""
PIXELS = " px"
"""The size fields' suffix."""
SETTINGS_GROUP = "export"
"""Where the last export's choices are remembered (QSettings)."""


@dataclass(frozen=True)
class ExportFormat:
    """One choice of the dialog's format list."""

    suffix: str
    """One of :data:`~gradviz.qt.export.exporter.FORMATS`."""
    view: str | None
    """What a picture or animation shows (a name of
    :data:`~gradviz.qt.export.views.EXPORT_VIEWS`); ``None`` for the runs' numbers."""
    text: str

    @property
    def key(self) -> str:
        """How the choice is remembered: ``landscape.png``, ``3d.png``, ``runs.csv``."""
        return f"{self.view or 'runs'}{self.suffix}"

    @property
    def name_filter(self) -> str:
        """The choice as a file dialog's filter: ``Landscape PNG (*.png)``."""
        return f"{self.text} (*{self.suffix})"


def export_formats(offer_3d: bool) -> tuple[ExportFormat, ...]:
    """The formats the dialog offers, in order: one per exporter format, and a 3D view
    PNG too if ``offer_3d`` (where OpenGL starts)."""
    landscape = EXPORT_VIEWS["landscape"].text
    formats = []
    for suffix in exporter.FORMATS:
        kind = suffix[1:].upper()
        if suffix in exporter.NUMBER_FORMATS:
            formats.append(ExportFormat(suffix, None, f"Runs {kind}"))
        elif suffix in exporter.ANIMATION_FORMATS:
            formats.append(ExportFormat(suffix, "landscape", f"Animation {kind}"))
        else:
            formats.append(ExportFormat(suffix, "landscape", f"{landscape} {kind}"))
            if suffix == ".png" and offer_3d:
                formats.append(ExportFormat(suffix, "3d", f"{EXPORT_VIEWS['3d'].text} {kind}"))
    return tuple(formats)


@dataclass(frozen=True)
class ExportRequest:
    """What the dialog was accepted with, checked by the exporter's functions."""

    path: str
    format: ExportFormat
    size: Size | None
    """``None`` for the runs' numbers."""
    frames: int
    """Of an animation (the default for other formats)."""


# ----------------------------------------------------------------------------- fields


_DIGITS = re.compile(r"[0-9]{1,9}")


class TypedSpinBox(QSpinBox):
    """A spin box that keeps a whole number typed into it even outside its range.

    QSpinBox refuses the keys that go past its maximum and puts its last value back
    when the focus leaves or Enter is pressed; here the text stays as typed, so the
    dialog can say what is wrong with it (:meth:`typed`) and nothing is silently
    replaced. The arrows still step within the range.
    """

    def typed(self) -> int | None:
        """The whole number the field shows, in range or not; ``None`` if it shows none."""
        text = self.cleanText().strip()
        return int(text) if _DIGITS.fullmatch(text) else None

    def _is_out_of_range(self) -> bool:
        return self.typed() != self.value()

    def validate(self, text: str, pos: int) -> object:  # noqa: D102 - QSpinBox's
        clean = text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip()
        if _DIGITS.fullmatch(clean) and not self.minimum() <= int(clean) <= self.maximum():
            return QValidator.State.Intermediate  # kept: the dialog explains it
        return super().validate(text, pos)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        """Leave the text as typed if it is out of range (QSpinBox would put the
        last value back)."""
        if not self._is_out_of_range():
            super().focusOutEvent(event)
            return
        self.lineEdit().event(event)  # the caret stops blinking; the text stays
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter on text out of range does nothing: neither put the last value back
        nor press the dialog's button."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._is_out_of_range():
            event.accept()
            return
        super().keyPressEvent(event)


def _times(size: Size) -> str:
    return f"{size[0]} × {size[1]}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shown_path(path: Path) -> str:
    """``path`` as the file field shows it: absolute, ``~`` for the home folder."""
    home = Path.home()
    return "~" + os.sep + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)


# ----------------------------------------------------------------------------- remembered


@dataclass(frozen=True)
class _Remembered:
    folder: Path
    stem: str
    format_key: str
    sizes: dict[str, Size]
    frames: int


def _remembered(settings: QSettings, formats: tuple[ExportFormat, ...]
                ) -> tuple[_Remembered, list[str]]:
    """The choices of the last export, and the keys that could not be read (their
    defaults are used)."""
    ignored: list[str] = []

    def read(name: str) -> object:
        return settings.value(f"{SETTINGS_GROUP}/{name}")

    folder = Path.cwd()
    value = read("folder")
    if not isinstance(value, str | None):
        ignored.append("folder")
    elif value is not None and Path(value).is_dir():  # not if removed since
        folder = Path(value)
    stem = DEFAULT_STEM
    value = read("name")
    if isinstance(value, str) and value and Path(value).name == value:
        stem = value
    elif value is not None:
        ignored.append("name")
    format_key = formats[0].key
    value = read("format")
    if value in [f.key for f in formats]:
        format_key = str(value)
    elif value is not None and value not in [f.key for f in export_formats(offer_3d=True)]:
        ignored.append("format")  # not a 3D PNG of a machine without OpenGL, which is fine
    sizes = dict(exporter.DEFAULT_SIZES)
    for suffix in sizes:
        value = read(f"size{suffix}")
        if value is None:
            continue
        try:
            if not (isinstance(value, list) and len(value) == 2):
                raise ValueError(value)
            sizes[suffix] = exporter.check_size((int(value[0]), int(value[1])), suffix)
        except (TypeError, ValueError):
            ignored.append(f"size{suffix}")
    frames = exporter.DEFAULT_FRAMES
    value = read("frames")
    if value is not None:
        try:
            frames = exporter.check_frames(int(str(value)))
        except ValueError:
            ignored.append("frames")
    return _Remembered(folder, stem, format_key, sizes, frames), ignored


def _remember(settings: QSettings, request: ExportRequest) -> None:
    settings.beginGroup(SETTINGS_GROUP)
    settings.setValue("folder", str(Path(request.path).absolute().parent))
    settings.setValue("name", Path(request.path).stem)
    settings.setValue("format", request.format.key)
    if request.size is not None:
        settings.setValue(f"size{request.format.suffix}", list(request.size))
    if request.format.suffix in exporter.ANIMATION_FORMATS:
        settings.setValue("frames", request.frames)
    settings.endGroup()


# ----------------------------------------------------------------------------- dialog


class ExportDialog(QDialog):
    """The file, format, size and frames of an export; :attr:`exportRequested` on Export.

    Parameters
    ----------
    offer_3d : bool
        Whether a PNG of the 3D view is offered (where OpenGL starts).
    parent : QWidget, optional
        The window.
    """

    exportRequested = Signal(object)  # noqa: N815 - Qt's naming; an ExportRequest

    def __init__(self, offer_3d: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.formats = export_formats(offer_3d)
        remembered, ignored = _remembered(QSettings(), self.formats)
        self._sizes = dict(remembered.sizes)
        """Each format's size as last shown, so that going back to a format finds it."""

        self.path = QLineEdit()
        self.path.setMinimumWidth(self.fontMetrics().averageCharWidth() * 48)
        self.path.setToolTip("the file to write; its ending chooses the format")
        path_row, self.browse_button = file_row(self.path, "&Browse…", self.browse)

        self.format = QComboBox()
        for choice in self.formats:
            self.format.addItem(choice.text, choice.key)

        self.width_box, self.height_box = TypedSpinBox(), TypedSpinBox()
        for box, what in ((self.width_box, "width"), (self.height_box, "height")):
            box.setAccelerated(True)
            box.setToolTip(f"the {what} of the picture in pixels")
        self.size_range = QLabel()
        self.size_range.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_box)
        size_row.addWidget(self.size_range, 1)

        self.frames = TypedSpinBox()
        self.frames.setRange(exporter.MIN_FRAMES, exporter.MAX_FRAMES)
        self.frames.setValue(remembered.frames)
        self.frames.setToolTip("evenly spaced updates from the first to the last "
                               "(fewer if the runs have fewer)")
        self.frames_range = QLabel()
        self.frames_range.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        frames_row = QHBoxLayout()
        frames_row.addWidget(self.frames)
        frames_row.addWidget(self.frames_range, 1)

        form = QFormLayout()
        self._labels: dict[QWidget, QLabel] = {}
        for text, field, row in (("&File", self.path, path_row), ("F&ormat", self.format, None),
                                 ("&Size", self.width_box, size_row),
                                 ("F&rames", self.frames, frames_row)):
            label = BuddyLabel(text, field)
            self._labels[field] = label
            form.addRow(label, row if row is not None else field)

        self.error, self.note = message_line(), message_line()
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.buttons, self.ok = ok_cancel(self, "&Export")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)

        self._ignored = (f"Ignored remembered export settings that could not be read "
                         f"({', '.join(ignored)}): the defaults are shown." if ignored else "")
        self._shown_suffix: str | None = None  # whose sizes the size fields show
        self.format.setCurrentIndex(max(self.format.findData(remembered.format_key), 0))
        name = remembered.stem + self.choice.suffix
        self.path.setText(_shown_path(remembered.folder / name))
        # The name selected, as in a file dialog: typing names the file, in the same folder.
        self.path.setSelection(len(self.path.text()) - len(name), len(remembered.stem))
        self._show_format()
        self.path.textChanged.connect(self._path_edited)
        self.format.currentIndexChanged.connect(self._format_chosen)
        for box in (self.width_box, self.height_box, self.frames):
            box.lineEdit().textChanged.connect(self._check)  # QSpinBox.textChanged: in range only
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    # -- what is chosen -----------------------------------------------------------------------
    @property
    def choice(self) -> ExportFormat:
        """The format chosen."""
        return self.formats[max(self.format.currentIndex(), 0)]

    def request(self) -> ExportRequest:
        """The export the fields describe.

        Raises
        ------
        ValueError
            The exporter's own message for the file, the size or the frames.
        """
        path = os.path.expanduser(self.path.text())
        suffix = exporter.check_output(path)  # the format follows a suffix it accepts
        size = None
        if suffix not in exporter.NUMBER_FORMATS:
            width, height = self.width_box.typed(), self.height_box.typed()
            if width is None or height is None:
                raise ValueError(f"type the {'width' if width is None else 'height'} in pixels")
            size = exporter.check_size((width, height), suffix)
        frames = exporter.DEFAULT_FRAMES
        if suffix in exporter.ANIMATION_FORMATS:
            typed = self.frames.typed()
            if typed is None:
                raise ValueError("type the number of frames")
            frames = exporter.check_frames(typed)
        return ExportRequest(path, self.choice, size, frames)

    # -- the fields follow each other ---------------------------------------------------------
    def _path_edited(self, text: str) -> None:
        """The format follows the file name's ending, when it is one gradviz writes."""
        suffix = Path(text).suffix.lower()
        if suffix in exporter.FORMATS and suffix != self.choice.suffix:
            self._select(next(f for f in self.formats if f.suffix == suffix))
        else:
            self._check()

    def _select(self, choice: ExportFormat) -> None:
        """Show ``choice`` as the format, leaving the file name as it is."""
        with QSignalBlocker(self.format):
            self.format.setCurrentIndex(self.formats.index(choice))
        self._show_format()

    def _format_chosen(self) -> None:
        """The file name's ending follows the format chosen: an ending gradviz writes
        is replaced, any other kept and the format's added."""
        text, suffix = self.path.text(), self.choice.suffix
        ending = Path(text).suffix
        if text and not text.endswith(("/", os.sep)):
            stem = text[: len(text) - len(ending)] if ending.lower() in exporter.FORMATS else text
            self.path.setText(stem + suffix)
        self._show_format()

    def _show_format(self) -> None:
        """The size and frames fields, their ranges and whether they apply, for the format."""
        old, suffix = self._shown_suffix, self.choice.suffix
        if old in self._sizes:  # a picture's or an animation's, in its range
            self._sizes[old] = (self.width_box.value(), self.height_box.value())
        pictures = suffix not in exporter.NUMBER_FORMATS
        self._shown_suffix = suffix if pictures else None
        for field in (self.width_box, self.height_box, self._labels[self.width_box]):
            field.setEnabled(pictures)
        if pictures:
            low, high = exporter.size_limits(suffix)
            for box, axis in ((self.width_box, 0), (self.height_box, 1)):
                with QSignalBlocker(box):
                    box.setSuffix(PIXELS)
                    box.setRange(low[axis], high[axis])
                    box.setValue(self._sizes[suffix][axis])
            even = ", even" if suffix in exporter.EVEN_SIZE_FORMATS else ""
            self.size_range.setText(f"{_times(low)} to {_times(high)}{even}")
        else:
            for box in (self.width_box, self.height_box):
                with QSignalBlocker(box):
                    box.setSuffix("")
                box.lineEdit().clear()  # no size to show; a picture's comes back with it
            self.size_range.setText("the runs' numbers have no size")
        animation = suffix in exporter.ANIMATION_FORMATS
        self.frames.setEnabled(animation)
        self._labels[self.frames].setEnabled(animation)
        self.frames_range.setEnabled(animation)
        self._check()

    def _check(self) -> None:
        """Say what is wrong, or what will be written; Export only when nothing is wrong."""
        animation = self.choice.suffix in exporter.ANIMATION_FORMATS
        frames = self.frames.typed()
        lasting = f" · {frames / exporter.FPS:.1f} s" if animation and frames else ""
        self.frames_range.setText(f"{exporter.MIN_FRAMES} to {exporter.MAX_FRAMES}, "
                                  f"{exporter.FPS} frames/s{lasting}")
        notes = [self._ignored] if self._ignored else []
        try:
            request = self.request()
        except ValueError as exc:
            self.error.setText(_sentence(str(exc)))
            # Read where the dialog is shown: the theme's window colour, dark or light.
            self.error.setStyleSheet(f"color: {style.error_colour(self.palette())};")
            self.error.show()
            self.ok.setEnabled(False)
        else:
            self.error.hide()
            self.ok.setEnabled(True)
            if Path(request.path).exists():
                notes.append(f"{Path(request.path).name} exists and will be replaced.")
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))

    # -- actions ------------------------------------------------------------------------------
    def browse(self) -> None:
        """Choose the file in a file dialog; its filter sets the format if the name has
        no ending of its own."""
        filters = [f.name_filter for f in self.formats]
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export to", os.path.expanduser(self.path.text()), ";;".join(filters),
            self.choice.name_filter)
        if not path:
            return
        picked = next((f for f in self.formats if f.name_filter == chosen), self.choice)
        if Path(path).suffix.lower() not in exporter.FORMATS:
            path += picked.suffix
        if Path(path).suffix.lower() == picked.suffix:  # the filter tells a 3D PNG
            self._select(picked)
        self.path.setText(_shown_path(Path(path)))  # the format follows a name of another

    def accept(self) -> None:
        """Export what the fields describe (they are checked again), or stay open."""
        try:
            request = self.request()
        except ValueError:
            self._check()
            return
        _remember(QSettings(), request)
        super().accept()
        self.exportRequested.emit(request)


__all__ = ["ExportDialog", "ExportFormat", "ExportRequest", "TypedSpinBox", "export_formats"]
