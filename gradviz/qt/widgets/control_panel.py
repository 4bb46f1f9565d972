"""The control panel: problem, the selected run's optimizer and settings, start point, view.

Its controls are generated from what the core declares: the optimizers' and
schedules' parameters, the problem kinds with their parameters, and the data
sources with theirs, so a new optimizer, model or data source needs no change
here. It only shows values it is given and announces the user's edits.
"""

from __future__ import annotations

from dataclasses import replace

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
from gradviz.core.formula_examples import FormulaExample, examples_of
from gradviz.core.formula_problems import FormulaReader
from gradviz.core.hyperparameters import HyperParameter
from gradviz.core.kinds import PROBLEM_KINDS, describe_models
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import Problem, ProblemSpec
from gradviz.core.run import MAX_STEPS, RunSettings
from gradviz.core.schedules import SCHEDULES, WARMUP, Schedule, parse_schedule
from gradviz.core.sources import DATA_SOURCES, data_source
from gradviz.core.stability import Curvature, minibatch, rate_words
from gradviz.qt.style import REGIME_COLOURS
from gradviz.qt.view_options import ViewOptions
from gradviz.qt.widgets.formula_editor import FormulaEditor
from gradviz.qt.widgets.parameter_field import Band, ParameterField

STEPS = HyperParameter("steps", "T", 100, 1, MAX_STEPS, log=True, integer=True,
                       help="number of updates to run")
SEED = HyperParameter("seed", "seed", 0, 0, 2**32 - 1, integer=True,
                      help="seed of the minibatch sequence")


Field = ParameterField | FormulaEditor
"""A parameter's editor: a formula has one of its own."""


def _start_parameter(name: str, symbol: str) -> HyperParameter:
    return HyperParameter(name, symbol, 0.0, help="start value; or click the map, or drag the marker")


def _row_label(parameter: HyperParameter) -> str:
    """The declared label, else ``α  lr``; a symbol that is a word already
    (``look-ahead``) stands alone."""
    if parameter.label:
        return parameter.label
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
    openDataRequested = Signal()
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
        self.hyper_fields: dict[str, ParameterField] = {}
        """The fields of the selected run's optimizer's hyperparameters, by name."""
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
        self.open_data = QPushButton("Open data…")
        self.open_data.setToolTip("fit the model to two columns of a data file (Ctrl+O)")
        self.open_data.clicked.connect(self.openDataRequested)
        row = QHBoxLayout()
        row.addWidget(self.data_combo, 1)
        row.addWidget(self.open_data)
        self.data_label = QLabel("Data")
        form.addRow(self.data_label, row)
        # A row for every parameter the data sources and the problem kinds declare,
        # made once and shown for the problem at hand. A hidden field keeps its
        # value, so a model chosen again gets back the value it had.
        self._parameter_rows: dict[HyperParameter, tuple[QLabel, Field]] = {}
        for source in DATA_SOURCES:
            self._add_parameter_rows(form, source.parameters, self._data_parameter_edited)
        for name, kind in PROBLEM_KINDS.items():
            self._add_parameter_rows(form, kind.parameters, self._model_parameter_edited,
                                     examples_of(name))
        self.data_fields: dict[str, Field] = {}
        """The shown fields of the data source's parameters, by name."""
        self.model_fields: dict[str, Field] = {}
        """The shown fields of the model's parameters, by name."""
        return group

    def _add_parameter_rows(self, form: QFormLayout, parameters: tuple[HyperParameter, ...],
                            slot, examples: tuple[FormulaExample, ...] = ()) -> None:  # type: ignore[no-untyped-def]
        for parameter in parameters:
            if parameter not in self._parameter_rows:
                label = QLabel(_row_label(parameter))
                field: Field
                if isinstance(parameter.reader, FormulaReader):
                    field = FormulaEditor(parameter, str(parameter.default), examples)
                    field.committed.connect(slot)
                    field.rejected.connect(self.message)
                    field.exampleChosen.connect(self._example_chosen)
                else:
                    field = self._field(parameter, parameter.default, slot)
                form.addRow(label, field)
                self._parameter_rows[parameter] = (label, field)

    def _field_values(self, parameters: tuple[HyperParameter, ...]) -> dict[str, object]:
        """What the fields of ``parameters`` show, by name."""
        return {p.name: self._parameter_rows[p][1].value
                for p in parameters if p in self._parameter_rows}

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
    def show_options(self, options: ViewOptions) -> None:
        """Show the colour map and the log scales of ``options`` (the controller's),
        without announcing them back as edits."""
        for box, shown in ((self.log_colour, options.log_scale),
                           (self.log_loss, options.log_loss)):
            with QSignalBlocker(box):
                box.setChecked(shown)
        with QSignalBlocker(self.colormap_combo):
            self.colormap_combo.setCurrentText(options.colormap)

    def show_problem(self, spec: ProblemSpec, problem: Problem) -> None:
        """Show the problem's settings."""
        self._spec = spec
        self._n_points = problem.n_points
        with QSignalBlocker(self.model_combo):
            self.model_combo.setCurrentText(spec.model)
        source, data = spec.data_source, spec.resolved_data
        with QSignalBlocker(self.data_combo):
            self.data_combo.clear()
            if source is not None:
                for offered in DATA_SOURCES:
                    if offered.offered:  # files come from "Open data…"
                        self.data_combo.addItem(offered.name, offered.name)
                current = source.name
                if not source.offered:
                    # A file or embedded points: in a few words in the list, whole as
                    # data and tooltip.
                    current = data
                    self.data_combo.addItem(source.label(current), current)
                    self.data_combo.setItemData(self.data_combo.count() - 1, current, 3)
                self.data_combo.setCurrentIndex(self.data_combo.findData(current))
        for widget in (self.data_label, self.data_combo, self.open_data):
            widget.setVisible(source is not None)
        self._show_parameters(spec)
        self.start0_label.setText(f"Start {problem.axes[0].symbol}")
        self.start1_label.setText(f"Start {problem.axes[1].symbol}")

    def _show_parameters(self, spec: ProblemSpec) -> None:
        """Show the fields of the data source's and the model's parameters, and only those."""
        source = spec.data_source
        data_values = source.values(spec.resolved_data) if source is not None else {}
        self.data_fields, self.model_fields = {}, {}
        for parameter, (label, field) in self._parameter_rows.items():
            name = parameter.name
            shown_in: dict[str, Field] | None = None
            if source is not None and parameter in source.parameters:
                shown_in, value = self.data_fields, data_values[name]
            elif parameter in spec.kind.parameters:
                shown_in, value = self.model_fields, spec.parameters[name]
            if shown_in is not None:
                field.set_value(value)
                shown_in[name] = field
            label.setVisible(shown_in is not None)
            field.setVisible(shown_in is not None)

    def show_run(self, settings: RunSettings, fanned: str | None = None) -> None:
        """Show the selected run's resolved settings (a fan's base settings, with the
        parameter it spreads, ``fanned``, shown but not editable).

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
        self._show_fanned(fanned)
        self.steps.set_value(settings.steps)
        assert settings.start is not None
        self.start0.set_value(settings.start[0])
        self.start1.set_value(settings.start[1])

    def show_step_bound(self, curvature: Curvature | None) -> None:
        """Colour the learning rate's slider by what gradient descent does at each rate
        under ``curvature``'s bound, and say beside it what the rate shown does (for a
        run of minibatches, what full-batch descent at it would do: the bound is the
        full data's); ``None`` (another optimizer, a problem without that bound) shows
        nothing."""
        field = self.hyper_fields.get("lr") if self._settings is not None else None
        if field is None:
            return
        if curvature is None:
            field.set_bands(())
            return
        batch = minibatch(self._settings.batch_size, self._n_points)
        bands = [Band(low, high, REGIME_COLOURS[regime],
                      regime.value if batch is None else f"full-batch descent {regime.conditional}")
                 for low, high, regime in curvature.bands()]
        lr = float(field.value)
        regime = curvature.regime(lr)
        if regime is None:  # no bound here: the words say why
            field.set_bands((), curvature.describe())
            return
        field.set_bands(bands, rate_words(curvature, lr, batch, self._n_points),
                        REGIME_COLOURS[regime])

    def _show_fanned(self, fanned: str | None) -> None:
        """Only the fan sets the parameter it spreads (Run > Fan over… changes its values)."""
        for name, field in self.hyper_fields.items():
            field.setEnabled(name != fanned)
        if self._n_points is not None:
            self.batch_seed.setEnabled(fanned != SEED.name)

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
        batch = HyperParameter("batch_size", "B", n, 1, n, integer=True, label="Batch size B",
                               help=f"points per minibatch; {n} (all) is full-batch descent")
        self.batch_size = self._field(batch, n, self._run_field_edited)
        self.batch_form.addRow(batch.label, self.batch_size)
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
        if model in PROBLEM_KINDS and model != self._spec.model:
            # Its parameters as their fields last showed them (their defaults at first).
            kind = PROBLEM_KINDS[model]
            values = self._field_values(kind.parameters)
            # The user's own data (a file, points) stay for a model that fits data: a
            # student opens a CSV file, then types a formula to fit to it. A built-in or
            # synthetic set belongs to its model; the new one takes its own.
            data = self._spec.data
            own = (data is not None and kind.default_data is not None
                   and not data_source(data).offered)
            self.problemRequested.emit(ProblemSpec(model, data if own else None,
                                                   parameters=values))

    def _data_chosen(self, _: int) -> None:
        choice = self.data_combo.currentData()
        source = data_source(choice)
        if source.parameters:  # made from the fields' values
            data = source.with_values(None, self._field_values(source.parameters))
        else:
            data = None if choice == self._spec.kind.default_data else choice
        self.problemRequested.emit(replace(self._spec, data=data))

    def _data_parameter_edited(self, name: str, value: object) -> None:
        source = self._spec.data_source
        assert source is not None  # the fields are shown only for a source that has them
        data = source.with_values(self._spec.resolved_data, {name: value})
        self.problemRequested.emit(replace(self._spec, data=data))

    def _example_chosen(self, example: FormulaExample) -> None:
        self.problemRequested.emit(example.spec)

    def _model_parameter_edited(self, name: str, value: object) -> None:
        # The field has validated the value against the model's declaration already.
        self.problemRequested.emit(replace(self._spec, **{name: value}))
