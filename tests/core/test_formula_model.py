"""Formula models and surfaces behave as the built-in problems they type out, and
where a formula is undefined the loss is NaN and a run that gets there stops."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradviz
from formula_checks import GABOR, ROSENBROCK
from gradviz.core.formula import FormulaError
from gradviz.core.hyperparameters import HyperParameterError
from gradviz.core.problems import ProblemSpec, make_problem
from gradviz.core.space import Window

RNG = np.random.default_rng(3)
PHI = np.column_stack([RNG.uniform(-3, 3, 16), RNG.uniform(0, 20, 16)])


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-12) -> None:
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale)


@pytest.mark.parametrize("envelope", [32.0, 8.0])
def test_a_typed_gabor_model_has_the_built_in_loss_gradient_and_hessian(envelope: float) -> None:
    typed = make_problem("formula", "udl-gabor", expression=GABOR.replace("32", f"{envelope:g}"))
    built = make_problem("gabor", envelope=envelope)
    for phi in (PHI, PHI[0]):
        loss, grad = typed.loss_and_grad(phi)
        want_loss, want_grad = built.loss_and_grad(phi)
        _close(loss, want_loss)
        _close(grad, want_grad)
        _close(typed.hessian(phi), built.hessian(phi), 1e-10)
    batch = np.array([0, 4, 7, 29])
    _close(typed.loss_and_grad(PHI, batch)[1], built.loss_and_grad(PHI, batch)[1])
    phi0, phi1 = np.linspace(-10, 10, 41), np.linspace(2.5, 22.5, 33)
    _close(typed.loss_grid(phi0, phi1), built.loss_grid(phi0, phi1), 1e-11)


def test_the_default_formula_is_the_linear_model_with_its_view_and_start() -> None:
    typed, built = make_problem("formula"), make_problem("linear")
    assert typed.window == built.window and typed.start == built.start
    for phi in (PHI, PHI[0]):
        _close(typed.loss_and_grad(phi)[1], built.loss_and_grad(phi)[1])
    _close(typed.hessian(PHI), built.hessian(PHI))
    assert typed.capabilities == built.capabilities


def test_a_typed_gabor_run_follows_the_built_in_run() -> None:
    settings = {"optimizer": "momentum", "steps": 200, "batching": "notebook", "seed": 1}
    typed = gradviz.run(make_problem("formula", "udl-gabor", expression=GABOR,
                                     bounds="-10 10 2.5 22.5", guess="-1.5 6.5"),
                        lr=0.6, **settings)
    built = gradviz.run(make_problem("gabor"), lr=0.6, **settings)
    assert typed.updates == built.updates == 200
    np.testing.assert_allclose(typed.phi, built.phi, rtol=1e-9, atol=1e-9)


def test_a_typed_surface_is_rosenbrock() -> None:
    typed, built = make_problem("formula-surface"), make_problem("rosenbrock")
    assert typed.window == built.window and typed.start == built.start
    assert typed.formula == f"L = {ROSENBROCK}"
    for phi in (PHI, PHI[0]):
        _close(typed.loss_and_grad(phi)[0], built.loss_and_grad(phi)[0])
        _close(typed.loss_and_grad(phi)[1], built.loss_and_grad(phi)[1])
    _close(typed.hessian(PHI), built.hessian(PHI))
    phi0, phi1 = np.linspace(-2, 2, 9), np.linspace(-1, 3, 5)
    _close(typed.loss_grid(phi0, phi1), built.loss_grid(phi0, phi1))
    assert typed.gradient_text() == ("-(2 * (1 - phi0) + 100 * (2 * (phi1 - phi0**2) * (2 * phi0)))",
                                     "200 * (phi1 - phi0**2)")


def test_a_constant_formula_still_has_a_loss_per_run() -> None:
    flat = make_problem("formula-surface", expression="3")
    loss, grad = flat.loss_and_grad(PHI)
    assert loss.shape == (16,) and (loss == 3).all() and (grad == 0).all()
    assert flat.loss_grid(np.zeros(4), np.zeros(3)).shape == (3, 4)


def test_the_window_and_start_are_parameters_read_as_numbers() -> None:
    spec = ProblemSpec("formula-surface", expression="phi0**2 + phi1**2",
                       bounds=(-1, 1, -0.5, 2), guess="0.5, 1.5")
    assert spec.parameters["bounds"] == "-1 1 -0.5 2" and spec.parameters["guess"] == "0.5 1.5"
    problem = spec.build()
    assert problem.window == Window(-1.0, 1.0, -0.5, 2.0) and problem.start == (0.5, 1.5)
    for bad, words in [("1 2 3", "must be 4 numbers; got 3"), ("0 1 a 2", "'a' is not one"),
                       ("1 0 0 1", "min < max"), ("0 1 0 1e13", r"within ±1e\+12; got 1e\+13"),
                       ("0 1 0 inf", "finite number"), (7, "4 numbers")]:
        with pytest.raises(HyperParameterError, match=words):
            ProblemSpec("formula-surface", bounds=bad)
    with pytest.raises(HyperParameterError, match="guess must be 2 numbers"):
        ProblemSpec("formula", guess="1")


def test_a_refused_formula_is_a_parameter_error_that_keeps_the_column() -> None:
    with pytest.raises(HyperParameterError) as info:
        ProblemSpec("formula", expression="phi0 * y")
    assert str(info.value).startswith("expression at column 8 ('y'): unknown name 'y'")
    assert isinstance(info.value.__cause__, FormulaError) and info.value.__cause__.column == 8
    with pytest.raises(HyperParameterError, match="must be a formula"):
        ProblemSpec("formula", expression=3.0)


def test_a_formula_model_fits_synthetic_and_csv_data(tmp_path) -> None:
    decay = "phi0 * exp(-phi1 * x)"
    problem = make_problem("formula", "synthetic:n=40,phi0=1.5,phi1=0.8,noise=0.01",
                           expression=decay, bounds="0 3 0 2", guess="0.5 0.1")
    path = gradviz.run(problem, optimizer="adam", lr=0.05, steps=2000)
    np.testing.assert_allclose(path.final_phi, [1.5, 0.8], atol=0.05)
    csv = tmp_path / "d.csv"
    csv.write_text("x,y\n" + "".join(f"{x},{2 * np.exp(-0.5 * x)}\n" for x in range(6)))
    fitted = make_problem("formula", str(csv), expression=decay)
    assert fitted.loss(np.array([2.0, 0.5])) == pytest.approx(0.0, abs=1e-20)
    assert fitted.predict(np.array([0.0, 1.0]), np.array([2.0, 0.5])) == pytest.approx(
        [2.0, 2 * np.exp(-0.5)])


def test_an_undefined_formula_gives_nan_cells_without_warnings() -> None:
    problem = make_problem("formula", "udl-linear", expression="log(phi0) + phi1 * x")
    phi0, phi1 = np.linspace(-1, 1, 5), np.linspace(-1, 1, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = problem.loss_grid(phi0, phi1)
        loss, _ = problem.loss_and_grad(np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]]))
    assert np.isnan(grid[:, :3]).all() and np.isfinite(grid[:, 3:]).all()
    assert np.isnan(loss[0]) and not np.isfinite(loss[1]) and np.isfinite(loss[2])
    surface = make_problem("formula-surface", expression="1 / phi0 + exp(phi1)")
    cells = surface.loss_grid(np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1000.0]))
    assert np.isnan(cells[:, 1]).all() and np.isnan(cells[1]).all() and np.isfinite(cells[0, 0])


def test_a_run_into_an_undefined_region_stops_there_and_says_why() -> None:
    # Gradient descent on log(phi0) walks towards phi0 = 0 and steps past it.
    problem = make_problem("formula-surface", expression="log(phi0) + phi1**2",
                           bounds="-1 1 -1 1", guess="0.5 0.5")
    path = gradviz.run(problem, lr=0.1, steps=100)
    assert path.diverged_at is not None and path.diverged_at < 100
    assert np.isfinite(path.loss).all() and (path.phi[:, 0] > 0).all()
    assert path.undefined
    assert path.summary().endswith(f"stopped at step {path.diverged_at}: the loss is undefined there")


def test_scenes_store_the_formula(tmp_path) -> None:
    from gradviz.core.scenes import Scene, SceneRun, load_scene, save_scene

    spec = ProblemSpec("formula", "udl-gabor", expression=GABOR, bounds="-10 10 2.5 22.5")
    scene = Scene(name="typed", title="Typed Gabor", caption="", problem=spec,
                  runs=(SceneRun(gradviz.RunSettings("adam", steps=10)),))
    path = tmp_path / "typed.toml"
    save_scene(scene, path)
    text = path.read_text()
    assert 'model = "formula"' in text and f"expression = {GABOR!r}".replace("'", '"') in text
    assert "guess" not in text  # a default is left out
    loaded = load_scene(path)
    assert loaded.problem == spec
    surface = ProblemSpec("formula-surface", expression="phi0**2 + abs(phi1)", guess="1 1")
    save_scene(Scene(name="s", title="S", caption="", problem=surface, runs=scene.runs),
               tmp_path / "s.toml")
    assert load_scene(tmp_path / "s.toml").problem == surface


def test_a_scene_with_a_bad_formula_names_the_key_and_the_column(tmp_path) -> None:
    from gradviz.core.scenes import SceneError, load_scene

    path = tmp_path / "bad.toml"
    path.write_text('title = "t"\ncaption = ""\n[problem]\nmodel = "formula"\n'
                    'expression = "phi0 * x.__class__"\n')
    with pytest.raises(SceneError, match=r"problem\.expression.*column 8.*attribute access"):
        load_scene(path)


def test_the_notebook_shows_the_derivative_it_uses() -> None:
    model = make_problem("formula", expression="phi0 * exp(-phi1 * x)").model
    assert model.gradient_text() == ("exp(-(phi1 * x))", "-(phi0 * (exp(-(phi1 * x)) * x))")
    assert gradviz.Formula("phi0 * x", ("x", "phi0", "phi1")).derivative_text() == ("x", "0")


def test_a_surface_undefined_everywhere_has_no_minimum_and_says_so() -> None:
    problem = make_problem("formula-surface", expression="log(-1 - phi0**2) + phi1")
    with pytest.raises(ValueError, match=r"undefined \(NaN\) everywhere in the window"):
        problem.minimum()
    partly = make_problem("formula-surface", expression="sqrt(phi0) + phi1**2", bounds="-1 1 -1 1")
    phi, loss = partly.minimum()
    assert phi == pytest.approx([0.0, 0.0], abs=1e-6) and loss == pytest.approx(0.0, abs=1e-3)
