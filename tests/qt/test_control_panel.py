"""The control panel's problem section is made from the core's declarations."""

from __future__ import annotations

import pytest

from gradviz.core.data import SYNTHETIC_N
from gradviz.core.models import ENVELOPE
from gradviz.core.problems import ProblemSpec
from gradviz.qt.app import make_application


@pytest.fixture
def panel(qtbot):  # type: ignore[no-untyped-def]
    """A control panel of its own, no window around it."""
    make_application()
    from gradviz.qt.widgets.control_panel import ControlPanel

    widget = ControlPanel()
    qtbot.addWidget(widget)
    return widget


def _show(panel, spec: ProblemSpec) -> None:  # type: ignore[no-untyped-def]
    panel.show_problem(spec, spec.build())


def _type(field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.edit.setText(text)
    field.edit.editingFinished.emit()


def _visible(panel, widget) -> bool:  # type: ignore[no-untyped-def]
    return widget.isVisibleTo(panel)


def test_a_registered_kind_shows_its_parameter_field(qtbot, tilted_kind) -> None:
    make_application()
    from gradviz.qt.widgets.control_panel import ControlPanel

    panel = ControlPanel()
    qtbot.addWidget(panel)
    assert panel.model_combo.findText("tilted") >= 0
    _show(panel, ProblemSpec("tilted", tilt=2.0))
    assert list(panel.model_fields) == ["tilt"] and panel.data_fields == {}
    field = panel.model_fields["tilt"]
    assert field.parameter is tilted_kind.parameters[0] and field.value == 2.0
    assert _visible(panel, field) and not _visible(panel, panel.data_combo)
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        _type(field, "3.5")
    assert blocker.args[0] == ProblemSpec("tilted", tilt=3.5)
    with qtbot.waitSignal(panel.message, timeout=1000) as refused:
        _type(field, "12")
    assert "t (tilt) must be between 0 and 10" in refused.args[0]


def test_the_model_fields_follow_the_model_and_keep_their_values(panel, qtbot) -> None:
    _show(panel, ProblemSpec("gabor", envelope=8.0))
    envelope = panel.model_fields["envelope"]
    assert envelope.parameter is ENVELOPE and envelope.value == 8.0 and _visible(panel, envelope)
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        panel.model_combo.setCurrentText("linear")
    assert blocker.args[0] == ProblemSpec("linear")
    _show(panel, blocker.args[0])
    assert panel.model_fields == {} and not _visible(panel, envelope)
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        panel.model_combo.setCurrentText("gabor")
    assert blocker.args[0] == ProblemSpec("gabor", envelope=8.0)  # as the field last showed


def test_another_model_keeps_the_user_s_own_data(panel, qtbot, tmp_path) -> None:
    csv = tmp_path / "decay.csv"
    csv.write_text("x,y\n0,2\n1,1.2\n2,0.7\n")
    _show(panel, ProblemSpec("linear", str(csv)))
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        panel.model_combo.setCurrentText("formula")
    assert blocker.args[0].model == "formula" and blocker.args[0].data == str(csv)
    _show(panel, ProblemSpec("linear", "synthetic:n=20,noise=0.1,seed=3"))
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        panel.model_combo.setCurrentText("gabor")
    assert blocker.args[0] == ProblemSpec("gabor")  # a generated set is the model's own
    _show(panel, ProblemSpec("linear", str(csv)))
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        panel.model_combo.setCurrentText("ravine")
    assert blocker.args[0] == ProblemSpec("ravine")  # a surface takes no data


def test_the_envelope_field_takes_the_cores_range(panel, qtbot) -> None:
    _show(panel, ProblemSpec("gabor"))
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        _type(panel.model_fields["envelope"], "0.2")  # below the slider, inside the range
    assert blocker.args[0].parameters["envelope"] == 0.2
    with qtbot.waitSignal(panel.message, timeout=1000) as refused:
        _type(panel.model_fields["envelope"], "0")
    assert "Envelope E must be positive" in refused.args[0]


def test_the_synthetic_fields_are_the_generators_with_the_cores_ranges(panel, qtbot) -> None:
    spec = ProblemSpec("linear", "synthetic:n=40,noise=0.5,seed=3,phi0=1,phi1=2")
    _show(panel, spec)
    assert list(panel.data_fields) == ["n", "noise", "seed"] and panel.model_fields == {}
    n = panel.data_fields["n"]
    assert n.parameter is SYNTHETIC_N and n.value == 40 and _visible(panel, n)
    assert panel.data_combo.currentData() == "synthetic"
    with qtbot.waitSignal(panel.problemRequested, timeout=1000) as blocker:
        _type(n, "20000")  # more than the panel once allowed, as many as the core does
    assert blocker.args[0].data == "synthetic:n=20000,noise=0.5,seed=3,phi0=1,phi1=2"
    with qtbot.waitSignal(panel.message, timeout=1000) as refused:
        _type(n, "1000001")
    assert "Points N must be between 2 and 1000000; got 1000001" in refused.args[0]


def test_the_data_list_is_the_declared_sources(panel, tmp_path) -> None:
    _show(panel, ProblemSpec("gabor"))
    names = [panel.data_combo.itemData(i) for i in range(panel.data_combo.count())]
    assert names == ["udl-linear", "udl-gabor", "synthetic"]
    assert panel.data_combo.currentData() == "udl-gabor" and panel.data_fields == {}
    csv = tmp_path / "mine.csv"
    csv.write_text("x,y\n0,1\n1,2\n")
    _show(panel, ProblemSpec("gabor", str(csv)))
    assert panel.data_combo.currentText() == "mine.csv"
    assert panel.data_combo.currentData() == str(csv)
    _show(panel, ProblemSpec("gabor", f"{csv}:x=2,y=1"))
    assert panel.data_combo.currentText() == "mine.csv (2, 1)"
    _show(panel, ProblemSpec("gabor", "points:0,1;1,2;2,2"))
    assert panel.data_combo.currentText() == "3 embedded points"
    assert panel.data_combo.currentData() == "points:0,1;1,2;2,2"
    _show(panel, ProblemSpec("ravine"))
    assert not _visible(panel, panel.data_combo) and not _visible(panel, panel.open_data)
