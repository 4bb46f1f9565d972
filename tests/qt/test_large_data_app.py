"""A minibatch run on a large data set, whose steps hold the full-data loss on a
schedule only, gets the badge a run on few points gets (undefined or diverged), and its
epochs are marked on its loss curve."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.core import engine as engine_module
from gradviz.core.problems import ProblemSpec
from gradviz.core.run import RunSettings

SQRT = ProblemSpec("formula", "udl-linear", expression="sqrt(phi0) * x + phi1",
                   bounds="-1 3 -2 2", guess="1 1")
"""Undefined for phi0 < 0, where SGD at lr = 0.3 steps from some starts."""


def large_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make data sets of more than 10 points large: the full-data loss every
    ceil(N / max(4, B)) updates (every 3rd update on 12 points and 6th on 30, B = 5)."""
    monkeypatch.setattr(engine_module, "LARGE_DATA", 10)
    monkeypatch.setattr(engine_module, "FULL_LOSS_POINTS", 4)


@pytest.mark.parametrize(("start", "badge"), [
    # Alone, on few points: undefined at update 65; here an update later (a step off
    # the schedule tests the batch loss, at the phi before).
    ((0.05, -1.0), "stopped at update 66:\nthe loss is undefined here (log of a negative?)"),
    ((0.2, -1.0), "diverged at update 65: learning rate too large?"),  # out of the view
])
def test_a_run_on_large_data_gets_the_badge_of_a_run_on_few_points(
    window, qtbot, monkeypatch, start, badge
) -> None:
    large_data(monkeypatch)
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


def test_epochs_are_marked_on_the_loss_curve_between_its_scheduled_losses(
    window, qtbot, monkeypatch
) -> None:
    large_data(monkeypatch)
    c = window.controller
    c.edit_selected(RunSettings(optimizer="sgd", steps=60, seed=1))  # 6 updates an epoch
    run = c.runs[0]
    c.run_to_end()
    qtbot.waitUntil(lambda: len(run.record) == 61, timeout=5000)
    frame = next(f for f in c.frames() if f.selected)
    loss = frame.loss[: frame.index + 1]
    known = np.flatnonzero(~np.isnan(loss))
    assert list(known) == list(range(0, 61, 6))
    qtbot.waitUntil(lambda: len(window.loss_view.epochs.getData()[0]) == 9, timeout=3000)
    x, y = window.loss_view.epochs.getData()
    starts = np.arange(7, 60, 6)  # updates 7, 13, ... begin an epoch: no loss of their own
    np.testing.assert_array_equal(x, starts)
    np.testing.assert_allclose(y, np.interp(starts, known, loss[known]), rtol=1e-12)


def test_an_update_without_a_full_data_loss_shows_none_rather_than_undefined(
    window, qtbot, monkeypatch
) -> None:
    large_data(monkeypatch)
    c = window.controller
    c.edit_selected(RunSettings(optimizer="sgd", steps=60, seed=1))  # the loss every 6th
    run = c.runs[0]
    c.run_to_end()
    qtbot.waitUntil(lambda: len(run.record) == 61, timeout=5000)
    def legend() -> str:
        return window.surface_view._legend_text[run.run_id]

    for update, shown in ((7, False), (12, True)):
        c.scrub(update)
        qtbot.waitUntil(lambda update=update: f"update {update} " in window.status.text(),
                        timeout=3000)
        frame = next(f for f in c.frames() if f.selected)
        assert frame.loss_every == 6
        qtbot.waitUntil(lambda shown=shown: ("loss" in legend()) == shown, timeout=3000)
        assert ("loss" in window.status.text()) == shown
        assert "undefined" not in legend() + window.status.text()
        assert frame.loss_text() == (f"{run.record.loss[update]:.4g}" if shown else None)
