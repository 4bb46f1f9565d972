"""Your own data everywhere: scenes that embed points or reference a file beside them
(with the columns chosen), the command line's --data, exports and synthetic sets of a
million points."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gradviz.cli import main
from gradviz.core.data import SyntheticSpec, synthetic
from gradviz.core.models import GaborModel
from gradviz.core.problems import ProblemSpec
from gradviz.core.scenes import SceneError, find_scene, load_scene, save_scene, scene_to_text

SCENE = """title = "Own data"

[problem]
model = "linear"
{data}

[[runs]]
optimizer = "gd"
lr = 0.02
steps = 20
"""


def _scene(folder: Path, data: str, name: str = "own.toml") -> Path:
    path = folder / name
    path.write_text(SCENE.format(data=data))
    return path


def test_a_scene_embeds_points_and_saves_them_back(tmp_path) -> None:
    scene = load_scene(_scene(tmp_path, "data_points = [[0, 1], [1, 3.5], [2, 5]]"))
    assert scene.problem.data == "points:0,1;1,3.5;2,5"
    problem = scene.problem.build()
    assert problem.data.x.tolist() == [0, 1, 2] and problem.data.y.tolist() == [1, 3.5, 5]
    again = tmp_path / "again.toml"
    save_scene(scene, again)
    assert "data_points = [\n    [0.0, 1.0],\n" in again.read_text()
    assert load_scene(again) == replace(scene, source=str(again), name="again")


@pytest.mark.parametrize(("data", "words"), [
    ("data_points = [[0, 1]]", "problem.data_points: must be a list of 2 to 1000"),
    ("data_points = [[0, 1], [2]]", "problem.data_points"),
    ("data_points = [[0, 1], [2, 'a']]", "problem.data_points"),
    ("data_points = 5", "problem.data_points"),
    ('data = "udl-linear"\ndata_points = [[0, 1], [1, 2]]', "data or data_points, not both"),
])
def test_bad_embedded_points_are_named(tmp_path, data, words) -> None:
    with pytest.raises(SceneError) as info:
        load_scene(_scene(tmp_path, data))
    assert words in str(info.value) and str(info.value).startswith("own.toml")


def test_a_scene_references_two_columns_of_a_file_beside_it(tmp_path) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "wide.txt").write_text("t v label\n0 1 a\n1 3 b\n2 5 c\n")
    scene = load_scene(_scene(tmp_path, 'data = "runs/wide.txt:x=t,y=v"'))
    assert scene.problem.data == f"{tmp_path.resolve()}/runs/wide.txt:x=t,y=v"
    assert scene.problem.build().data.y.tolist() == [1, 3, 5]
    assert 'data = "runs/wide.txt:x=t,y=v"' in scene_to_text(scene, tmp_path)
    with pytest.raises(SceneError, match="leads outside"):
        load_scene(_scene(tmp_path / "runs", "data = '../own.toml:x=t,y=v'"))


def test_a_small_file_outside_the_scene_folder_is_embedded_when_saved(tmp_path) -> None:
    (tmp_path / "points.csv").write_text("0,1\n1,3\n2,5\n")
    scene = replace(find_scene("1"), problem=ProblemSpec("linear", str(tmp_path / "points.csv")))
    (tmp_path / "elsewhere").mkdir()
    path = tmp_path / "elsewhere" / "scene.toml"
    save_scene(scene, path)
    loaded = load_scene(path)
    assert loaded.problem.data == "points:0,1;1,3;2,5"
    assert str(tmp_path) not in path.read_text()


def test_the_command_line_reads_white_space_and_chosen_columns(tmp_path, capsys) -> None:
    data = tmp_path / "points.dat"
    data.write_text("# t   noise   y\n0 9 1\n1 9 3\n2 9 5\n")
    out = tmp_path / "run.json"
    assert main(["run", "--model", "linear", "--data", f"{data}:x=1,y=3", "--optimizer", "adam",
                 "--lr", "0.1", "--steps", "3000", "--out", str(out)]) == 0
    assert "final phi = (1.0000, 2.0000)" in capsys.readouterr().out
    assert json.loads(out.read_text())["problem"]["data"] == f"{data}:x=1,y=3"
    assert main(["run", "--model", "linear", "--data", str(data)]) == 2
    assert "3 columns; choose x and y" in capsys.readouterr().err


def test_the_command_line_takes_embedded_points(capsys) -> None:
    assert main(["run", "--model", "linear", "--data", "points:0,1;1,3;2,5", "--optimizer",
                 "adam", "--lr", "0.1", "--steps", "3000"]) == 0
    assert "final phi = (1.0000, 2.0000)" in capsys.readouterr().out


def test_a_million_synthetic_points_are_reproducible_by_seed() -> None:
    spec = SyntheticSpec(n=1_000_000, noise=0.2, seed=3, phi=(0.1, 16.0), x_range=(-15, 15))
    a, b = synthetic(GaborModel(), spec), synthetic(GaborModel(), spec)
    assert a.n == 1_000_000 and a.x.tobytes() == b.x.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert -15 <= a.x.min() and a.x.max() <= 15
    residual = a.y - GaborModel().evaluate(a.x, 0.1, 16.0)
    assert abs(float(np.std(residual)) - 0.2) < 0.002
    problem = ProblemSpec("gabor", spec.describe()).build()
    assert problem.data.y.tobytes() == a.y.tobytes()


def test_the_notebook_reads_a_table_and_fits_two_of_its_columns(tmp_path) -> None:
    import gradviz

    path = tmp_path / "wide.txt"
    path.write_text("t v label\n0 1 a\n1 3 b\n2 5 c\n")
    table = gradviz.read_table(path)
    assert table.names == ("t", "v", "label") and table.bad_counts == (0, 0, 3)
    problem = gradviz.make_problem("linear", data=f"{path}:x=t,y=v")
    path_run = gradviz.run(problem, optimizer="adam", lr=0.1, steps=3000)
    assert np.allclose(path_run.phi[-1], [1.0, 2.0], atol=1e-3)


def test_a_scene_with_its_own_data_exports_its_runs(tmp_path, capsys) -> None:
    (tmp_path / "wide.txt").write_text("t v label\n0 1 a\n1 3 b\n2 5 c\n")
    for data, expected in (("data_points = [[0, 1], [1, 3], [2, 5]]", "points:0,1;1,3;2,5"),
                           ('data = "wide.txt:x=t,y=v"',
                            f"{tmp_path.resolve()}/wide.txt:x=t,y=v")):
        scene = _scene(tmp_path, data)
        out = tmp_path / "runs.json"
        assert main(["export", "--scene", str(scene), "--out", str(out)]) == 0
        document = json.loads(out.read_text())
        assert document["problem"]["data"] == expected
        assert len(document["runs"][0]["rows"]) == 21


def test_synthetic_data_are_drawn_from_a_formula_model_too() -> None:
    expression = "phi0 * exp(-phi1 * x)"
    spec = ProblemSpec("formula", "synthetic:n=500,noise=0,seed=4,phi0=2,phi1=0.5,xmin=0,xmax=4",
                       expression=expression)
    data = spec.build().data
    assert data.n == 500 and 0 <= data.x.min() and data.x.max() <= 4
    np.testing.assert_allclose(data.y, 2 * np.exp(-0.5 * data.x), rtol=1e-12)
    again = ProblemSpec("formula", spec.data, expression=expression).build().data
    assert again.y.tobytes() == data.y.tobytes()
    with pytest.raises(ValueError, match="finite"):
        ProblemSpec("formula", "synthetic:n=50,xmin=-2,xmax=2", expression="log(x)").build()
