"""Problems describe themselves in the core: the app and the command line ask what a
problem can do and never name a model, a surface, a data set or a problem class.

Like the import contracts, this reads the source: it needs neither Qt nor a display.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradviz.core.kinds import PROBLEM_KINDS
from gradviz.core.sources import DATA_SOURCES

ROOT = Path(__file__).resolve().parents[1] / "gradviz"
FRONT_ENDS = sorted([*(ROOT / "qt").rglob("*.py"), ROOT / "cli.py"])

# The core's problem classes and the modules that hold what only the core should know.
CLASSES = ("DataFitProblem", "AnalyticProblem", "GaborModel", "LinearModel", "DataModel",
           "SyntheticSpec", "BUILTIN_DATASETS", "parse_synthetic", "gradviz.core.models",
           "gradviz.core.data", "gradviz.core.losses", "gradviz.core.analytic")
# Files are the one source the front ends know by a capability (it reads a file).
NAMES = (*PROBLEM_KINDS, *(s.name for s in DATA_SOURCES if not s.reads_file))


def _found(source: str) -> list[str]:
    found = [word for word in CLASSES if re.search(rf"\b{re.escape(word)}\b", source)]
    # A name in quotes is a check on it (or a default chosen by name); in prose it is not.
    found += [name for name in NAMES if re.search(rf"[\"']{re.escape(name)}[\"':]", source)]
    found += re.findall(r"[\"']udl-", source)  # the book's data sets, old and new
    return found


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_front_end_names_a_problem(path: Path) -> None:
    assert _found(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("line", [
    "if isinstance(problem, DataFitProblem):",
    'gabor = spec.model == "gabor"',
    "from gradviz.core.data import BUILTIN_DATASETS",
    'return "udl-gabor" if gabor else "udl-linear"',
    "if choice == 'synthetic':",
    "from gradviz.core.models import GaborModel",
])
def test_the_check_catches_what_it_forbids(line: str) -> None:
    assert _found(line)
