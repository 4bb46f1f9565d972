"""The control panel: problem, the selected run's optimizer and settings, start point, view.

Its optimizer and schedule controls are generated from the parameters the
core declares, so a new optimizer needs no change here. It only shows values
it is given and announces the user's edits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.batching import BATCHING_SCHEMES
from gradviz.core.colormaps import COLORMAPS
from gradviz.core.data import BUILTIN_DATASETS, parse_synthetic
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import MODELS, Problem, ProblemSpec, describe_models, has_data
from gradviz.core.run import MAX_STEPS, RunSettings
from gradviz.core.schedules import SCHEDULES, WARMUP, Schedule, parse_schedule
from gradviz.qt.widgets.parameter_field import ParameterField

SYNTHETIC = "synthetic"

ENVELOPE = HyperParameter(
    "envelope", "E", 32.0, 0.5, 1000.0, log=True,
    help="Gabor envelope divisor: exp(-z²/E); the book uses 32, the slide text prints 8",
)
STEPS = HyperParameter("steps", "T", 100, 1, MAX_STEPS, log=True, integer=True,
                       help="number of updates to run")
SEED = HyperParameter("seed", "seed", 0, 0, 2**32 - 1, integer=True,
                      help="seed of the minibatch sequence")
SYNTHETIC_N = HyperParameter("n", "N", 30, 2, 5000, log=True, integer=True,
                             help="number of synthetic points")
SYNTHETIC_NOISE = HyperParameter("noise", "σ", 0.1, 0.0, 10.0,
                                 help="standard deviation of the noise added to y")


def _start_parameter(name: str, symbol: str) -> HyperParameter:
    return HyperParameter(name, symbol, 0.0, help="start value; or click the map, or drag the marker")


def _row_label(parameter: HyperParameter) -> str:
    """``α  lr``; a symbol that is a word already (``look-ahead``) stands alone."""
    if parameter.symbol.replace("-", "").isalpha() and len(parameter.symbol) > 2:
        return parameter.symbol
    return f"{parameter.symbol}  {parameter.name}"


def _clear(form: QFormLayout) -> None:
    # Deleted later, not at once: the rows may be cleared from within a handler of
    # one of their own widgets, which Qt still uses when the handler returns.
    while form.rowCount():
        row = form.takeRow(0)
        for item in (row.labelItem, row.fieldItem):
            if item is not None and item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()


class ControlPanel(QWidget):
    """Every setting of the problem and of the selected run."""

    problemRequested = Signal(object)  # ProblemSpec
    openCsvRequested = Signal()
    settingsEdited = Signal(object)  # RunSettings for the selected run
    startEdited = Signal(object)  # (phi0, phi1)
    colormapChanged = Signal(str)
    logColourChanged = Signal(bool)
    logLossChanged = Signal(bool)
    resetViewRequested = Signal()
    message = Signal(str)  # why an edit was refused

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._spec = ProblemSpec()
        self._settings: RunSettings | None = None
        self._n_points: int | None = None
        self._batch_points: int | None = None  # the n the minibatch controls were built for
        layout = QVBoxLayout(self)
        layout.addWidget(self._problem_group())
        layout.addWidget(self._run_group())
        layout.addWidget(self._view_group())
        layout.addStretch(1)

    # -- building ------------------------------------------------------------------------------
    def _field(self, parameter: HyperParameter, value: float | str, slot) -> ParameterField:  # type: ignore[no-untyped-def]
        field = ParameterField(parameter, value)
        field.committed.connect(slot)
        field.rejected.connect(self.message)
        return field

    def _problem_group(self) -> QGroupBox:
        group = QGroupBox("Problem")
        form = QFormLayout(group)
        self.model_combo = QComboBox()
        for name, text in describe_models().items():
            self.model_combo.addItem(name)
            self.model_combo.setItemData(self.model_combo.count() - 1, text, 3)  # tooltip role
        self.model_combo.currentTextChanged.connect(self._model_chosen)
        form.addRow("Model", self.model_combo)
        self.data_combo = QComboBox()
        self.data_combo.setToolTip("the data the model is fitted to")
        self.data_combo.activated.connect(self._data_chosen)
        self.open_csv = QPushButton("Open CSV…")
        self.open_csv.setToolTip("fit the model to (x, y) pairs from a CSV file")
        self.open_csv.clicked.connect(self.openCsvRequested)
        row = QHBoxLayout()
        row.addWidget(self.data_combo, 1)
        row.addWidget(self.open_csv)
        self.data_label = QLabel("Data")
        form.addRow(self.data_label, row)
        self.synthetic_n = self._field(SYNTHETIC_N, 30, self._synthetic_edited)
        self.synthetic_noise = self._field(SYNTHETIC_NOISE, 0.1, self._synthetic_edited)
        self.synthetic_seed = self._field(SEED, 0, self._synthetic_edited)
        self.synthetic_rows = [
            (QLabel("Points N"), self.synthetic_n),
            (QLabel("Noise σ"), self.synthetic_noise),
            (QLabel("Data seed"), self.synthetic_seed),
        ]
        for label, field in self.synthetic_rows:
            form.addRow(label, field)
        self.envelope = self._field(ENVELOPE, 32.0, self._envelope_edited)
        self.envelope_label = QLabel("Envelope E")
        form.addRow(self.envelope_label, self.envelope)
        return group

    def _run_group(self) -> QGroupBox:
        group = QGroupBox("Selected run")
        outer = QVBoxLayout(group)
        form = QFormLayout()
        self.optimizer_combo = QComboBox()
        for name, cls in OPTIMIZERS.items():
            self.optimizer_combo.addItem(f"{cls.title}", name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1, cls.rule, 3)
        self.optimizer_combo.activated.connect(self._optimizer_chosen)
        form.addRow("Optimizer", self.optimizer_combo)
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        # The theme's muted colour (a style sheet would freeze it at launch's theme).
        self.rule.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form.addRow(self.rule)
        outer.addLayout(form)
        self.hyper_form = QFormLayout()
        outer.addLayout(self.hyper_form)
        self.batch_row = QWidget()
        self.batch_form = QFormLayout(self.batch_row)
        self.batch_form.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.batch_row)
        self.schedule_combo = QComboBox()
        for name, (formula, _) in SCHEDULES.items():
            self.schedule_combo.addItem(name)
            self.schedule_combo.setItemData(self.schedule_combo.count() - 1, formula, 3)
        self.schedule_combo.activated.connect(self._schedule_chosen)
        schedule_choice = QFormLayout()
        schedule_choice.addRow("LR schedule", self.schedule_combo)
        outer.addLayout(schedule_choice)
        self.schedule_form = QFormLayout()
        outer.addLayout(self.schedule_form)
        tail = QFormLayout()
        self.steps = self._field(STEPS, 100, self._run_field_edited)
        tail.addRow("Updates", self.steps)
        self.start0 = self._field(_start_parameter("phi0", "φ₀"), 0.0, self._start_edited)
        self.start1 = self._field(_start_parameter("phi1", "φ₁"), 0.0, self._start_edited)
        self.start0_label, self.start1_label = QLabel("Start φ₀"), QLabel("Start φ₁")
        tail.addRow(self.start0_label, self.start0)
        tail.addRow(self.start1_label, self.start1)
        outer.addLayout(tail)
        return group

    def _view_group(self) -> QGroupBox:
        group = QGroupBox("View")
        form = QFormLayout(group)
        self.colormap_combo = QComboBox()
        for name, text in COLORMAPS.items():
            self.colormap_combo.addItem(name)
            self.colormap_combo.setItemData(self.colormap_combo.count() - 1, text, 3)
        self.colormap_combo.currentTextChanged.connect(self.colormapChanged)
        form.addRow("Colour map", self.colormap_combo)
        self.log_colour = QCheckBox("log colour scale")
        self.log_colour.toggled.connect(self.logColourChanged)
        self.log_loss = QCheckBox("log loss axis")
        self.log_loss.toggled.connect(self.logLossChanged)
        form.addRow(self.log_colour)
        form.addRow(self.log_loss)
        reset = QPushButton("Reset view")
        reset.setToolTip("back to the problem's own window")
        reset.clicked.connect(self.resetViewRequested)
        form.addRow(reset)
        return group

    # -- showing -------------------------------------------------------------------------------
    def show_problem(self, spec: ProblemSpec, problem: Problem) -> None:
        """Show the problem's settings."""
        self._spec = spec
        self._n_points = problem.n_points
        with QSignalBlocker(self.model_combo):
            self.model_combo.setCurrentText(spec.model)
        data_model = has_data(spec.model)
        with QSignalBlocker(self.data_combo):
            self.data_combo.clear()
            if data_model:
                for name in (*BUILTIN_DATASETS, SYNTHETIC):
                    self.data_combo.addItem(name, name)
                current = spec.data or problem.data.name  # type: ignore[union-attr]
                if current.startswith(SYNTHETIC):
                    current = SYNTHETIC
                elif current not in BUILTIN_DATASETS:
                    # A file: its name in the list, its whole path as data and tooltip.
                    self.data_combo.addItem(Path(current).name, current)
                    self.data_combo.setItemData(self.data_combo.count() - 1, current, 3)
                self.data_combo.setCurrentIndex(self.data_combo.findData(current))
        for widget in (self.data_label, self.data_combo, self.open_csv):
            widget.setVisible(data_model)
        synthetic = bool(spec.data and spec.data.startswith(SYNTHETIC))
        if synthetic:
            parsed = parse_synthetic(spec.data)  # type: ignore[arg-type]
            self.synthetic_n.set_value(parsed.n)
            self.synthetic_noise.set_value(parsed.noise)
            self.synthetic_seed.set_value(parsed.seed)
        for label, field in self.synthetic_rows:
            label.setVisible(synthetic)
            field.setVisible(synthetic)
        gabor = spec.model == "gabor"
        self.envelope.set_value(spec.envelope)
        self.envelope_label.setVisible(gabor)
        self.envelope.setVisible(gabor)
        self.start0_label.setText(f"Start {problem.axes[0].symbol}")
        self.start1_label.setText(f"Start {problem.axes[1].symbol}")

    def show_run(self, settings: RunSettings) -> None:
        """Show the selected run's resolved settings.

        The generated controls are rebuilt only when their set changes (another
        optimizer, schedule or number of data points); otherwise the fields show
        the new values in place, so a field being edited is never replaced.
        """
        previous = self._settings
        self._settings = settings
        optimizer = OPTIMIZERS[settings.optimizer]
        with QSignalBlocker(self.optimizer_combo):
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(settings.optimizer))
        self.rule.setText(optimizer.rule)
        if previous is None or previous.optimizer != settings.optimizer:
            _clear(self.hyper_form)
            self.hyper_fields = {}
            for parameter in optimizer.hyperparameters:
                field = self._field(parameter, settings.hyperparameters[parameter.name],
                                    self._hyper_edited)
                self.hyper_fields[parameter.name] = field
                self.hyper_form.addRow(_row_label(parameter), field)
        for name, field in self.hyper_fields.items():
            field.set_value(settings.hyperparameters[name])
        self._show_batching(settings)
        schedule = parse_schedule(settings.schedule)
        with QSignalBlocker(self.schedule_combo):
            self.schedule_combo.setCurrentText(schedule.kind)
        if previous is None or parse_schedule(previous.schedule).kind != schedule.kind:
            _clear(self.schedule_form)
            self.schedule_fields = {}
            for parameter in SCHEDULES[schedule.kind][1] + (WARMUP,):
                field = self._field(parameter, schedule.params[parameter.name],
                                    self._schedule_edited)
                self.schedule_fields[parameter.name] = field
                self.schedule_form.addRow(f"   {parameter.name}", field)
        for name, field in self.schedule_fields.items():
            field.set_value(schedule.params[name])
        self.steps.set_value(settings.steps)
        assert settings.start is not None
        self.start0.set_value(settings.start[0])
        self.start1.set_value(settings.start[1])

    def _show_batching(self, settings: RunSettings) -> None:
        n = self._n_points
        self.batch_row.setVisible(n is not None)
        if n is None:
            return
        if n != self._batch_points:
            self._build_batching(n)
        self.batch_size.set_value(settings.batch_size or n)
        self.batching.setCurrentText(settings.batching)
        self.batching.setEnabled(settings.batch_size != n)
        self.batch_seed.set_value(settings.seed)

    def _build_batching(self, n: int) -> None:
        """The minibatch controls for a problem of ``n`` data points."""
        _clear(self.batch_form)
        self._batch_points = n
        batch = HyperParameter("batch_size", "B", n, 1, n, integer=True,
                               help=f"points per minibatch; {n} (all) is full-batch descent")
        self.batch_size = self._field(batch, n, self._run_field_edited)
        self.batch_form.addRow("Batch size B", self.batch_size)
        self.batching = QComboBox()
        for name, text in BATCHING_SCHEMES.items():
            self.batching.addItem(name)
            self.batching.setItemData(self.batching.count() - 1, text, 3)
        self.batching.activated.connect(lambda _: self._emit(batching=self.batching.currentText()))
        self.batch_form.addRow("Batching", self.batching)
        self.batch_seed = self._field(SEED, 0, self._run_field_edited)
        self.batch_form.addRow("Batch seed", self.batch_seed)

    # -- edits -------------------------------------------------------------------------------
    def _emit(self, **changes: object) -> None:
        if self._settings is None:
            return
        try:
            settings = replace(self._settings, **changes)  # type: ignore[arg-type]
        except (ValueError, TypeError) as exc:
            self.message.emit(str(exc))
            self.show_run(self._settings)
            return
        self.settingsEdited.emit(settings)

    def _hyper_edited(self, name: str, value: object) -> None:
        assert self._settings is not None
        self._emit(hyperparameters={**self._settings.hyperparameters, name: value})

    def _run_field_edited(self, name: str, value: object) -> None:
        self._emit(**{name: value})

    def _optimizer_chosen(self, index: int) -> None:
        # A new optimizer starts from its own defaults and the problem's rate for it.
        self._emit(optimizer=self.optimizer_combo.itemData(index), hyperparameters={},
                   batch_size=None)

    def _schedule_chosen(self, _: int) -> None:
        self._emit(schedule=self.schedule_combo.currentText())

    def _schedule_edited(self, name: str, value: object) -> None:
        assert self._settings is not None
        schedule = parse_schedule(self._settings.schedule)
        params = {**schedule.params, name: value}
        self._emit(schedule=Schedule(schedule.kind, params).spec)

    def _start_edited(self, name: str, value: object) -> None:
        self.startEdited.emit((float(self.start0.value), float(self.start1.value)))

    def _model_chosen(self, model: str) -> None:
        if model in MODELS and model != self._spec.model:
            self.problemRequested.emit(ProblemSpec(model, None, self._spec.envelope))

    def _data_chosen(self, _: int) -> None:
        choice = self.data_combo.currentData()
        if choice == SYNTHETIC:
            data = self._synthetic_spec()
        else:
            data = None if choice == self._default_data() else choice
        self.problemRequested.emit(replace(self._spec, data=data))

    def _default_data(self) -> str:
        return "udl-gabor" if self._spec.model == "gabor" else "udl-linear"

    def _synthetic_spec(self) -> str:
        n = int(self.synthetic_n.value)
        noise = float(self.synthetic_noise.value)
        seed = int(self.synthetic_seed.value)
        return f"{SYNTHETIC}:n={n},noise={noise:g},seed={seed}"

    def _synthetic_edited(self, name: str, value: object) -> None:
        self.problemRequested.emit(replace(self._spec, data=self._synthetic_spec()))

    def _envelope_edited(self, name: str, value: object) -> None:
        # The field has validated the value against ENVELOPE's range already.
        self.problemRequested.emit(replace(self._spec, envelope=float(value)))  # type: ignore[arg-type]
