"""A data file read off the UI thread for the Open data dialog: its columns, first rows,
row count and bad cells, the latest file asked for only."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal

from gradviz.core.table import ReadStopped, Table, read_table
from gradviz.qt.control.compute_control import ComputeControl
from gradviz.qt.guard import guarded


class PreviewControl(ComputeControl):
    """Reads the table a dialog asks for, in a thread of its own; :meth:`stop` joins it.

    ``failed`` (of the base) carries why a file cannot be read, as the reader says it.
    """

    changed = Signal(object)  # Table
    progressed = Signal(float)  # fraction of the file read

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("gradviz-data-preview", parent)

    def want(self, request: tuple[str, bool | None]) -> None:
        """Read the file ``path`` with the ``header`` choice of ``request`` (``None``: detect),
        dropping a file still being read."""
        path, header = request
        self._send(self._request(partial(_read, path, header)))

    def stop(self) -> None:
        """Drop the file being read and join the thread (the dialog is closing)."""
        self.thread.stop()

    @guarded("Showing the data preview")
    def _arrived(self, result: object) -> None:
        assert isinstance(result, Table)
        self.changed.emit(result)

    def _refused(self, text: str) -> None:
        self.failed.emit(text)

    def _progress(self, fraction: float) -> None:
        self.progressed.emit(fraction)


def _read(path: str, header: bool | None, progress: Callable[[float], None],
          should_stop: Callable[[], bool]) -> Table | None:
    try:
        return read_table(path, header, progress, should_stop)
    except ReadStopped:
        return None


__all__ = ["PreviewControl"]
