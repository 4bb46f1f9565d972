"""A long soak of the render path: what would have caught PySide6 6.12's none_dealloc abort."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gradviz.core.run import RunSettings

FRAMES = 5000


def test_5000_frames_with_three_runs_stay_alive_and_responsive(window, qtbot):
    c = window.controller
    window.resize(640, 420)
    steps = 300
    c.edit_selected(RunSettings(optimizer="sgd", steps=steps))
    c.add_run(RunSettings(optimizer="momentum", steps=steps))
    c.add_run(RunSettings(optimizer="adam", steps=steps))
    painted: list[int] = []
    c.frameReady.connect(lambda frames: painted.append(len(frames)))
    c.set_speed(100)
    c.set_frame_interval(0)
    c.play()
    restarts = 0
    for _ in range(FRAMES):
        if not c.playing:  # every run finished: start over, as a lecturer would
            restarts += 1
            c.reset()
            c.play()
        c.request_frame()
        QApplication.processEvents()  # one frame: new steps in, views updated and painted
    assert len(painted) >= FRAMES
    assert set(painted) == {3}
    assert restarts >= 1
    assert all(len(run.record) >= 1 for run in c.runs)
    assert window.surface_view.isVisible()
    # Still responsive: a zero-delay timer fires promptly through the event loop.
    fired: list[bool] = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=1000)
    c.pause()
    assert not c.playing
