"""The formula editor in the control panel, undefined cells on the map, and runs that
stop where the loss is undefined."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gradviz.core.colormaps import load_colormap
from gradviz.core.formula import Formula, FormulaError
from gradviz.core.formula_examples import examples_of
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings
from gradviz.qt.app import make_application

SURFACE = "formula-surface"
MODEL = "formula"
LOG = ProblemSpec(SURFACE, None, expression="log(phi0) + phi1**2", bounds="-1 3 -2 2",
                  guess="1.5 1")


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    make_application()
    from gradviz.qt.widgets.control_panel import ControlPanel

    widget = ControlPanel()
    qtbot.addWidget(widget)
    spec = ProblemSpec(SURFACE, None)
    widget.show_problem(spec, spec.build())
    return widget


def _typed(qtbot, editor, text: str):  # type: ignore[no-untyped-def]
    """Type ``text`` into ``editor`` and wait for it to be read (after the debounce)."""
    with qtbot.waitSignal(editor.checked, timeout=2000) as read:
        editor.edit.setPlainText(text)
    return read.args[0]


def test_the_expression_has_a_formula_editor(panel) -> None:
    from gradviz.qt.widgets.formula_editor import FormulaEditor

    editor = panel.model_fields["expression"]
    assert isinstance(editor, FormulaEditor)
    assert editor.text == editor.value == "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2"
    assert not editor.error.isVisibleTo(panel)
    assert editor.example_combo.count() == 1 + len(examples_of(SURFACE))


def test_a_refused_formula_is_marked_at_its_column_and_not_applied(panel, qtbot) -> None:
    editor = panel.model_fields["expression"]
    read = _typed(qtbot, editor, "phi0 + foo * phi1")
    assert isinstance(read, FormulaError) and read.column == 8
    assert editor.error.isVisibleTo(panel)
    assert editor.error.text().startswith("column 8: unknown name 'foo'")
    (mark,) = editor.edit.extraSelections()
    assert (mark.cursor.selectionStart(), mark.cursor.selectionEnd()) == (7, 10)
    assert mark.cursor.selectedText() == "foo"
    assert not editor.apply.isEnabled()
    with qtbot.assertNotEmitted(panel.problemRequested), \
            qtbot.waitSignal(panel.message, timeout=1000) as refused:
        qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    assert "column 8" in refused.args[0]
    assert editor.value == "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2"
    assert editor.text == "phi0 + foo * phi1"  # kept, to be mended


def test_a_good_formula_reads_and_return_applies_it(panel, qtbot) -> None:
    editor = panel.model_fields["expression"]
    _typed(qtbot, editor, "phi0 + foo")
    read = _typed(qtbot, editor, "phi0**2 + 3*phi1**2")
    assert isinstance(read, Formula)
    assert not editor.error.isVisibleTo(panel) and editor.edit.extraSelections() == []
    assert editor.apply.isEnabled()
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as requested:
        qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    spec = requested.args[0]
    assert spec.model == SURFACE and spec.parameters["expression"] == "phi0**2 + 3*phi1**2"
    assert editor.value == "phi0**2 + 3*phi1**2"


def test_escape_restores_the_applied_formula(panel, qtbot) -> None:
    editor = panel.model_fields["expression"]
    _typed(qtbot, editor, "phi0 +")
    qtbot.keyClick(editor.edit, Qt.Key.Key_Escape)
    assert editor.text == editor.value and not editor.error.isVisibleTo(panel)


def test_an_example_fills_the_formula_window_and_start(panel, qtbot) -> None:
    editor = panel.model_fields["expression"]
    example = examples_of(SURFACE)[1]
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as requested:
        editor.example_combo.activated.emit(2)
    assert requested.args[0] == example.spec
    panel.show_problem(example.spec, example.spec.build())
    assert editor.text == example.expression
    assert panel.model_fields["bounds"].value == example.spec.parameters["bounds"]
    assert panel.model_fields["guess"].value == example.spec.parameters["guess"]
    assert editor.example_combo.currentIndex() == 0  # a menu, ready for the next pick


def test_the_model_examples_include_the_typed_gabor_and_build(panel, qtbot) -> None:
    spec = ProblemSpec(MODEL, None)
    panel.show_problem(spec, spec.build())
    editor = panel.model_fields["expression"]
    titles = [editor.example_combo.itemText(i) for i in range(editor.example_combo.count())]
    assert any("Gabor" in title for title in titles)
    for example in examples_of(MODEL):
        assert example.spec.build().n_points  # data to fit


@pytest.mark.parametrize(("kind", "text", "symbol"), [
    (SURFACE, "(1 - phi0)**2 + 100*(phi1 - phi0**2)**2", "L"),
    (MODEL, "phi0 * exp(-phi1 * x)", "f"),
])
def test_the_derivative_shown_is_the_cores(panel, qtbot, kind, text, symbol) -> None:
    spec = ProblemSpec(kind, None, expression=text)
    problem = spec.build()
    panel.show_problem(spec, problem)
    editor = panel.model_fields["expression"]
    assert not editor.derivative.isVisibleTo(panel)
    editor.show_derivative.setChecked(True)
    assert editor.derivative.isVisibleTo(panel)
    gradient = (problem.model if hasattr(problem, "model") else problem).gradient_text()
    assert editor.derivative.toPlainText().split("\n") == [
        f"∂{symbol}/∂φ₀ = {gradient[0]}", f"∂{symbol}/∂φ₁ = {gradient[1]}"]
    _typed(qtbot, editor, "phi0 +")
    assert not editor.derivative.isVisibleTo(panel)  # nothing to show for a refused text


# -- undefined cells and runs ---------------------------------------------------------------
def _colour_at(view, phi: tuple[float, float]) -> np.ndarray:  # type: ignore[no-untyped-def]
    image = view.grab().toImage()
    point = view.mapFromScene(view.getPlotItem().vb.mapViewToScene(QPointF(*phi)))
    colour = image.pixelColor(point.x(), point.y())
    return np.array([colour.red(), colour.green(), colour.blue()])


def test_undefined_cells_are_drawn_hatched_grey_and_noted(qtbot) -> None:
    make_application()
    from gradviz.qt.style import UNDEFINED_GREYS
    from gradviz.qt.views.surface_view import UNDEFINED_NOTE, SurfaceView

    view = SurfaceView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.set_colormap(load_colormap("udl"), "udl")
    problem = LOG.build()
    phi0, phi1 = np.linspace(-1, 3, 120), np.linspace(-2, 2, 100)
    values = problem.loss_grid(phi0, phi1)
    assert np.isnan(values[:, phi0 < 0]).all() and np.isfinite(values[:, phi0 > 0]).all()
    view.set_surface(phi0, phi1, values, np.empty((0, 2)), np.array([2.0, 0.0]), False)
    view.show_window(problem.window)
    view.show()
    qtbot.waitExposed(view)
    assert view.undefined_shown and UNDEFINED_NOTE in view.colour_bar.getAxis("right").labelText
    greys = {tuple(grey) for grey in UNDEFINED_GREYS}
    inside = [tuple(_colour_at(view, (x, y))) for x in (-0.8, -0.5, -0.2) for y in (-1, 0, 1)]
    assert all(min(np.abs(np.subtract(c, g)).max() for g in greys) <= 3 for c in inside)
    defined = _colour_at(view, (2.0, 1.0))
    assert np.ptp(defined) > 30  # a colour of the map, not a grey
    view.set_surface(phi0, phi1, np.ones((100, 120)), np.empty((0, 2)), np.zeros(2), False)
    assert not view.undefined_shown and not view.undefined.isVisible()
    assert view.colour_bar.getAxis("right").labelText == "loss"


def test_a_run_into_the_undefined_region_stops_with_its_badge(window, qtbot) -> None:
    c = window.controller
    c.set_problem(LOG)
    qtbot.waitUntil(lambda: c.spec == LOG and window.surface_view.undefined_shown,
                    timeout=10_000)
    c.edit_selected(RunSettings(optimizer="gd", hyperparameters={"lr": 0.1}, steps=50,
                                start=(0.3, 1.0)))
    stopped = c.runs[0]
    c.run_to_end()
    qtbot.waitUntil(lambda: stopped.record.diverged_at == 1, timeout=5000)
    assert stopped.record.undefined
    qtbot.waitUntil(lambda: stopped.run_id in window.surface_view._badges, timeout=3000)
    badge = window.surface_view._badges[stopped.run_id].textItem.toPlainText()
    assert badge == "✖ stopped at update 1:\nthe loss is undefined here (log of a negative?)"
    assert "learning rate" not in badge
    qtbot.waitUntil(lambda: "undefined at update 1" in window.surface_view._legend_text.get(
        stopped.run_id, ""), timeout=3000)


def test_a_run_that_starts_where_the_loss_is_undefined_says_so_not_nan(window, qtbot) -> None:
    c = window.controller
    c.set_problem(LOG)
    qtbot.waitUntil(lambda: c.spec == LOG and window.surface_view.undefined_shown,
                    timeout=10_000)
    c.edit_selected(RunSettings(optimizer="gd", steps=50, start=(-0.5, 1.0)))
    stopped = c.runs[0]
    c.run_to_end()
    qtbot.waitUntil(lambda: stopped.record.diverged_at == 1, timeout=5000)
    qtbot.waitUntil(lambda: "undefined at update 1" in window.surface_view._legend_text.get(
        stopped.run_id, ""), timeout=3000)
    legend = window.surface_view._legend_text[stopped.run_id]
    assert "loss undefined" in legend and "nan" not in legend.lower()
    qtbot.waitUntil(lambda: "loss undefined" in window.status.text(), timeout=3000)
    assert "nan" not in window.status.text().lower()


def test_a_new_start_in_the_problems_start_field_restarts_the_runs_there(window, qtbot) -> None:
    c = window.controller
    c.set_problem(LOG)
    qtbot.waitUntil(lambda: c.spec == LOG and c.surface is not None, timeout=10_000)
    field = window.control_panel.model_fields["guess"]
    field.edit.setText("2 -1")
    with qtbot.waitSignal(window.control_panel.problemRequested, timeout=5000):
        qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.problem.start == (2.0, -1.0), timeout=5000)
    assert c.runs[0].settings.start == (2.0, -1.0)
    qtbot.waitUntil(lambda: len(c.runs[0].record) >= 1, timeout=5000)
    np.testing.assert_array_equal(c.runs[0].record.phi[0], (2.0, -1.0))
    panel = window.control_panel  # the run's own start fields show it too
    qtbot.waitUntil(lambda: (panel.start0.value, panel.start1.value) == (2.0, -1.0),
                    timeout=3000)


def test_return_in_the_editor_changes_the_surface(window, qtbot) -> None:
    c = window.controller
    c.set_problem(ProblemSpec(SURFACE, None))
    qtbot.waitUntil(lambda: c.spec.model == SURFACE and c.surface is not None, timeout=10_000)
    editor = window.control_panel.model_fields["expression"]
    before = c.surface
    _typed(qtbot, editor, "phi0**2 + phi1**2")
    with qtbot.waitSignal(window.control_panel.problemRequested, timeout=5000):
        qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.surface is not before and c.surface is not None
                    and c.spec.parameters["expression"] == "phi0**2 + phi1**2", timeout=10_000)
    assert c.surface.minimum_loss == pytest.approx(0.0, abs=1e-6)
