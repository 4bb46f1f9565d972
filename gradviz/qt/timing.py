"""Calls spaced in time: a :class:`Debouncer` waits for a burst of calls to end, a
:class:`Throttle` lets at most one call through per interval and never loses the last.

Both read a clock (:func:`time.monotonic` unless given another: tests give a fake
one) and wake by a single-shot QTimer. A wake that comes before the clock says it
is time (a coarse timer fires up to 5 % early; a fake clock says what it likes)
waits for the rest, so the clock alone decides when the action runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

Clock = Callable[[], float]
"""Seconds on a clock that never goes back."""


def _milliseconds(seconds: float) -> int:
    """A timer's interval for ``seconds`` from now: never negative, never early."""
    return math.ceil(seconds * 1000) if seconds > 0 else 0


class _TimedAction:
    """An action, the clock that says when it is due and the single-shot timer that
    wakes :meth:`poll` to check."""

    def __init__(self, action: Callable[[], object], parent: QObject, clock: Clock) -> None:
        self._action = action
        self._clock = clock
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll)

    def poll(self) -> None:
        """Run the action if it is due (the timer calls this)."""
        raise NotImplementedError


class Debouncer(_TimedAction):
    """Calls ``action`` once ``delay_ms`` have passed since the last :meth:`trigger`:
    a burst of triggers (a zoom dragged, messages in a row) makes one call, after it.

    Parameters
    ----------
    delay_ms : float
        The quiet time that must follow the last trigger.
    action : callable
        Called with no arguments.
    parent : QObject
        Owns the timer (and so its thread).
    clock : callable, optional
        The time in seconds.
    """

    def __init__(self, delay_ms: float, action: Callable[[], object], parent: QObject,
                 clock: Clock = time.monotonic) -> None:
        super().__init__(action, parent, clock)
        self._delay_ms = delay_ms
        self._due: float | None = None

    def trigger(self) -> None:
        """(Re)start the wait: the call comes ``delay_ms`` from now unless triggered again."""
        self._due = self._clock() + self._delay_ms / 1000
        self._timer.start(_milliseconds(self._delay_ms / 1000))

    def cancel(self) -> None:
        """Drop the waiting call, if any."""
        self._due = None
        self._timer.stop()

    def poll(self) -> None:
        """Make the waiting call if its time has come (the timer calls this)."""
        if self._due is None:
            return
        left = self._due - self._clock()
        if left > 0:
            self._timer.start(_milliseconds(left))
            return
        self._due = None
        self._action()


class Throttle(_TimedAction):
    """Runs ``action`` at most once per ``interval_ms``, and never drops the last run asked for.

    :meth:`request` asks for a run. It comes at the next open slot: on the next turn
    of the event loop if ``interval_ms`` have passed since the last run, otherwise
    once they have; requests meanwhile merge into that one run. It never comes
    inside :meth:`request`, so a caller may ask in the middle of a change.

    :meth:`ready` serves a caller that acts itself and asks whether it may now;
    when it may not, ``action`` is called once the slot opens, to call the caller
    back: that call is not a run, the caller's act when it comes back is.

    Parameters
    ----------
    interval_ms : float
        The shortest time between two runs.
    action : callable
        Called with no arguments.
    parent : QObject
        Owns the timer (and so its thread).
    clock : callable, optional
        The time in seconds.
    """

    def __init__(self, interval_ms: float, action: Callable[[], object], parent: QObject,
                 clock: Clock = time.monotonic) -> None:
        super().__init__(action, parent, clock)
        self._interval_ms = interval_ms
        self._last = -math.inf
        self._pending = False  # a run asked for by request()
        self._recall = False  # a caller refused by ready() waits to be called back
        self._stopped = False

    @property
    def interval_ms(self) -> float:
        """The shortest time between two runs."""
        return self._interval_ms

    def set_interval(self, interval_ms: float) -> None:
        """Change the interval. As a QTimer's does, the new one counts from now: the next
        run comes ``interval_ms`` from now at the earliest (an hour holds every run back)."""
        self._interval_ms = interval_ms
        self._last = self._clock()
        if self._timer.isActive():
            self._timer.start(_milliseconds(self._wait()))

    def request(self) -> None:
        """Ask for a run at the next open slot (see the class); nothing once stopped."""
        if self._stopped:
            return
        self._pending = True
        self._arm()

    def ready(self, hold: bool = True) -> bool:
        """Whether a caller that acts itself may act now; if so, that counts as a run.

        Parameters
        ----------
        hold : bool
            Whether a call that comes too soon is held back: it is then refused, and
            ``action`` is called once the slot opens. False lets it through at once.
        """
        if hold and self._wait() > 0:
            if not self._stopped:
                self._recall = True
                self._arm()
            return False
        self._take_slot()
        return True

    def run_now(self) -> None:
        """Run ``action`` now, in place of the run pending if any (it counts as a run)."""
        self._take_slot()
        self._action()

    def stop(self) -> None:
        """Drop the run pending and ask for no more (for shutting down)."""
        self._stopped = True
        self._pending = self._recall = False
        self._timer.stop()

    def poll(self) -> None:
        """Make the run pending, or call back the caller refused, if the slot has
        opened (the timer calls this)."""
        if not (self._pending or self._recall):
            return
        wait = self._wait()
        if wait > 0:
            self._timer.start(_milliseconds(wait))
            return
        if self._pending:
            self._take_slot()
        else:
            self._recall = False  # the caller takes the slot when it comes back
        self._action()

    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start(_milliseconds(self._wait()))

    def _wait(self) -> float:
        """Seconds until the next slot opens (0 or less: it is open)."""
        return self._last + self._interval_ms / 1000 - self._clock()

    def _take_slot(self) -> None:
        # Taken before the action runs: a request made by the action itself
        # (a view asking for the next frame) waits for the next slot.
        self._pending = self._recall = False
        self._timer.stop()
        self._last = self._clock()
