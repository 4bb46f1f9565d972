"""The app keeps answering through long work: surfaces computed in pieces that a
newer request or a shutdown cancels, data files read off the UI thread, and
headless exports that show their progress and do not redraw a window nobody sees."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from gradviz.core.problems import ProblemSpec
from gradviz.core.scenes import builtin_scenes
from gradviz.core.space import Window
from gradviz.core.surface import loss_grid_pieces, loss_surface, loss_surface_pieces
from gradviz.qt import app
from gradviz.qt.export import exporter
from gradviz.qt.threads.workers import SurfaceRequest, SurfaceWorker

# The last two: windows where a piece of rows alone would pick other Gabor blocks
# (from its own largest |phi1|) and differ in the last bits.
CASES = [
    (ProblemSpec("gabor"), None),
    (ProblemSpec("linear", "synthetic:n=500"), Window(-3.0, 3.0, -1e6, 1e6)),
    (ProblemSpec("rosenbrock"), None),
    (ProblemSpec("gabor", "synthetic:n=2000"), Window(-30.0, 30.0, -300.0, 400.0)),
    (ProblemSpec("gabor"), Window(-60.0, 60.0, -100.0, 400.0)),
]


@pytest.mark.parametrize(("spec", "window"), CASES)
@pytest.mark.parametrize("grid", [64, (37, 101)])
def test_a_surface_in_pieces_is_the_whole_surface_bit_for_bit(spec, window, grid):
    problem = spec.build()
    whole = loss_surface(problem, window, grid)
    steps = list(loss_surface_pieces(problem, window, grid, piece_work=1))
    assert len(steps) > 2  # really computed in pieces
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(s is None for _, s in steps[:-1])
    surface = steps[-1][1]
    assert surface.values.tobytes() == whole.values.tobytes()
    assert surface.phi0.tobytes() == whole.phi0.tobytes()
    assert surface.phi1.tobytes() == whole.phi1.tobytes()
    *_, (_, grid_values) = loss_grid_pieces(problem, whole.phi0, whole.phi1, piece_work=1)
    assert grid_values.tobytes() == problem.loss_grid(whole.phi0, whole.phi1).tobytes()


def _heavy_request(request_id: int = 1) -> SurfaceRequest:
    problem = ProblemSpec("gabor", "synthetic:n=100000").build()
    return SurfaceRequest(request_id, problem, problem.window, 256, False)


def test_a_superseded_surface_stops_at_the_next_piece(qapp):
    worker = SurfaceWorker()
    request = _heavy_request()
    computed, progress = [], []
    worker.computed.connect(computed.append)

    def newer_request_arrives(request_id: int, fraction: float) -> None:
        progress.append(fraction)
        worker.latest_request = request_id + 1  # as the UI thread does on a new zoom

    worker.progressed.connect(newer_request_arrives)
    worker.compute(request)  # here, in this thread: it returns when it stops
    assert computed == []
    assert len(progress) == 1 and 0.0 < progress[0] < 0.5
    assert worker.pieces_done == 2  # the piece reported, and the one after it: no more


def test_closing_the_window_does_not_wait_for_a_long_surface(window, qtbot):
    c = window.controller
    worker = c.surface_worker
    computed = []
    worker.computed.connect(computed.append)
    c.set_problem(ProblemSpec("gabor", "synthetic:n=100000"))
    qtbot.waitUntil(lambda: "%" in window.busy.text(), timeout=30_000)
    assert window.busy.isVisible()
    text = window.busy.text()
    assert text.startswith("computing the loss surface… ") and text.endswith(" %")
    assert int(text.split()[-2]) < 50
    at_close = worker.pieces_done
    window.close()  # stops the workers and joins their threads
    assert not c.is_running()
    assert worker.pieces_done <= at_close + 1  # it stopped at its next piece
    assert computed == []


def test_a_new_zoom_drops_the_surface_being_computed(window, qtbot):
    c = window.controller
    progress: list[tuple[int, float]] = []
    c.surface_worker.progressed.connect(lambda rid, f: progress.append((rid, f)))
    c.set_problem(ProblemSpec("gabor", "synthetic:n=100000"))
    qtbot.waitUntil(lambda: "%" in window.busy.text(), timeout=30_000)
    first = c._request_id
    zoom = Window(-2.0, 2.0, 5.0, 20.0)
    with qtbot.waitSignal(c.surfaceChanged, timeout=120_000) as blocker:
        c.set_window(zoom)
        qtbot.waitUntil(lambda: c._request_id > first, timeout=5000)
        mark = len(progress)
    assert blocker.args[0].request_id == c._request_id
    assert blocker.args[0].surface.window == zoom
    # At most the piece under way when the zoom came (and one racing the mark).
    assert len([rid for rid, _ in progress[mark:] if rid == first]) <= 2
    assert any(rid == c._request_id for rid, _ in progress)
    qtbot.waitUntil(window.busy.isHidden, timeout=5000)


def _big_csv(path, rows: int) -> None:  # type: ignore[no-untyped-def]
    x = np.linspace(-15.0, 15.0, rows)
    y = np.sin(0.9 * x) * np.exp(-x * x / 32.0)
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header="x,y", comments="")


def test_a_million_row_csv_is_read_while_the_app_answers(window, qtbot, tmp_path):
    path = tmp_path / "million.csv"
    _big_csv(path, 1_000_000)
    c = window.controller
    before = (c.spec, c.problem)
    ticks = [0]
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start()
    assert c.set_problem(replace(c.spec, data=str(path)))
    # Nothing has changed yet, and the window says what it is doing.
    assert (c.spec, c.problem) == before
    assert window.busy.text() == "reading million.csv…"
    ticks_at_start = ticks[0]
    qtbot.waitUntil(lambda: c.spec.data == str(path), timeout=120_000)
    timer.stop()
    assert ticks[0] - ticks_at_start >= 5  # the event loop kept turning while it was read
    assert c.problem.n_points == 1_000_000
    assert window.busy.text().startswith("computing the loss surface…")  # then its surface


def test_a_file_being_read_is_dropped_when_another_problem_is_chosen(window, qtbot, tmp_path):
    many, few = tmp_path / "many.csv", tmp_path / "few.csv"
    _big_csv(many, 200_000)
    _big_csv(few, 10)
    c = window.controller
    shown = []
    c.problemChanged.connect(lambda problem: shown.append(problem.n_points))
    c.set_problem(replace(c.spec, data=str(many)))
    assert c.set_problem(ProblemSpec("ravine"))
    assert c.spec == ProblemSpec("ravine")
    # Files are read in turn: once the second is in, the first was read and dropped.
    c.set_problem(ProblemSpec("gabor", data=str(few)))
    qtbot.waitUntil(lambda: c.spec.data == str(few), timeout=60_000)
    assert shown == [None, 10]


def test_a_bad_file_keeps_the_old_problem_and_the_panel_shows_it(window, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    c = window.controller
    before = (c.spec, c.problem)
    with qtbot.waitSignal(c.problemRefused, timeout=5000):
        c.set_problem(replace(c.spec, data=str(bad)))
    assert (c.spec, c.problem) == before
    assert "bad.csv, line 3" in window.message_bar.text()
    assert window.busy.isHidden()
    panel = window.control_panel
    assert panel.data_combo.currentData() != str(bad)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _scene(steps: int):  # type: ignore[no-untyped-def]
    scene = next(s for s in builtin_scenes() if s.name.endswith("ravine-adam"))
    runs = tuple(replace(r, settings=replace(r.settings, steps=steps)) for r in scene.runs)
    return replace(scene, runs=runs)


def test_a_headless_export_shows_its_progress_on_a_terminal(qapp, tmp_path, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(exporter, "WAIT_WAKE_MS", 1)
    out = tmp_path / "runs.csv"
    assert app.export_scene(_scene(20_000), out)
    text = terminal.getvalue()
    shown = [part.strip() for part in text.split("\r") if part.strip()]
    assert shown and all(part.startswith("computing the runs… ") for part in shown)
    assert len(set(shown)) >= 2 and shown[-1] == "computing the runs… 100 %"
    assert text.endswith("\r") and not text.split("\r")[-2].strip()  # cleared at the end
    assert "\n" not in text  # one line, rewritten in place


def test_a_headless_export_prints_nothing_when_stderr_is_not_a_terminal(qapp, tmp_path,
                                                                         monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    assert app.export_scene(_scene(200), tmp_path / "runs.csv")
    assert stream.getvalue() == ""


def test_waiting_for_the_runs_does_not_redraw_the_window(window, qtbot):
    c = window.controller
    frames = []
    c.frameReady.connect(frames.append)
    exporter.show_scene_finished(window.controller, _scene(5000), timeout=120)
    assert all(run.record.finished for run in c.runs)
    assert len(frames) == 1  # the frame drawn once they have all finished
    assert frames[0][0].index == len(c.runs[0].record) - 1 == 5000
    assert c._frame_throttle.interval_ms == 16  # live again afterwards


def test_a_million_points_keep_the_window_answering_while_their_surface_computes(window,
                                                                                 qtbot):
    """The surface of a million Gabor points takes minutes (grid² × N evaluations): it is
    computed off the UI thread with its progress shown, and an SGD run plays meanwhile."""
    c = window.controller
    assert c.set_problem(ProblemSpec("gabor", "synthetic:n=1000000,noise=0.2,seed=3"))
    assert c.problem.n_points == 1_000_000
    computed = []
    c.surface_worker.computed.connect(computed.append)
    ticks = [0]
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start()
    c.edit_selected(replace(c.runs[0].settings, optimizer="sgd", batch_size=5, steps=2000))
    c.set_speed(1000)
    c.play()
    qtbot.waitUntil(lambda: "%" in window.busy.text() and len(c.runs[0].record) >= 200,
                    timeout=120_000)
    timer.stop()
    assert ticks[0] >= 10  # the event loop kept turning
    assert computed == []  # while the surface was still being computed
    assert window.busy.text().startswith("computing the loss surface… ")
    window.close()  # drops the surface at its next piece
    assert not c.is_running()
