"""The main window: views, controls, menus and shortcuts, wired to the controller."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtGui
from PySide6.QtCore import QByteArray, QEvent, QSettings, QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont, QFontMetrics, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.batching import place_in_epoch
from gradviz.core.colormaps import load_colormap
from gradviz.core.kinds import kinds_with_data
from gradviz.core.problems import Problem
from gradviz.core.scenes import Scene, SceneError, builtin_scenes, load_scene, save_scene
from gradviz.qt import style
from gradviz.qt.views.batch_panel import BatchPanel
from gradviz.qt.widgets.control_panel import ControlPanel
from gradviz.qt.control.controller import MAX_RUNS, AppController, RunState
from gradviz.qt.control.data_preview import PreviewControl
from gradviz.qt.control.fan_entry import FanEntry
from gradviz.qt.views.fit_view import FitView
from gradviz.qt.frame import RunFrame
from gradviz.qt.guard import reporter
from gradviz.qt.overlays import OVERLAYS, OverlayGroup, Place
from gradviz.qt.timing import Debouncer, Throttle
from gradviz.qt.view_options import THEME_SETTING, ViewOptions, remembered_theme
from gradviz.qt.views.fan_view import FanView
from gradviz.qt.views.loss_view import LossView
from gradviz.qt.widgets.data_dialog import FILE_FILTER, DataDialog
from gradviz.qt.widgets.edit_keys import typed_digit
from gradviz.qt.widgets.fan_dialog import FanDialog
from gradviz.qt.widgets.synthetic_dialog import SyntheticDialog
from gradviz.qt.widgets.run_list import RunList
from gradviz.qt.views.view_3d_slot import View3DSlot
from gradviz.qt.views.surface_view import SurfaceView

if TYPE_CHECKING:
    from gradviz.qt.export.export_dialog import ExportDialog, ExportRequest
    from gradviz.qt.views.surface_3d import Surface3DView

SPEED_DECADES = 3  # the speed slider spans 1 to 10**3 updates per second
SPEED_STEP = 25  # + and - move the speed slider by a quarter decade
MESSAGE_MS = 9000
PANEL_SHARE = 0.25
"""The part of its splitter a view shown later takes: the explanation panels' column
of the views' width, the plot of final losses of the side column's height."""
MAP_SHARE = 0.5
"""The part of the views' width the map keeps when the panels' column comes in: their
room is taken from the data and loss column first. On a laptop the map is what the
rule's numbers and arrows are read against; the plots beside it still read at a
quarter of the width (at 1280 x 800, 229 px to the map's 456), their titles wrapped."""
NUMBERS_HZ = 15
"""While runs play, the numbers shown (legend, status bar, timeline, batch lines) and the
loss curves change together at most this often: faster cannot be read, and the curves are long."""
FIRST_SIZE = QSize(1600, 950)
"""The window's size at a first launch, if the screen has room (a laptop's may not)."""
SCREEN_SHARE = 0.9
"""At most this share of the screen's free width and height at a first launch, so that
the window's frame and the desktop's panels fit too."""
OVERSCAN = 0.03
"""Share of the screen's width and height kept clear at each edge in presentation
mode: projectors and TVs crop up to a few per cent of the picture."""
WELCOME = ("Welcome to gradviz: Space plays and pauses, → steps, PageDown opens the next scene "
           "of the lecture, F5 presents, F1 lists every key.")
WELCOME_MS = 30_000
KEPT_MS = 20_000
"""How long the status bar says how to get an edited setup back, once a scene replaced it."""


def _font(points: float, bold: bool = False) -> QFont:
    """The app's font at ``points`` size. Fonts are set rather than style sheets,
    which would freeze a widget's colours at the theme it was styled in."""
    font = QFont()
    font.setPointSize(max(1, round(points)))
    font.setBold(bold)
    return font


def _fixed(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` decimals, without the "-0.0000" of a tiny negative."""
    return f"{round(float(value), digits) + 0.0:.{digits}f}"


EPOCH_HELP = (
    "update k: the k-th step (update 0 is the start), as the timeline counts.\n"
    "epoch e, batch b: a run of minibatches' update k belongs to the pass over the data "
    "numbered e and used its batch numbered b, both counted from 0 as on the lecture's "
    "batches-and-epochs slide and in the B panel (epoch 0 is the first pass).\n"
    "A full-batch update is a whole pass by itself (update k is epoch k − 1), so no epoch "
    "is shown for it.")
"""What the status bar's update, epoch and batch numbers mean (its tooltip)."""


def _epoch_words(frame: RunFrame) -> list[str]:
    """Where the shown update of a run of minibatches lies in its epochs: nothing for
    the start or a full-batch run (see :data:`EPOCH_HELP`)."""
    if not frame.minibatches or frame.index < 1:
        return []
    epoch, number = place_in_epoch(frame.epoch, frame.index)
    return [f"epoch {epoch}, batch {number}"]


@dataclass(frozen=True)
class ActionSpec:
    """One of the window's actions: what it says, its keys, what it does, where it shows."""

    name: str
    """The window's attribute for it is ``{name}_action``; :data:`MENUS` names it so."""
    text: str
    shortcuts: tuple[str, ...]
    slot: Callable[[MainWindow], object]
    """Called with the window when the action is triggered."""
    tip: str = ""
    checkable: bool = False
    toolbar: bool = False
    """Whether it is on the playback toolbar too."""


def _c(method: str, *args: object) -> Callable[[MainWindow], object]:
    """A slot that calls the controller's ``method(*args)``."""
    return lambda window: getattr(window.controller, method)(*args)


def _w(method: str, *args: object) -> Callable[[MainWindow], object]:
    """A slot that calls the window's ``method(*args)``."""
    return lambda window: getattr(window, method)(*args)


ACTIONS = (  # in the order the shortcut overlay (F1) lists them
    ActionSpec("play", "Play", ("Space",), _c("toggle_play"), "play or pause all runs",
               toolbar=True),
    ActionSpec("step", "Step", ("Right",), _c("step", 1), "one update", toolbar=True),
    ActionSpec("back", "Step back", ("Left",), _c("step_back", 1), "show the update before"),
    ActionSpec("reset", "Reset", ("R", "Home"), _c("reset"), "every run back to its start",
               toolbar=True),
    ActionSpec("end", "Run to end", ("End",), _c("run_to_end"),
               "compute every run to its last update", toolbar=True),
    ActionSpec("stage", "Explain step by step", ("S",), _c("step_stage", +1),
               "pause and go through the shown update part by part: gradient, momentum, step"),
    ActionSpec("stage_back", "Explain step by step, back", ("Shift+S",), _c("step_stage", -1),
               "the part of the update before"),
    ActionSpec("open", "Open data…", ("Ctrl+O",), _w("open_data"),
               "fit the model to two columns of a data file (CSV or white space), previewed"),
    ActionSpec("synthesize", "Synthetic data…", ("Ctrl+Shift+D",), _w("synthetic_data"),
               "fit the model to points drawn from it: true φ, N, x range, noise, seed"),
    ActionSpec("quit", "Quit", ("Ctrl+Q",), _w("close")),
    ActionSpec("open_scene", "Open scene…", ("Ctrl+Shift+O",), _w("open_scene"),
               "open a scene file (.toml)"),
    ActionSpec("save_scene", "Save scene…", ("Ctrl+Shift+S",), _w("save_scene"),
               "save the current setup as a scene file"),
    ActionSpec("screenshot", "Save screenshot…", ("Ctrl+S",), _w("save_screenshot"),
               "the whole window as PNG"),
    ActionSpec("export", "Export…", ("Ctrl+E",), _w("export"),
               "the landscape as PNG or SVG, an animation as GIF or MP4, the runs as CSV or JSON"),
    ActionSpec("next_scene", "Next scene", ("PgDown",), _w("go_to_scene", +1)),
    ActionSpec("previous_scene", "Previous scene", ("PgUp",), _w("go_to_scene", -1)),
    ActionSpec("back_to_kept", "Back to your edited scene", ("Ctrl+Z",), _w("back_to_kept"),
               "the setup you had changed, as it was when another scene replaced it"),
    ActionSpec("faster", "Faster", ("+", "="), _w("_nudge_speed", +1)),
    ActionSpec("slower", "Slower", ("-",), _w("_nudge_speed", -1)),
    ActionSpec("present", "Presentation mode", ("F5",), _w("toggle_presentation"),
               "full screen, large text, controls hidden"),
    ActionSpec("leave", "Leave presentation", ("Esc",), _w("leave_presentation")),
    ActionSpec("bigger", "Larger text", ("Ctrl++", "Ctrl+="), _w("scale_text", +1)),
    ActionSpec("smaller", "Smaller text", ("Ctrl+-",), _w("scale_text", -1)),
    ActionSpec("batches", "Show batches panel", ("B",), _w("_toggle_batches"),
               "epoch, update and minibatch indices as the run plays", checkable=True),
    ActionSpec("basins", "Show basins of attraction", ("A",), _w("_toggle_basins"),
               "colour every start by where the selected run's optimizer ends from it",
               checkable=True),
    ActionSpec("view_3d", "3D view", ("Z",), _w("_toggle_3d"),
               "the loss surface in 3D beside the heatmap, the runs on it; drag or "
               "Shift+arrows turn it, the wheel or Shift+PgUp/PgDn zoom", checkable=True),
    ActionSpec("theme", "Light projector theme", ("L",), _w("toggle_theme"),
               "dark text on white, for bright rooms", checkable=True),
    ActionSpec("help", "Keyboard shortcuts", ("F1", "?"), _w("toggle_help")),
    ActionSpec("add", "Add run", ("Ctrl+N",), _c("add_run")),
    ActionSpec("duplicate", "Duplicate run", ("Ctrl+D",), _c("duplicate_run")),
    ActionSpec("remove", "Remove run", ("Del",), _c("remove_run")),
    ActionSpec("fan", "Fan over…", ("Ctrl+F",), _w("fan_over"),
               "the selected run at up to 32 values of a hyperparameter, or of the seed"),
    ActionSpec("unfan", "Unfan", ("Ctrl+Shift+F",), _c("unfan_selected"),
               "turn the selected fan back into its base run"),
    ActionSpec("reset_view", "Reset view", ("Ctrl+0",), _w("reset_view"),
               "back to the problem's own window"),
    ActionSpec("controls", "Show controls", ("H",), _w("_toggle_controls"),
               "the control panel and the playback bar", checkable=True),
)
"""Every action of the window but the scenes' (see :data:`SCENE_LIST`)."""

SEPARATOR = "-"
SCENE_LIST = "scenes"
"""In :data:`MENUS`, where the built-in scenes' actions go (keys 1 to 9)."""
OVERLAY_LIST = "overlays"
"""In :data:`MENUS`, where the explanation overlays' actions go (:data:`OVERLAYS`)."""
MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("&File", ("open", "synthesize", "open_scene", "save_scene", "screenshot", "export", SEPARATOR, "quit")),
    ("&Scenes", ("next_scene", "previous_scene", "back_to_kept", SEPARATOR, SCENE_LIST)),
    ("&Run", ("play", "step", "back", "reset", "end", "stage", "stage_back", "faster", "slower",
              SEPARATOR,
              "add", "duplicate", "remove", "fan", "unfan")),
    ("&View", ("reset_view", "controls", "batches", "basins", "view_3d", SEPARATOR,
               OVERLAY_LIST, SEPARATOR, "theme", "present", "leave", "bigger", "smaller")),
    ("&Help", ("help",)),
)
"""The menu bar: each menu's title and its actions' names in order."""


def _make_room(splitter: QSplitter, widget: QWidget, share: float,
               keep: dict[QWidget, float] | None = None) -> dict[QWidget, int]:
    """Give ``widget``, just shown in ``splitter``, at least ``share`` of its length,
    taken from the others in proportion to their lengths, but none of ``keep`` below its
    share of the length: what it would give beyond that is taken from the others.
    Returns what each gave, for :func:`_give_back`."""
    sizes = splitter.sizes()
    at = splitter.indexOf(widget)
    total = sum(sizes)
    need = round(total * share) - sizes[at]
    keep = keep or {}
    spare = {i: max(0, size - round(total * keep.get(splitter.widget(i), 0.0)))
             for i, size in enumerate(sizes) if i != at}
    taken = dict.fromkeys(spare, 0.0)
    giving = [i for i in spare if spare[i] > 0]
    # Each round takes what is still needed in proportion from those that can give;
    # those it would take past their spare give all of it and are out of the next.
    while need > 0.5 and giving:
        weight = sum(sizes[i] for i in giving)
        asked = {i: need * sizes[i] / weight for i in giving}
        full = [i for i in giving if asked[i] >= spare[i] - taken[i]]
        for i in full or giving:
            given = min(asked[i], spare[i] - taken[i])
            taken[i] += given
            need -= given
        giving = [i for i in giving if i not in full] if full else []
    given = {splitter.widget(i): round(length) for i, length in taken.items() if round(length)}
    if given:
        new = [size - round(taken.get(i, 0.0)) for i, size in enumerate(sizes)]
        new[at] = total - sum(new) + sizes[at]
        splitter.setSizes(new)
    return given


def _give_back(splitter: QSplitter, widget: QWidget, given: dict[QWidget, int]) -> None:
    """Hide ``widget``, its length going back to those that ``given`` says gave it
    room, in proportion to what each gave (a splitter would share it by stretch, and
    the data and loss column would shrink each time the panels come and go)."""
    sizes = splitter.sizes()
    at = splitter.indexOf(widget)
    widget.hide()
    gave = sum(given.values())
    if gave <= 0:
        return
    sizes = [size + round(sizes[at] * given.get(splitter.widget(i), 0) / gave)
             for i, size in enumerate(sizes)]
    sizes[at] = 0
    splitter.setSizes(sizes)


class MainWindow(QMainWindow):
    """gradviz's window. It owns the views and the controller and connects them."""

    def __init__(self, controller: AppController | None = None) -> None:
        super().__init__()
        self.setWindowTitle("gradviz — how optimizers fit models")
        self.controller = controller or AppController(self)
        self.surface_view = SurfaceView()
        self.fit_view = FitView()
        self.loss_view = LossView()
        self.fan_view = FanView()
        self.fan_dialog: FanDialog | None = None
        self.data_dialog: DataDialog | None = None
        """The Open data dialog while it is open."""
        self.synthetic_dialog: SyntheticDialog | None = None
        """The Synthetic data dialog while it is open."""
        self.export_dialog: ExportDialog | None = None
        """The Export dialog while it is open."""
        self.control_panel = ControlPanel()
        self.run_list = RunList()
        self.batch_panel = BatchPanel()
        self.scenes: list[Scene] = builtin_scenes()
        # While runs play, the numbers shown change at most NUMBERS_HZ times a second;
        # a frame that came too soon for them asks for another frame once it is time,
        # so they catch up with the last update even if no update follows.
        self._numbers_throttle = Throttle(1000 / NUMBERS_HZ, self.controller.request_frame,
                                          self)
        self._build_layout()
        self._build_actions()
        self.view_3d = View3DSlot(self._views, self.view_3d_action, self._dress_3d)
        """The 3D view's place beside the heatmap (the view is made when first shown)."""
        self._connect()
        self.controller.start()
        room = self.screen().availableGeometry().size()
        self.resize(FIRST_SIZE.boundedTo(room * SCREEN_SHARE))  # the remembered size wins
        self._restore_settings()

    # -- layout --------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.message_bar = QLabel()
        self.message_bar.setWordWrap(True)
        self.message_bar.hide()
        self._message_hide = Debouncer(MESSAGE_MS, self.message_bar.hide, self)

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        # Scene text and messages (which quote file and scene names) are plain text: as
        # rich text, <img src=...> would read any file (or /dev/zero, or a FIFO, for ever).
        for label in (self.title, self.caption, self.message_bar):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.title.hide()
        self.caption.hide()
        self._room_given: dict[QWidget, dict[QWidget, int]] = {}
        """For each view shown later, what the others in its splitter gave it (see
        :meth:`_show_in_splitter`)."""
        side = self._side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.fit_view)
        side.addWidget(self.batch_panel)
        side.addWidget(self.loss_view)
        side.addWidget(self.fan_view)
        # The overlays that explain in words and numbers rather than on a plot: a
        # column of their own at the right, so the plots beside the map keep their height.
        self.explanations = QWidget()
        QVBoxLayout(self.explanations).setContentsMargins(0, 0, 0, 0)
        self.explanation_overlays = OverlayGroup.of(Place.PANEL, self.explanations, OVERLAYS)
        # In a scroll area: a long rule at presentation size in this narrow column is
        # taller than the screen, and would make the window so (the timeline off its bottom).
        self._explanations_column = QScrollArea()
        self._explanations_column.setWidget(self.explanations)
        self._explanations_column.setWidgetResizable(True)
        self._explanations_column.setFrameShape(QFrame.Shape.NoFrame)
        self._explanations_column.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._explanations_column.hide()
        self.batch_panel.hide()
        self.fan_view.hide()  # until there is a fan
        main = self._views = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.surface_view)
        main.addWidget(side)
        main.addWidget(self._explanations_column)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setStretchFactor(2, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.caption)
        layout.addWidget(self.message_bar)
        layout.addWidget(main, 1)
        timeline = QHBoxLayout()
        self.timeline_title = QLabel("Timeline")
        timeline.addWidget(self.timeline_title)
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setToolTip("scrub through the recorded updates (← and → step through them)")
        self.timeline.setRange(0, 0)
        self.timeline.valueChanged.connect(self.controller.scrub)
        timeline.addWidget(self.timeline, 1)
        self.timeline_label = QLabel()
        self.timeline_label.setMinimumWidth(140)
        timeline.addWidget(self.timeline_label)
        layout.addLayout(timeline)
        self.setCentralWidget(central)
        self._apply_header_style()

        panel = QWidget()
        panel_layout = QVBoxLayout(panel)
        runs_title = QLabel(f"Runs (up to {MAX_RUNS}; tick to show)")
        runs_title.setFont(_font(10, bold=True))
        panel_layout.addWidget(runs_title)
        panel_layout.addWidget(self.run_list)
        panel_layout.addWidget(self.control_panel)
        panel_layout.addStretch(1)  # spare height goes below the controls, not between them
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
        self.status.setContentsMargins(6, 2, 6, 2)
        self.status.setToolTip(EPOCH_HELP)
        self.statusBar().addWidget(self.status, 1)
        # Qt hides a normal status widget under a temporary message, but on X11 it can show
        # it again while the message stays (both texts overlapped): hide it explicitly.
        self.statusBar().messageChanged.connect(lambda text: self.status.setVisible(not text))
        self.busy = QLabel("computing the loss surface…")
        self.busy.hide()
        self.statusBar().addPermanentWidget(self.busy)
        self.basin_progress = QProgressBar()
        self.basin_progress.setRange(0, 100)
        self.basin_progress.setFormat("basins of attraction… %p %")
        self.basin_progress.setMaximumWidth(260)
        self.basin_cancel = QPushButton("Cancel")
        self.basin_cancel.setToolTip("stop computing the basins of attraction")
        for widget in (self.basin_progress, self.basin_cancel):
            widget.hide()
            self.statusBar().addPermanentWidget(widget)

    def _action(self, text: str, shortcuts: list[str], slot: Callable[[], object],
                tip: str = "") -> QAction:
        """A window action that calls ``slot()`` with no arguments.

        ``triggered`` carries the action's ``checked`` flag, and PySide passes it to
        any slot that takes an optional argument (``add_run(settings=False)`` once):
        the flag is dropped here, so a slot that wants it reads ``isChecked()``.
        """
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip or text)
        tooltip = f"{tip or text} ({' or '.join(shortcuts)})" if shortcuts else tip
        # A tooltip that looks like markup is shown as rich text; a scene's caption is not.
        action.setToolTip(QtGui.Qt.convertFromPlainText(tooltip) if tooltip else "")
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work even with the toolbar hidden
        return action

    def _build_actions(self) -> None:
        for spec in ACTIONS:
            action = self._action(spec.text, list(spec.shortcuts),
                                  partial(spec.slot, self), spec.tip)
            action.setCheckable(spec.checkable)
            action.triggered.connect(self._leave_the_controls)
            setattr(self, f"{spec.name}_action", action)
        self.controls_action.setChecked(True)
        self.back_to_kept_action.setEnabled(False)  # until an edited setup is kept
        self.overlay_actions: dict[str, QAction] = {}
        """Each explanation overlay's View-menu toggle, by the overlay's name."""
        for kind in OVERLAYS:
            spec = kind.spec
            action = self._action(spec.text, [spec.shortcut],
                                  partial(self._toggle_overlay, spec.name), spec.tip)
            action.setCheckable(True)
            self.overlay_actions[spec.name] = action

        menus = self.menuBar()
        for title, names in MENUS:
            menu = menus.addMenu(title)
            if "view_3d" in names:  # the menu says whether the 3D view can start
                menu.aboutToShow.connect(self._opengl_problem)
            for name in names:
                if name == SEPARATOR:
                    menu.addSeparator()
                elif name == SCENE_LIST:
                    menu.addActions(self._scene_actions())
                elif name == OVERLAY_LIST:
                    menu.addActions(list(self.overlay_actions.values()))
                else:
                    menu.addAction(getattr(self, f"{name}_action"))

        self.toolbar = toolbar = QToolBar("Playback")
        toolbar.setObjectName("playback")
        toolbar.setMovable(False)
        toolbar.setFont(_font(12))
        toolbar.addActions([getattr(self, f"{spec.name}_action")
                            for spec in ACTIONS if spec.toolbar])
        toolbar.addSeparator()
        toolbar.addWidget(QLabel("  Speed "))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, SPEED_DECADES * 100)
        self.speed_slider.setFixedWidth(200)
        self.speed_slider.setToolTip("updates per second, 1 to 1000")
        self.speed_slider.valueChanged.connect(self._speed_changed)
        toolbar.addWidget(self.speed_slider)
        self.speed_label = QLabel()
        # As wide as its longest text, so the box beside it never moves.
        self.speed_label.setMinimumWidth(
            QFontMetrics(toolbar.font()).horizontalAdvance(" as fast as possible  ")
        )
        toolbar.addWidget(self.speed_label)
        self.instant = QCheckBox("instant")
        self.instant.setToolTip("as fast as the computer can")
        self.instant.toggled.connect(self._speed_changed)
        toolbar.addWidget(self.instant)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def _scene_actions(self) -> list[QAction]:
        """One action per built-in scene, keys 1 to 9 for the first nine."""
        return [
            self._action(f"{scene.number}. {scene.title}", [str(index + 1)] if index < 9 else [],
                         partial(self.show_scene, index), scene.caption)
            for index, scene in enumerate(self.scenes)
        ]

    def _connect(self) -> None:
        c, panel = self.controller, self.control_panel
        c.problemChanged.connect(self._show_problem)
        c.surfaceChanged.connect(self._show_surface)
        c.busyChanged.connect(self._show_busy)
        c.problemRefused.connect(lambda: self.control_panel.show_problem(c.spec, c.problem))
        c.runsChanged.connect(self._show_runs)
        c.frameReady.connect(self._show_frame)
        c.fitReady.connect(self.fit_view.set_curves)
        c.batchShown.connect(self.fit_view.set_batch)
        c.overlaysReady.connect(self._show_overlays)
        self.fit_view.pointHovered.connect(c.set_focus_point)
        for overlay in self.explanation_overlays.overlays.values():
            handed = getattr(overlay, "extra_changed", None)  # a panel's value for the overlays
            if handed is not None:
                handed.connect(c.set_overlay_extra)
        c.playingChanged.connect(self._playing_changed)
        c.message.connect(self.show_message)
        reporter().fault.connect(self.show_message)  # a paint or slot that failed, once each
        c.speedChanged.connect(self._show_speed)
        c.sceneChanged.connect(self._show_scene)
        c.sceneEdited.connect(self._show_caption)
        c.keptChanged.connect(self._kept_changed)
        self.surface_view.startRequested.connect(c.set_start)
        self.surface_view.windowChanged.connect(c.set_window)
        panel.problemRequested.connect(self._problem_requested)
        panel.openDataRequested.connect(self.open_data)
        panel.settingsEdited.connect(c.edit_selected)
        panel.startEdited.connect(c.set_start)
        panel.colormapChanged.connect(c.set_colormap)
        panel.logColourChanged.connect(c.set_log_scale)
        panel.logLossChanged.connect(c.set_log_loss)
        c.optionsChanged.connect(self._show_options)
        c.basins.changed.connect(self.surface_view.set_basins)
        c.basins.progressed.connect(self._show_basin_progress)
        self.basin_cancel.clicked.connect(c.cancel_basins)
        panel.resetViewRequested.connect(self.reset_view)
        panel.message.connect(self.show_message)
        self.run_list.selectionRequested.connect(c.select_run)
        self.run_list.visibilityRequested.connect(c.set_visible)
        self.run_list.addRequested.connect(c.add_run)
        self.run_list.duplicateRequested.connect(c.duplicate_run)
        self.run_list.removeRequested.connect(lambda: c.remove_run())
        self._show_options(None, c.options)
        self._show_speed(self.controller.speed)

    # -- controller -> views -----------------------------------------------------------------
    def _show_problem(self, problem: Problem) -> None:
        c = self.controller
        self.surface_view.set_axes(problem.axes)
        self.surface_view.show_window(c.window)
        data = problem.data
        x, y = (None, None) if data is None else (data.x, data.y)
        self.fit_view.set_data(x, y, *c.fit_ranges())
        # An analytic surface has no data to fit: the loss curves take the space.
        self.fit_view.setVisible(problem.n_points is not None)
        self.control_panel.show_problem(c.spec, problem)

    def _show_busy(self, text: str) -> None:
        self.busy.setText(text)
        self.busy.setVisible(bool(text))

    def _show_basin_progress(self, fraction: float) -> None:
        computing = fraction >= 0
        self.basin_progress.setValue(int(100 * max(fraction, 0.0)))
        self.basin_progress.setVisible(computing)
        self.basin_cancel.setVisible(computing)

    def _show_surface(self, result) -> None:  # type: ignore[no-untyped-def]
        s = result.surface
        for view in (self.surface_view, self.surface_3d):
            if view is not None:
                view.set_surface(s.phi0, s.phi1, s.values, result.contours, result.minimum,
                                 self.controller.log_scale)

    def _show_runs(self, runs: list[RunState]) -> None:
        c = self.controller
        entries = c.entries()
        selected = c.selected
        self.run_list.set_runs([self._run_row(e) for e in entries],
                               None if selected is None else selected.entry_id,
                               len(entries) < MAX_RUNS)
        settings = c.selected_settings
        if selected is not None and settings is not None:
            self.control_panel.show_run(settings, None if selected.fan is None
                                        else selected.fan.fan.param)
            assert settings.start is not None
            self.surface_view.set_start(settings.start, selected.identity_colour)

    def _run_row(self, entry: RunState | FanEntry) -> tuple[int, str, tuple[str, ...], bool]:
        """An entry of the run list: a run, or a fan in its members' colours."""
        colour = self.theme.run_colour
        if isinstance(entry, FanEntry):
            members = self.controller.runs_of(entry)
            return (entry.entry_id, entry.label(), tuple(colour(r.colour) for r in members),
                    members[0].visible)
        return (entry.run_id, entry.label(self.controller.problem.n_points),
                (colour(entry.colour),), entry.visible)

    def _playing_changed(self, playing: bool) -> None:
        self.play_action.setText("Pause" if playing else "Play")
        if not playing:
            self.controller.publish_now()  # the throttled parts show the last update at once

    def _show_frame(self, frames: list[RunFrame]) -> None:
        # Decided once per frame, so that the numbers shown together (the legend's
        # losses, the status bar, the timeline, the batch lines) and the loss
        # curves all belong to one update; while the runs play they may trail the
        # paths by up to 1 / NUMBERS_HZ seconds.
        c = self.controller
        due = self._numbers_throttle.ready(hold=c.playing)  # always when the runs are still
        if self.surface_3d is not None and self.surface_3d.isVisible():
            self.surface_3d.set_runs(frames)
        if not self.surface_view.set_runs(frames, losses=due):
            return
        self.loss_view.set_runs(frames)
        self._show_fans(frames)
        if c.options.show_batches:
            self.batch_panel.set_lines(c.batch_lines())
        selected = next((f for f in frames if f.selected), None)
        self.status.setText(self._status_text(selected))
        self._show_timeline(c.shown_update, c.last_update, c.planned_updates)
        if due:  # with the other numbers: a local bound is a pass over the data
            self.control_panel.show_step_bound(c.step_bound(selected))

    def _show_fans(self, frames: list[RunFrame]) -> None:
        """The final losses of the fans beside the loss curves, while there are fans."""
        plot = self.controller.fan_plot(frames)
        if (plot is not None) != self.fan_view.isVisible():
            self._show_in_column(self.fan_view, plot is not None)
        self.fan_view.set_plot(plot)

    def _show_in_column(self, view: QWidget, shown: bool) -> None:
        """Show or hide ``view`` in the column beside the map; shown, it takes a share
        of the column's height (a splitter gives a view shown after its first layout
        no room at all)."""
        self._show_in_splitter(self._side, view, shown, PANEL_SHARE)

    def _show_in_splitter(self, splitter: QSplitter, widget: QWidget, shown: bool,
                          share: float, keep: dict[QWidget, float] | None = None) -> None:
        """Show ``widget`` with ``share`` of ``splitter`` made for it (see
        :func:`_make_room`), or hide it and give its room back to where it came from."""
        if shown:
            widget.show()
            self._room_given[widget] = _make_room(splitter, widget, share, keep)
        else:
            _give_back(splitter, widget, self._room_given.pop(widget, {}))

    def fan_over(self) -> None:
        """Ask how to fan out the selected run (Run > Fan over…); OK makes the fan."""
        c = self.controller
        run, settings = c.selected, c.selected_settings
        if run is None or settings is None:
            return
        n = c.problem.n_points
        if self.fan_dialog is not None:
            self.fan_dialog.close()
        self.fan_dialog = FanDialog(settings, n is not None and settings.batch_size != n,
                                    None if run.fan is None else run.fan.fan,
                                    self._apply_fan, self)
        self._open_dialog(self.fan_dialog, "fan_dialog")

    def _open_dialog(self, dialog: QDialog, kept_as: str | None = None) -> None:
        """Open ``dialog`` window-modal, its text at the window's text scale (a dialog
        opened during a lecture is read from the back row too); with ``kept_as``, the
        window's attribute of that name holds it until it closes."""
        if kept_as is not None:
            setattr(self, kept_as, dialog)
            dialog.finished.connect(lambda _: getattr(self, kept_as) is dialog
                                    and setattr(self, kept_as, None))
        scale = self.controller.options.text_scale
        font = QFont(dialog.font())
        if scale != 1.0 and font.pointSizeF() > 0:  # a font sized in pixels is left as it is
            font.setPointSizeF(font.pointSizeF() * scale)
            dialog.setFont(font)
            dialog.adjustSize()
        dialog.open()  # not exec(): the runs and the window go on meanwhile

    def _apply_fan(self, fan) -> str | None:  # type: ignore[no-untyped-def]
        """Fan out the selected run; why not, if it cannot be (the controller says)."""
        said: list[str] = []
        return None if self.controller.fan_selected(fan, tell=said.append) else said[0]

    def _status_text(self, frame: RunFrame | None) -> str:
        if frame is None or frame.index < 0:
            return "ready"
        phi = frame.current_phi
        assert phi is not None
        parts = [
            f"<b>{html.escape(frame.name)}</b>",  # a rich-text label: the name is the user's
            f"update {frame.index}",
            *_epoch_words(frame),
            f"φ = ({_fixed(phi[0])}, {_fixed(phi[1])})",
        ]
        loss = frame.loss_text(".4f")
        if loss is not None:
            parts.append(f"loss {loss}")
        lr = float(frame.lr[frame.index])
        if math.isfinite(lr):
            parts.append(f"α = {lr:.4g}")
        if frame.short_badge:
            parts.append(f"<span style='color:#ff6b6b'>{html.escape(frame.short_badge)}</span>")
        stage = self.controller.stage_name()
        if stage:
            parts.append(f"explaining {html.escape(stage)}")
        return "  ·  ".join(parts)

    def show_write_error(self, what: str, error: Exception) -> None:
        """A file could not be written: say so in a dialog (the user asked for that
        file and must not miss it) and above the plots."""
        text = f"{what}: {error}"
        self.show_message(text)
        box = QMessageBox(QMessageBox.Icon.Warning, what, str(error),
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._open_dialog(box)

    def show_message(self, text: str) -> None:
        """Show a notice or an error above the plots for a few seconds."""
        self.message_bar.setText(text)
        self.message_bar.show()
        self._message_hide.trigger()
        self.statusBar().showMessage(text, MESSAGE_MS)

    # -- views -> controller -------------------------------------------------------------------
    def _problem_requested(self, spec) -> None:  # type: ignore[no-untyped-def]
        self.controller.set_problem(spec)  # on failure the panel shows the old problem again

    def _fits_data(self) -> bool:
        """Whether the problem fits data; if not, say so."""
        if self.controller.problem.capabilities.has_data:
            return True
        self.show_message(f"This model is an analytic surface: choose "
                          f"{' or '.join(kinds_with_data())} to fit data.")
        return False

    def open_data(self, path: str | None = None) -> None:
        """Ask for a data file (unless given ``path``), preview it in a dialog that reads it
        off the UI thread, and fit the current model to the columns chosen there on OK."""
        if not self._fits_data():
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open data", "", FILE_FILTER)
            if not path:
                return
        if self.data_dialog is not None:
            self.data_dialog.reject()
        dialog = DataDialog(path, self)
        preview = PreviewControl(dialog)
        dialog.previewRequested.connect(preview.want)
        preview.changed.connect(dialog.show_table)
        preview.failed.connect(dialog.show_error)
        preview.progressed.connect(dialog.show_progress)
        dialog.accepted.connect(lambda: self.controller.set_problem(
            replace(self.controller.spec, data=dialog.chosen_spec()), new_data=True))
        dialog.finished.connect(lambda _: preview.stop())
        self._open_dialog(dialog, "data_dialog")
        dialog.request_preview()

    def synthetic_data(self) -> None:
        """Open the Synthetic data dialog; on OK fit the current model to its points."""
        if not self._fits_data():
            return
        c = self.controller
        model = c.problem.model  # type: ignore[attr-defined]  # a problem that fits data
        dialog = SyntheticDialog(c.spec, model, self)
        dialog.accepted.connect(lambda: c.set_problem(replace(c.spec, data=dialog.data),
                                                      new_data=True))
        self._open_dialog(dialog, "synthetic_dialog")

    def reset_view(self) -> None:
        """Show the problem's own window again."""
        self.controller.reset_window()
        self.surface_view.show_window(self.controller.window)

    # -- view options ------------------------------------------------------------------
    @property
    def theme(self) -> style.Theme:
        """The look the controller's options give: the theme's colours, with the run
        colours chosen for the colour map (the controller's, not the window's)."""
        return self.controller.options.look

    def _show_options(self, before: ViewOptions | None, after: ViewOptions) -> None:
        """Show the view options ``after`` where they differ from ``before``
        (``None``: everything, as at the start)."""
        def changed(*names: str) -> bool:
            return before is None or any(getattr(before, n) != getattr(after, n) for n in names)

        self.control_panel.show_options(after)
        if changed("colormap"):
            for view in (self.surface_view, self.surface_3d):
                if view is not None:
                    view.set_colormap(load_colormap(after.colormap), after.colormap)
        if changed("theme"):
            self.theme_action.setChecked(after.theme == "light")
            QApplication.instance().setPalette(style.widget_palette(after.look))
        # The window starts out of presentation mode: only a change is shown.
        presenting = before is not None and before.presenting != after.presenting
        if presenting:
            self._show_presenting(after.presenting, before=True)
        if changed("theme", "colormap", "text_scale"):
            self._apply_scale()
        if changed("theme", "colormap"):
            # The run colours are chosen for the map and the theme's background.
            self._show_runs(self.controller.runs)
        if presenting:
            self._show_presenting(after.presenting, before=False)
        if changed("log_loss"):
            self.loss_view.set_log_scale(after.log_loss)
        if changed("show_basins"):
            self.basins_action.setChecked(after.show_basins)
        if changed("show_3d"):
            self._show_3d(after.show_3d)
        if changed("show_batches"):
            self.batches_action.setChecked(after.show_batches)
            self.batch_panel.setVisible(after.show_batches)
        if changed("overlays"):
            for name, action in self.overlay_actions.items():
                action.setChecked(name in after.overlays)
            self._show_explanations(bool(after.overlays & self.explanation_overlays.overlays.keys()))

    # -- scenes ------------------------------------------------------------------------------
    def show_scene(self, index: int) -> None:
        """Open built-in scene number ``index + 1``."""
        if 0 <= index < len(self.scenes):
            self.controller.load_scene(self.scenes[index])

    def welcome(self) -> None:
        """Open the lecture's first scene and say which keys drive it."""
        self.show_scene(0)
        self.statusBar().showMessage(WELCOME, WELCOME_MS)

    def go_to_scene(self, offset: int) -> None:
        """The next (+1) or previous (-1) built-in scene, as a clicker sends PageDown/PageUp."""
        current = self.controller.scene
        names = [s.name for s in self.scenes]
        index = names.index(current.name) if current and current.name in names else -1
        target = index + offset if index >= 0 else (0 if offset > 0 else len(self.scenes) - 1)
        self.show_scene(min(max(target, 0), len(self.scenes) - 1))

    def event(self, event: QEvent) -> bool:
        """A digit that would open a scene while the keyboard is with the controls (a
        missed click beside a field, or Return or Escape that ended an edit) is typing,
        not a scene key: it opens nothing and the status bar says how to open one."""
        digit = typed_digit(event)
        if digit is None or not self._keys_with_controls():
            return super().event(event)
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut: the key goes to the focus and on up to here
        else:
            self.statusBar().showMessage(
                f"{digit} did not open scene {digit}: the keys are with the controls you "
                "were editing; click the map first, or use PageDown or the Scenes menu",
                MESSAGE_MS)
        return True

    def _keys_with_controls(self) -> bool:
        """Whether the keyboard focus is in the controls, or was handed back to the
        window by the end of an edit there (the map, when clicked, takes it)."""
        focus = QApplication.focusWidget()
        return self.controls_dock.isVisible() and (
            focus is self or (focus is not None and self.controls_dock.isAncestorOf(focus)))

    def _leave_the_controls(self) -> None:
        """Once a key of the window's (Space, →) follows the end of an edit, the user is
        done editing: the keys go to the map, where the digits open scenes again."""
        if QApplication.focusWidget() is self:
            self.surface_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def back_to_kept(self) -> None:
        """Show again the edited setup that the last scene opened replaced."""
        if self.controller.back_to_kept():
            again = (f" (the one it replaced is kept: {self._back_keys()} again)"
                     if self.controller.kept is not None else "")
            self.statusBar().showMessage(f"Back to your edited scene{again}", KEPT_MS)

    def _back_keys(self) -> str:
        return self.back_to_kept_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)

    def _kept_changed(self, kept: object) -> None:
        self.back_to_kept_action.setEnabled(kept is not None)
        if kept is not None:
            self.statusBar().showMessage(
                f"Your edited scene is kept: {self._back_keys()} (Scenes > Back to your edited "
                "scene) brings it back", KEPT_MS)

    def open_scene(self) -> None:
        """Ask for a scene file and open it; a bad file leaves everything as it was."""
        path, _ = QFileDialog.getOpenFileName(self, "Open scene", "", "Scenes (*.toml)")
        if path:
            self.open_scene_file(path)

    def open_scene_file(self, path: str) -> bool:
        """Open the scene in ``path``, reporting a broken or hostile file."""
        try:
            scene = load_scene(path)
        except SceneError as exc:
            self.show_message(str(exc))
            return False
        return self.controller.load_scene(scene)

    def save_scene(self) -> None:
        """Save the current setup as a scene file."""
        path, _ = QFileDialog.getSaveFileName(self, "Save scene", "scene.toml", "Scenes (*.toml)")
        if path:
            self.save_scene_file(path)

    def save_scene_file(self, path: str) -> None:
        """Write the current setup to ``path``."""
        try:
            save_scene(self.controller.to_scene(), path)
        except (OSError, ValueError) as exc:
            self.show_write_error("Could not save the scene", exc)
            return
        self.statusBar().showMessage(f"saved {path}", MESSAGE_MS)

    def save_screenshot(self) -> None:
        """Save the whole window as a PNG file."""
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "gradviz.png", "PNG (*.png)")
        if path:
            if not path.lower().endswith(".png"):
                path += ".png"
            from gradviz.qt.export import exporter  # see export_to

            try:
                written = exporter.export_window_png(self, path)
            except (OSError, ValueError) as exc:
                self.show_write_error("Could not save the screenshot", exc)
                return
            self.statusBar().showMessage(f"saved {path} ({written})", MESSAGE_MS)

    def export(self) -> None:
        """Ask for the file, format, size and frames in the Export dialog, which checks
        them as they are typed; its Export writes the file (:meth:`export_to`)."""
        # Imported on first use, as in export_to.
        from gradviz.qt.export.export_dialog import ExportDialog

        if self.export_dialog is not None:
            self.export_dialog.close()
        self.export_dialog = ExportDialog(self._opengl_problem() is None, self)
        self.export_dialog.exportRequested.connect(self._export_requested)
        self._open_dialog(self.export_dialog, "export_dialog")

    def _export_requested(self, request: ExportRequest) -> None:
        self.export_to(request.path, request.size, request.format.view or "landscape",
                       request.frames)

    def export_to(self, path: str, size: tuple[int, int] | None = None,
                  view: str = "landscape", frames: int | None = None) -> None:
        """Export to ``path`` (a progress dialog with Cancel for animations of ``frames``
        frames, by default :data:`~gradviz.qt.export.exporter.DEFAULT_FRAMES`); a picture
        shows ``view`` (a name of :data:`~gradviz.qt.export.views.EXPORT_VIEWS`), the
        3D view from the angle it is seen from in the window."""
        # Imported on first use: the exporter brings Pillow and Qt SVG, which
        # would add to every launch's time to the first frame.
        from gradviz.qt.export import exporter
        from gradviz.qt.export.views import EXPORT_VIEWS

        maker = EXPORT_VIEWS[view].make
        if view == "3d" and self.surface_3d is not None:
            maker = partial(maker, camera=self.surface_3d.camera())
        try:
            if path.lower().endswith(exporter.ANIMATION_FORMATS):
                written = exporter.export_animation_with_dialog(
                    self.controller, self, path, size,
                    exporter.DEFAULT_FRAMES if frames is None else frames)
            else:
                written = exporter.export_file(self.controller, path, size, view=maker)
        except (OSError, ValueError) as exc:
            self.show_write_error("Could not export", exc)
            return
        if written is None:
            self.statusBar().showMessage("export cancelled", MESSAGE_MS)
        else:
            self.statusBar().showMessage(f"wrote {path} ({written})", MESSAGE_MS)

    def _show_scene(self, scene: Scene) -> None:
        self._show_caption()
        self.title.setVisible(True)
        # An error from before (a scene that could not be opened) no longer applies.
        self._message_hide.cancel()
        self.message_bar.hide()

    def _show_caption(self) -> None:
        """The scene's title and caption; once the setup is changed, the caption
        marked as the scene's, since it may no longer describe what is shown."""
        title, caption = self.controller.heading()
        self.title.setText(title)
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        edited = self.controller.scene_edited
        self.caption.setForegroundRole(
            QPalette.ColorRole.PlaceholderText if edited else QPalette.ColorRole.WindowText
        )

    def _toggle_batches(self) -> None:
        self.controller.set_show_batches(self.batches_action.isChecked())

    def _toggle_basins(self) -> None:
        self.controller.set_show_basins(self.basins_action.isChecked())

    def _opengl_problem(self) -> str | None:
        return self.view_3d.problem()

    def _toggle_3d(self) -> None:
        problem = self._opengl_problem()
        if problem is not None:
            self.show_message(f"The 3D view is unavailable: {problem}")
            return
        self.controller.set_show_3d(self.view_3d_action.isChecked())

    def _show_3d(self, shown: bool) -> None:
        if self.view_3d.show(shown):
            self.controller.request_frame()

    def _dress_3d(self, view: Surface3DView) -> None:
        """A new 3D view in the window's look and colours, with the surface shown."""
        c = self.controller
        view.set_look(self.theme, c.options.text_scale)
        view.set_colormap(load_colormap(c.options.colormap), c.options.colormap)
        if c.surface is not None:
            s = c.surface.surface
            view.set_surface(s.phi0, s.phi1, s.values, c.surface.contours, c.surface.minimum,
                             c.log_scale)

    @property
    def surface_3d(self) -> Surface3DView | None:
        """The 3D view, once it has been shown."""
        return self.view_3d.view

    def _show_explanations(self, shown: bool) -> None:
        """Show or hide the panels' column; shown, it takes a share of the width, from
        the data and loss column first, so that the map keeps MAP_SHARE of it."""
        if shown != self._explanations_column.isHidden():
            return
        self._show_in_splitter(self._views, self._explanations_column, shown, PANEL_SHARE,
                               keep={self.surface_view: MAP_SHARE})

    def _toggle_overlay(self, name: str) -> None:
        self.controller.set_overlay(name, self.overlay_actions[name].isChecked())

    def _show_overlays(self, data: dict[str, object]) -> None:
        self.surface_view.show_overlays(data)
        self.fit_view.show_overlays(data)
        self.explanation_overlays.show(data)
        if self.surface_3d is not None and self.surface_3d.isVisible():
            self.surface_3d.show_overlays(data)

    def _show_timeline(self, shown: int, last: int, planned: int) -> None:
        """The slider and "update k of N": N the runs' length, not what is recorded so
        far (a playing run reaches it), which is said when the update shown is before it."""
        end = max(planned, last)
        with QSignalBlocker(self.timeline):
            self.timeline.setRange(0, end)  # past the recorded updates, scrubbing stops at the last
            self.timeline.setValue(shown)
        so_far = f" ({last} so far)" if shown < last < end else ""
        self.timeline_label.setText(f"update {shown} of {end}{so_far}")

    # -- presentation --------------------------------------------------------------------
    def toggle_presentation(self) -> None:
        """Enter presentation mode, or leave it."""
        if self.controller.options.presenting:
            self.leave_presentation()
        else:
            self.controller.set_presenting(True)

    def leave_presentation(self) -> None:
        """Back to the normal window (Esc)."""
        if self.help_overlay_visible():
            self.toggle_help()
            return
        self.controller.set_presenting(False)

    def _show_presenting(self, presenting: bool, before: bool) -> None:
        """The window's part of entering or leaving presentation mode: the controls
        and menus ``before`` the text is rescaled, the screen after it."""
        if before:
            if presenting:
                self._was_maximized = self.isMaximized()
            self._set_controls_visible(not presenting)
            self.menuBar().setVisible(not presenting)
        elif presenting:
            screen = self.screen().geometry()
            margin_x = round(OVERSCAN * screen.width())
            margin_y = round(OVERSCAN * screen.height())
            self.setContentsMargins(margin_x, margin_y, margin_x, margin_y)
            self.showFullScreen()
        else:
            self.setContentsMargins(0, 0, 0, 0)
            self.showMaximized() if self._was_maximized else self.showNormal()

    def _toggle_controls(self) -> None:
        self._set_controls_visible(self.controls_action.isChecked())

    def _set_controls_visible(self, visible: bool) -> None:
        self.controls_dock.setVisible(visible)
        self.toolbar.setVisible(visible)
        self.controls_action.setChecked(visible)

    def scale_text(self, direction: int) -> None:
        """Larger (+1) or smaller (-1) text, paths and markers."""
        self.controller.scale_text(direction)

    def toggle_theme(self) -> None:
        """Switch between the dark theme and the light projector theme."""
        self.set_theme("light" if self.controller.options.theme == "dark" else "dark")

    def set_theme(self, name: str) -> None:
        """Use the theme ``name`` (``dark`` or ``light``) for plots and widgets."""
        self.controller.set_theme(name)

    def _apply_scale(self) -> None:
        look, scale = self.theme, self.controller.options.text_scale
        for view in (self.surface_view, self.fit_view, self.loss_view, self.fan_view,
                     self.surface_3d):
            if view is not None:
                view.set_look(look, scale)
        self.explanation_overlays.set_look(look, scale)
        self.batch_panel.set_scale(scale)
        self._apply_header_style()
        self.status.setFont(_font(12 * scale))
        self.timeline_label.setFont(_font(10 * scale))
        self.timeline_title.setFont(_font(10 * scale))
        self.controller.request_frame()

    def _apply_header_style(self) -> None:
        scale = self.controller.options.text_scale
        self.title.setFont(_font(18 * scale, bold=True))
        self.caption.setFont(_font(13 * scale))
        # A style sheet, for its background; its size follows presentation mode, as the
        # caption's does, since an error must be read from the back row too.
        self.message_bar.setStyleSheet(
            f"background:#7a1f1f; color:white; padding:{round(6 * scale)}px {round(10 * scale)}px;"
            f" font-size:{round(13 * scale)}pt; border-radius:4px;"
        )

    # -- help ----------------------------------------------------------------------------
    def help_overlay_visible(self) -> bool:
        """Whether the shortcut overlay is showing."""
        return getattr(self, "_help", None) is not None and self._help.isVisible()

    def toggle_help(self) -> None:
        """Show or hide an overlay that lists every shortcut (F1 or ?)."""
        if self.help_overlay_visible():
            self._help.hide()
            return
        rows = "".join(
            f"<tr><td style='padding-right:24px'><b>{html.escape(a.text())}</b></td>"
            f"<td>{html.escape(' or '.join(s.toString() for s in a.shortcuts()))}</td></tr>"
            for a in self.actions() if a.shortcuts()
        )
        self._help = QLabel(f"<h2>Keyboard shortcuts</h2><table>{rows}</table>"
                            "<p>F1 or ? or Esc closes this.</p>", self.centralWidget())
        self._help.setStyleSheet(
            f"background: rgba(10,10,10,230); color: white; padding: 24px;"
            f"font-size: {round(13 * self.controller.options.text_scale)}pt; border-radius: 8px;"
        )
        self._help.adjustSize()
        area = self.centralWidget().rect()
        self._help.move(max(0, (area.width() - self._help.width()) // 2),
                        max(0, (area.height() - self._help.height()) // 2))
        self._help.show()
        self._help.raise_()

    def _speed_changed(self, *_: object) -> None:
        instant = self.instant.isChecked()
        speed = float(f"{10 ** (self.speed_slider.value() / 100):.2g}")
        self.controller.set_speed(0.0 if instant else speed)

    def _show_speed(self, speed: float) -> None:
        instant = speed <= 0
        with QSignalBlocker(self.instant), QSignalBlocker(self.speed_slider):
            self.instant.setChecked(instant)
            if not instant:
                self.speed_slider.setValue(round(100 * math.log10(speed)))
        self.speed_slider.setEnabled(not instant)
        self.speed_label.setText(" as fast as possible" if instant else f" {speed:g} updates/s")

    def _nudge_speed(self, direction: int) -> None:
        if self.instant.isChecked():
            if direction < 0:
                self.instant.setChecked(False)
            return
        self.speed_slider.setValue(self.speed_slider.value() + direction * SPEED_STEP)

    # -- remembered between launches ------------------------------------------------------
    def _restore_settings(self) -> None:
        """The geometry, theme and scene of the last session. A value of the wrong type
        or shape (a settings file edited or corrupted) is ignored and reported; the
        values saved on exit replace it."""
        settings = QSettings()
        ignored = []
        geometry = settings.value("window/geometry")
        # restoreGeometry moves a window whose screen is gone onto one that is there.
        if geometry is not None and not (isinstance(geometry, QByteArray)
                                         and self.restoreGeometry(geometry)):
            ignored.append("window/geometry")
        theme = remembered_theme(settings)
        if theme is None:
            ignored.append(THEME_SETTING)
            theme = self.controller.options.theme
        self.set_theme(theme)
        last = settings.value("scene/last", "")
        if not isinstance(last, str):
            ignored.append("scene/last")
            last = ""
        scene = next((s for s in self.scenes if s.name == last), None)
        if scene is not None:
            self.controller.load_scene(scene)
        if ignored:
            # Once the window is up: opening the first scene clears the message bar.
            QTimer.singleShot(0, self, partial(
                self.show_message,
                f"Ignored remembered settings that could not be read ({', '.join(ignored)}) "
                f"in {settings.fileName()}",
            ))

    def _save_settings(self) -> None:
        settings = QSettings()
        path = Path(settings.fileName())
        if path.is_symlink():
            # Qt would write through the link to its target: the settings are written
            # to a regular file in their own folder instead, the target left alone.
            kept = {key: settings.value(key) for key in settings.allKeys()}
            path.unlink()
            settings = QSettings()
            for key, value in kept.items():
                settings.setValue(key, value)
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue(THEME_SETTING, self.controller.options.theme)
        scene = self.controller.scene
        settings.setValue("scene/last", scene.name if scene is not None else "")
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Remember the scene, theme and geometry; stop the workers and wait for their threads."""
        if self.controller.is_running():
            self._save_settings()
        if self.data_dialog is not None:
            self.data_dialog.reject()  # which joins its reader's thread
        self.controller.shutdown()
        super().closeEvent(event)
