"""The overlays of the gradient as a sum over the data: the gradient and its parts (D), each
point's share tip to tail with its residual (P), the derivative as a limit (F). Their numbers
are the core's at the update shown, they follow a scrub, the data view's hover picks a point,
a minibatch run counts only its batch, and they are legible in presentation mode and exported."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontInfo, QImage

from gradviz.core.contributions import NO_DATA, point_contributions
from gradviz.core.finite_difference import TABLE_STEPS, forward_differences
from gradviz.core.problems import ProblemSpec
from gradviz.qt.layers.arrow_layer import readable_scale
from gradviz.qt.overlays.derivative_limit import STEP_KEY, position_of
from gradviz.qt.overlays.gradient_parts import SHARE, GradientParts
from gradviz.qt.overlays.point_gradients import FOCUS_COLOUR, PointShares

pytestmark = pytest.mark.filterwarnings("error")


def stepped(window, qtbot, count: int):  # type: ignore[no-untyped-def]
    """The controller after ``count`` more updates of every run, published."""
    c = window.controller
    want = [len(run.record) + count for run in c.runs]
    c.step(count)
    qtbot.waitUntil(lambda: [len(run.record) for run in c.runs] == want, timeout=10_000)
    c.publish_now()
    return c


def selected(c):  # type: ignore[no-untyped-def]
    return next(f for f in c.frames() if f.selected)


def shown(window, name: str):  # type: ignore[no-untyped-def]
    """The overlay ``name`` as drawn on the map, or its panel."""
    return (window.surface_view.overlays.overlays.get(name)
            or window.explanation_overlays.overlays[name])


def test_the_gradients_arrows_are_the_cores_at_the_shown_update_and_follow_a_scrub(window, qtbot):
    c = window.controller
    c.set_overlay("parts", True)
    stepped(window, qtbot, 6)
    layer = shown(window, "parts").layer
    for update in (6, 2, 0):
        c.scrub(update)
        c.publish_now()
        frame = selected(c)
        assert frame.index == update
        phi = frame.phi[update]
        grad = c.problem.grad(phi)  # full batch: gradient descent's next gradient
        chain = point_contributions(c.problem, phi).chain()  # one factor for D and P
        scale = readable_scale(np.vstack([grad[None], chain]), (c.window.width, c.window.height),
                               SHARE)
        part0, part1, total = layer.arrows
        assert total.tail == part0.tail == part1.tail == (phi[0], phi[1])
        assert total.vector == (scale * grad[0], scale * grad[1])  # uphill: the gradient itself
        assert part0.vector == (scale * grad[0], 0.0) and part1.vector == (0.0, scale * grad[1])
        assert f"{grad[0]:.4g}".replace("-", "−") in part0.label
        assert "uphill" in total.label and f"all {c.problem.n_points} points" in total.label
        if update + 1 < len(frame.grad):  # the record's next gradient is this one, to rounding
            np.testing.assert_allclose(frame.grad[update + 1], grad, rtol=1e-13)


def test_each_points_share_ends_at_the_gradient_and_hovering_picks_one(window, qtbot):
    c = window.controller
    c.set_overlay("shares", True)
    c.set_overlay("parts", True)
    stepped(window, qtbot, 3)
    layer = shown(window, "shares").layer
    gradient = shown(window, "parts").layer.arrows[-1]  # the chain ends at its tip:
    assert layer.arrows[-1].tail == gradient.tail  # the same factor, the sum to rounding
    np.testing.assert_allclose(layer.arrows[-1].vector, gradient.vector, rtol=1e-12)
    frame = selected(c)
    parts = point_contributions(c.problem, frame.current_phi)
    *shares, total = layer.arrows
    assert len(shares) == c.problem.n_points
    tips = np.array(total.tail)
    for share in shares:  # tip to tail
        np.testing.assert_allclose(share.tail, tips, rtol=0, atol=1e-12)
        tips = tips + np.array(share.vector)
    np.testing.assert_allclose(tips, np.array(total.tail) + np.array(total.vector),
                               rtol=0, atol=1e-12)
    scale = c.overlay_data(c.frames())["shares"].scale
    np.testing.assert_allclose(np.array(total.vector) / scale, c.problem.grad(frame.current_phi),
                               rtol=1e-12)
    np.testing.assert_array_equal(np.array([s.vector for s in shares]) / scale, parts.grads)

    # The mouse over data point 4 in the data view: its arrow and its residual stand out.
    fit = window.fit_view
    x, y = c.problem.data.x[4], c.problem.data.y[4]
    where = fit.mapFromScene(fit.getPlotItem().vb.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(fit.pointHovered, timeout=5000,
                          check_params_cb=lambda index: index == 4):
        qtbot.mouseMove(fit.viewport(), where)
    assert c.focus_point == 4
    c.publish_now()
    focused = [a for a in layer.arrows if a.colour == FOCUS_COLOUR]
    assert len(focused) == 1
    np.testing.assert_array_equal(np.array(focused[0].vector) / scale, parts.grads[4])
    residual = fit.overlays.overlays["shares"]
    xs, ys = residual.focus.getData()
    assert list(xs) == [x, x]
    assert ys[0] == y and ys[1] == pytest.approx(y + parts.residuals[4], abs=1e-15)
    assert residual.label.isVisible() and "point 4" in residual.label.toPlainText()
    # Off the points: nothing is pointed at.
    with qtbot.waitSignal(fit.pointHovered, timeout=5000,
                          check_params_cb=lambda index: index is None):
        qtbot.mouseMove(fit.viewport(), QPoint(3, 3))
    c.publish_now()
    assert not [a for a in layer.arrows if a.colour == FOCUS_COLOUR]
    assert not residual.focus.isVisible()


def test_a_click_pins_the_point_until_the_next_click(window, qtbot):
    fit, c = window.fit_view, window.controller
    x, y = c.problem.data.x[2], c.problem.data.y[2]
    where = fit.mapFromScene(fit.getPlotItem().vb.mapViewToScene(QPointF(x, y)))
    with qtbot.waitSignal(fit.pointHovered, timeout=5000):
        qtbot.mouseClick(fit.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert c.focus_point == 2
    qtbot.mouseMove(fit.viewport(), QPoint(3, 3))  # pinned: the mouse leaving changes nothing
    qtbot.wait(50)
    assert c.focus_point == 2
    with qtbot.waitSignal(fit.pointHovered, timeout=5000,
                          check_params_cb=lambda index: index is None):
        qtbot.mouseClick(fit.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))


def test_a_minibatch_run_counts_only_its_batch(window, qtbot):
    c = window.controller
    window.show_scene(6)  # scene 7: GD beside SGD with batches of 5
    qtbot.waitUntil(lambda: c.surface is not None and all(len(r.record) for r in c.runs),
                    timeout=10_000)
    sgd = next(run for run in c.runs if run.settings.batch_size == 5)
    c.select_run(sgd.run_id)
    for name in ("parts", "shares", "limit"):
        c.set_overlay(name, True)
    stepped(window, qtbot, 4)
    frame = selected(c)
    batch = np.array(frame.batches[frame.index])
    assert batch.size == 5
    data = c.overlay_data(c.frames())
    shares: PointShares = data["shares"]
    assert shares.parts.indices.tolist() == batch.tolist()
    assert len(shown(window, "shares").layer.arrows) == 5 + 1
    np.testing.assert_allclose(shares.parts.total, c.problem.grad(frame.current_phi, batch),
                               rtol=1e-12)
    parts: GradientParts = data["parts"]
    np.testing.assert_array_equal(parts.grad, c.problem.grad(frame.current_phi, batch))
    assert "batch of 5" in parts.over
    limit = data["limit"]
    np.testing.assert_array_equal(limit.table.exact, parts.grad)
    # The batch ringed in the data view is the one summed over.
    ringed = window.fit_view.batch.getData()[0]
    assert sorted(ringed.tolist()) == sorted(c.problem.data.x[batch].tolist())
    # A point outside the batch has its residual shown, and no share.
    outside = next(i for i in range(c.problem.n_points) if i not in batch)
    c.set_focus_point(outside)
    c.publish_now()
    assert not [a for a in shown(window, "shares").layer.arrows if a.colour == FOCUS_COLOUR]
    label = window.fit_view.overlays.overlays["shares"].label.toPlainText()
    assert f"point {outside}" in label and "not in this batch" in label


def test_the_derivative_panel_converges_and_takes_h_from_its_slider(window, qtbot):
    c = window.controller
    c.set_overlay("limit", True)
    stepped(window, qtbot, 2)
    panel = shown(window, "limit").panel
    assert panel.isVisible() and window.explanations.isVisible()
    phi = selected(c).current_phi
    with qtbot.waitSignal(c.overlaysReady, timeout=5000):
        panel.slider.setValue(position_of(1e-6))
    assert c.overlay_extra[STEP_KEY] == pytest.approx(1e-6)
    limit = c.overlay_data(c.frames())["limit"]
    expected = forward_differences(c.problem, phi, [c.overlay_extra[STEP_KEY]])
    np.testing.assert_array_equal(limit.chosen.quotients, expected.quotients)
    np.testing.assert_array_equal(limit.chosen.exact, c.problem.grad(phi))
    np.testing.assert_array_equal(limit.table.steps, TABLE_STEPS)
    assert "h = 1e−6" in panel.title.text()
    assert f"{limit.chosen.quotients[0, 0]:.4g}".replace("-", "−") in panel.values.text()
    errors = np.abs(limit.table.error)
    assert np.all(errors[1:7] < errors[:6])  # converging as h shrinks, 0.1 … 1e-6
    assert "rounding" in panel.note.text()


def test_an_analytic_surface_has_no_points_to_share_the_gradient(window, qtbot):
    c = window.controller
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("ravine"))
    qtbot.waitUntil(lambda: len(c.runs[0].record) >= 1, timeout=5000)
    for name in ("parts", "shares", "limit"):
        c.set_overlay(name, True)
    c.publish_now()
    data = c.overlay_data(c.frames())
    assert data["shares"].note == NO_DATA and data["shares"].parts is None
    overlay = shown(window, "shares")
    assert overlay.layer.arrows == () and overlay.layer.note == NO_DATA
    assert len(shown(window, "parts").layer.arrows) == 3  # the gradient needs no data
    assert data["limit"].over == ""


def test_they_toggle_while_the_runs_play(window, qtbot):
    c = window.controller
    c.play()
    for _ in range(3):
        for name in ("parts", "shares", "limit"):
            window.overlay_actions[name].trigger()
            qtbot.wait(20)
    c.pause()
    qtbot.waitUntil(lambda: not c.playing, timeout=5000)
    assert {"parts", "shares", "limit"} <= c.options.overlays
    c.publish_now()
    frame = selected(c)
    parts = shown(window, "parts").layer.arrows
    assert parts[-1].tail == tuple(frame.current_phi)  # the update shown, after all that


def test_presentation_mode_text_is_legible(window, qtbot):
    c = window.controller
    for name in ("parts", "shares", "limit"):
        c.set_overlay(name, True)
    c.set_presenting(True)
    qtbot.waitUntil(lambda: c.options.presenting, timeout=5000)
    c.set_focus_point(3)
    c.publish_now()
    scale = c.options.text_scale
    assert scale >= 1.75
    panel = shown(window, "limit").panel
    for label in (panel.title, panel.values, panel.table, panel.note):
        assert QFontInfo(label.font()).pixelSize() >= 24
    residual = window.fit_view.overlays.overlays["shares"]
    assert QFontInfo(residual.label.textItem.font()).pixelSize() >= 24
    for name in ("parts", "shares"):
        assert QFontInfo(shown(window, name).layer.label_font).pixelSize() >= 24


def test_an_export_draws_the_gradients_arrows(window, qtbot, tmp_path):
    c = window.controller
    stepped(window, qtbot, 3)
    plain, drawn = tmp_path / "plain.png", tmp_path / "drawn.png"
    window.export_to(str(plain), (800, 600))
    c.set_overlay("parts", True)
    c.set_overlay("shares", True)
    window.export_to(str(drawn), (800, 600))
    a, b = QImage(str(plain)), QImage(str(drawn))
    assert a.size() == b.size() and a != b


def test_a_group_of_arrows_is_scaled_by_one_readable_factor():
    size = (2.0, 1.0)
    for offsets in ([[-21.9, -26.8]], [[1e-3, 0.0]], [[3.0, 4.0], [0.1, 0.0]], [[0.5, 0.0]]):
        scale = readable_scale(np.array(offsets), size, 0.25)
        mantissa = scale / 10 ** np.floor(np.log10(scale))
        assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
        reach = np.max(np.hypot(*(np.abs(offsets) / size).T)) * scale
        assert 0.25 / 2.5 - 1e-12 < reach <= 0.25 + 1e-12  # the next 1-2-5 factor would be too long
    assert readable_scale(np.zeros((2, 2)), size) == 1.0
    assert readable_scale(np.array([[np.nan, 1.0], [0.1, 0.0]]), size, 0.25) == 5.0


def test_a_diverged_run_draws_what_is_finite_and_raises_nothing(window, qtbot):
    c = window.controller
    window.show_scene(1)  # scene 2: a learning rate too large, the run diverges
    qtbot.waitUntil(lambda: c.surface is not None and all(len(r.record) for r in c.runs),
                    timeout=10_000)
    for name in ("parts", "shares", "limit"):
        c.set_overlay(name, True)
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing and c.runs[0].record.diverged_at is not None,
                    timeout=20_000)
    c.publish_now()
    data = c.overlay_data(c.frames())
    assert set(data) == {"parts", "shares", "limit"}
    for update in range(c.last_update + 1):  # every update of the timeline draws
        c.scrub(update)
        c.publish_now()


def test_the_labels_of_two_arrow_layers_on_one_view_stay_apart(qtbot):
    import pyqtgraph as pg

    from gradviz.qt.layers.arrow_layer import Arrow, ArrowLayer

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(600, 400)
    plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
    first, second = ArrowLayer(), ArrowLayer()
    for z, layer in enumerate((first, second)):
        layer.setZValue(z)
        plot.getPlotItem().addItem(layer, ignoreBounds=True)
    # Both point at the same tip: their labels would sit on each other.
    first.set_arrows([Arrow((0.3, 0.3), (0.2, 0.2), "#ffffff", label="the first label")])
    second.set_arrows([Arrow((0.3, 0.3), (0.2, 0.2), "#7fdbff", label="the second label")])
    first.set_note("a note", (0, 1))
    plot.show()
    qtbot.waitExposed(plot)
    plot.grab()
    plot.grab()  # the first layer now knows where the second drew too
    boxes = [*first.label_boxes, *second.label_boxes]
    assert len(boxes) == 3
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
