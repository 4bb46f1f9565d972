"""The base of what the controller computes off the UI thread, one result at a time:
a worker in a thread of its own, and request numbers so that a superseded result is dropped."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from gradviz.qt.threads.compute_worker import ComputeRequest, ComputeWorker
from gradviz.qt.threads.worker_thread import WorkerThread

Job = Callable[[Callable[[float], None], Callable[[], bool]], object]
"""``job(progress, should_stop) -> result`` (see :class:`ComputeRequest`)."""


class ComputeControl(QObject):
    """Asks its worker for one result at a time; only the latest request's answer counts.

    Subclasses call :meth:`_request` for a new computation and :meth:`_supersede`
    to drop the one in flight, and override :meth:`_arrived`, :meth:`_refused` and
    :meth:`_progress` for the latest request's answer.

    Parameters
    ----------
    name : str
        The thread's name (``gradviz-basins``).
    """

    failed = Signal(str)  # why a result could not be computed
    _compute = Signal(object)  # ComputeRequest, to the worker

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request_id = 0
        self.worker = ComputeWorker()
        self.thread = WorkerThread(self.worker, name, self)
        self._compute.connect(self.worker.compute)
        self.worker.computed.connect(self._on_computed)
        self.worker.failed.connect(self._on_failed)
        self.worker.progressed.connect(self._on_progressed)
        self.thread.start()

    def _supersede(self) -> int:
        """Make whatever is being computed stale (the worker drops it between chunks);
        the new request number."""
        self._request_id += 1
        self.worker.latest_request = self._request_id
        return self._request_id

    def _request(self, job: Job) -> ComputeRequest:
        """A request for ``job`` that supersedes the one before, not sent yet (see :meth:`_send`)."""
        return ComputeRequest(self._supersede(), job)

    def _send(self, request: ComputeRequest) -> None:
        self._compute.emit(request)

    @Slot(int, object)
    def _on_computed(self, request_id: int, result: object) -> None:
        if request_id == self._request_id:
            self._arrived(result)

    @Slot(int, str)
    def _on_failed(self, request_id: int, text: str) -> None:
        if request_id == self._request_id:
            self._refused(text)

    @Slot(int, float)
    def _on_progressed(self, request_id: int, fraction: float) -> None:
        if request_id == self._request_id:
            self._progress(fraction)

    def _arrived(self, result: object) -> None:
        """The latest request's result."""

    def _refused(self, text: str) -> None:
        """Why the latest request failed."""

    def _progress(self, fraction: float) -> None:
        """How far the latest request has come (0 to 1)."""
