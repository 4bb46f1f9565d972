"""Figures for the desktop app, measured offscreen: frame rate, start-up time, memory.

Run ``python benchmarks/bench_app.py``. It prints figures and asserts nothing:

- frames per second of the whole window at 1280 x 800 while 8 runs animate
  with 10,000- to 12,000-point paths (the redraw cap is lifted to see the real
  ceiling), with the UI thread's CPU time per frame beside it: the machine is
  shared and wall-clock rates drift with its load;
- seconds from process start to the first painted frame (in a fresh process);
- peak resident memory of the process after the frame-rate benchmark;
- while 8 runs of 12,000 updates run to the end at once: how often the window
  repaints and how long the event loop may take to answer.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The app remembers the last scene and the window's size: the figures must come
# from the default window, whatever the person running them last looked at.
PRIVATE_SETTINGS = """
import tempfile
from PySide6.QtCore import QSettings
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
"""

FIRST_FRAME_SCRIPT = r"""
import time
start = time.perf_counter()
from gradviz.qt.app import make_application
app = make_application()
""" + PRIVATE_SETTINGS + r"""
from PySide6.QtCore import QEvent, QObject
from gradviz.qt.main_window import MainWindow

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not hasattr(self, "at"):
            self.at = time.perf_counter()
            app.quit()
        return False

window = MainWindow()
window.resize(1280, 800)
spy = FirstPaint()
window.surface_view.viewport().installEventFilter(spy)
window.show()
app.exec()
print(spy.at - start)
window.close()
"""


def first_frame_seconds() -> float:
    """Time from interpreter start-up work to the first paint, in a fresh process."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_SCRIPT], capture_output=True, text=True, check=True
    )
    inner = float(out.stdout.strip().splitlines()[-1])
    total = time.perf_counter() - started
    return inner, total


RUN_STEPS = 12_000
SHOWN_FROM = 10_000
SPEED = 300


def _window_with_eight_runs():  # type: ignore[no-untyped-def]
    """The application and a 1280 x 800 window holding a run of every optimizer."""
    from gradviz.core.optimizers import OPTIMIZERS
    from gradviz.core.run import RunSettings
    from gradviz.qt.app import make_application

    app = make_application()
    exec(PRIVATE_SETTINGS)
    from gradviz.qt.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    c = window.controller
    while c.surface is None:
        app.processEvents()
    names = list(OPTIMIZERS)
    c.edit_selected(RunSettings(optimizer=names[0], steps=RUN_STEPS))
    for name in names[1:]:
        c.add_run(RunSettings(optimizer=name, steps=RUN_STEPS))
    return app, window


def frame_rate(seconds: float = 5.4) -> tuple[list[tuple[float, float]], list[int], float]:
    """Frames per second (and UI-thread CPU per frame) of the full window with 8 runs
    animating, in three stretches; the runs' lengths; the updates per second they made."""
    from PySide6.QtWidgets import QApplication

    app, window = _window_with_eight_runs()
    c = window.controller
    c.run_to_end()
    while not all(r.record.finished for r in c.runs):
        app.processEvents()
    lengths = [len(r.record) for r in c.runs]
    # Animate: play the last 2,000 updates back at 300 updates/s (the worker
    # recomputes the first 10,000 silently), so every frame redraws 8 growing
    # paths of 10,000 to 12,000 points, the fits and the loss curves.
    c.scrub(SHOWN_FROM)
    c.set_speed(SPEED)
    c.play()
    while min(len(r.record) for r in c.runs) < SHOWN_FROM + 10:
        app.processEvents()
    c.set_frame_interval(0)

    def frames_for(duration: float) -> tuple[float, float]:
        """Frames per second, and milliseconds of UI-thread CPU per frame."""
        frames = 0
        start, cpu = time.perf_counter(), time.thread_time()
        while time.perf_counter() - start < duration and c.playing:
            c.request_frame()
            QApplication.processEvents()
            frames += 1
        cpu_ms = (time.thread_time() - cpu) / max(frames, 1) * 1000
        return frames / (time.perf_counter() - start), cpu_ms

    frames_for(1.0)  # warm-up: caches filled, the first frames' one-off work done
    # Three stretches, so that a moment of load from the machine's other users
    # shows as a spread rather than as the figure.
    rows, start = min(len(r.record) for r in c.runs), time.perf_counter()
    rates = [frames_for(seconds / 3) for _ in range(3)]
    # The frames only count if the runs kept their pace: a starved worker would
    # make every frame cheaper.
    pace = (min(len(r.record) for r in c.runs) - rows) / (time.perf_counter() - start)
    window.close()
    return rates, lengths, pace


def run_to_end_responsiveness() -> tuple[float, float, float]:
    """Run 8 runs of 12,000 updates to the end at once; how often the landscape is
    repainted meanwhile, and the longest wait of a 10-ms timer (the event loop's
    answer time): seconds taken, paints per second, longest gap in ms."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    app, window = _window_with_eight_runs()
    c = window.controller
    c.reset()
    paints: list[float] = []

    class PaintSpy(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                paints.append(time.perf_counter())
            return False

    spy = PaintSpy()
    window.surface_view.viewport().installEventFilter(spy)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    start = time.perf_counter()
    c.run_to_end()
    while not all(r.record.finished for r in c.runs):
        app.processEvents()
    took = time.perf_counter() - start
    timer.stop()
    window.close()
    gaps = [b - a for a, b in zip([start, *ticks], [*ticks, time.perf_counter()])]
    return took, len(paints) / took, max(gaps) * 1000


def main() -> None:
    import numpy
    import PySide6
    import pyqtgraph

    print(f"python {platform.python_version()}, numpy {numpy.__version__}, "
          f"PySide6 {PySide6.__version__}, pyqtgraph {pyqtgraph.__version__}, "
          f"{os.cpu_count()} cpus, QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}")
    inner, total = first_frame_seconds()
    print(f"launch to first painted frame: {inner:.2f} s in-process "
          f"({total:.2f} s including interpreter start)   target < 1.5 s")
    rates, lengths, pace = frame_rate()
    fps = sorted(rate for rate, _ in rates)
    cpu = sorted(ms for _, ms in rates)
    print(f"frame rate, 1280 x 800, 8 runs animating with paths of {SHOWN_FROM:,} to "
          f"{min(lengths) - 1:,} points: median {fps[1]:.1f} frames/s "
          f"(stretches {', '.join(f'{r:.1f}' for r, _ in rates)})   target >= 60")
    print(f"  the runs kept a pace of {pace:.0f} updates/s each (asked: {SPEED})")
    print(f"  UI-thread CPU per frame: median {cpu[1]:.1f} ms, {1000 / cpu[1]:.0f} frames/s "
          f"if that thread never waited (for the worker's turn with the GIL, or the CPU)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the window in that benchmark: {peak:.0f} MiB")
    took, paint_rate, gap = run_to_end_responsiveness()
    print(f"run to end of 8 x {RUN_STEPS:,} updates: {took:.1f} s; meanwhile the landscape "
          f"was repainted {paint_rate:.0f} times/s and the event loop answered within "
          f"{gap:.0f} ms")


if __name__ == "__main__":
    main()
