"""What the overlays of the gradient as a sum (D, P, F) cost per frame on the UI thread.

Run ``python benchmarks/bench_gradient_overlays.py``. It prints, for scene 1 (12 points,
gradient descent) and scene 7's SGD run (batches of 5 of 30 points), the median time of
each overlay's ``derive`` for a new frame (over 200 of them), and of the controller's
``overlay_data`` for all three on a frame drawn again (a paused run: kept numbers); then the core's part of P and F on a full batch of
100,000 synthetic Gabor points, the part that grows with the data. It asserts nothing.
Offscreen, no window shown on a screen.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = ("parts", "shares", "limit")


def _median_us(work, repeats: int = 200) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from gradviz.qt.app import make_application

    app = make_application()
    from gradviz.qt.main_window import MainWindow
    from gradviz.qt.overlays import overlay_named
    from gradviz.qt.overlays.base import LastResult

    window = MainWindow()
    c = window.controller

    def settle(count: int) -> None:
        while c.surface is None or not all(len(run.record) for run in c.runs):
            app.processEvents()
        want = [len(run.record) + count for run in c.runs]
        c.step(count)
        while [len(run.record) for run in c.runs] != want:
            app.processEvents()

    def measure(title: str) -> None:
        for name in NAMES:
            c.set_overlay(name, True)
        frames = c.frames()
        c.set_focus_point(3)
        given = _input(c, frames)
        fresh = []
        for name in NAMES:
            kind = overlay_named(name)
            module = sys.modules[kind.__module__]

            def first(kind=kind, module=module) -> None:  # type: ignore[no-untyped-def]
                module._last = LastResult()  # a new frame: nothing kept
                kind.derive(given)
            fresh.append(f"{name} {_median_us(first):6.1f}")
        again = _median_us(lambda: c.overlay_data(frames))
        print(f"{title:40s} new frame: {'  '.join(fresh)} µs; the same frame again, "
              f"all three: {again:5.1f} µs")

    window.show_scene(0)
    settle(5)
    measure("scene 1: GD, 12 points")
    window.show_scene(6)
    settle(5)
    c.select_run(next(run for run in c.runs if run.settings.batch_size == 5).run_id)
    measure("scene 7: SGD, batches of 5 of 30 points")
    window.close()
    _large()


def _large() -> None:
    """The core's part on a full batch of 100,000 points, which grows with the data."""
    import numpy as np

    from gradviz.core.contributions import point_contributions
    from gradviz.core.finite_difference import TABLE_STEPS, forward_differences
    from gradviz.core.problems import make_problem

    problem = make_problem("gabor", "synthetic:n=100000")
    phi = np.array([-1.5, 6.5])
    shares = _median_us(lambda: point_contributions(problem, phi), 20)
    limit = _median_us(lambda: (forward_differences(problem, phi, [1e-4]),
                                forward_differences(problem, phi, TABLE_STEPS)), 20)
    print(f"{'100,000 points, full batch (core alone)':44s} shares {shares:9.1f}  "
          f"limit {limit:9.1f} µs")


def _input(c, frames):  # type: ignore[no-untyped-def]
    from gradviz.qt.overlays import OverlayInput

    return OverlayInput(problem=c.problem, frames=tuple(frames),
                        settings={run.run_id: run.settings for run in c.runs}, window=c.window,
                        focus_point=c.focus_point, extra=dict(c.overlay_extra))


if __name__ == "__main__":
    main()
