"""Faults in paints, in the workers and in the controller's slots are shown once and
survived; Ctrl+C closes the app cleanly."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

import gradviz
import gradviz.qt.layers.curve_layer as curve_layer
import gradviz.qt.threads.workers as worker
from gradviz.core.engine import Engine
from gradviz.core.recording import Recording
from gradviz.core.run import Trajectory, iterate
from gradviz.qt.app import INTERRUPTED
from gradviz.qt.guard import reporter

ROOT = Path(gradviz.__file__).resolve().parents[1]


class Fault:
    """Wraps ``original`` to raise ``RuntimeError(text)`` while :attr:`on`; counts the
    calls that went through to ``original`` once it is off."""

    def __init__(self, original, text: str) -> None:  # type: ignore[no-untyped-def]
        self.original, self.text = original, text
        self.on = True
        self.passed = 0

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.on:
            raise RuntimeError(self.text)
        self.passed += 1
        return self.original(*args, **kwargs)


@pytest.fixture
def reports(qtbot):  # type: ignore[no-untyped-def]
    """Every line the fault reporter sends during the test."""
    lines: list[str] = []
    reporter().fault.connect(lines.append)
    yield lines
    reporter().fault.disconnect(lines.append)


def _child(tmp_path: Path, script: str, **popen) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    """Run ``script`` in a fresh offscreen Python with this checkout's gradviz and
    settings of its own."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)


# -- paints ------------------------------------------------------------------------------
PAINT_FAULT = """
    import sys
    from PySide6.QtCore import QTimer
    from gradviz.qt.app import make_application
    app = make_application()
    import pyqtgraph as pg
    import gradviz.qt.layers.curve_layer as curve_layer
    from gradviz.qt.main_window import MainWindow

    def fault(*args, **kwargs):
        raise RuntimeError("injected")

    if sys.argv[1] == "curve":
        curve_layer.draw_polyline = fault  # raised inside CurveLayer.paint
    else:
        pg.AxisItem.drawPicture = fault  # raised inside pyqtgraph's AxisItem.paint
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.controller.set_speed(0)
    window.controller.play()

    def check():
        window.grab()
        print("status:", window.statusBar().currentMessage(), flush=True)
        window.close()

    QTimer.singleShot(1500, check)
    sys.exit(app.exec())
"""


@pytest.mark.parametrize("where", ["curve", "axis"])
def test_a_paint_that_raises_does_not_crash_the_app(tmp_path, where):
    child = _child(tmp_path, PAINT_FAULT.replace('sys.argv[1]', repr(where)))
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err[-2000:]  # was -11: a segmentation fault
    name = "CurveLayer" if where == "curve" else "AxisItem"
    assert f"status: Drawing {name} failed: RuntimeError: injected" in out
    assert err.count("Traceback") == 1  # logged once, though drawn in every frame


def test_curve_layer_fault_is_shown_once_and_drawing_resumes(window, qtbot, reports,
                                                             monkeypatch):
    fault = Fault(curve_layer.draw_polyline, "curve fault for the test")
    monkeypatch.setattr(curve_layer, "draw_polyline", fault)
    c = window.controller
    c.step(10)
    qtbot.waitUntil(lambda: len(c.runs[0].record) > 10, timeout=5000)
    c.publish_now()
    for _ in range(3):  # each grab paints the loss curves again, and fails again
        window.grab()
    line = "Drawing CurveLayer failed: RuntimeError: curve fault for the test"
    assert reports.count(line) == 1
    assert window.statusBar().currentMessage() == line
    fault.on = False
    window.grab()
    assert fault.passed > 0  # the next paint draws the curves again
    assert reports.count(line) == 1


def test_axis_fault_is_shown_once_and_drawing_resumes(window, qtbot, reports, monkeypatch):
    fault = Fault(pg.AxisItem.drawPicture, "axis fault for the test")
    monkeypatch.setattr(pg.AxisItem, "drawPicture", fault)
    plot = window.surface_view.getPlotItem()
    low, high = plot.viewRange()[0]
    for shift in (0.5, 1.0):  # a new range draws new ticks: the axis paints again
        plot.setXRange(low + shift, high + shift, padding=0)
        window.grab()
    line = "Drawing AxisItem failed: RuntimeError: axis fault for the test"
    assert reports.count(line) == 1
    assert window.statusBar().currentMessage() == line
    fault.on = False
    plot.setXRange(low, high, padding=0)
    window.grab()
    assert fault.passed > 0
    assert reports.count(line) == 1


# -- the workers' output -------------------------------------------------------------------
FAULT_AT = 7


class _FailingEngine(Engine):
    """An engine whose runs raise where step ``FAULT_AT`` would be (an engine that
    raises is done for: its calls that would reach that step raise at once)."""

    def advance(self, updates: int):  # type: ignore[no-untyped-def]
        if self.update + updates >= FAULT_AT:
            raise FloatingPointError("injected step fault")
        return super().advance(updates)


def test_a_step_fault_fails_the_run_and_keeps_the_steps_before_it(window, qtbot,
                                                                  monkeypatch):
    monkeypatch.setattr(worker, "Engine", _FailingEngine)
    c = window.controller
    c.reset()  # a new job, stepped by the failing engine
    run = c.runs[0]
    qtbot.waitUntil(lambda: len(run.record) == 1, timeout=5000)
    c.step(20)
    qtbot.waitUntil(lambda: run.error is not None, timeout=5000)
    assert run.error == "FloatingPointError: injected step fault"
    assert run.record.finished
    expected = Trajectory.from_steps(
        run.settings, itertools.islice(iterate(c.problem, run.settings), FAULT_AT))
    assert len(run.record) == FAULT_AT  # every step made before the fault
    np.testing.assert_array_equal(run.record.phi, expected.phi)
    np.testing.assert_array_equal(run.record.loss, expected.loss)
    c.publish_now()
    qtbot.waitUntil(lambda: "failed" in window.statusBar().currentMessage(), timeout=2000)
    assert c.frames()[0].short_badge == "error"


def test_a_packing_fault_fails_the_run_without_a_gap(window, qtbot, monkeypatch):
    original = worker.run_piece

    def run_piece(*args, **kwargs):  # type: ignore[no-untyped-def]
        piece = original(*args, **kwargs)
        if 5 in piece.update:
            raise ValueError("injected packing fault")
        return piece

    monkeypatch.setattr(worker, "run_piece", run_piece)
    c = window.controller
    run = c.runs[0]
    c.step(3)
    qtbot.waitUntil(lambda: len(run.record) == 4, timeout=5000)
    c.step(5)  # updates 4 to 8 cannot be packed
    qtbot.waitUntil(lambda: run.error is not None, timeout=5000)
    assert "injected packing fault" in run.error
    c.step(3)
    c.step(3)
    qtbot.waitUntil(lambda: c.run_worker.delivered == c.run_worker._sent, timeout=2000)
    QApplication.processEvents()
    np.testing.assert_array_equal(run.record.update, [0, 1, 2, 3])  # whole, and no more


def test_a_recording_fault_fails_the_run_without_a_gap(window, qtbot, monkeypatch):
    c = window.controller
    run = c.runs[0]
    c.step(3)
    qtbot.waitUntil(lambda: len(run.record) == 4, timeout=5000)
    fault = Fault(Recording.extend, "injected recording fault")
    monkeypatch.setattr(Recording, "extend", fault)
    c.step(2)
    qtbot.waitUntil(lambda: run.error is not None, timeout=5000)
    assert "injected recording fault" in run.error
    fault.on = False
    c.step(2)  # the worker has dropped the run: nothing comes after the missing piece
    qtbot.waitUntil(lambda: c.run_worker.delivered == c.run_worker._sent, timeout=2000)
    QApplication.processEvents()
    np.testing.assert_array_equal(run.record.update, [0, 1, 2, 3])
    assert fault.passed == 0


def test_a_fault_in_a_controller_slot_is_shown_once_and_the_app_goes_on(window, qtbot,
                                                                        reports, monkeypatch):
    c = window.controller
    monkeypatch.setattr(c, "_fit_curves", Fault(c._fit_curves, "injected slot fault"))
    for _ in range(3):
        c.request_frame()
        with qtbot.waitSignal(c.timelineChanged, timeout=2000, raising=False):
            pass
        QApplication.processEvents()
    line = "Drawing the runs failed: RuntimeError: injected slot fault"
    assert reports.count(line) == 1
    assert window.statusBar().currentMessage() == line
    monkeypatch.undo()
    with qtbot.waitSignal(c.timelineChanged, timeout=2000):
        c.request_frame()


# -- Ctrl+C ----------------------------------------------------------------------------------
INTERRUPTIBLE = """
    import sys
    from PySide6.QtCore import QTimer
    from gradviz.qt import app
    app.make_application()
    QTimer.singleShot(0, lambda: print("ready", flush=True))  # once the event loop runs
    sys.exit(app.main())
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_and_sigterm_close_the_app_cleanly(tmp_path, signum):
    child = _child(tmp_path, INTERRUPTIBLE)
    try:
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signum)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 128 + signum, err  # 130 for Ctrl+C, as a shell reports it
    assert INTERRUPTED == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "QThread: Destroyed while thread is still running" not in err
    saved = (tmp_path / "gradviz" / "gradviz.conf").read_text()
    assert "geometry" in saved  # closed as by its close button: settings saved, threads joined
