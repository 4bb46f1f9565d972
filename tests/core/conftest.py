"""Fixtures for the numeric core's tests: plain numpy, never Qt."""

from __future__ import annotations

import numpy as np
import pytest
from core_reference import problem

from gradviz.core.problems import MODELS, Problem


@pytest.fixture(params=MODELS)
def any_problem(request: pytest.FixtureRequest) -> Problem:
    """Every problem gradviz offers, with its default data."""
    return problem(request.param)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so tests that draw random numbers are reproducible."""
    return np.random.default_rng(20250101)
