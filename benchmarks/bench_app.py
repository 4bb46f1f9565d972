"""Figures for the desktop app, measured offscreen: frame rate, start-up time, memory.

Run ``python benchmarks/bench_app.py``. It prints figures and asserts nothing:

- frames per second of the whole window while 8 runs animate with 10,000- to
  12,000-point paths (the redraw cap is lifted to see the real ceiling), at
  1280 x 800 and full screen at 1920 x 1080 in presentation mode, with the UI
  thread's CPU time per frame beside it: the machine is shared and wall-clock
  rates drift with its load;
- seconds from process start to the first painted frame (in a fresh process);
- peak resident memory of the process after the frame-rate benchmark;
- run to end of 8 runs of 12,000 updates at once (the compositions of
  ``bench_engine.py``: one of each optimizer, gradient descent from 8 starts,
  Adam at 8 learning rates, SGD at 8 seeds, momentum at 8 betas): the seconds
  it takes, how often the window repaints meanwhile, the longest wait of a
  10-ms timer on the UI thread (the event loop's answer time) and the UI
  thread's CPU time. ``--to-end`` measures this alone, ``--rounds N`` times.

The offscreen screen is 1920 x 1080. The script measures whichever gradviz
is first on ``PYTHONPATH``: to compare two versions, run it once with each.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time

import json
import tempfile
from pathlib import Path

SCREEN = (1920, 1080)


def _offscreen_platform() -> str:
    """The offscreen platform with a screen of :data:`SCREEN` (Qt's own is 800 x 800)."""
    config = Path(tempfile.mkdtemp()) / "screen.json"
    width, height = SCREEN
    config.write_text(json.dumps({"screens": [{
        "name": "bench", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"


if "QT_QPA_PLATFORM" not in os.environ:
    os.environ["QT_QPA_PLATFORM"] = _offscreen_platform()

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


def _eight_runs(kind: str) -> list[object]:
    """The settings of 8 runs of :data:`RUN_STEPS` updates, of one of
    :data:`TO_END` (``bench_engine.py``'s compositions)."""
    import bench_engine

    return bench_engine.batches_of_eight(RUN_STEPS)[TO_END[kind]][1]


TO_END = {
    "mixed": "8 optimizers, one of each (defaults)",
    "gd": "GD, 8 starts",
    "adam": "Adam, 8 learning rates, full batch",
    "sgd": "SGD B=5, 8 seeds",
    "momentum": "momentum B=5, 8 betas",
}
"""The runs run to the end, by a short name: ``bench_engine.batches_of_eight``'s."""


def shown_window(width: int = 1280, height: int = 800):  # type: ignore[no-untyped-def]
    """The application and a shown window of ``width`` x ``height`` whose first
    surface has arrived, with settings of its own (never the user's)."""
    from gradviz.qt.app import make_application

    app = make_application()
    exec(PRIVATE_SETTINGS)
    from gradviz.qt.main_window import MainWindow

    window = MainWindow()
    window.resize(width, height)
    window.show()
    while window.controller.surface is None:
        app.processEvents()
    return app, window


def _window_with_eight_runs(kind: str = "mixed"):  # type: ignore[no-untyped-def]
    """The application and a 1280 x 800 window holding :func:`_eight_runs`."""
    app, window = shown_window()
    c = window.controller
    first, *others = _eight_runs(kind)
    c.edit_selected(first)
    for settings in others:
        c.add_run(settings)
    return app, window


def _animate(app, c) -> None:  # type: ignore[no-untyped-def]
    """Play the last 2,000 updates back at 300 updates/s (the worker recomputes
    the first 10,000 silently), so that every frame redraws 8 growing paths of
    10,000 to 12,000 points, the fits and the loss curves."""
    c.set_frame_interval(16)
    c.scrub(SHOWN_FROM)
    c.set_speed(SPEED)
    c.play()
    while min(len(r.record) for r in c.runs) < SHOWN_FROM + 10:
        app.processEvents()
    c.set_frame_interval(0)


def frame_rates(seconds: float = 5.4):  # type: ignore[no-untyped-def]
    """For the window at 1280 x 800 and full screen in presentation mode: frames per
    second and UI-thread CPU per frame with 8 runs animating, in three stretches,
    and the updates per second the runs made; with the runs' lengths."""
    from PySide6.QtWidgets import QApplication

    app, window = _window_with_eight_runs()
    c = window.controller
    c.run_to_end()
    while not all(r.record.finished for r in c.runs):
        app.processEvents()
    lengths = [len(r.record) for r in c.runs]

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

    def measure() -> tuple[list[tuple[float, float]], float]:
        _animate(app, c)
        frames_for(1.0)  # warm-up: caches filled, the first frames' one-off work done
        # Three stretches, so that a moment of load from the machine's other users
        # shows as a spread rather than as the figure.
        rows, start = min(len(r.record) for r in c.runs), time.perf_counter()
        rates = [frames_for(seconds / 3) for _ in range(3)]
        # The frames only count if the runs kept their pace: a starved worker would
        # make every frame cheaper.
        pace = (min(len(r.record) for r in c.runs) - rows) / (time.perf_counter() - start)
        return rates, pace

    figures = {"1280 x 800": measure()}
    window.toggle_presentation()
    shown = time.perf_counter()
    while time.perf_counter() - shown < 1.0:  # full screen, the text rescaled
        app.processEvents()
    size = window.size()
    figures[f"{size.width()} x {size.height()} presenting"] = measure()
    window.close()
    return figures, lengths


def run_to_end_responsiveness(kind: str) -> tuple[float, float, float, float]:
    """Run :func:`_eight_runs` to the end at once; how often the landscape is
    repainted meanwhile, the longest wait of a 10-ms timer (the event loop's
    answer time) and the UI thread's CPU time: seconds taken, paints per second,
    longest gap in ms, UI-thread seconds."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    app, window = _window_with_eight_runs(kind)
    c = window.controller
    c.reset()
    while not all(len(r.record) for r in c.runs):  # the start points are in
        app.processEvents()
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
    # The event loop waits for events as the app's does: a loop spinning on
    # processEvents would take the GIL from the worker over and over.
    loop = QEventLoop()
    c.playingChanged.connect(lambda playing: playing or loop.quit())
    start, cpu = time.perf_counter(), time.thread_time()
    c.run_to_end()
    loop.exec()
    took, ui_cpu = time.perf_counter() - start, time.thread_time() - cpu
    timer.stop()
    window.close()
    gaps = [b - a for a, b in zip([start, *ticks], [*ticks, time.perf_counter()])]
    return took, len(paints) / took, max(gaps) * 1000, ui_cpu


def to_end_figures(rounds: int) -> None:
    """Print :func:`run_to_end_responsiveness` for each of :data:`TO_END`, the
    compositions in turn in each of ``rounds`` rounds, so that the machine's
    load falls on all alike."""
    figures: dict[str, list[tuple[float, float, float, float]]] = {kind: [] for kind in TO_END}
    for _ in range(rounds):
        for kind in TO_END:
            figures[kind].append(run_to_end_responsiveness(kind))
    for kind, rows in figures.items():
        took = sorted(row[0] for row in rows)
        print(f"run to end of 8 x {RUN_STEPS:,} updates, {TO_END[kind]}: best {took[0]:.2f} s, "
              f"median {took[len(took) // 2]:.2f} s over {rounds} rounds   target < 0.5 s")
        print(f"  meanwhile the landscape was repainted {min(r[1] for r in rows):.0f} to "
              f"{max(r[1] for r in rows):.0f} times/s, the UI thread's 10-ms timer waited at "
              f"most {max(r[2] for r in rows):.0f} ms and the UI thread used "
              f"{min(r[3] for r in rows):.2f} to {max(r[3] for r in rows):.2f} s of CPU")


def main() -> None:
    import argparse

    import numpy
    import PySide6
    import pyqtgraph

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--to-end", action="store_true", help="measure running to the end only")
    parser.add_argument("--rounds", type=int, default=1, metavar="N",
                        help="rounds of running to the end (default 1)")
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {numpy.__version__}, "
          f"PySide6 {PySide6.__version__}, pyqtgraph {pyqtgraph.__version__}, "
          f"{os.cpu_count()} cpus, QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM'].split(':')[0]}, "
          f"screen {SCREEN[0]} x {SCREEN[1]}")
    if not args.to_end:
        inner, total = first_frame_seconds()
        print(f"launch to first painted frame: {inner:.2f} s in-process "
              f"({total:.2f} s including interpreter start)   target < 1.5 s")
        figures, lengths = frame_rates()
        for where, (rates, pace) in figures.items():
            fps = sorted(rate for rate, _ in rates)
            cpu = sorted(ms for _, ms in rates)
            print(f"frame rate, {where}, 8 runs animating with paths of {SHOWN_FROM:,} to "
                  f"{min(lengths) - 1:,} points: median {fps[1]:.1f} frames/s "
                  f"(stretches {', '.join(f'{r:.1f}' for r, _ in rates)})   target >= 60")
            print(f"  UI-thread CPU per frame: median {cpu[1]:.1f} ms "
                  f"(stretches {', '.join(f'{ms:.1f}' for _, ms in rates)})   target < 10 ms")
            print(f"  the runs kept a pace of {pace:.0f} updates/s each (asked: {SPEED})")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory of the window in that benchmark: {peak:.0f} MiB")
    to_end_figures(max(1, args.rounds))


if __name__ == "__main__":
    main()
