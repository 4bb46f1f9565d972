"""Figures for the minibatch's landscape (M) and the step-size bound (E).

Run ``python benchmarks/bench_overlays.py``. It prints figures and asserts nothing:

- the core: a batch's loss on a grid (5 and 30 points, several grid sides) and its
  contours, on the Gabor and the linear model, best of many calls;
- the app, offscreen at 1280 x 800: an SGD run of batches of 5 (a new batch every
  update) playing at 10 updates/s (a lecture's pace: the scenes play at 3 to 20)
  and at 300 (a new batch almost every frame), with the window redrawn as fast as
  it can be: frames per second and UI-thread CPU per frame with the overlays off,
  with M, and with M and E, in turn and twice each (the machine is shared and
  drifts), and the time the controller spends deriving the overlays' numbers per frame.

The script measures whichever gradviz is first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of, machine_line

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
                surface = best_of(lambda p=problem, b=batch, x=phi0, y=phi1:
                                  batch_loss_grid(p, b, x, y), 40)
                contours = best_of(lambda p=problem, b=batch, g=grid:
                                   batch_contours(p, b, p.window, g), 20)
                print(f"{model:8} {points:6d} {grid:5d} {surface * 1e3:8.2f} "
                      f"{contours * 1e3:11.2f}")


def derive_alone(app, c) -> None:  # type: ignore[no-untyped-def]
    """Milliseconds per call of each overlay's derive, for a frame of a new batch
    (the contours computed) and for the same frame again (what most frames are)."""
    from gradviz.qt.overlays import OverlayInput, overlay_named

    def overlay_input(frames):  # type: ignore[no-untyped-def]  # as the controller makes it
        return OverlayInput(c.problem, tuple(frames), {r.run_id: r.settings for r in c.runs},
                            c.window)

    c.set_speed(0)  # instant: the whole run recorded
    c.run_to_end()
    while c.playing or len(c.runs[0].record) < 400:
        app.processEvents()
    for name in ("minibatch", "stability"):
        c.set_overlay(name, True)
    print("\nderive alone, ms per call (SGD B = 5 on the Gabor model, 200 updates)")
    for name in ("minibatch", "stability"):
        kind = overlay_named(name)
        given = [overlay_input(c.frames_at(update)) for update in range(100, 300)]
        new = best_of(lambda k=kind, gs=given: [k.derive(g) for g in gs], 3) / len(given)
        again = best_of(lambda k=kind, gs=given: [k.derive(gs[-1]) for _ in gs], 3) / len(given)
        print(f"{name:10} new update {new * 1e3:6.3f}   same update {again * 1e3:6.3f}")
    for name in ("minibatch", "stability"):
        c.set_overlay(name, False)


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
                                steps=400))
    derive_alone(app, c)
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

    def stretch(overlays: tuple[str, ...], speed: int) -> tuple[float, float, float]:
        for name in ("minibatch", "stability"):
            c.set_overlay(name, name in overlays)
        c.set_frame_interval(0)
        c.set_speed(speed)
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

    for speed in (10, 300):
        print(f"\nSGD, B = 5, on the Gabor model at {speed} updates/s, window 1280 x 800")
        print(f"{'overlays':16} {'frames/s':>9} {'UI CPU ms/frame':>16} {'derive ms/frame':>16}")
        for _ in range(2):
            for overlays in ((), ("minibatch",), ("minibatch", "stability")):
                rate, cpu_ms, derive_ms = stretch(overlays, speed)
                print(f"{'+'.join(overlays) or 'none':16} {rate:9.1f} {cpu_ms:16.2f} "
                      f"{derive_ms:16.3f}")
    window.close()


if __name__ == "__main__":
    print(machine_line())
    core_figures()
    app_figures()
