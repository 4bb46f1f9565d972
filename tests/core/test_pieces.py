"""An engine's blocks cut into each run's pieces hold what the run alone records."""

from __future__ import annotations

import itertools

import pytest

from gradviz.core.engine import Engine
from gradviz.core.pieces import join_pieces, run_piece
from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings, Trajectory, iterate
from trajectory_checks import assert_same_trajectory

RUNS = (
    RunSettings(optimizer="gd", steps=120),
    RunSettings(optimizer="sgd", seed=4, steps=120),
    RunSettings(optimizer="momentum", batch_size=7, batching="notebook", steps=90),
    RunSettings(optimizer="adam", schedule="step:every=20,factor=0.5", steps=120),
    RunSettings(optimizer="gd", hyperparameters={"lr": 60.0}, steps=120),  # diverges
    RunSettings(optimizer="nesterov", steps=0),
)


@pytest.mark.parametrize("terms", [False, True])
@pytest.mark.parametrize("first", [0, 1, 33, 500])
def test_a_runs_pieces_of_an_engines_blocks_are_its_steps_alone(first, terms):
    problem = make_problem("gabor")
    settings = [s.resolve(problem) for s in RUNS]
    engine = Engine(problem, settings, terms=terms)
    blocks = [engine.start] + [engine.advance(n) for n in (1, 5, 17, 64, 100)]
    for run, one in enumerate(settings):
        steps = iterate(problem, one, terms=terms)
        expected = Trajectory.from_steps(one, itertools.islice(steps, first, None))
        assert_same_trajectory(run_piece([(block, run) for block in blocks], one, first), expected)
        # Block by block, joined, gives the same.
        pieces = [run_piece([(block, run)], one, first) for block in blocks]
        assert_same_trajectory(join_pieces(pieces), expected)


def test_no_blocks_make_an_empty_piece():
    settings = RunSettings().resolve(make_problem("gabor"))
    assert_same_trajectory(run_piece([], settings), Trajectory.from_steps(settings, []))


@pytest.mark.parametrize(("expression", "lr", "undefined"), [
    ("log(phi0) + phi1**2", 0.1, True),  # steps to phi0 < 0, where the log is undefined
    ("phi0**2 + phi1**2", 5.0, False),  # too large a rate: the loss grows past any bound
])
def test_a_run_that_stops_where_the_loss_is_undefined_says_so(expression, lr, undefined):
    problem = make_problem("formula-surface", expression=expression, bounds="-1 3 -2 2",
                           guess="0.3 1")
    one = RunSettings(optimizer="gd", hyperparameters={"lr": lr}, steps=100).resolve(problem)
    alone = Trajectory.from_steps(one, iterate(problem, one))
    assert alone.diverged_at is not None and alone.undefined is undefined
    engine = Engine(problem, [one, RunSettings(optimizer="adam", steps=100).resolve(problem)])
    blocks = [engine.start, *(engine.advance(25) for _ in range(4))]
    pieces = [run_piece([(block, 0)], one) for block in blocks]
    assert join_pieces(pieces).undefined is undefined
    assert run_piece([(block, 0) for block in blocks], one).undefined is undefined
    other = engine.settings[1]  # stepped beside it, as alone
    assert (run_piece([(block, 1) for block in blocks], other).undefined
            is Trajectory.from_steps(other, iterate(problem, other)).undefined)
