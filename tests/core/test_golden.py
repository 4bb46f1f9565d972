"""What gradviz writes is, byte for byte, what it wrote before (tests/golden)."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_cases import RUNS, run_file, scene_exports, scene_file

from gradviz import cli
from gradviz.core.export import write_run, write_trajectory
from gradviz.core.run import iterate, run

SUFFIXES = (".csv", ".json")


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("name", RUNS)
def test_a_finished_run_is_written_as_before(tmp_path: Path, name: str, suffix: str) -> None:
    spec, settings = RUNS[name]
    path = tmp_path / f"run{suffix}"
    write_trajectory(path, spec, run(spec.build(), settings))
    assert path.read_bytes() == run_file(name, suffix).read_bytes()


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("name", RUNS)
def test_a_streamed_run_is_written_as_before(tmp_path: Path, name: str, suffix: str) -> None:
    spec, settings = RUNS[name]
    problem = spec.build()
    settings = settings.resolve(problem)
    path = tmp_path / f"run{suffix}"
    write_run(path, spec, settings, iterate(problem, settings))
    assert path.read_bytes() == run_file(name, suffix).read_bytes()


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("name", scene_exports())
def test_a_scenes_runs_are_exported_as_before(tmp_path: Path, capsys, name: str,
                                              suffix: str) -> None:
    path = tmp_path / f"runs{suffix}"
    assert cli.main(["export", *scene_exports()[name], "--out", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {path} (")
    assert path.read_bytes() == scene_file(name, suffix).read_bytes()


def test_a_cpus_own_golden_files_stand_in_for_files_of_the_reference_set() -> None:
    from golden_cases import GOLDEN

    for folder in (p for p in GOLDEN.iterdir() if p.is_dir()):
        own = sorted(p.name for p in folder.iterdir())
        assert own and all((GOLDEN / name).is_file() for name in own), folder.name
