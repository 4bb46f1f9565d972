"""A minibatch run on a large data set, whose steps hold the full-data loss on a
schedule only, gets the badge a run on few points gets: undefined or diverged."""

from __future__ import annotations

import pytest

from gradviz.core import engine as engine_module
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings

SQRT = ProblemSpec("formula", "udl-linear", expression="sqrt(phi0) * x + phi1",
                   bounds="-1 3 -2 2", guess="1 1")
"""Undefined for phi0 < 0, where SGD at lr = 0.3 steps from some starts."""


@pytest.mark.parametrize(("start", "badge"), [
    # Alone, on few points: undefined at update 65; here an update later (a step off
    # the schedule tests the batch loss, at the phi before).
    ((0.05, -1.0), "stopped at update 66:\nthe loss is undefined here (log of a negative?)"),
    ((0.2, -1.0), "diverged at update 65: learning rate too large?"),  # out of the view
])
def test_a_run_on_large_data_gets_the_badge_of_a_run_on_few_points(
    window, qtbot, monkeypatch, start, badge
) -> None:
    # The 12 points count as large data, with the full-data loss every 3rd update.
    monkeypatch.setattr(engine_module, "LARGE_DATA", 10)
    monkeypatch.setattr(engine_module, "FULL_LOSS_POINTS", 4)
    c = window.controller
    c.set_problem(SQRT)
    qtbot.waitUntil(lambda: c.spec == SQRT and window.surface_view.undefined_shown,
                    timeout=10_000)
    c.edit_selected(RunSettings(optimizer="sgd", hyperparameters={"lr": 0.3}, steps=100,
                                start=start))
    stopped = c.runs[0]
    c.run_to_end()
    qtbot.waitUntil(lambda: stopped.record.diverged_at is not None, timeout=5000)
    qtbot.waitUntil(lambda: stopped.run_id in window.surface_view._badges, timeout=3000)
    assert window.surface_view._badges[stopped.run_id].textItem.toPlainText() == f"✖ {badge}"
