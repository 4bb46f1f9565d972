"""The per-step columns are declared once, and every holder of a run's numbers reads them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from column_checks import check_every_column

from gradviz.core.columns import STEP_COLUMNS, TERM_COLUMNS, Column, Kind
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings, iterate

ROOT = Path(__file__).resolve().parents[2]
SPEC = ProblemSpec("linear", "synthetic:n=11,noise=0.3,seed=2")
SETTINGS = RunSettings(optimizer="sgd", batch_size=4, seed=3, steps=7)


@pytest.mark.parametrize(("optimizer", "terms"), [
    ("sgd", False), ("sgd", True), ("adam", True), ("nesterov", True), ("adam", False)])
def test_every_declared_column_reaches_every_holder_and_both_files(
    tmp_path: Path, optimizer: str, terms: bool
) -> None:
    # Adam's and Nesterov's runs with their terms record every optional column between
    # them; runs without terms (and SGD's, which has none) record none.
    problem = SPEC.build()
    settings = replace(SETTINGS, optimizer=optimizer).resolve(problem)
    steps = list(iterate(problem, settings, terms=terms))
    reported = set(OPTIMIZERS[optimizer].terms) if terms else set()
    assert {c.name for c in TERM_COLUMNS if steps[-1]._asdict()[c.name] is not None} == reported
    check_every_column(SPEC, settings, steps, tmp_path)


def test_the_optimizers_report_every_term_column() -> None:
    assert {name for cls in OPTIMIZERS.values() for name in cls.terms} == {
        c.name for c in TERM_COLUMNS}
    assert all(c.optional and c.width == 2 for c in TERM_COLUMNS)


def test_a_column_is_a_number_or_a_point_and_has_distinct_names() -> None:
    names = [name for column in STEP_COLUMNS for name in column.file_names]
    assert len(set(names)) == len(names)
    assert len({c.series for c in STEP_COLUMNS}) == len(STEP_COLUMNS)
    with pytest.raises(ValueError, match="width"):
        Column("batch", Kind.INDICES, "Indices.", width=2)
    assert Column("m", Kind.FLOAT, "A point.", width=2).file_names == ("m0", "m1")


# A process that declares one more column, as the optimizers' terms are declared,
# before gradviz is imported: that one edit must reach every holder and file.
# It loads the schema module first, by path, so that it is declared before anything reads it.
DECLARED = textwrap.dedent(
    """
    import importlib.util, sys
    from pathlib import Path

    root, folder = Path(sys.argv[1]), Path(sys.argv[2])
    spec = importlib.util.spec_from_file_location(
        "gradviz.core.columns", root / "gradviz" / "core" / "columns.py")
    columns = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = columns
    spec.loader.exec_module(columns)
    columns.STEP_COLUMNS += (columns.Column(
        "moment", columns.Kind.FLOAT, "An optimizer's first moment.", width=2,
        file_name="mu", optional=True),)

    import numpy as np
    sys.path.insert(0, str(root / "tests" / "core"))
    from column_checks import check_every_column
    from gradviz.core.engine import Engine
    from gradviz.core.export import trajectory_rows, write_trajectory
    from gradviz.core.problems import ProblemSpec
    from gradviz.core.run import RunSettings, Trajectory, iterate, run

    problem_spec = ProblemSpec("linear", "synthetic:n=11,noise=0.3,seed=2")
    problem = problem_spec.build()
    settings = RunSettings(optimizer="sgd", batch_size=4, seed=3, steps=7).resolve(problem)
    plain = list(iterate(problem, settings))
    assert all(step.moment is None for step in plain)  # a run that does not record it
    with_moment = [step._replace(moment=np.array([0.5, -1.0]) * step.update) for step in plain]
    check_every_column(problem_spec, settings, with_moment, folder)
    # The engine's runs, which do not record it, hold None there and step as before.
    engine = Engine(problem, [settings])
    block = engine.advance(settings.steps)
    assert engine.start.moment is None and block.moment is None
    assert repr(engine.start.steps(0) + block.steps(0)) == repr(plain)
    assert list(trajectory_rows(Trajectory.from_steps(settings, with_moment))[0])[-3:] == [
        "mu0", "mu1", "batch"]

    # A run without it is written as before, byte for byte.
    sys.path.insert(0, str(root / "tests"))
    from golden_cases import run_file
    for name, spec, run_settings in [
        ("gabor-nesterov-notebook", ProblemSpec("gabor"),
         RunSettings(optimizer="nesterov", batching="notebook", seed=1, steps=20)),
    ]:
        trajectory = run(spec.build(), run_settings)
        assert trajectory.moment is None
        for suffix in (".csv", ".json"):
            write_trajectory(folder / f"plain{suffix}", spec, trajectory)
            assert (folder / f"plain{suffix}").read_bytes() == run_file(
                name, suffix).read_bytes()
    print("DECLARED ONCE, FOUND EVERYWHERE")
    """
)


def test_a_column_declared_once_reaches_every_holder_and_both_files(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    ))
    done = subprocess.run(
        [sys.executable, "-c", DECLARED, str(ROOT), str(tmp_path)], env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "DECLARED ONCE, FOUND EVERYWHERE" in done.stdout


def test_a_column_stacks_the_steps_values_as_its_holders_keep_them() -> None:
    phi = next(c for c in STEP_COLUMNS if c.name == "phi")
    stacked = phi.stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    assert isinstance(stacked, np.ndarray) and stacked.shape == (2, 2)
    assert phi.stack([]).shape == (0, 2)
    optional = Column("m", Kind.FLOAT, "A point.", width=2, optional=True)
    assert optional.stack([None, None]) is None and optional.stack([]) is None
