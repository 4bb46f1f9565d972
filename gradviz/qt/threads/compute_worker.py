"""A worker that computes one thing at a time off the UI thread, dropping what is stale.

A request carries a number, as the other workers' do, and the work to do: a
callable told how to report progress and asked whether to stop. The UI raises
:attr:`ComputeWorker.latest_request` when it asks for something newer or
cancels, and the work in hand stops at its next check, so a superseded result
is never finished nor shown. The basins of attraction and the seed spreads
are computed by one each.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot

from gradviz.qt.guard import one_line
from gradviz.qt.threads.worker_thread import Worker

Work = Callable[[Callable[[float], None], Callable[[], bool]], object]
"""``work(progress, should_stop)``: the result, or ``None`` if it stopped early.
``progress`` is told the fraction done; ``should_stop`` says whether to stop."""


@dataclass(frozen=True)
class ComputeRequest:
    """Work to do, with the number that tells it from the requests before it."""

    request_id: int
    work: Work


class ComputeWorker(Worker):
    """Does the latest :class:`ComputeRequest`, dropping stale ones."""

    computed = Signal(int, object)  # request_id, the result
    failed = Signal(int, str)  # request_id, message
    progressed = Signal(int, float)  # request_id, fraction done

    def __init__(self) -> None:
        super().__init__()
        # Written by the UI thread, read here between pieces: a plain int is safe under the GIL.
        self.latest_request = 0

    def cancel_all(self) -> None:
        """Called from the UI thread before it stops this worker's thread: drop every request."""
        self.latest_request = sys.maxsize

    @Slot(object)
    def compute(self, request: ComputeRequest) -> None:
        """Do ``request`` unless a newer one was asked for (checked as it goes)."""
        number = request.request_id

        def superseded() -> bool:
            return number < self.latest_request

        if superseded():
            return
        try:
            result = request.work(lambda fraction: self.progressed.emit(number, fraction),
                                  superseded)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app goes on
            self.failed.emit(number, one_line(exc))
            return
        if result is not None and not superseded():
            self.computed.emit(number, result)
