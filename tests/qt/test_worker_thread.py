"""A worker in a thread of its own: its hooks run in that thread, in order, and
stopping cancels first, lets it clean up there and joins the thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gradviz.qt.threads.worker_thread import Worker, WorkerThread, stop_all


class Recorder(Worker):
    """Notes which hook ran, and in which thread, in a list shared with the test."""

    echoed = Signal(int)

    def __init__(self, name: str, log: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.name = name
        self.log = log

    def _note(self, event: str) -> None:
        # One append is atomic: the workers' threads may share the list.
        self.log.append((self.name, event, QThread.currentThread().objectName()))

    def start(self) -> None:
        self._note("start")

    def stop(self) -> None:
        self._note("stop")

    def cancel_all(self) -> None:
        self._note("cancel")

    @Slot(int)
    def echo(self, value: int) -> None:
        self._note(f"echo {value}")
        self.echoed.emit(value)


class Sender(QObject):
    value = Signal(int)


def _thread(name: str, log: list[tuple[str, str, str]], parent: QObject) -> WorkerThread:
    return WorkerThread(Recorder(name, log), name, parent)


def test_the_worker_starts_and_stops_in_its_own_named_thread(qtbot, qapp):
    ui = QThread.currentThread().objectName()
    parent, log = QObject(), []
    thread = _thread("gradviz-test", log, parent)
    assert not thread.is_running()
    thread.start()
    qtbot.waitUntil(lambda: log == [("gradviz-test", "start", "gradviz-test")], timeout=2000)
    assert thread.is_running()
    thread.stop()
    assert not thread.is_running()
    assert log[1:] == [("gradviz-test", "cancel", ui), ("gradviz-test", "stop", "gradviz-test")]
    thread.stop()  # a second stop does nothing (and does not hang)
    assert len(log) == 3
    parent.deleteLater()


def test_settle_returns_once_the_calls_sent_before_are_handled(qtbot, qapp):
    parent, log = QObject(), []
    thread = _thread("gradviz-test", log, parent)
    sender = Sender()
    sender.value.connect(thread.worker.echo)  # queued: the worker is in its thread
    thread.start()
    for value in range(20):
        sender.value.emit(value)
    thread.settle()
    assert [event for _, event, _ in log] == ["start"] + [f"echo {v}" for v in range(20)]
    thread.stop()
    thread.settle()  # nothing to wait for once stopped
    parent.deleteLater()


def test_stop_all_cancels_every_worker_before_it_waits_for_any(qtbot, qapp):
    parent, log = QObject(), []
    threads = [_thread(name, log, parent) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    qtbot.waitUntil(lambda: len(log) == 3, timeout=2000)
    stop_all(threads)
    events = [(name, event) for name, event, _ in log[3:]]
    assert events[:3] == [("a", "cancel"), ("b", "cancel"), ("c", "cancel")]
    stops = [event for event in events[3:] if event[1] == "stop"]
    assert stops == [("a", "stop"), ("b", "stop"), ("c", "stop")]
    assert not any(thread.is_running() for thread in threads)
    parent.deleteLater()


def test_the_thread_is_a_child_of_its_parent_deleted_with_it(qtbot, qapp):
    parent = QObject()
    _thread("gradviz-test", [], parent)
    assert parent.findChild(QThread, "gradviz-test") is not None
    parent.deleteLater()
