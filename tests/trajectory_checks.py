"""A check shared by the core and the Qt tests: two trajectories hold the same steps, bit for bit."""

from __future__ import annotations

import numpy as np

from gradviz.core.columns import STEP_COLUMNS, Kind
from gradviz.core.run import Trajectory


def assert_same_trajectory(piece: Trajectory, expected: Trajectory) -> None:
    """Assert that every column of ``piece`` equals ``expected``'s exactly, dtypes and shapes too."""
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
