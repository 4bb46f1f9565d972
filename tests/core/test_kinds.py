"""The registry of problem kinds: declarations, capabilities and specs built from them."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from gradviz.core.kinds import (
    PROBLEM_KINDS,
    ProblemKind,
    declaration,
    describe_models,
    has_data,
    kinds_with_data,
    parameter_owners,
    problem_kind,
)
from gradviz.core.losses import NO_DATA_RANGES, Capabilities
from gradviz.core.models import ENVELOPE
from gradviz.core.problems import MODELS, ProblemSpec, make_problem
from gradviz.core.sources import DATA_SOURCES

DECLARED = [(f"{kind.name}.{p.name}", p) for kind in PROBLEM_KINDS.values() for p in kind.parameters]


def test_the_registry_holds_every_model_data_models_first() -> None:
    assert tuple(PROBLEM_KINDS) == MODELS == (
        "linear", "gabor", "formula", "ravine", "rosenbrock", "himmelblau", "saddle",
        "formula-surface")
    assert kinds_with_data() == ("linear", "gabor", "formula")
    assert describe_models() == {name: kind.description for name, kind in PROBLEM_KINDS.items()}
    assert all(problem_kind(name) is kind for name, kind in PROBLEM_KINDS.items())


@pytest.mark.parametrize("name", MODELS)
def test_each_kind_builds_a_problem_with_its_declared_capabilities(name: str) -> None:
    kind = PROBLEM_KINDS[name]
    problem = ProblemSpec(name).build()
    assert problem.name == name
    assert problem.capabilities == kind.capabilities
    assert (problem.data is not None) == kind.capabilities.has_data == has_data(name)
    if kind.capabilities.has_data:
        assert kind.default_data in {source.name for source in DATA_SOURCES}
        assert problem.data.source == kind.default_data
    else:
        assert kind.default_data is None


def test_the_capabilities_of_models_and_surfaces() -> None:
    for name in ("linear", "gabor", "formula"):
        assert PROBLEM_KINDS[name].capabilities == Capabilities(
            has_data=True, has_fit_curve=True, has_hessian=True)
    for name in ("ravine", "rosenbrock", "himmelblau", "saddle", "formula-surface"):
        assert PROBLEM_KINDS[name].capabilities == Capabilities(has_hessian=True)
    assert PROBLEM_KINDS["gabor"].capabilities.describe() == "data, fit curve, exact Hessian"
    assert Capabilities().describe() == ""


@pytest.mark.parametrize("name", ["ravine", "saddle"])
def test_a_surface_has_no_fit_curve_and_says_so(name: str) -> None:
    problem = make_problem(name)
    with pytest.raises(NotImplementedError, match="no fit curve"):
        problem.predict(np.zeros(3), np.zeros(2))
    assert problem.fit_ranges() == NO_DATA_RANGES


def test_fit_ranges_are_the_books_for_a_models_own_data_else_the_datas_extent() -> None:
    assert make_problem("gabor").fit_ranges() == ((-15.0, 15.0), (-1.0, 1.0))
    assert make_problem("linear").fit_ranges() == ((0.0, 2.0), (0.0, 2.0))
    (x0, x1), (y0, y1) = make_problem("linear", data="udl-gabor").fit_ranges()
    data = make_problem("linear", data="udl-gabor").data
    width, height = np.ptp(data.x), np.ptp(data.y)
    assert (x0, x1) == pytest.approx((data.x.min() - 0.05 * width, data.x.max() + 0.05 * width))
    assert (y0, y1) == pytest.approx((data.y.min() - 0.1 * height, data.y.max() + 0.1 * height))


@pytest.mark.parametrize("param", [p for _, p in DECLARED], ids=[i for i, _ in DECLARED])
def test_model_parameter_declarations_are_complete(param) -> None:  # type: ignore[no-untyped-def]
    assert param.name.isidentifier() and param.name not in ("model", "data", "parameters")
    assert param.symbol.strip() and len(param.help) > 10
    assert param.validate(param.default) == param.default
    if param.is_text:  # a formula, a window: typed, never slid
        assert param.slider_range is None
        return
    low, high = param.slider_range  # every one gets a slider in the app
    assert low < high and math.isfinite(low) and math.isfinite(high)
    assert param.validate(low) == low and param.validate(high) == high
    if param.log:
        assert low > 0


def test_the_envelope_is_declared_once_in_the_core() -> None:
    assert PROBLEM_KINDS["gabor"].parameters == (ENVELOPE,)
    assert PROBLEM_KINDS["linear"].parameters == ()
    formulas = [PROBLEM_KINDS["formula"], PROBLEM_KINDS["formula-surface"]]
    assert parameter_owners() == {"envelope": [PROBLEM_KINDS["gabor"]], "expression": formulas,
                                  "bounds": formulas, "guess": formulas}
    assert declaration("envelope") is ENVELOPE


@pytest.mark.parametrize("envelope", [1e-3, 0.4, 1200.0, 1e6])
def test_the_envelope_range_is_the_cores_whatever_the_front_end(envelope: float) -> None:
    # Values the app's slider does not reach are still the model's to take.
    assert ProblemSpec("gabor", envelope=envelope).build().model.envelope == envelope


@pytest.mark.parametrize("envelope", [0.0, -1.0, math.nan, math.inf, True, "wide"])
def test_a_bad_envelope_is_refused_by_its_declaration(envelope: object) -> None:
    with pytest.raises(ValueError, match="envelope must be"):
        ProblemSpec("gabor", envelope=envelope)


def test_the_spec_holds_the_models_parameters_generically() -> None:
    spec = ProblemSpec("gabor", parameters={"envelope": 8.0})
    assert spec == ProblemSpec("gabor", envelope=8.0) == ProblemSpec(**spec.to_dict())
    assert hash(spec) == hash(ProblemSpec("gabor", envelope=8.0))
    assert dict(spec.parameters) == {"envelope": 8.0}
    assert dict(ProblemSpec("gabor").parameters) == {"envelope": 32.0}  # defaults filled in
    assert dict(ProblemSpec("linear").parameters) == {}
    assert ProblemSpec("gabor", parameters={"envelope": 8.0}, envelope=2.0).parameters == {
        "envelope": 2.0}  # a keyword overrides the mapping
    assert replace(spec, envelope=3.0).parameters["envelope"] == 3.0
    with pytest.raises(TypeError):
        spec.parameters["envelope"] = 1.0  # type: ignore[index]


def test_another_models_parameter_is_checked_and_dropped() -> None:
    # As every spec once carried an envelope: files written then still read.
    spec = ProblemSpec("linear", envelope=8.0)
    assert spec == ProblemSpec("linear") and spec.to_dict() == {"model": "linear", "data": None}
    assert ProblemSpec(**{"model": "linear", "data": None, "envelope": 32.0}) == spec
    assert replace(ProblemSpec("gabor", envelope=8.0), model="ravine") == ProblemSpec("ravine")
    with pytest.raises(ValueError, match="envelope must be positive"):
        ProblemSpec("linear", envelope=-8.0)


def test_a_parameter_no_model_declares_is_refused() -> None:
    with pytest.raises(ValueError, match="no model has a parameter 'width'.*envelope"):
        ProblemSpec("gabor", width=2.0)


def test_the_spec_says_where_its_data_come_from(tmp_path) -> None:
    assert not ProblemSpec("gabor").reads_file
    assert ProblemSpec("gabor").data_source.name == "udl-gabor"
    assert ProblemSpec("gabor").resolved_data == "udl-gabor"
    assert ProblemSpec("linear", "synthetic:n=5").data_source.name == "synthetic"
    assert not ProblemSpec("linear", "udl-gabor").reads_file
    assert ProblemSpec("linear", str(tmp_path / "points.csv")).reads_file
    assert ProblemSpec("ravine").data_source is None and not ProblemSpec("ravine").reads_file


def test_a_kind_registered_elsewhere_is_one_entry(tilted_kind: ProblemKind) -> None:
    spec = ProblemSpec("tilted", tilt=3.0)
    problem = spec.build()
    assert problem.minimum()[0].tolist() == [1.5, 0.0]
    assert spec.to_dict() == {"model": "tilted", "data": None, "tilt": 3.0}
    assert ProblemSpec(**spec.to_dict()) == spec
    assert make_problem("tilted").tilt == 1.0  # the declared default
    assert "tilted" in describe_models() and not has_data("tilted")
    assert parameter_owners()["tilt"] == [tilted_kind]
    with pytest.raises(ValueError, match="tilt must be between 0 and 10; got 11"):
        ProblemSpec("tilted", tilt=11.0)
    with pytest.raises(ValueError, match="takes no data"):
        ProblemSpec("tilted", "udl-gabor")


@pytest.mark.parametrize("name", ["model", "data", "parameters"])
def test_a_kind_may_not_name_a_parameter_after_a_spec_field(name: str) -> None:
    kind = PROBLEM_KINDS["gabor"]
    with pytest.raises(ValueError, match=f"may not be named '{name}'"):
        replace(kind, name="odd", parameters=(replace(ENVELOPE, name=name),))


def test_a_kind_has_default_data_exactly_when_it_has_data() -> None:
    with pytest.raises(ValueError, match="default data"):
        replace(PROBLEM_KINDS["ravine"], default_data="udl-gabor")
    with pytest.raises(ValueError, match="default data"):
        replace(PROBLEM_KINDS["gabor"], default_data=None)
