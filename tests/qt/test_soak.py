"""A long soak of the render path: what would have caught PySide6 6.12's none_dealloc abort."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from gradviz.core.run import RunSettings

FRAMES = 5000


class _PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_5000_frames_with_three_runs_stay_alive_and_responsive(window, qtbot):
    c = window.controller
    window.resize(640, 420)
    steps = 2000
    c.edit_selected(RunSettings(optimizer="sgd", steps=steps))
    c.add_run(RunSettings(optimizer="momentum", steps=steps))
    c.add_run(RunSettings(optimizer="adam", steps=steps))
    published: list[int] = []
    c.frameReady.connect(lambda frames: published.append(len(frames)))
    # The views repaint only what changed: count the landscape's real paints,
    # and play fast enough that every frame brings new steps to draw.
    paints = _PaintCounter()
    window.surface_view.viewport().installEventFilter(paints)
    c.set_speed(1000)
    c.set_frame_interval(0)
    c.play()
    restarts = 0
    deadline = time.monotonic() + 240
    while paints.count < FRAMES and time.monotonic() < deadline:
        if not c.playing:  # every run finished: start over, as a lecturer would
            restarts += 1
            c.reset()
            c.play()
        c.request_frame()
        QApplication.processEvents()  # one frame: new steps in, views updated and painted
    assert paints.count >= FRAMES
    assert len(published) >= FRAMES
    assert set(published) == {3}
    assert restarts >= 1
    assert all(len(run.record) >= 1 for run in c.runs)
    assert window.surface_view.isVisible()
    # Still responsive: a zero-delay timer fires promptly through the event loop.
    fired: list[bool] = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=1000)
    c.pause()
    assert not c.playing
