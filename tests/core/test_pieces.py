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
