"""One way to run a worker in a thread of its own: named, started, stopped and joined.

A worker is a plain QObject (never a QThread subclass) moved to a plain QThread;
the UI talks to it through queued signals. :class:`Worker` names the moments
a worker may want to act on, and :class:`WorkerThread` calls it at each.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Slot


class Worker(QObject):
    """A QObject that works in a thread of its own (see :class:`WorkerThread`).

    A worker overrides the hooks it needs; each does nothing otherwise. They are
    plain methods, called from this class's own slots: PySide6 runs a signal's
    slot that a subclass redefines in the wrong thread.
    """

    def start(self) -> None:
        """Called in the worker's own thread once it runs: make what must live there (timers)."""

    def stop(self) -> None:
        """Called in the worker's own thread before it quits: drop what :meth:`start` made."""

    def cancel_all(self) -> None:
        """Called from the UI thread first when stopping: give up the work queued or under way."""

    @Slot()
    def _started(self) -> None:
        self.start()

    @Slot()
    def _stopping(self) -> None:
        self.stop()

    @Slot()
    def _ping(self) -> None:
        """Nothing: a blocking call to it returns once the calls queued before it are handled."""


class WorkerThread:
    """``worker`` in a QThread named ``name`` (for debuggers and crash reports), a child
    of ``parent`` so that it is deleted with it.

    Connect the worker's signals, then :meth:`start`; :meth:`stop` before ``parent``
    goes (a window's close) joins the thread.
    """

    def __init__(self, worker: Worker, name: str, parent: QObject) -> None:
        self.worker = worker
        self._thread = QThread(parent)
        self._thread.setObjectName(name)
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker._started)

    def start(self) -> None:
        """Start the thread; the worker's :meth:`~Worker.start` runs in it first."""
        self._thread.start()

    def is_running(self) -> bool:
        """Whether the thread is up (from :meth:`start` to :meth:`stop`)."""
        return self._thread.isRunning()

    def stop(self) -> None:
        """Cancel the worker's work, let it :meth:`~Worker.stop` in its thread, and wait
        for the thread to end (a second call does nothing)."""
        if not self._thread.isRunning():
            return  # a blocking call into a thread that is not running would never return
        self.worker.cancel_all()
        self._call("_stopping")
        self._thread.quit()
        self._thread.wait()

    def settle(self) -> None:
        """Wait until the worker has handled every call sent to it so far (tests wait
        for a pause to arrive before they count what the worker sends)."""
        if self._thread.isRunning():
            self._call("_ping")

    def _call(self, slot: str) -> None:
        QMetaObject.invokeMethod(self.worker, slot, Qt.ConnectionType.BlockingQueuedConnection)


def stop_all(threads: Iterable[WorkerThread]) -> None:
    """Stop ``threads`` together: every worker cancels its work before any is waited
    for, so that none works on for nothing while another stops."""
    threads = list(threads)
    for thread in threads:
        if thread.is_running():
            thread.worker.cancel_all()
    for thread in threads:
        thread.stop()
