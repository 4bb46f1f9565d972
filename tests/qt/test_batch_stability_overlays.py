"""The minibatch's landscape (M) and the step-size bound (E): their numbers against the
core, following the timeline, in presentation mode and exports; the learning rate's
slider coloured by regime."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gradviz.core.batch_surface import batch_contours
from gradviz.core.problems import ProblemSpec
from gradviz.core.run_settings import RunSettings
from gradviz.core.stability import Regime, stability
from gradviz.qt.overlays.batch_landscape import BATCH_COLOUR


def _scene(window, qtbot, number):
    c = window.controller
    assert c.load_scene(next(s for s in window.scenes if s.number == number))
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing and c.last_update == c.runs[0].settings.steps
                    or c.runs[0].record.diverged_at is not None and not c.playing, timeout=20_000)
    return c


def _overlay(window, name):
    return window.surface_view.overlays.overlays[name]


def test_the_batch_contours_follow_the_timeline_to_the_batch_of_that_update(window, qtbot):
    c = _scene(window, qtbot, 6)  # SGD, fixed batches of 5
    window.overlay_actions["minibatch"].trigger()
    overlay = _overlay(window, "minibatch")
    seen = set()
    for update in (7, 3, 11, 2):  # batches 0, 2, 4 and 1 of each epoch's six
        c.scrub(update)
        c.publish_now()
        frame = next(f for f in c.frames() if f.selected)
        assert frame.index == update
        batch = frame.batches[update]
        picture = overlay.shown
        assert picture is not None and picture.contours is not None
        assert picture.contours.batch == tuple(sorted(int(i) for i in batch))
        expected = batch_contours(c.problem, batch, c.window)
        np.testing.assert_array_equal(picture.contours.segments, expected.segments)
        np.testing.assert_array_equal(overlay.contours.segments, expected.segments)
        assert "this update's batch: " + " ".join(str(int(i)) for i in batch) in overlay.note.text
        seen.add(picture.contours.batch)
    assert len(seen) == 4  # four updates, four batches of the permutation


def test_the_arrows_are_the_batch_and_the_full_data_gradients_at_the_updates_start(window, qtbot):
    c = _scene(window, qtbot, 6)
    c.set_overlay("minibatch", True)
    c.scrub(9)
    c.publish_now()
    frame = next(f for f in c.frames() if f.selected)
    picture = _overlay(window, "minibatch").shown
    start, batch = frame.phi[8], np.asarray(frame.batches[9])
    np.testing.assert_array_equal(picture.tail, start)
    np.testing.assert_array_equal(picture.batch_grad, c.problem.grad(start, batch))
    np.testing.assert_array_equal(picture.full_grad, c.problem.grad(start))
    np.testing.assert_array_equal(picture.batch_grad, frame.grad[9])  # the update's own
    assert picture.lr == frame.lr[9] == 0.4
    arrows = _overlay(window, "minibatch").arrows.arrows
    assert [a.colour for a in arrows] == ["#ffffff", BATCH_COLOUR]
    k_batch, k_full = picture.magnified
    np.testing.assert_allclose(arrows[1].vector, -0.4 * k_batch * picture.batch_grad, rtol=1e-15)
    np.testing.assert_allclose(arrows[0].vector, -0.4 * k_full * picture.full_grad, rtol=1e-15)
    for arrow, k in zip(arrows, (k_full, k_batch)):
        assert arrow.label.endswith("" if k == 1.0 else f"×{k:g}")
    if k_batch == 1.0:  # unmagnified, the batch's arrow ends where the update went
        np.testing.assert_allclose(np.add(arrows[1].tail, arrows[1].vector), frame.phi[9])
    assert all(("batch" in a.label) != ("all data" in a.label) for a in arrows)


def test_a_full_batch_run_draws_no_batch_landscape_and_says_why(window, qtbot):
    c = _scene(window, qtbot, 1)  # gradient descent on all the data
    c.set_overlay("minibatch", True)
    c.publish_now()
    overlay = _overlay(window, "minibatch")
    assert overlay.shown.contours is None
    assert len(overlay.contours.segments) == 0
    assert overlay.arrows.arrows == ()
    assert "full batch" in overlay.note.text


def test_the_eigen_directions_cross_at_the_linear_minimum_labelled_with_their_eigenvalues(
        window, qtbot):
    c = _scene(window, qtbot, 2)  # "Learning rate too large", α = 0.042
    window.overlay_actions["stability"].trigger()
    c.publish_now()
    overlay = _overlay(window, "stability")
    curvature = stability(c.problem)
    minimum = np.array(c.problem.known_minima()[0])
    x, y = overlay.lines.getData()
    ends = np.column_stack([x, y]).reshape(2, 2, 2)
    for k in range(2):
        np.testing.assert_allclose(ends[k].mean(axis=0), minimum, atol=1e-12)
        direction = ends[k, 1] - ends[k, 0]
        vector = curvature.eigenvectors[:, k]
        cross = direction[0] * vector[1] - direction[1] * vector[0]
        assert abs(cross) <= 1e-12 * np.hypot(*direction)
    labels = [label.textItem.toPlainText() for label in overlay.labels]
    assert labels == ["λ = 3.99", "λ = 50.0 (steepest)"]
    lines = overlay.note.text.splitlines()
    assert lines[0].startswith("2/λmax = 0.0400")
    assert "diverges" in lines[1] and "0.042" in lines[1]


def test_on_the_gabor_model_the_bound_is_local_at_the_shown_point(window, qtbot):
    c = _scene(window, qtbot, 3)
    c.set_overlay("stability", True)
    for update in (c.last_update, 5):
        c.scrub(update)
        c.publish_now()
        frame = next(f for f in c.frames() if f.selected)
        picture = _overlay(window, "stability").shown
        np.testing.assert_array_equal(picture.curvature.point, frame.phi[update])
        assert picture.curvature.local
        assert "local" in _overlay(window, "stability").note.text


def test_the_learning_rate_slider_is_coloured_by_regime_with_the_bound_beside_it(window, qtbot):
    c = _scene(window, qtbot, 2)
    field = window.control_panel.hyper_fields["lr"]
    bound = stability(c.problem).bound
    assert [b.name for b in field.bands] == [r.value for r in Regime]
    assert field.bands[1].high == pytest.approx(bound)
    assert len(field.slider.bands) == 3
    assert "λmax = 0.0400; α = 0.042 diverges" in field.note.text()
    assert field.note.isVisibleTo(window)
    for lr, words in ((0.03, "oscillates"), (0.01, "converges monotonically")):
        settings = c.selected_settings
        assert c.edit_selected(RunSettings(**{**settings.__dict__, "hyperparameters": {"lr": lr}}))
        c.publish_now()
        assert f"α = {lr:g} {words}" in field.note.text()
    # Momentum's steps are not φ − αg: no bound, no bands.
    assert c.edit_selected(RunSettings("momentum", start=c.selected_settings.start))
    c.publish_now()
    field = window.control_panel.hyper_fields["lr"]
    assert field.bands == () and not field.note.isVisibleTo(window)


def test_presentation_mode_draws_the_overlays_text_large(window, qtbot):
    c = _scene(window, qtbot, 6)
    for name in ("minibatch", "stability"):
        c.set_overlay(name, True)
    c.scrub(10)
    c.publish_now()
    window.toggle_presentation()
    qtbot.waitUntil(lambda: c.options.presenting, timeout=5000)
    c.publish_now()
    dpi = window.logicalDpiY()
    batch, bound = _overlay(window, "minibatch"), _overlay(window, "stability")
    fonts = [batch.note.item.textItem.font(), bound.note.item.textItem.font(),
             *(label.textItem.font() for label in bound.labels)]
    for font in fonts:
        assert font.pointSizeF() * dpi / 72 >= 24
    assert batch.arrows._scale * batch.arrows._style.font_points * dpi / 72 >= 24
    window.leave_presentation()


def test_an_export_draws_both_overlays(window, qtbot, tmp_path):
    c = _scene(window, qtbot, 6)
    c.scrub(10)
    c.publish_now()
    plain = tmp_path / "plain.png"
    window.export_to(str(plain), (800, 600))
    for name in ("minibatch", "stability"):
        c.set_overlay(name, True)
        path = tmp_path / f"{name}.png"
        window.export_to(str(path), (800, 600))
        assert QImage(str(path)) != QImage(str(plain)), name
        c.set_overlay(name, False)


def test_the_batch_landscape_follows_the_runs_while_they_play(window, qtbot):
    c = window.controller
    assert c.load_scene(next(s for s in window.scenes if s.number == 6))
    window.overlay_actions["minibatch"].trigger()
    window.overlay_actions["stability"].trigger()
    overlay = _overlay(window, "minibatch")
    c.play()
    seen = set()

    def two_batches_seen() -> bool:
        picture = overlay.shown
        if picture is not None and picture.contours is not None:
            seen.add(picture.contours.batch)
        return len(seen) >= 2

    qtbot.waitUntil(two_batches_seen, timeout=20_000)
    window.overlay_actions["minibatch"].trigger()
    window.overlay_actions["stability"].trigger()
    c.pause()
    assert overlay.shown is None and overlay.arrows.arrows == ()


def test_what_is_on_screen_with_both_overlays_after_playing_matches_a_fresh_drawing(
        window, qtbot):
    # The batch's contours repaint from a cached pixmap while the paths animate, and
    # are drawn anew for each batch: nothing stale may stay on screen.
    from PySide6.QtGui import QImage as Image

    def pixels(image: Image) -> np.ndarray:
        image = image.convertToFormat(Image.Format.Format_RGB32)
        rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), -1)
        return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).astype(int)

    c = window.controller
    assert c.load_scene(next(s for s in window.scenes if s.number == 7))
    c.select_run(c.runs[1].run_id)  # the SGD run beside gradient descent
    c.set_overlay("minibatch", True)
    c.set_overlay("stability", True)
    c.set_speed(60)
    c.play()
    qtbot.waitUntil(lambda: min(len(r.record) for r in c.runs) > 40, timeout=15_000)
    c.pause()
    c.publish_now()
    assert _overlay(window, "minibatch").shown.contours is not None
    qtbot.wait(100)
    on_screen = pixels(window.screen().grabWindow(window.winId()).toImage())
    redrawn = pixels(window.grab().toImage())
    assert (np.abs(on_screen - redrawn).max(axis=2) > 40).sum() == 0


def test_on_the_gabor_model_the_learning_rate_shows_the_local_bound_labelled_local(
        window, qtbot):
    c = _scene(window, qtbot, 3)  # gradient descent into the global minimum
    c.publish_now()
    field = window.control_panel.hyper_fields["lr"]
    frame = next(f for f in c.frames() if f.selected)
    local = stability(c.problem, frame.current_phi)
    assert local.local and local.positive_definite
    assert field.note.text().count("local bound at the current point") == 1
    assert field.bands[1].high == pytest.approx(local.bound)
    # From the model's own start (-1.5, 6.5) the Hessian is not positive definite.
    settings = c.selected_settings
    assert c.edit_selected(RunSettings(**{**settings.__dict__, "start": (-1.5, 6.5)}))
    qtbot.waitUntil(lambda: len(c.selected.record) >= 1, timeout=5000)
    c.scrub(0)
    c.publish_now()
    field = window.control_panel.hyper_fields["lr"]
    assert not stability(c.problem, np.array([-1.5, 6.5])).positive_definite
    assert field.bands == () and "not positive definite" in field.note.text()


def test_a_step_too_short_beside_the_other_is_drawn_longer_by_a_factor_of_its_own():
    from gradviz.core.space import Window
    from gradviz.qt.overlays.batch_landscape import MIN_SHARE, MIN_SHORT, _magnified

    window = Window(-10.0, 10.0, 2.5, 22.5)
    # Scene 7's update 40: the full-data step 60 times the batch's.
    steps = np.array([[0.00538, -0.00228], [-0.329, -0.0065]])
    batch, full = _magnified(steps, window)
    assert full == 10.0  # the longer at 15 % of the view: 0.329 x 10 / 20
    share = np.hypot(*(steps[0] * batch / (window.width, window.height)))
    assert batch > full and MIN_SHORT <= share < 2.5 * MIN_SHORT
    assert _magnified(np.array([[1.0, 0.0], [0.0, 4.0]]), window) == (1.0, 1.0)
    share = np.hypot(*(np.array([0.3, 0.0]) * 10 / (window.width, window.height)))
    assert _magnified(np.array([[0.3, 0.0], [0.2, 0.0]]), window) == (10.0, 10.0)
    assert share >= MIN_SHARE


def test_for_a_run_of_minibatches_the_notes_give_the_full_batch_bound_not_its_fate(
        window, qtbot):
    c = _scene(window, qtbot, 9)  # SGD, batches of 5 of 30 points, α = 0.6: it converges
    c.set_overlay("stability", True)
    c.publish_now()
    assert c.selected.record.diverged_at is None
    curvature = c.step_bound(next(f for f in c.frames() if f.selected))
    assert curvature.regime(0.6) is Regime.DIVERGES  # for full-batch descent
    note = window.control_panel.hyper_fields["lr"].note.text()
    assert "full-batch 2/\u2060λmax" in note and "all 30 points" in note
    assert "full-batch descent would diverge" in note and "batch of 5" in note
    assert "α = 0.6 diverges" not in note
    field = window.control_panel.hyper_fields["lr"]
    assert field.bands[2].name == "full-batch descent would diverge"  # the tooltip
    lines = _overlay(window, "stability").note.text.splitlines()
    assert lines[0].endswith(", of the full data (all 30 points)")
    assert lines[1].endswith("full-batch descent would diverge here")
    assert "batch of 5 of the 30 points" in lines[2]


def test_where_the_loss_is_undefined_the_notes_say_so_not_a_regime(window, qtbot):
    c = window.controller
    spec = ProblemSpec("formula-surface", None, expression="log(phi0) + phi1**2 + phi0**2",
                       bounds="-3 3 -2 2", guess="1.5 1")
    c.set_problem(spec)
    qtbot.waitUntil(lambda: c.spec == spec and c.surface is not None, timeout=10_000)
    c.set_overlay("stability", True)
    # At φ0 = -2 the log is undefined; its formal Hessian is positive definite there.
    assert c.edit_selected(RunSettings("gd", {"lr": 0.1}, steps=5, start=(-2.0, 1.0)))
    qtbot.waitUntil(lambda: len(c.selected.record) >= 1, timeout=5000)
    c.scrub(0)
    c.publish_now()
    field = window.control_panel.hyper_fields["lr"]
    assert field.bands == ()
    assert "the loss is undefined at φ = (-2, 1)" in field.note.text()
    assert "converges" not in field.note.text()
    overlay = _overlay(window, "stability")
    assert "the loss is undefined" in overlay.note.text and "converges" not in overlay.note.text
    assert not any(label.isVisible() for label in overlay.labels)


def test_the_eigenvalue_labels_keep_clear_of_the_long_notes_of_minibatches(window, qtbot):
    from gradviz.qt.layers.corner_note import shown_notes

    c = _scene(window, qtbot, 6)  # the shallow direction's top end is under the notes
    c.set_overlay("stability", True)
    c.publish_now()
    overlay = _overlay(window, "stability")
    box = window.surface_view.getPlotItem().vb
    assert len(overlay.note.text.splitlines()) == 3

    def clear() -> bool:
        notes = shown_notes(box)
        return bool(notes) and all(
            not box.mapRectFromItem(label, label.boundingRect()).intersects(note)
            for label in overlay.labels for note in notes)

    qtbot.waitUntil(clear, timeout=3000)
    assert all(label.isVisible() for label in overlay.labels)
