"""The main window: views, controls, menus and shortcuts, wired to the controller."""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.colormaps import load_colormap
from gradviz.core.problems import DataFitProblem, Problem
from gradviz.qt.control_panel import ControlPanel
from gradviz.qt.controller import MAX_RUNS, AppController, RunState
from gradviz.qt.fit_view import FitView
from gradviz.qt.frame import RunFrame
from gradviz.qt.loss_view import LossView
from gradviz.qt.run_list import RunList
from gradviz.qt.surface_view import SurfaceView

SPEED_DECADES = 3  # the speed slider spans 1 to 10**3 updates per second
MESSAGE_MS = 9000


class MainWindow(QMainWindow):
    """gradviz's window. It owns the views and the controller and connects them."""

    def __init__(self, controller: AppController | None = None) -> None:
        super().__init__()
        self.setWindowTitle("gradviz — how optimizers fit models")
        self.controller = controller or AppController(self)
        self.surface_view = SurfaceView()
        self.fit_view = FitView()
        self.loss_view = LossView()
        self.control_panel = ControlPanel()
        self.run_list = RunList()
        self._build_layout()
        self._build_actions()
        self._connect()
        self.controller.start()

    # -- layout --------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.message_bar = QLabel()
        self.message_bar.setWordWrap(True)
        self.message_bar.setStyleSheet(
            "background:#7a1f1f; color:white; padding:6px 10px; font-size:13pt; border-radius:4px;"
        )
        self.message_bar.hide()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.setInterval(MESSAGE_MS)
        self._message_timer.timeout.connect(self.message_bar.hide)

        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.fit_view)
        side.addWidget(self.loss_view)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.surface_view)
        main.addWidget(side)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.message_bar)
        layout.addWidget(main, 1)
        self.setCentralWidget(central)

        panel = QWidget()
        panel_layout = QVBoxLayout(panel)
        runs_title = QLabel(f"Runs (up to {MAX_RUNS}; tick to show)")
        runs_title.setStyleSheet("font-weight:bold;")
        panel_layout.addWidget(runs_title)
        panel_layout.addWidget(self.run_list)
        panel_layout.addWidget(self.control_panel)
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        self.controls_dock = QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controls")
        self.controls_dock.setWidget(scroll)
        self.controls_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.controls_dock)

        self.status = QLabel()
        self.status.setStyleSheet("font-size:12pt; padding: 2px 6px;")
        self.statusBar().addWidget(self.status, 1)
        self.busy = QLabel("computing the loss surface…")
        self.busy.hide()
        self.statusBar().addPermanentWidget(self.busy)

    def _action(self, text: str, shortcuts: list[str], slot, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip or text)
        action.setToolTip(f"{tip or text} ({' or '.join(shortcuts)})" if shortcuts else tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the toolbar hidden
        return action

    def _build_actions(self) -> None:
        c = self.controller
        self.play_action = self._action("Play", ["Space"], c.toggle_play, "play or pause all runs")
        self.step_action = self._action("Step", ["Right"], lambda: c.step(1), "one update")
        self.reset_action = self._action("Reset", ["R", "Home"], c.reset,
                                         "every run back to its start")
        self.end_action = self._action("Run to end", ["End"], c.run_to_end,
                                       "compute every run to its last update")
        self.open_action = self._action("Open CSV data…", ["Ctrl+O"], self.open_csv,
                                        "fit the model to a CSV file of (x, y)")
        self.quit_action = self._action("Quit", ["Ctrl+Q"], self.close)
        self.add_action = self._action("Add run", ["Ctrl+N"], c.add_run)
        self.duplicate_action = self._action("Duplicate run", ["Ctrl+D"], c.duplicate_run)
        self.remove_action = self._action("Remove run", ["Del"], lambda: c.remove_run())
        self.reset_view_action = self._action("Reset view", ["Ctrl+0"], self.reset_view,
                                              "back to the problem's own window")
        self.controls_action = self.controls_dock.toggleViewAction()
        self.controls_action.setText("Show controls")
        self.controls_action.setShortcut(QKeySequence("H"))

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addActions([self.open_action, self.quit_action])
        run_menu = menus.addMenu("&Run")
        run_menu.addActions([self.play_action, self.step_action, self.reset_action,
                             self.end_action])
        run_menu.addSeparator()
        run_menu.addActions([self.add_action, self.duplicate_action, self.remove_action])
        view_menu = menus.addMenu("&View")
        view_menu.addActions([self.reset_view_action, self.controls_action])

        toolbar = QToolBar("Playback")
        toolbar.setObjectName("playback")
        toolbar.setMovable(False)
        toolbar.setStyleSheet("QToolButton { font-size: 12pt; padding: 4px 10px; }")
        toolbar.addActions([self.play_action, self.step_action, self.reset_action,
                            self.end_action])
        toolbar.addSeparator()
        toolbar.addWidget(QLabel("  Speed "))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, SPEED_DECADES * 100)
        self.speed_slider.setFixedWidth(200)
        self.speed_slider.setToolTip("updates per second, 1 to 1000")
        self.speed_slider.valueChanged.connect(self._speed_changed)
        toolbar.addWidget(self.speed_slider)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(110)
        toolbar.addWidget(self.speed_label)
        self.instant = QCheckBox("instant")
        self.instant.setToolTip("as fast as the computer can")
        self.instant.toggled.connect(self._speed_changed)
        toolbar.addWidget(self.instant)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.speed_slider.setValue(130)  # 20 updates per second

    def _connect(self) -> None:
        c, panel = self.controller, self.control_panel
        c.problemChanged.connect(self._show_problem)
        c.surfaceChanged.connect(self._show_surface)
        c.surfaceBusy.connect(self.busy.setVisible)
        c.runsChanged.connect(self._show_runs)
        c.frameReady.connect(self._show_frame)
        c.fitReady.connect(self.fit_view.set_curves)
        c.batchShown.connect(self.fit_view.set_batch)
        c.playingChanged.connect(
            lambda playing: self.play_action.setText("Pause" if playing else "Play")
        )
        c.message.connect(self.show_message)
        self.surface_view.startRequested.connect(c.set_start)
        self.surface_view.windowChanged.connect(c.set_window)
        panel.problemRequested.connect(self._problem_requested)
        panel.openCsvRequested.connect(self.open_csv)
        panel.settingsEdited.connect(c.edit_selected)
        panel.startEdited.connect(c.set_start)
        panel.colormapChanged.connect(self._colormap_changed)
        panel.logColourChanged.connect(c.set_log_scale)
        panel.logLossChanged.connect(self.loss_view.set_log_scale)
        panel.resetViewRequested.connect(self.reset_view)
        panel.message.connect(self.show_message)
        self.run_list.selectionRequested.connect(c.select_run)
        self.run_list.visibilityRequested.connect(c.set_visible)
        self.run_list.addRequested.connect(c.add_run)
        self.run_list.duplicateRequested.connect(c.duplicate_run)
        self.run_list.removeRequested.connect(lambda: c.remove_run())
        self._colormap_changed("udl")

    # -- controller -> views -----------------------------------------------------------------
    def _show_problem(self, problem: Problem) -> None:
        c = self.controller
        self.surface_view.set_axes(problem.axes)
        self.surface_view.show_window(c.window)
        if isinstance(problem, DataFitProblem):
            y = problem.dataset.y
            pad = 0.1 * (y.max() - y.min()) or 1.0
            y_range = (-1.0, 1.0) if c.spec.model == "gabor" and c.spec.data is None else (
                float(y.min() - pad), float(y.max() + pad))
            if c.spec.model == "linear" and c.spec.data is None:
                y_range = (0.0, 2.0)
            self.fit_view.set_data(problem.dataset.x, y, c.fit_range(), y_range)
        else:
            self.fit_view.set_data(None, None, (0, 1), (0, 1))
        self.control_panel.show_problem(c.spec, problem)

    def _show_surface(self, result) -> None:  # type: ignore[no-untyped-def]
        s = result.surface
        self.surface_view.set_surface(
            s.phi0, s.phi1, s.values, result.contours, result.minimum, self.controller.log_scale
        )

    def _show_runs(self, runs: list[RunState]) -> None:
        c = self.controller
        n = c.problem.n_points
        self.run_list.set_runs(
            [(r.run_id, r.label(n), r.colour, r.visible) for r in runs],
            c.selected_id, len(runs) < MAX_RUNS,
        )
        selected = c.selected
        if selected is not None:
            self.control_panel.show_run(selected.settings)
            assert selected.settings.start is not None
            self.surface_view.set_start(selected.settings.start, selected.colour)

    def _show_frame(self, frames: list[RunFrame]) -> None:
        self.surface_view.set_runs(frames)
        self.loss_view.set_runs(frames)
        selected = next((f for f in frames if f.selected), None)
        self.status.setText(self._status_text(selected))

    def _status_text(self, frame: RunFrame | None) -> str:
        if frame is None or frame.index < 0:
            return "ready"
        run = self.controller.selected
        phi = frame.current_phi
        assert phi is not None
        parts = [
            f"<b>{frame.name}</b>",
            f"update {frame.index}",
            f"epoch {int(frame.epoch[frame.index])}",
            f"φ = ({phi[0]:.4f}, {phi[1]:.4f})",
            f"loss {frame.current_loss:.4f}",
        ]
        if run is not None and frame.index < len(run.record):
            lr = float(run.record.lr[frame.index])
            if math.isfinite(lr):
                parts.append(f"α = {lr:.4g}")
        if frame.badge:
            parts.append(f"<span style='color:#ff6b6b'>{frame.badge}</span>")
        return "  ·  ".join(parts)

    def show_message(self, text: str) -> None:
        """Show a notice or an error above the plots for a few seconds."""
        self.message_bar.setText(text)
        self.message_bar.show()
        self._message_timer.start()
        self.statusBar().showMessage(text, MESSAGE_MS)

    # -- views -> controller -------------------------------------------------------------------
    def _problem_requested(self, spec) -> None:  # type: ignore[no-untyped-def]
        if not self.controller.set_problem(spec):
            c = self.controller
            self.control_panel.show_problem(c.spec, c.problem)

    def open_csv(self) -> None:
        """Ask for a CSV file of (x, y) and fit the current model to it."""
        c = self.controller
        if not isinstance(c.problem, DataFitProblem):
            self.show_message("This model is an analytic surface: choose linear or gabor "
                              "to fit data from a file.")
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open CSV data", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self._problem_requested(replace(c.spec, data=path))

    def reset_view(self) -> None:
        """Show the problem's own window again."""
        self.controller.reset_window()
        self.surface_view.show_window(self.controller.window)

    def _colormap_changed(self, name: str) -> None:
        self.surface_view.set_colormap(load_colormap(name), name)

    def _speed_changed(self, *_: object) -> None:
        instant = self.instant.isChecked()
        self.speed_slider.setEnabled(not instant)
        speed = 10 ** (self.speed_slider.value() / 100)
        speed = float(f"{speed:.2g}")
        self.speed_label.setText(" as fast as possible" if instant else f" {speed:g} updates/s")
        self.controller.set_speed(0.0 if instant else speed)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Stop the workers and wait for their threads before closing."""
        self.controller.shutdown()
        super().closeEvent(event)
