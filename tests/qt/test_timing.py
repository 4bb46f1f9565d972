"""The debouncer and the throttle, on a fake clock: the test says what time it is and
wakes them itself (as their timer would), so no test waits for real time to pass.

Times are multiples of 1/128 s, which binary floating point holds exactly: a run
due at 125 ms comes at 125 ms, not a rounding error later."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject

from gradviz.qt.timing import Debouncer, Throttle


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 128.0

    def __call__(self) -> float:
        return self.now

    def advance(self, milliseconds: float) -> None:
        self.now += milliseconds / 1000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def owner(qapp):  # type: ignore[no-untyped-def]
    """The timers' parent, deleted after the test (and its timers with it)."""
    parent = QObject()
    yield parent
    parent.deleteLater()


@pytest.fixture
def calls() -> list[float]:
    return []


# -- Debouncer -------------------------------------------------------------------------------
def test_a_burst_of_triggers_makes_one_call_after_the_last(owner, clock, calls):
    debouncer = Debouncer(250, lambda: calls.append(clock()), owner, clock)
    for _ in range(5):
        debouncer.trigger()
        clock.advance(125)  # each trigger comes before the one before it was due
        debouncer.poll()
    assert calls == []
    clock.advance(117.1875)
    debouncer.poll()  # a wake a little early: quiet for less than 250 ms yet
    assert calls == []
    clock.advance(7.8125)
    debouncer.poll()
    assert calls == [clock()]
    clock.advance(1000)
    debouncer.poll()
    assert len(calls) == 1  # one call per burst


def test_a_cancelled_debounce_makes_no_call(owner, clock, calls):
    debouncer = Debouncer(250, lambda: calls.append(clock()), owner, clock)
    debouncer.poll()  # nothing triggered: nothing to do
    debouncer.trigger()
    debouncer.cancel()
    clock.advance(500)
    debouncer.poll()
    assert calls == []
    debouncer.trigger()  # usable again afterwards
    clock.advance(250)
    debouncer.poll()
    assert len(calls) == 1


def test_the_debouncers_timer_makes_the_call(qtbot, owner, calls):
    debouncer = Debouncer(1, lambda: calls.append(0.0), owner)
    debouncer.trigger()
    qtbot.waitUntil(lambda: calls == [0.0], timeout=2000)


# -- Throttle: runs asked for --------------------------------------------------------------
def test_a_request_runs_at_the_next_turn_never_inside_the_request(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    throttle.request()
    assert calls == []  # a caller may ask in the middle of a change
    throttle.poll()
    assert calls == [clock()]


def test_requests_within_an_interval_merge_into_one_run_at_its_end(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    throttle.request()
    throttle.poll()
    first = clock()
    for _ in range(3):
        clock.advance(31.25)
        throttle.request()
        throttle.poll()
    assert calls == [first]
    clock.advance(31.25)
    throttle.poll()
    assert calls == [first, first + 0.125]  # the last request is not lost
    throttle.poll()
    assert len(calls) == 2  # and it is made once


def test_a_run_that_asks_for_the_next_gets_it_a_whole_interval_later(owner, clock, calls):
    def run() -> None:
        calls.append(clock())
        throttle.request()  # a view asking for the next frame as it draws this one

    throttle = Throttle(125, run, owner, clock)
    throttle.request()
    throttle.poll()
    clock.advance(93.75)
    throttle.poll()
    assert len(calls) == 1
    clock.advance(31.25)
    throttle.poll()
    assert calls == [calls[0], calls[0] + 0.125]


def test_run_now_runs_at_once_in_place_of_the_pending_run(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    throttle.request()
    throttle.run_now()
    assert calls == [clock()]
    clock.advance(500)
    throttle.poll()
    assert len(calls) == 1  # the request was served by the run made now


def test_a_new_interval_counts_from_now(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    throttle.set_interval(3_600_000)  # an hour: never, in practice
    assert throttle.interval_ms == 3_600_000
    throttle.request()
    clock.advance(60_000)
    throttle.poll()
    assert calls == []  # held back although nothing ever ran
    throttle.set_interval(125)
    throttle.poll()
    assert calls == []
    clock.advance(125)
    throttle.poll()
    assert calls == [clock()]


def test_a_stopped_throttle_takes_no_more_requests(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    throttle.request()
    throttle.stop()
    throttle.request()
    clock.advance(500)
    throttle.poll()
    assert calls == []
    throttle.run_now()  # a run asked for in so many words is still made
    assert len(calls) == 1


def test_the_throttles_timer_makes_the_run(qtbot, owner, calls):
    throttle = Throttle(16, lambda: calls.append(0.0), owner)
    throttle.request()
    qtbot.waitUntil(lambda: calls == [0.0], timeout=2000)


# -- Throttle: callers that act themselves ----------------------------------------------------
def test_a_caller_refused_is_called_back_once_when_the_slot_opens(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    assert throttle.ready()
    clock.advance(31.25)
    assert not throttle.ready()
    clock.advance(31.25)
    assert not throttle.ready()
    throttle.poll()
    assert calls == []
    clock.advance(62.5)
    throttle.poll()
    assert len(calls) == 1  # once, for both refusals: come back now
    assert throttle.ready()  # the call back is not a run: the caller that comes back acts
    clock.advance(500)
    throttle.poll()
    assert len(calls) == 1


def test_a_caller_that_comes_back_by_itself_needs_no_call_back(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    assert throttle.ready()
    clock.advance(31.25)
    assert not throttle.ready()
    clock.advance(93.75)
    assert throttle.ready()  # before the timer woke
    throttle.poll()
    assert calls == []


def test_a_caller_not_held_is_let_through_and_counts(owner, clock, calls):
    throttle = Throttle(125, lambda: calls.append(clock()), owner, clock)
    assert throttle.ready()
    clock.advance(31.25)
    assert throttle.ready(hold=False)  # the runs are still: every frame shows its numbers
    clock.advance(93.75)
    assert not throttle.ready()  # 93.75 ms after the last act, not 125 after the first
    clock.advance(31.25)
    assert throttle.ready()
