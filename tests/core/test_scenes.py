"""Scenes: the shipped lecture demos and what each shows, files round trip, hostile files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import types
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from gradviz.cli import APP_MODULE, main
from gradviz.core import Problem, ProblemSpec, RunSettings, Trajectory, Window, run
from gradviz.core.fans import Fan, fan_colours, run_fan
from gradviz.core.run_set import scene_runs, scene_seed_spread
from gradviz.core.basins import compute_basins
from gradviz.core.scenes import (
    MAX_FANS,
    MAX_FILE_BYTES,
    MAX_RUNS,
    Scene,
    SceneError,
    SceneFan,
    SceneRun,
    builtin_scenes,
    find_scene,
    load_scene,
    save_scene,
    scene_to_text,
)

ROOT = Path(__file__).resolve().parents[2]
SLIDE_BATCHES = [[27, 15, 23, 17, 8], [9, 28, 24, 12, 0], [4, 16, 5, 13, 11],
                 [22, 1, 2, 25, 3], [21, 26, 18, 29, 20], [7, 10, 14, 19, 6]]


@cache
def _trajectories(name: str) -> tuple[Trajectory, ...]:
    scene = find_scene(name)
    problem = scene.problem.build()
    return tuple(run(problem, r.settings) for r in scene.runs)


def _global_minimum(name: str) -> float:
    return find_scene(name).problem.build().minimum()[1]


def _hessian(problem: Problem, phi: np.ndarray, h: float = 1e-5) -> np.ndarray:
    columns = [(problem.grad(phi + e) - problem.grad(phi - e)) / (2 * h) for e in np.eye(2) * h]
    hessian = np.column_stack(columns)
    return (hessian + hessian.T) / 2


def _critical_point(problem: Problem, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The point near ``phi`` where the gradient vanishes (by Newton's method), and the
    eigenvalues of the Hessian there."""
    for _ in range(30):
        phi = phi - np.linalg.solve(_hessian(problem, phi), problem.grad(phi))
    assert np.linalg.norm(problem.grad(phi)) < 1e-8
    return phi, np.linalg.eigvalsh(_hessian(problem, phi))


def _assert_in_local_minimum(problem: Problem, path: Trajectory) -> None:
    minimum, curvatures = _critical_point(problem, path.final_phi)
    assert np.all(curvatures > 0) and np.linalg.norm(minimum - path.final_phi) < 0.2


# ----------------------------------------------------------------------------- the shipped scenes


def test_builtin_scenes_are_the_lecture_in_order() -> None:
    scenes = builtin_scenes()
    numbers = [s.number for s in scenes]
    assert numbers == list(range(1, len(scenes) + 1)) and len(scenes) == 16
    assert len({s.name for s in scenes}) == len(scenes)
    models = [s.problem.model for s in scenes]
    # Linear regression, then the Gabor model (GD, SGD, momentum), then the ravine.
    assert models[:2] == ["linear"] * 2
    assert models[2:10] == ["gabor"] * 8
    assert models[10:13] == ["ravine"] * 3
    for scene in scenes:
        assert scene.title.strip() and scene.caption.strip()
        assert "\n" not in scene.caption and len(scene.caption) <= 240
        problem = scene.problem.build()
        for r in scene.runs:
            r.settings.resolve(problem)


def test_scene_name_and_number_come_from_the_file_name() -> None:
    scene = find_scene("1")
    assert (scene.number, scene.name) == (1, "linear-gd")
    assert Path(scene.source).name == "01-linear-gd.toml"


def test_1_gradient_descent_fits_the_line() -> None:
    (gd,) = _trajectories("linear-gd")
    assert gd.settings.start == (1.6, -0.5)
    assert gd.diverged_at is None
    assert gd.final_loss == pytest.approx(_global_minimum("linear-gd"), abs=1e-3)


def test_2_too_large_a_rate_oscillates_then_diverges() -> None:
    (gd,) = _trajectories("linear-lr-too-large")
    assert gd.diverged_at is not None and gd.diverged_at < gd.settings.steps
    problem = find_scene("linear-lr-too-large").problem.build()
    best = problem.minimum()[0]
    steepest = np.linalg.eigh(_hessian(problem, best))[1][:, -1]
    across = (gd.phi - best) @ steepest
    # Along the steepest direction every update lands on the other side of the
    # minimum, farther out each time, for a dozen updates and more.
    assert gd.diverged_at >= 12
    assert np.all(np.sign(across[1:]) == -np.sign(across[:-1]))
    assert np.all(np.abs(across[1:]) > np.abs(across[:-1]))


def test_3_the_right_valley_leads_to_the_global_minimum() -> None:
    (gd,) = _trajectories("gabor-global-minimum")
    assert gd.final_loss < _global_minimum("gabor-global-minimum") + 0.01


def test_4_another_valley_ends_in_a_local_minimum() -> None:
    (gd,) = _trajectories("gabor-local-minimum")
    assert gd.final_loss > _global_minimum("gabor-local-minimum") + 2.0
    _assert_in_local_minimum(find_scene("gabor-local-minimum").problem.build(), gd)


def test_5_gradient_descent_lingers_near_a_saddle_point() -> None:
    (gd,) = _trajectories("gabor-saddle-point")
    problem = find_scene("gabor-saddle-point").problem.build()
    slowest = gd.phi[int(np.argmin(np.linalg.norm(np.diff(gd.phi, axis=0), axis=1)))]
    saddle, (low, high) = _critical_point(problem, slowest)
    assert low < 0 < high
    near = np.linalg.norm(gd.phi - saddle, axis=1) < 0.3
    assert near.sum() >= 60
    assert gd.final_loss > _global_minimum("gabor-saddle-point") + 5.0


def test_6_batches_are_the_slides_permutation_of_seed_42() -> None:
    scene = find_scene("batches-and-epochs")
    assert scene.show_batches
    (sgd,) = _trajectories("batches-and-epochs")
    settings = sgd.settings
    assert (settings.batching, settings.seed, settings.batch_size) == ("fixed", 42, 5)
    assert scene.problem.build().n_points == 30
    batches = [b.tolist() for b in sgd.batches[1:13]]
    assert batches == SLIDE_BATCHES * 2  # the same six batches again in epoch 1
    assert sgd.epoch[1:13].tolist() == [0] * 6 + [1] * 6


def test_7_sgd_escapes_the_local_minimum_where_gd_stays() -> None:
    scene = find_scene("sgd-escapes-local-minimum")
    gd_settings, sgd_settings = (r.settings for r in scene.runs)
    assert gd_settings.start == sgd_settings.start
    assert gd_settings.hyperparameters["lr"] == sgd_settings.hyperparameters["lr"]
    assert (gd_settings.optimizer, sgd_settings.optimizer) == ("gd", "sgd")
    gd, sgd = _trajectories("sgd-escapes-local-minimum")
    _assert_in_local_minimum(scene.problem.build(), gd)
    assert gd.final_loss > 3.0
    assert sgd.final_loss < _global_minimum("sgd-escapes-local-minimum") + 0.05
    assert "seed" in scene.caption  # the caption says this is one seed's story


def test_8_a_schedule_settles_where_a_constant_rate_jitters() -> None:
    constant, scheduled = _trajectories("learning-rate-schedule")
    assert constant.settings.schedule == "constant" and scheduled.settings.schedule != "constant"
    assert scheduled.final_loss < constant.final_loss
    assert np.ptp(scheduled.loss[-20:]) < 0.1 * np.ptp(constant.loss[-20:])


def test_9_momentum_lowers_the_loss_as_on_the_slide() -> None:
    sgd, momentum = _trajectories("momentum")
    assert round(sgd.final_loss, 2) == 1.32  # the slide: 1.31
    assert round(momentum.final_loss, 2) == 0.94  # the slide: 0.96
    caption = find_scene("momentum").caption  # says honestly how close it comes
    assert all(number in caption for number in ("1.31", "0.96", "1.32", "0.94"))


def test_10_the_notebook_numbers() -> None:
    losses = [round(t.final_loss, 4) for t in _trajectories("nesterov")]
    assert losses == [0.9363, 0.7459, 0.8034]
    assert [t.updates for t in _trajectories("nesterov")] == [81] * 3


def test_11_fixed_step_sizes_too_small_and_too_large() -> None:
    small, large = _trajectories("ravine-fixed-step-sizes")
    assert small.settings.start == large.settings.start == (-0.7, -0.9)
    # Too small: a smooth descent that is still far from the minimum at phi0 = 0.7.
    assert np.all(np.diff(small.loss) < 0) and np.all(small.phi[:, 1] < 0)
    assert small.final_phi[0] < 0.0
    # Too large: no divergence, but across the steep phi1 direction at every update.
    assert large.diverged_at is None
    tail = large.phi[-20:, 1]
    assert np.all(np.sign(tail[1:]) == -np.sign(tail[:-1])) and np.all(np.abs(tail) > 0.3)


def test_12_normalized_gradients_step_a_fixed_distance_and_never_converge() -> None:
    (normalized,) = _trajectories("ravine-normalized-gradients")
    alpha = normalized.settings.hyperparameters["lr"]
    # alpha exactly, but for eps in g / (|g| + eps) where the gradient is small
    np.testing.assert_allclose(np.abs(np.diff(normalized.phi, axis=0)), alpha, rtol=1e-4)
    distance = np.linalg.norm(normalized.phi - (0.7, 0.0), axis=1)
    assert distance[-10:].min() > 0.03


def test_13_adam_settles_where_normalized_gradients_hop() -> None:
    gd, normalized, adam = _trajectories("ravine-adam")
    assert normalized.settings.hyperparameters["lr"] == adam.settings.hyperparameters["lr"]
    def distance(path: Trajectory) -> np.ndarray:  # over the last 10 updates
        return np.linalg.norm(path.phi[-10:] - (0.7, 0.0), axis=1)

    assert distance(adam).max() < 0.02
    assert distance(normalized).max() > 0.03
    assert gd.final_phi[0] < 0.6  # still on its way along the shallow direction

def test_10_over_a_hundred_seeds_the_ordering_holds_for_30() -> None:
    scene = find_scene("nesterov")
    assert scene.seed_spread == 100
    spread = scene_seed_spread(scene)
    assert spread is not None and spread.seeds == tuple(range(100))
    # The scene's seed shows momentum < Nesterov < SGD; so do 30 seeds of 100.
    assert spread.order_holds((1, 2, 0)) == 30
    assert spread.beats(1, 0) == 66
    # The README's medians; seed 1's SGD (0.94) lies in SGD's best quarter.
    np.testing.assert_allclose(spread.quartiles()[:, 1], [2.10, 1.24, 1.27], atol=5e-3)
    assert _trajectories("nesterov")[0].final_loss < spread.quartiles()[0, 0]
    assert scene_seed_spread(find_scene("momentum")) is None


def test_14_the_learning_rates_above_2_over_lambda_max_diverge() -> None:
    scene = find_scene("linear-lr-fan")
    problem = scene.problem.build()
    (fan,) = scene.fans
    bound = 2 / np.linalg.eigvalsh(problem.hessian(np.zeros(2))).max()  # quadratic: any point
    assert round(bound, 3) == 0.040 and "0.040" in scene.caption
    values = np.array(fan.fan.values)
    assert fan.fan.param == "lr" and fan.fan.log and len(values) == 7
    assert (values[0], values[-1]) == (0.005, 0.08)
    result = run_fan(problem, fan.settings, fan.fan)
    np.testing.assert_array_equal(result.diverged, values > bound)
    assert (values < bound).sum() == 5
    # Too small crawls: the smallest rate ends farthest above the minimum.
    stable = result.final_losses[values < bound]
    assert np.argmax(stable) == 0 and stable[0] > 2 * problem.minimum()[1]
    # The run the app shows until it draws fans sits just below the bound.
    (near,) = scene.runs
    assert 0.95 * bound < near.settings.hyperparameters["lr"] < bound


def test_15_the_notebook_s_beta_ends_lowest_and_too_much_overshoots() -> None:
    scene = find_scene("momentum-beta-fan")
    (fan,) = scene.fans
    assert fan.fan.param == "beta" and not fan.fan.log
    result = run_fan(scene.problem.build(), fan.settings, fan.fan)
    losses = dict(zip(fan.fan.values, result.final_losses.round(2)))
    assert losses[0.0] == 0.94 and losses[0.6] == 0.75 and losses[0.99] == 7.25
    assert min(losses, key=losses.get) == 0.6 and max(losses, key=losses.get) == 0.99
    assert all(f"{v:.2f}" in scene.caption for v in (0.94, 0.75, 7.25))
    # beta = 0 is scene 10's SGD, to the last bit.
    assert result.members[0].final_loss == _trajectories("nesterov")[0].final_loss
    (shown,) = scene.runs
    assert shown.settings.hyperparameters["beta"] == 0.6


def test_a_scene_s_export_holds_its_fans_members_in_their_colours() -> None:
    scene = find_scene("linear-lr-fan")
    runs = scene_runs(scene)
    (fan,) = scene.fans
    names = [run.name for run in runs.runs]
    assert names == [scene.runs[0].name, *fan.member_names()]
    assert names[1:3] == ["GD α=0.005", "GD α=0.00794"]
    assert [run.colour for run in runs.runs[1:]] == list(fan_colours(fan.fan))
    for member, value in zip(runs.runs[1:], fan.fan.values):
        assert member.trajectory.settings.hyperparameters["lr"] == value
    told: list[tuple[int, int]] = []
    scene_runs(scene, lambda done, total: told.append((done, total)))
    assert told[-1] == (60 * 8, 60 * 8)  # the run and the 7 members, 60 updates each
    assert [done for done, _ in told] == sorted(done for done, _ in told)


def test_16_three_starts_end_in_three_basins() -> None:
    scene = find_scene("16")
    assert (scene.name, scene.show_basins) == ("gabor-basins", True)
    assert not any(s.show_basins for s in builtin_scenes() if s.number != 16)
    problem = scene.problem.build()
    # One optimizer and rate, from different starts: the basins are those of every run.
    assert len({(r.settings.optimizer, tuple(r.settings.hyperparameters.items()))
                for r in scene.runs}) == 1
    assert len({r.settings.start for r in scene.runs}) == len(scene.runs) == 3
    basins = compute_basins(problem, scene.runs[0].settings, grid=48)
    reached = []
    for path in _trajectories("gabor-basins"):
        distance = np.linalg.norm(basins.minima - path.final_phi, axis=1)
        assert distance.min() <= basins.radius
        reached.append(int(distance.argmin()))
    # The global minimum and two local ones, each in its own basin.
    assert sorted(reached) == [0, 1, 2]


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("scene", builtin_scenes(), ids=lambda s: s.name)
def test_builtin_scenes_round_trip(tmp_path: Path, scene: Scene) -> None:
    path = tmp_path / Path(scene.source).name
    save_scene(scene, path)
    assert load_scene(path) == scene


def test_a_setup_from_the_app_round_trips(tmp_path: Path) -> None:
    tmp_path = tmp_path.resolve()  # loading resolves the data path
    (tmp_path / "points.csv").write_text("x,y\n0,1\n1,3\n2,5.5\n")
    spec = ProblemSpec("linear", str(tmp_path / "points.csv"))
    problem = spec.build()
    settings = (
        RunSettings("nesterov", {"lr": 0.01, "beta": 0.9, "lookahead": "book"},
                    schedule="step:every=20,factor=0.5", batching="notebook", seed=7,
                    start=(0.1 + 0.2, -1e-7), steps=33, batch_size=2),
        RunSettings("adam", {"eps": 1e-10}),
    )
    scene = Scene(
        name="my-setup", title='Quotes " and \\ and ünïcödé', caption="tab\there, del\x7f",
        problem=spec,
        runs=(SceneRun(settings[0].resolve(problem), "fast"), SceneRun(settings[1])),
        window=Window(-1.5, 2.25, 1 / 3, 7.0), colormap="cividis", log_scale=True,
        log_loss=True, grid=512,
        speed=0.0, show_batches=True, show_basins=True,
    )
    path = tmp_path / "my-setup.toml"
    save_scene(scene, path)
    assert "points.csv" in path.read_text() and str(tmp_path) not in path.read_text()
    assert load_scene(path) == scene


def test_saving_refuses_a_large_data_file_outside_the_scene_folder(tmp_path: Path) -> None:
    (tmp_path / "points.csv").write_text("".join(f"{i},{2 * i}\n" for i in range(1001)))
    scene = replace(find_scene("1"), problem=ProblemSpec("linear", str(tmp_path / "points.csv")))
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(SceneError, match="not in the scene's folder .* 1001 points, too many"):
        save_scene(scene, tmp_path / "elsewhere" / "scene.toml")
    assert not (tmp_path / "elsewhere" / "scene.toml").exists()


def test_scene_checks_its_own_values() -> None:
    scene = find_scene("1")
    with pytest.raises(ValueError, match="grid: grid must be between 32 and 1024"):
        replace(scene, grid=5000)
    with pytest.raises(ValueError, match="runs: a scene has 1 to 8 runs and fans together; got 0"):
        replace(scene, runs=())
    with pytest.raises(ValueError, match="show_batches: model 'ravine' has no data"):
        replace(find_scene("ravine-adam"), show_batches=True)
    assert "[[runs]]" in scene_to_text(scene)


# ----------------------------------------------------------------------------- hostile files

GOOD = textwrap.dedent(
    """\
    title = "A scene"
    caption = "One line."

    [problem]
    model = "gabor"

    [view]
    grid = 128

    [[runs]]
    optimizer = "sgd"
    lr = 0.6
    steps = 10
    """
)


def _write(folder: Path, text: str | bytes, name: str = "scene.toml") -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(SceneError) as info:
        load_scene(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: ") and "\n" not in message
    return message


def test_the_good_file_loads(tmp_path: Path) -> None:
    scene = load_scene(_write(tmp_path, GOOD))
    assert (scene.name, scene.number, scene.grid, scene.title) == ("scene", None, 128, "A scene")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('model = "gabor"', 'model = "gabor', "not valid TOML: "),
        ("grid = 128", "grid = 128\ncolour = 1",
         "unknown key 'colour' in [view]; allowed: window, colormap"),
        ('title = "A scene"', 'title = "A scene"\nauthor = "me"',
         "unknown key 'author' at the top"),
        ("lr = 0.6", "lr = 0.6\nbeta = 0.9",
         "runs[1]: unknown key 'beta' for optimizer 'sgd'; allowed: name, optimizer, lr"),
        ("lr = 0.6", "lr = -1", "runs[1].lr: lr must be between 1e-06 and 1000; got -1"),
        ("steps = 10", 'steps = "ten"', "runs[1].steps: must be a whole number"),
        ("steps = 10", "steps = 1000000", "runs[1].steps: steps must be at most 100000"),
        ("steps = 10", "steps = 10\nbatch_size = 31", "runs[1].batch_size: batch size must be"),
        ("steps = 10", "steps = 10\nstart = [1.0]", "runs[1].start: must be a list of 2 numbers"),
        ("steps = 10", 'steps = 10\nschedule = "warp"', "runs[1].schedule: unknown schedule"),
        ('optimizer = "sgd"', 'optimizer = "lbfgs"', "runs[1].optimizer: unknown optimizer"),
        ("grid = 128", "grid = 100000", "view.grid: grid must be between 32 and 1024"),
        ("grid = 128", "grid = 128.5", "view.grid: must be a whole number"),
        ("grid = 128", "speed = -1", "view.speed: speed must be between 0 and 1000"),
        ("grid = 128", 'colormap = "jet"', "view.colormap: unknown colour map 'jet'"),
        ("grid = 128", "log_scale = 1", "view.log_scale: must be true or false"),
        ("grid = 128", 'show_basins = "yes"', "view.show_basins: must be true or false"),
        ("grid = 128", "window = [1, 0, 0, 1]", "view.window: window must have min < max"),
        ('model = "gabor"', 'model = "ravine"\ndata = "udl-gabor"',
         "problem.data: model 'ravine' is an analytic surface"),
        ('model = "gabor"', 'model = "gabor"\nenvelope = 0', "problem.envelope: envelope must"),
        ('model = "gabor"', 'model = "gabor"\ndata = "synthetic:n=1"', "problem.data: synthetic"),
        ('model = "gabor"', 'model = "cubic"', "problem.model: unknown model 'cubic'"),
        ('title = "A scene"', 'title = "   "', "title: must not be empty"),
        ('title = "A scene"', 'title = """A\nscene"""', "title: must be one line"),
        ('title = "A scene"', "title = 1979-05-27", "title: must be text in quotes"),
        ('title = "A scene"', "", "title is missing"),
        ('model = "gabor"', "model = 3", "problem.model: must be text in quotes"),
        ("[[runs]]", "[[runz]]", "unknown key 'runz' at the top level"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, old: str, new: str,
                                          expected: str) -> None:
    assert old in GOOD
    assert expected in _error(_write(tmp_path, GOOD.replace(old, new, 1)))


def test_a_gabor_envelope_round_trips_and_its_default_is_left_out(tmp_path: Path) -> None:
    scene = load_scene(_write(tmp_path, GOOD.replace('model = "gabor"',
                                                     'model = "gabor"\nenvelope = 8', 1)))
    assert scene.problem == ProblemSpec("gabor", envelope=8.0)
    text = scene_to_text(scene)
    assert "\nenvelope = 8.0\n" in text
    assert load_scene(_write(tmp_path, text, "again.toml")) == replace(scene, name="again")
    assert "envelope" not in scene_to_text(replace(scene, problem=ProblemSpec("gabor")))


def test_a_registered_kind_s_parameters_are_scene_keys(tmp_path: Path, tilted_kind) -> None:
    text = GOOD.replace('model = "gabor"', 'model = "tilted"\ntilt = 2.5', 1)
    scene = load_scene(_write(tmp_path, text))
    assert scene.problem == ProblemSpec("tilted", tilt=2.5)
    assert "\ntilt = 2.5\n" in scene_to_text(scene)
    assert load_scene(_write(tmp_path, scene_to_text(scene), "again.toml")).problem == scene.problem
    assert _error(_write(tmp_path, text.replace("tilt = 2.5", "tilt = 12"))) == (
        "scene.toml: problem.tilt: tilt must be between 0 and 10; got 12")
    assert "problem.tilt: must be a number" in _error(
        _write(tmp_path, text.replace("tilt = 2.5", 'tilt = "2.5"')))
    assert "allowed: model, data, data_points, envelope, expression, bounds, guess, tilt" in _error(
        _write(tmp_path, text.replace("tilt = 2.5", "tlit = 2.5")))


def test_lr_of_the_second_run_is_blamed(tmp_path: Path) -> None:
    text = GOOD + '\n[[runs]]\noptimizer = "gd"\nlr = -1\n'
    message = _error(_write(tmp_path, text))
    assert message == "scene.toml: runs[2].lr: lr must be between 1e-06 and 1000; got -1"


@pytest.mark.parametrize(
    ("line", "expected"),
    [("runs = []", "runs: a scene has 1 to 8 [[runs]] and [[fans]] tables together; got 0"),
     ('runs = "GD"', "runs: must be [[runs]] tables; got 'GD'"),
     ("runs = [1]", "runs[1]: must be a table ([[runs]]); got 1"),
     ("view = 3", "view: must be a table ([view]); got 3")],
)
def test_tables_of_the_wrong_shape(tmp_path: Path, line: str, expected: str) -> None:
    top, _, rest = GOOD.partition("[problem]")
    runs = "" if line.startswith("runs") else "[[runs]]" + rest.partition("[[runs]]")[2]
    problem = "[problem]" + rest.partition("[view]")[0]
    text = f"{top}{line}\n{problem}{runs}"
    assert expected in _error(_write(tmp_path, text))


def test_errors_come_in_the_files_order(tmp_path: Path) -> None:
    without_runs = GOOD.partition("[[runs]]")[0]
    assert "runs is missing: add a [[runs]] table" in _error(_write(tmp_path, without_runs))
    evil = without_runs.replace('model = "gabor"', 'model = "gabor"\nevil = 1')
    assert "unknown key 'evil' in [problem]" in _error(_write(tmp_path, evil))


def test_batches_need_data(tmp_path: Path) -> None:
    text = GOOD.replace('"gabor"', '"ravine"').replace("grid = 128", "show_batches = true")
    assert "view.show_batches: model 'ravine' has no data" in _error(_write(tmp_path, text))


def test_a_huge_value_is_shown_short(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, GOOD.replace('"A scene"', "[" + "1, " * 20_000 + "]")))
    assert "title: must be text in quotes; got [1, 1, 1, 1, 1, 1, ...]" in message
    assert len(message) < 200


FAN = """
[[fans]]
optimizer = "momentum"
lr = 0.6
steps = 10
param = "beta"
range = [0.1, 0.9]
count = 3
"""


def test_a_fan_loads_by_range_or_values_and_round_trips(tmp_path: Path) -> None:
    scene = load_scene(_write(tmp_path, GOOD + FAN))
    (fan,) = scene.fans
    assert fan == SceneFan(RunSettings("momentum", {"lr": 0.6}, steps=10),
                           Fan("beta", (0.1, 0.5, 0.9)))
    assert fan.member_names() == ("Momentum β=0.1", "Momentum β=0.5", "Momentum β=0.9")
    text = scene_to_text(scene)
    assert "\n[[fans]]\n" in text and "values = [0.1, 0.5, 0.9]" in text
    assert load_scene(_write(tmp_path, text, "again.toml")) == replace(scene, name="again")
    seeds = GOOD + FAN.replace('param = "beta"', 'param = "seed"\nname = "S"').replace(
        "range = [0.1, 0.9]\ncount = 3", "values = [4, 9]")
    (fan,) = load_scene(_write(tmp_path, seeds)).fans
    assert fan.fan.values == (4, 9) and fan.member_names() == ("S seed=4", "S seed=9")
    logged = GOOD + FAN.replace("count = 3", "count = 3\nlog = true")
    assert load_scene(_write(tmp_path, logged)).fans[0].fan.values == pytest.approx((0.1, 0.3, 0.9))
    default = GOOD + FAN.replace("count = 3\n", "")
    assert len(load_scene(_write(tmp_path, default)).fans[0].fan.values) == 5


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('param = "beta"', "", "fans[1].param: is missing"),
        ('param = "beta"', 'param = "lookahead"', "fans[1].param: cannot fan over 'lookahead'"),
        ('param = "beta"', 'param = "gamma"', "fans[1].param: Momentum has no gamma to fan over"),
        ('param = "beta"\nrange = [0.1, 0.9]', 'param = "seed"\nbatch_size = 30\nrange = [0, 9]',
         "fans[1].param: a seed fan needs a minibatch run"),
        ("count = 3", "count = 3\nvalues = [0.1, 0.2]", "fans[1]: give either values or range"),
        ("range = [0.1, 0.9]\ncount = 3", "count = 3",
         "fans[1]: give either values or range (with count)"),
        ("range = [0.1, 0.9]\ncount = 3", "values = [0.1]\ncount = 3",
         "fans[1].count: goes with range, not values"),
        ("range = [0.1, 0.9]", "range = [0.9, 0.1]", "fans[1].range: a fan's range must go"),
        ("range = [0.1, 0.9]", "range = [0.1]", "fans[1].range: must be a list of 2 numbers"),
        ("range = [0.1, 0.9]", "range = [0.1, 2.0]", "fans[1].range: beta must be between"),
        ("count = 3", "count = 40", "fans[1].count: a fan has 2 to 32 members; got 40"),
        ("count = 3", 'count = "3"', "fans[1].count: must be a whole number"),
        ("count = 3", "log = 1", "fans[1].log: must be true or false"),
        ("range = [0.1, 0.9]\ncount = 3", "values = [0.1, 0.1]", "fans[1].values: a fan's values"),
        ("range = [0.1, 0.9]\ncount = 3", 'values = "0.1"', "fans[1].values: must be a list"),
        ("steps = 10", "steps = 200000", "fans[1].steps: steps must be at most 100000"),
        ("steps = 10", "steps = 10\nspeed = 3", "fans[1]: unknown key 'speed' for optimizer"),
        ('optimizer = "momentum"', 'optimizer = "sgd"',
         "fans[1].param: Stochastic gradient descent has no beta to fan over (it has: lr, seed)"),
    ],
)
def test_bad_fans_name_the_file_and_key(tmp_path: Path, old: str, new: str,
                                        expected: str) -> None:
    assert old in FAN
    assert expected in _error(_write(tmp_path, GOOD + FAN.replace(old, new, 1)))


def test_too_many_fans_and_a_fan_that_is_not_a_table(tmp_path: Path) -> None:
    text = GOOD + FAN * (MAX_FANS + 1)
    assert f"fans: a scene has up to {MAX_FANS} [[fans]] tables" in _error(_write(tmp_path, text))
    assert "fans[1]: must be a table ([[fans]]); got 1" in _error(
        _write(tmp_path, GOOD.replace('title = "A', 'fans = [1]\ntitle = "A')))
    with pytest.raises(ValueError, match="fans: a scene has at most 2 fans; got 3"):
        replace(find_scene("linear-lr-fan"), fans=find_scene("linear-lr-fan").fans * 3)


def test_a_seed_spread_needs_minibatches_and_round_trips(tmp_path: Path) -> None:
    text = GOOD.replace("grid = 128", "seed_spread = {seeds = 50}")
    scene = load_scene(_write(tmp_path, text))
    assert scene.seed_spread == 50
    assert "seed_spread = {seeds = 50}" in scene_to_text(scene)
    assert load_scene(_write(tmp_path, scene_to_text(scene), "again.toml")).seed_spread == 50
    for spread, expected in [
        ("{seeds = 1}", "view.seed_spread: seeds must be 2 to 1000; got 1"),
        ("{seeds = 2000}", "view.seed_spread: seeds must be 2 to 1000; got 2000"),
        ("{count = 5}", "view.seed_spread: must be a table {seeds = N}"),
        ("true", "view.seed_spread: must be a whole number"),
    ]:
        assert expected in _error(_write(tmp_path, GOOD.replace("grid = 128",
                                                                f"seed_spread = {spread}")))
    full = text.replace("steps = 10", "steps = 10\nbatch_size = 30")
    assert "view.seed_spread: a seed spread needs a minibatch run" in _error(
        _write(tmp_path, full))


def test_too_many_runs(tmp_path: Path) -> None:
    text = GOOD + '\n[[runs]]\noptimizer = "gd"\n' * MAX_RUNS
    assert (f"a scene has 1 to {MAX_RUNS} [[runs]] and [[fans]] tables together; "
            f"got {MAX_RUNS + 1}") in _error(_write(tmp_path, text))


def test_not_utf8(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("One line.", "caf\xe9").encode("latin-1"))
    assert "not a text file" in _error(path)


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    assert load_scene(_write(tmp_path, "\ufeff" + GOOD)).title == "A scene"


def test_oversized_file(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "#" * MAX_FILE_BYTES + "\n")
    assert "too large for a scene" in _error(path)


def test_deep_nesting_is_bad_toml(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "x = " + "[" * 50_000 + "\n")
    assert "not valid TOML" in _error(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "absent.toml")
    (tmp_path / "folder.toml").mkdir()
    assert "not a regular file" in _error(tmp_path / "folder.toml")


def _with_data(data: str) -> str:
    return GOOD.replace('model = "gabor"', f"model = \"linear\"\ndata = '{data}'").replace(
        'optimizer = "sgd"\nlr = 0.6', 'optimizer = "gd"')


@pytest.mark.parametrize(
    "data", ["/etc/passwd", "C:\\Windows\\win.ini", "\\\\server\\share\\x.csv"]
)
def test_absolute_data_paths_are_refused(tmp_path: Path, data: str) -> None:
    assert "is an absolute path" in _error(_write(tmp_path, _with_data(data)))


def test_data_outside_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("0,1\n1,2\n")
    folder = tmp_path / "scenes"
    (folder / "sub").mkdir(parents=True)
    for data in ("../secret.csv", "sub/../../secret.csv"):
        assert "leads outside the scene file's folder" in _error(_write(folder, _with_data(data)))


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("0,1\n1,2\n")
    folder = tmp_path / "scenes"
    folder.mkdir()
    try:
        (folder / "points.csv").symlink_to(tmp_path / "secret.csv")
    except OSError:  # pragma: no cover - Windows without the symlink privilege
        pytest.skip("cannot make symbolic links here")
    assert "leads outside" in _error(_write(folder, _with_data("points.csv")))


def test_data_in_the_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "points.csv").write_text("x,y\n0,1\n1,3\n2,5\n")
    scene = load_scene(_write(tmp_path, _with_data("sub/points.csv")))
    assert scene.problem.build().n_points == 3
    message = _error(_write(tmp_path, _with_data("missing.csv")))
    assert "problem.data" in message and "no such file" in message


def test_nothing_in_a_scene_is_executed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = "__import__('os').system('touch pwned')"
    text = GOOD.replace('model = "gabor"', f'model = "linear"\ndata = "{code}"')
    message = _error(_write(tmp_path, text))
    assert "problem.data" in message and "no such file" in message
    assert not (tmp_path / "pwned").exists()


# ----------------------------------------------------------------------------- find_scene


def test_find_scene_by_number_name_and_path(tmp_path: Path) -> None:
    assert find_scene("4").name == "gabor-local-minimum"
    assert find_scene(" 04 ").number == 4
    assert find_scene("nesterov").number == 10
    path = _write(tmp_path, GOOD, "lesson.toml")
    assert find_scene(str(path)).name == "lesson"


def test_find_scene_miss_lists_the_choices() -> None:
    with pytest.raises(SceneError) as info:
        find_scene("nope")
    message = str(info.value)
    assert "no scene 'nope'" in message and "1-" in message and "gabor-saddle-point" in message
    with pytest.raises(SceneError, match="no such file"):
        find_scene("absent.toml")


# ----------------------------------------------------------------------------- the command line


def test_scenes_command_lists_number_name_title(capsys) -> None:
    assert main(["scenes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    scenes = builtin_scenes()
    assert len(lines) == len(scenes)
    for line, scene in zip(lines, scenes):
        number, name, title = line.split(maxsplit=2)
        assert (int(number), name, title) == (scene.number, scene.name, scene.title)


def test_scene_option_opens_the_app_on_it(monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # as if a display were there
    seen: list[tuple[list[str], dict[str, object]]] = []
    app = types.ModuleType(APP_MODULE)
    app.main = (  # type: ignore[attr-defined]
        lambda argv, **options: seen.append((argv, options)) or 0
    )
    monkeypatch.setitem(sys.modules, APP_MODULE, app)
    assert main(["--scene", "gabor-saddle-point", "--play"]) == 0
    assert main(["--scene", "4"]) == 0
    (argv, first), (_, second) = seen
    assert argv == ["gradviz"]
    assert first["scene"] == find_scene("5") and first["play"] is True
    assert second == {"scene": find_scene("4")}


@pytest.mark.parametrize("argv", [["--scene", "nope"], ["--scene", "broken.toml"],
                                  ["--play", "scenes"]])
def test_bad_scene_option_is_one_line(tmp_path: Path, monkeypatch, capsys,
                                      argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.toml").write_text("title = [\n")
    monkeypatch.setitem(sys.modules, APP_MODULE, None)  # the app must not be reached
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("gradviz: error: ")


def test_scenes_and_a_bad_scene_import_no_qt(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        import gradviz.cli
        assert gradviz.cli.main(["scenes"]) == 0
        assert gradviz.cli.main(["--scene", "nope"]) == 2
        qt = sorted(n for n in sys.modules if n.split(".")[0] in ("PySide6", "pyqtgraph"))
        print("QT MODULES:", qt)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "QT MODULES: []" in done.stdout.splitlines()


@pytest.mark.parametrize("scene", builtin_scenes(), ids=lambda s: s.name)
def test_every_learning_rate_a_caption_quotes_is_a_run_s(scene: Scene) -> None:
    # A caption read from the back of the hall must not contradict the runs shown
    # (scene 13 once said "same α = 0.05" of a gradient descent run at 0.1).
    quoted = {float(v) for v in re.findall(r"α = (\d+(?:\.\d+)?)", scene.caption)}
    rates = {float(r.settings.hyperparameters["lr"]) for r in scene.runs}
    assert quoted <= rates


def test_13_caption_names_each_run_s_learning_rate() -> None:
    scene = find_scene("ravine-adam")
    for scene_run in scene.runs:
        assert f"α = {scene_run.settings.hyperparameters['lr']:g}" in scene.caption


def test_a_theme_is_optional_checked_and_round_trips(tmp_path: Path) -> None:
    assert load_scene(_write(tmp_path, GOOD)).theme is None  # keeps the theme in use
    light = GOOD.replace("grid = 128", 'grid = 128\ntheme = "light"', 1)
    scene = load_scene(_write(tmp_path, light))
    assert scene.theme == "light"
    (tmp_path / "copy").mkdir()
    path = tmp_path / "copy" / "scene.toml"  # a scene's name is its file's
    save_scene(scene, path)
    assert load_scene(path) == scene
    blue = GOOD.replace("grid = 128", 'grid = 128\ntheme = "blue"', 1)
    assert "view.theme: unknown theme 'blue'; choose from dark, light" in _error(
        _write(tmp_path, blue))


def test_a_scene_of_fans_alone_is_a_scene_and_fans_count_as_runs(tmp_path: Path) -> None:
    fan = '\n[[fans]]\noptimizer = "gd"\nparam = "lr"\nrange = [0.01, 0.1]\n'
    only_fans = GOOD.split("[[runs]]")[0] + fan
    scene = load_scene(_write(tmp_path, only_fans))
    assert scene.runs == () and len(scene.fans) == 1
    crowded = GOOD + '\n[[runs]]\noptimizer = "gd"\n' * (MAX_RUNS - 1) + fan
    assert (f"a scene has 1 to {MAX_RUNS} [[runs]] and [[fans]] tables together; "
            f"got {MAX_RUNS + 1}") in _error(_write(tmp_path, crowded))


@pytest.mark.parametrize(("value", "told"), [
    ('"field"', "list of at most 16 overlay names"),
    ('["Field"]', "is not an overlay name"),
    ('[1]', "must be text"),
    (str([f"o{i}" for i in range(17)]).replace("'", '"'), "at most 16"),
])
def test_bad_overlay_lists_are_refused_naming_the_key(tmp_path: Path, value: str, told: str) -> None:
    message = _error(_write(tmp_path, GOOD.replace("grid = 128", f"grid = 128\noverlays = {value}")))
    assert "view.overlays" in message and told in message


def test_overlays_are_kept_once_each_in_the_files_order(tmp_path: Path) -> None:
    text = GOOD.replace("grid = 128", 'grid = 128\noverlays = ["field", "rule", "field"]')
    scene = load_scene(_write(tmp_path, text))
    assert scene.overlays == ("field", "rule")
    again = load_scene(_write(tmp_path, scene_to_text(scene), "again.toml"))
    assert again.overlays == ("field", "rule")
