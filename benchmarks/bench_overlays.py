"""Figures for the minibatch's landscape (M) and the step-size bound (E).

Run ``python benchmarks/bench_overlays.py``. It prints figures and asserts nothing:

- the core: a batch's loss on a grid (5 and 30 points, several grid sides) and its
  contours, on the Gabor and the linear model, best of many calls;
- the app, offscreen at 1280 x 800: an SGD run of batches of 5 (a new batch every
  update) playing at 300 updates/s, frames per second and UI-thread CPU per frame
  with the overlays off, with M, and with M and E, in turn and twice each (the
  machine is shared and drifts), and the time the controller spends deriving the
  overlays' numbers per frame.

The script measures whichever gradviz is first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of, machine_line  # noqa: E402

GRIDS = (64, 80, 96, 128)


def core_figures() -> None:
    """A batch's grid and contours: milliseconds per call."""
    from gradviz.core.batch_surface import BATCH_GRID, batch_contours, batch_loss_grid
    from gradviz.core.problems import make_problem

    print(f"batch surface and contours, ms per call (the app uses {BATCH_GRID} x {BATCH_GRID})")
    print(f"{'model':8} {'points':>6} {'grid':>5} {'surface':>8} {'+ contours':>11}")
    for model in ("gabor", "linear"):
        problem = make_problem(model)
        for points in (5, 30 if model == "gabor" else 12):
            batch = np.arange(points)
            for grid in GRIDS:
                phi0, phi1 = problem.window.axes((grid, grid))
                surface = best_of(lambda: batch_loss_grid(problem, batch, phi0, phi1), 40)
                contours = best_of(lambda: batch_contours(problem, batch, problem.window, grid), 20)
                print(f"{model:8} {points:6d} {grid:5d} {surface * 1e3:8.2f} {contours * 1e3:11.2f}")


def app_figures(seconds: float = 4.0) -> None:
    """Frames per second, UI CPU per frame and overlay time per frame, overlays off and on."""
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from bench_app import PRIVATE_SETTINGS
    from PySide6.QtWidgets import QApplication

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
    c.edit_selected(RunSettings("sgd", {"lr": 0.1}, batch_size=5, start=(-1.5, 6.5),
                                steps=200_000))
    spent = [0.0, 0]
    derive = c.overlay_data

    def timed(frames):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return derive(frames)
        finally:
            spent[0] += time.perf_counter() - started
            spent[1] += 1

    c.overlay_data = timed  # the window's signal calls the controller's method by name

    def stretch(overlays: tuple[str, ...]) -> tuple[float, float, float]:
        for name in ("batch", "stability"):
            c.set_overlay(name, name in overlays)
        c.set_frame_interval(0)
        c.set_speed(300)
        c.play()
        warm = time.perf_counter()
        while time.perf_counter() - warm < 0.5:
            QApplication.processEvents()
        frames, spent[:] = 0, [0.0, 0]
        start, cpu = time.perf_counter(), time.thread_time()
        while time.perf_counter() - start < seconds:
            c.request_frame()
            QApplication.processEvents()
            frames += 1
        wall = time.perf_counter() - start
        cpu_ms = (time.thread_time() - cpu) / frames * 1e3
        c.pause()
        return frames / wall, cpu_ms, spent[0] / max(spent[1], 1) * 1e3

    print("\nSGD, B = 5, on the Gabor model at 300 updates/s, window 1280 x 800")
    print(f"{'overlays':10} {'frames/s':>9} {'UI CPU ms/frame':>16} {'derive ms/frame':>16}")
    for _ in range(2):
        for overlays in ((), ("batch",), ("batch", "stability")):
            rate, cpu_ms, derive_ms = stretch(overlays)
            print(f"{'+'.join(overlays) or 'none':10} {rate:9.1f} {cpu_ms:16.2f} {derive_ms:16.3f}")
    window.close()


if __name__ == "__main__":
    print(machine_line())
    core_figures()
    app_figures()
