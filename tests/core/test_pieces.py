"""An engine's blocks cut into each run's pieces hold what the run alone records."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gradviz.core.columns import STEP_COLUMNS, Kind
from gradviz.core.engine import Engine
from gradviz.core.pieces import join_pieces, run_piece
from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings, Trajectory, iterate

RUNS = (
    RunSettings(optimizer="gd", steps=120),
    RunSettings(optimizer="sgd", seed=4, steps=120),
    RunSettings(optimizer="momentum", batch_size=7, batching="notebook", steps=90),
    RunSettings(optimizer="adam", schedule="step:every=20,factor=0.5", steps=120),
    RunSettings(optimizer="gd", hyperparameters={"lr": 60.0}, steps=120),  # diverges
    RunSettings(optimizer="nesterov", steps=0),
)


def _assert_same(piece: Trajectory, expected: Trajectory) -> None:
    for column in STEP_COLUMNS:
        got, want = getattr(piece, column.series), getattr(expected, column.series)
        if column.kind is Kind.INDICES:
            assert len(got) == len(want), column.name
            for a, b in zip(got, want):
                assert (a is None and b is None) or np.array_equal(a, b), column.name
        elif want is None:
            assert got is None, column.name
        else:
            assert got.dtype == want.dtype and got.shape == want.shape, column.name
            np.testing.assert_array_equal(got, want, err_msg=column.name)
    assert piece.diverged_at == expected.diverged_at


@pytest.mark.parametrize("first", [0, 1, 33, 500])
def test_a_runs_pieces_of_an_engines_blocks_are_its_steps_alone(first):
    problem = make_problem("gabor")
    settings = [s.resolve(problem) for s in RUNS]
    engine = Engine(problem, settings)
    blocks = [engine.start] + [engine.advance(n) for n in (1, 5, 17, 64, 100)]
    for run, one in enumerate(settings):
        expected = Trajectory.from_steps(one, itertools.islice(iterate(problem, one), first, None))
        _assert_same(run_piece([(block, run) for block in blocks], one, first), expected)
        # Block by block, joined, gives the same.
        pieces = [run_piece([(block, run)], one, first) for block in blocks]
        _assert_same(join_pieces(pieces), expected)


def test_no_blocks_make_an_empty_piece():
    settings = RunSettings().resolve(make_problem("gabor"))
    _assert_same(run_piece([], settings), Trajectory.from_steps(settings, []))
