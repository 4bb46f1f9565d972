"""Data sources: each spec is claimed by one declared source, which says if it reads a file."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.data import (
    BUILTIN_DATASETS,
    SYNTHETIC_PARAMETERS,
    DataError,
    SyntheticSpec,
    parse_synthetic,
)
from gradviz.core.models import GaborModel, LinearModel
from gradviz.core.sources import DATA_SOURCES, data_source, load_data


@pytest.mark.parametrize(
    ("spec", "name", "reads_file"),
    [
        ("udl-linear", "udl-linear", False),
        ("udl-gabor", "udl-gabor", False),
        ("synthetic", "synthetic", False),
        ("synthetic:n=12,seed=3", "synthetic", False),
        ("points.csv", "file", True),
        ("/data/udl-gabor.csv", "file", True),
        ("udl-gabor ", "file", True),
    ],
)
def test_every_spec_has_one_source_that_says_if_it_reads_a_file(spec, name, reads_file) -> None:
    source = data_source(spec)
    assert (source.name, source.reads_file) == (name, reads_file)
    assert [s.claims(spec) for s in DATA_SOURCES].index(True) == DATA_SOURCES.index(source)


def test_the_sources_are_the_builtin_sets_the_generator_points_and_files() -> None:
    assert [s.name for s in DATA_SOURCES] == [*BUILTIN_DATASETS, "synthetic", "points", "file"]
    assert [s.reads_file for s in DATA_SOURCES] == [False, False, False, False, True]
    # The app's list offers what can be chosen without more: not points nor files.
    assert [s.offered for s in DATA_SOURCES] == [True, True, True, False, False]
    assert data_source("synthetic").parameters == SYNTHETIC_PARAMETERS
    assert all(not s.parameters for s in DATA_SOURCES if s.name != "synthetic")


def test_each_source_loads_its_data(tmp_path) -> None:
    csv = tmp_path / "three.csv"
    csv.write_text("x,y\n0,1\n1,2\n2,4\n")
    assert load_data(None, LinearModel(), "udl-linear").n == 12
    assert load_data("udl-gabor", LinearModel(), "udl-linear").name == "udl-gabor"
    assert load_data("synthetic:n=7", GaborModel(), "udl-gabor").n == 7
    assert load_data(str(csv), LinearModel(), "udl-linear").y.tolist() == [1.0, 2.0, 4.0]


def test_synthetic_values_and_specs_made_from_them() -> None:
    source = data_source("synthetic")
    assert source.values("synthetic") == {"n": 30, "noise": 0.1, "seed": 0}
    assert source.values("synthetic:n=12,noise=0.5,seed=3") == {"n": 12, "noise": 0.5, "seed": 3}
    assert source.with_values(None, {"n": 40}) == "synthetic:n=40,noise=0.1,seed=0"
    # The options the app has no field for are kept.
    kept = source.with_values("synthetic:n=5,phi0=1,phi1=2", {"seed": 9})
    assert parse_synthetic(kept) == SyntheticSpec(n=5, seed=9, phi=(1.0, 2.0))


def test_a_source_without_parameters_takes_none() -> None:
    source = data_source("udl-gabor")
    assert source.with_values("udl-gabor", {}) == "udl-gabor"
    with pytest.raises(DataError, match="take no parameters"):
        source.with_values("udl-gabor", {"n": 3})


@given(n=st.integers(-10, 200_000))
@settings(max_examples=60, deadline=None)
def test_synthetic_points_obey_the_one_declared_range(n: int) -> None:
    (declared,) = (p for p in SYNTHETIC_PARAMETERS if p.name == "n")
    allowed = declared.low <= n <= declared.high
    try:
        SyntheticSpec(n=n)
    except DataError as exc:
        assert not allowed and "n must be between 2 and 1000000" in str(exc)
    else:
        assert allowed


def test_synthetic_defaults_are_the_declared_ones() -> None:
    assert {p.name: p.default for p in SYNTHETIC_PARAMETERS} == {
        "n": SyntheticSpec().n, "noise": SyntheticSpec().noise, "seed": SyntheticSpec().seed}
