"""Faults in code that Qt calls from C++ (paints, slots): logged, shown once, survived.

A Python exception must never leave a method that Qt calls from its own C++
loops. PySide keeps such an exception pending while Qt goes on painting the
other items, and the next calls into Python are made with the error still set:
in the app one of them crashes in ``Shiboken::BindingManager::getOverride``
(segmentation fault). An exception in a slot is only printed to the terminal.
So every paint of a graphics item, ours and pyqtgraph's, and every slot that
takes in the workers' output catches what it raises here: the traceback goes
to the log once per distinct error, one line goes to the user once (the main
window shows :attr:`FaultReporter.fault` in its status bar), and the app goes on.
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPainter

log = logging.getLogger("gradviz")

MAX_REMEMBERED = 256
"""Distinct faults remembered (each is reported once); older ones may be reported again."""

F = TypeVar("F", bound=Callable[..., Any])


def one_line(exc: BaseException) -> str:
    """``exc`` as the one line Python's traceback ends with (``"ValueError: ..."``)."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


class FaultReporter(QObject):
    """Reports each distinct fault once: to the log with its traceback, and as :attr:`fault`.

    Thread-safe: a worker's fault reaches the UI through the (queued) signal.
    """

    fault = Signal(str)  # one line for the user

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._seen: dict[tuple[object, ...], None] = {}  # insertion-ordered, oldest first

    def report(self, where: str, exc: BaseException) -> bool:
        """Report that ``where`` (e.g. "Drawing the axis") failed with ``exc``.

        Returns whether it was reported (False for a fault already reported).
        """
        frames = traceback.extract_tb(exc.__traceback__)
        origin = (frames[-1].filename, frames[-1].lineno) if frames else None
        key = (where, type(exc), str(exc), origin)
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > MAX_REMEMBERED:
                del self._seen[next(iter(self._seen))]
        line = f"{where} failed: {one_line(exc)}"
        log.error(line, exc_info=exc)
        self.fault.emit(line)
        return True


_reporter: FaultReporter | None = None
_reporter_lock = threading.Lock()


def reporter() -> FaultReporter:
    """The app's one :class:`FaultReporter`."""
    global _reporter
    with _reporter_lock:
        if _reporter is None:
            _reporter = FaultReporter()
        return _reporter


def guarded(where: str) -> Callable[[F], F]:
    """Decorate a method (a slot) so that an exception it raises is reported, not raised.

    The method then returns ``None``.
    """
    def decorate(method: F) -> F:
        @functools.wraps(method)
        def guarded_method(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - reported; the app goes on
                reporter().report(where, exc)
                return None
        return guarded_method  # type: ignore[return-value]
    return decorate


def guard_paint(cls: type) -> None:
    """Make ``cls``'s own ``paint`` (if it has one) report an exception instead of raising it.

    The painter's state is saved before and restored after, so that a paint
    stopped half-way leaves no transform, pen or clip to the next item. A paint
    guarded already is left as it is.
    """
    paint = cls.__dict__.get("paint")
    if paint is None or getattr(paint, "_gradviz_guarded", False):
        return
    where = f"Drawing {cls.__name__}"

    @functools.wraps(paint)
    def guarded_paint(self: object, painter: QPainter, *args: Any, **kwargs: Any) -> None:
        painter.save()
        try:
            paint(self, painter, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported; the other items are drawn
            reporter().report(where, exc)
        finally:
            painter.restore()

    guarded_paint._gradviz_guarded = True  # type: ignore[attr-defined]
    cls.paint = guarded_paint  # type: ignore[attr-defined]


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def guard_pyqtgraph_paints() -> None:
    """Guard the paint of every pyqtgraph graphics item class (and its subclasses so far).

    pyqtgraph's items (axes, curves, images, scatter plots, legends, text) are
    drawn every frame, and many are made inside pyqtgraph (a PlotDataItem's curve,
    a colour bar's image): only their classes reach them all. Idempotent.
    """
    for cls in {pg.GraphicsItem, *_subclasses(pg.GraphicsItem)}:
        guard_paint(cls)
