"""Basins of attraction: every cell's run is the single run from its centre, and
the classes agree with what is known of the problems."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from core_reference import problem

from gradviz.core.basins import (
    BASIN_DIVERGED,
    BASIN_NOT_CONVERGED,
    MAX_GRID,
    BasinMap,
    cell_centres,
    compute_basins,
)
from gradviz.core.palette import (
    DIVERGED_COLOUR,
    MINIMUM_COLOURS,
    NOT_CONVERGED_COLOUR,
    OTHER_MINIMA_COLOUR,
    basin_colour,
    basin_rgb,
)
from gradviz.core.run import RunSettings, run
from gradviz.core.space import Window

CELLS = [(0, 0), (0, 9), (4, 5), (7, 2), (9, 9), (3, 8)]


def bits(value: object) -> bytes:
    return np.asarray(value, dtype=float).tobytes()


def assert_cells_are_single_runs(basins: BasinMap, model: str, settings: RunSettings) -> None:
    p = problem(model)
    for row, column in CELLS:
        start = (float(basins.phi0[column]), float(basins.phi1[row]))
        alone = run(p, replace(settings, start=start))
        assert bits(basins.end_phi[row, column]) == bits(alone.final_phi), (row, column)
        assert bits(basins.end_loss[row, column]) == bits(alone.final_loss), (row, column)
        diverged = basins.labels[row, column] == BASIN_DIVERGED
        assert diverged == (alone.diverged_at is not None), (row, column)


def stability_bound() -> float:
    """2 / the largest eigenvalue of the linear model's Hessian 2 XᵀX: GD's largest stable rate."""
    x = problem("linear").data.x
    design = np.column_stack([np.ones_like(x), x])
    return 2.0 / np.linalg.eigvalsh(2.0 * design.T @ design).max()


@pytest.mark.parametrize(
    ("model", "settings"),
    [
        ("gabor", RunSettings("gd", {"lr": 0.1}, steps=60)),
        ("gabor", RunSettings("sgd", steps=60, seed=7)),
        ("gabor", RunSettings("adam", steps=60)),
        ("gabor", RunSettings("momentum", {"lr": 0.6}, batch_size=30, steps=60)),
        ("linear", RunSettings("gd", {"lr": 0.06}, steps=60)),  # diverges from some cells
    ],
)
def test_every_cell_is_the_single_run_from_its_centre(model, settings) -> None:
    basins = compute_basins(problem(model), settings, grid=10)
    assert basins is not None
    assert_cells_are_single_runs(basins, model, settings)


def test_cells_tile_the_window_rows_over_phi1() -> None:
    window = Window(-4.0, 4.0, 10.0, 20.0)
    basins = compute_basins(problem("gabor"), RunSettings(steps=3), window, grid=(8, 5))
    assert basins.labels.shape == basins.end_loss.shape == (5, 8)
    assert basins.end_phi.shape == (5, 8, 2)
    assert np.allclose(basins.phi0, -4.0 + 0.5 + np.arange(8))
    assert np.allclose(basins.phi1, 11.0 + 2.0 * np.arange(5))
    assert basins.window == window and basins.settings.steps == 3
    assert basins.settings.start is None  # each cell has its own


def test_the_linear_model_has_one_basin_below_the_stability_bound() -> None:
    bound = stability_bound()
    below = compute_basins(problem("linear"), RunSettings("gd", {"lr": 0.9 * bound}),
                           grid=16, steps=400)
    assert len(below.minima) == 1 and (below.labels == 0).all()
    known = problem("linear").known_minima()[0]
    assert np.allclose(below.minima[0], known, atol=1e-6)
    assert below.shares() == {0: 1.0, BASIN_NOT_CONVERGED: 0.0, BASIN_DIVERGED: 0.0}
    above = compute_basins(problem("linear"), RunSettings("gd", {"lr": 1.1 * bound}),
                           grid=16, steps=400)
    assert len(above.minima) == 0 and (above.labels == BASIN_DIVERGED).all()


def test_gabor_at_the_lectures_rate_reaches_several_minima() -> None:
    basins = compute_basins(problem("gabor"), RunSettings("gd", {"lr": 0.1}), grid=24,
                            steps=200)
    assert len(basins.minima) >= 2
    assert (np.diff(basins.minimum_losses) >= 0).all()  # lowest first
    # The lowest is the global minimum the app finds on the view.
    phi, loss = problem("gabor").minimum()
    assert np.allclose(basins.minima[0], phi, atol=1e-3)
    assert basins.minimum_losses[0] == pytest.approx(loss, abs=1e-6)
    # Each minimum's loss is the full-data loss there, and every one is reached.
    assert np.allclose(problem("gabor").loss(basins.minima), basins.minimum_losses)
    assert set(np.unique(basins.labels[basins.labels >= 0])) == set(range(len(basins.minima)))
    # A converged cell ended within the radius of its minimum.
    converged = basins.labels >= 0
    distance = np.linalg.norm(
        basins.end_phi[converged] - basins.minima[basins.labels[converged]], axis=1)
    assert (distance <= basins.radius).all()


def test_minibatch_cells_share_one_batch_sequence_and_the_legend_says_so() -> None:
    settings = RunSettings("sgd", steps=120, seed=11, batch_size=6)
    basins = compute_basins(problem("gabor"), settings, grid=12)
    assert basins.minibatch
    assert basins.legend()[-1] == ("every cell uses the same batch sequence "
                                   "(seed 11, batch size 6)")
    assert len(basins.minima) >= 1


def test_shares_and_legend_cover_every_class() -> None:
    basins = compute_basins(problem("gabor"), RunSettings("gd", {"lr": 0.1}), grid=16,
                            steps=40)
    shares = basins.shares()
    assert list(shares) == [*range(len(basins.minima)), BASIN_NOT_CONVERGED, BASIN_DIVERGED]
    assert sum(shares.values()) == pytest.approx(1.0)
    for label, share in shares.items():
        assert share == np.mean(basins.labels == label)
    legend = basins.legend()
    assert len(legend) == len(basins.minima) + 2 and not basins.minibatch
    assert legend[0].startswith(f"minimum 1 (L = {basins.minimum_losses[0]:.3g}): ")
    assert legend[-2].startswith("not converged: ") and legend[-1].startswith("diverged: ")
    assert all(line.endswith(" %") for line in legend)


def test_a_short_legend_lists_the_global_minimum_and_the_largest_basins_then_the_rest() -> None:
    basins = compute_basins(problem("gabor"), RunSettings("gd", {"lr": 0.1}), grid=32,
                            steps=200)
    count = len(basins.minima)
    assert count > 5
    shares = basins.shares()
    ranked = basins.ranked()
    # The global minimum first, then the others by share, largest first.
    assert ranked[0] == 0 and sorted(ranked) == list(range(count))
    assert [shares[k] for k in ranked[1:]] == sorted((shares[k] for k in ranked[1:]),
                                                     reverse=True)
    full = basins.legend()
    short = basins.legend(3)
    assert short[:3] == [full[k] for k in ranked[:3]] and len(short) == 3 + 1 + 2
    rest = sum(shares[k] for k in ranked[3:])
    assert short[3] == f"+ {count - 3} more minima: {100 * rest:.0f} %"
    assert short[-2:] == full[-2:]
    # One minimum more than listed is its own line: a line for one would say no more.
    assert basins.legend(count - 1) == [full[k] for k in ranked] + full[-2:]
    # Without the losses (the labels on the map show them): "minimum 12: 7 %".
    narrow = basins.legend(3, losses=False)
    assert narrow[0] == f"minimum 1: {100 * shares[0]:.0f} %" and narrow[3:] == short[3:]


def test_the_ranked_labels_put_each_minimum_at_its_rank() -> None:
    basins = compute_basins(problem("gabor"), RunSettings("gd", {"lr": 0.1}), grid=24,
                            steps=200)
    ranked, labels = basins.ranked(), basins.ranked_labels()
    for place, k in enumerate(ranked):
        assert ((labels == place) == (basins.labels == k)).all()
    assert ((labels < 0) == (basins.labels < 0)).all()
    assert (labels[basins.labels < 0] == basins.labels[basins.labels < 0]).all()


def test_progress_rises_to_one_and_should_stop_cancels() -> None:
    seen: list[float] = []
    settings = RunSettings("gd", steps=300)
    basins = compute_basins(problem("gabor"), settings, grid=40, progress=seen.append)
    assert basins is not None and seen
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0 <= seen[0]
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) == 2

    assert compute_basins(problem("gabor"), settings, grid=40, should_stop=stop) is None
    assert len(asked) == 2


def test_progress_reaches_one_when_every_run_diverged_early() -> None:
    seen: list[float] = []
    settings = RunSettings("gd", {"lr": 1.0}, steps=5000)
    basins = compute_basins(problem("linear"), settings, grid=8, progress=seen.append)
    assert (basins.labels == BASIN_DIVERGED).all() and seen[-1] == 1.0


def test_any_number_of_threads_gives_the_same_map() -> None:
    settings = RunSettings("sgd", steps=50, seed=2)
    maps = [compute_basins(problem("gabor"), settings, grid=(45, 30), threads=threads)
            for threads in (1, 3)]
    for name in ("labels", "end_phi", "end_loss", "minima", "minimum_losses"):
        assert bits(getattr(maps[0], name)) == bits(getattr(maps[1], name)), name


@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_a_bad_number_of_threads_is_refused(threads) -> None:
    with pytest.raises(ValueError, match="threads must be"):
        compute_basins(problem("gabor"), RunSettings(), grid=4, threads=threads)


def test_an_error_of_the_problem_surfaces_and_stops_the_threads() -> None:
    class Failing(type(problem("linear"))):  # type: ignore[misc]
        calls = 0

        def loss_and_grad(self, phi, batch=None):  # type: ignore[no-untyped-def]
            Failing.calls += 1
            if Failing.calls > 20:
                raise RuntimeError("the problem broke")
            return super().loss_and_grad(phi, batch)

    p = problem("linear")
    failing = Failing(p.model, p.dataset, p.window, p.start, p.recommended_lr)
    with pytest.raises(RuntimeError, match="the problem broke"):
        compute_basins(failing, RunSettings(steps=2000), grid=64, threads=2)


@pytest.mark.parametrize(
    ("grid", "message"),
    [(1, "between 2 and 512"), (MAX_GRID + 1, "between 2 and 512"), (True, "whole numbers"), (2.5, "whole numbers"),
     ((4, 4, 4), "one size or"), ((4, 0), "between 2 and 512")],
)
def test_a_bad_grid_is_refused(grid, message) -> None:
    with pytest.raises(ValueError, match=message):
        compute_basins(problem("gabor"), RunSettings(), grid=grid)


def test_bad_steps_window_and_batch_size_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 update"):
        compute_basins(problem("gabor"), RunSettings(), grid=4, steps=0)
    with pytest.raises(ValueError, match="steps must be"):
        compute_basins(problem("gabor"), RunSettings(), grid=4, steps=-3)
    with pytest.raises(ValueError, match="too narrow"):
        compute_basins(problem("gabor"), RunSettings(), Window(0.0, 1e-12, 0.0, 1.0), grid=4)
    with pytest.raises(ValueError, match="batch"):
        compute_basins(problem("gabor"), RunSettings("sgd", batch_size=31), grid=4)


def test_cell_centres_are_in_the_middle_of_equal_cells() -> None:
    phi0, phi1 = cell_centres(Window(0.0, 1.0, -2.0, 2.0), 4, 2)
    assert phi0.tolist() == [0.125, 0.375, 0.625, 0.875] and phi1.tolist() == [-1.0, 1.0]


def test_class_colours_are_one_per_class() -> None:
    assert basin_colour(BASIN_DIVERGED) == DIVERGED_COLOUR
    assert basin_colour(BASIN_NOT_CONVERGED) == NOT_CONVERGED_COLOUR
    assert [basin_colour(k) for k in range(len(MINIMUM_COLOURS))] == list(MINIMUM_COLOURS)
    assert basin_colour(len(MINIMUM_COLOURS)) == basin_colour(30) == OTHER_MINIMA_COLOUR
    with pytest.raises(ValueError):
        basin_colour(-3)
    labels = np.array([[0, 1], [BASIN_DIVERGED, BASIN_NOT_CONVERGED]])
    rgb = basin_rgb(labels)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    for (row, column), label in np.ndenumerate(labels):
        assert "#" + bytes(rgb[row, column]).hex().upper() == basin_colour(int(label)).upper()


def test_rosenbrocks_curved_valley_ends_at_its_one_minimum() -> None:
    # Adam gets within a whisker of (1, 1) from every cell; the polish must find
    # the minimum down the narrow valley, where plain descent crawls.
    basins = compute_basins(problem("rosenbrock"), RunSettings("adam", steps=3000), grid=12)
    assert len(basins.minima) == 1 and (basins.labels == 0).all()
    assert np.allclose(basins.minima[0], (1.0, 1.0), atol=1e-6)
    assert basins.minimum_losses[0] < 1e-12


def test_a_saddle_is_not_a_minimum() -> None:
    # On the saddle surface, the cells of the middle row start on the ridge between
    # the minima at (0, -1) and (0, 1): GD slides into the saddle and rests there.
    p = problem("saddle")
    basins = compute_basins(p, RunSettings("gd", steps=300), grid=15)
    middle = int(np.flatnonzero(basins.phi1 == 0.0)[0])
    assert np.allclose(basins.minima, [(0.0, -1.0), (0.0, 1.0)], atol=1e-6)
    assert (basins.labels[middle] == BASIN_NOT_CONVERGED).all()
    others = np.delete(basins.labels, middle, axis=0)
    assert set(np.unique(others)) == {0, 1}
