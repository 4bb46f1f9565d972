"""The update explained (U), its arrows (V) and step by step (S): the numbers shown are
the step record's, they follow the timeline, and they read from the back of a hall."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtGui import QFontInfo, QImage

from gradviz.core.explain import explain_update, magnification, vector

STEPS = 12


def _finished(window, qtbot, optimizer="adam", **values):  # type: ignore[no-untyped-def]
    """The window's selected run made ``optimizer`` and computed to its end."""
    c = window.controller
    settings = replace(c.selected.settings, optimizer=optimizer, hyperparameters=values,
                       steps=STEPS, batch_size=None)
    assert c.edit_selected(settings)
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs) and not c.playing,
                    timeout=10_000)
    c.publish_now()
    return c


def _panel(window):  # type: ignore[no-untyped-def]
    return window.explanation_overlays.overlays["rule"]


def _layer(window):  # type: ignore[no-untyped-def]
    return window.surface_view.overlays.overlays["arrows"].layer


def _selected(c):  # type: ignore[no-untyped-def]
    return next(f for f in c.frames() if f.selected)


def _says(qtbot, label, *texts):  # type: ignore[no-untyped-def]
    """Wait for the panel to show ``texts`` (on screen it takes a new text at most
    15 times a second: the last one comes once its slot opens)."""
    qtbot.waitUntil(lambda: all(t in label.text() for t in texts), timeout=3000)


def test_the_panel_shows_the_records_numbers_and_follows_the_timeline(window, qtbot):
    c = _finished(window, qtbot, "adam", lr=0.05, beta=0.8)
    window.overlay_actions["rule"].trigger()
    label = _panel(window).label
    qtbot.waitUntil(label.isVisible, timeout=3000)
    assert window.explanations.isVisible()
    for update in (STEPS, 4, 1):
        c.scrub(update)
        c.publish_now()
        frame = _selected(c)
        assert frame.index == update
        _says(qtbot, label, f"update {update}")
        text = label.text()
        # The panel writes vectors unbroken: (a,&nbsp;b).
        for row in (frame.grad, frame.m, frame.v, frame.m_hat, frame.v_hat, frame.phi):
            assert vector(row[update]).replace(", ", ",&nbsp;") in text
        assert vector(frame.phi[update - 1]).replace(", ", ",&nbsp;") in text
    c.scrub(0)
    c.publish_now()
    _says(qtbot, label, "no update yet")


def test_the_panel_escapes_the_runs_name(window, qtbot):
    c = _finished(window, qtbot, "gd")
    c.selected.name = "<b>mine</b>"
    window.overlay_actions["rule"].trigger()
    c.publish_now()
    _says(qtbot, _panel(window).label, "&lt;b&gt;mine&lt;/b&gt;")


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov", "adam", "normalized"])
def test_the_arrows_are_the_cores(window, qtbot, optimizer):
    c = _finished(window, qtbot, optimizer)
    window.overlay_actions["arrows"].trigger()
    c.scrub(5)
    c.publish_now()
    frame = _selected(c)
    expected = explain_update(c.selected.settings, frame, 5)
    k = magnification(expected, c.window)
    drawn = {a.label: a for a in _layer(window).arrows}
    assert len(drawn) == len(expected.arrows)
    origin = frame.phi[4]
    for core in expected.arrows:
        arrow = drawn[core.label + ("" if k == 1 else f" ×{k:g}")]
        np.testing.assert_allclose(arrow.vector, k * core.vector, rtol=1e-15)
        np.testing.assert_allclose(arrow.tail, origin + k * (core.tail - origin), rtol=1e-15)
    if optimizer in ("adam", "normalized"):  # the scaled step is not along the gradient
        step = next(a for a in drawn.values() if a.label.startswith(("Adam", "normalized")))
        grad = next(a for a in drawn.values() if a.label.startswith("−αg"))
        cosine = np.dot(step.vector, grad.vector) / np.hypot(*step.vector) / np.hypot(*grad.vector)
        assert cosine < 0.9999
    if optimizer == "nesterov":
        ahead = next(a for a in drawn.values() if a.label.startswith("look-ahead"))
        assert ahead.dashed


def test_step_by_step_goes_through_the_parts_with_their_arrows(window, qtbot):
    c = _finished(window, qtbot, "momentum")
    window.overlay_actions["rule"].trigger()
    window.overlay_actions["arrows"].trigger()
    c.scrub(6)
    c.publish_now()
    label, layer = _panel(window).label, _layer(window)
    assert len(layer.arrows) == 2 and c.stage is None
    window.stage_action.trigger()
    c.publish_now()
    assert c.stage == 0
    _says(qtbot, label, "▶ gradient")
    assert [a.label.split(" ")[0] for a in layer.arrows] == ["−αg"]
    assert "gradient (1/3)" in window.status.text()
    window.stage_action.trigger()
    c.publish_now()
    _says(qtbot, label, "▶ momentum")
    widths = {a.label.split(" ")[0]: a.width for a in layer.arrows}
    assert widths["−αm"] > widths["−αg"]  # the part explained is stressed
    window.stage_action.trigger()
    window.stage_action.trigger()  # past the last part: the next update's first
    c.publish_now()
    assert c.shown_update == 7 and c.stage == 0
    window.stage_back_action.trigger()
    c.publish_now()
    assert c.stage is None and len(layer.arrows) == 2
    qtbot.waitUntil(lambda: "▶" not in label.text(), timeout=3000)
    window.stage_back_action.trigger()  # the whole update: back to the last part before
    c.publish_now()
    assert c.shown_update == 6 and c.stage == 2
    _says(qtbot, label, "▶ step", "update 6")
    c.scrub(3)  # moving on ends step by step
    assert c.stage is None


def test_step_by_step_pauses_the_runs_first(window, qtbot):
    c = window.controller
    window.overlay_actions["rule"].trigger()
    c.play()
    window.stage_action.trigger()
    assert not c.playing
    qtbot.waitUntil(lambda: c.stage == 0, timeout=5000)
    for _ in range(3):
        for name in ("rule", "arrows"):
            window.overlay_actions[name].trigger()
            c.play()
            qtbot.wait(20)
    c.pause()
    assert window.isVisible()


def test_step_by_step_scrolls_the_part_explained_into_view(window, qtbot):
    c = _finished(window, qtbot, "adam", lr=0.05)
    window.overlay_actions["rule"].trigger()
    c.set_presenting(True)  # Adam's six parts at their largest: taller than the column
    c.scrub(6)
    c.publish_now()
    panel, column = _panel(window), window._explanations_column
    bar, label = column.verticalScrollBar(), panel.label
    qtbot.waitUntil(lambda: bar.maximum() > label.height() // 4, timeout=3000)
    parts = len(explain_update(c.selected.settings, _selected(c), 6).parts)
    assert parts == 6

    def in_view() -> bool:
        span = panel.stage_span()
        if span is None:
            return False
        top, bottom = (label.mapTo(column.viewport(), label.rect().topLeft()).y() + y
                       for y in span)
        return 0 <= top and bottom <= column.viewport().height()

    spans, scrolled = [], []
    for stage in range(parts):
        window.stage_action.trigger()
        c.publish_now()
        assert c.stage == stage
        qtbot.waitUntil(lambda: f"part {stage + 1} of {parts}" in label.text() and in_view(),
                        timeout=3000)
        spans.append(panel.stage_span())
        scrolled.append(bar.value())
    # The parts in order down the label, the first with the run and update above it,
    # the last with the keys below; the column follows them down to its end.
    assert spans[0][0] == 0 and spans[-1][1] == label.height()
    assert all(a[1] <= b[0] for a, b in zip(spans[1:], spans[2:]))
    assert scrolled[0] == 0 and scrolled[-1] == bar.maximum()
    assert scrolled == sorted(scrolled)
    window.stage_action.trigger()  # the next update's gradient: back to the top
    c.publish_now()
    qtbot.waitUntil(lambda: "update 7" in label.text() and bar.value() == 0, timeout=3000)
    c.set_presenting(False)


def test_presentation_mode_text_is_large(window, qtbot):
    c = _finished(window, qtbot, "adam")
    window.overlay_actions["rule"].trigger()
    window.overlay_actions["arrows"].trigger()
    c.set_presenting(True)
    c.publish_now()
    assert QFontInfo(_panel(window).label.font()).pixelSize() >= 24
    assert QFontInfo(_layer(window).label_font).pixelSize() >= 24
    c.set_presenting(False)


def test_a_long_rule_never_makes_the_window_taller_than_the_screen(window, qtbot):
    # Adam's six parts at presentation size in the narrow right-hand column are taller
    # than the screen: the window grew past it, the timeline and status bar off its bottom.
    c = _finished(window, qtbot, "adam")
    window.overlay_actions["rule"].trigger()
    c.set_presenting(True)
    c.scrub(5)
    c.publish_now()
    label = _panel(window).label
    _says(qtbot, label, "update 5")
    # The label asks for its text's height at the width the layout gives it.
    qtbot.waitUntil(lambda: label.minimumHeight() == label.heightForWidth(label.width())
                    and label.width() < 600, timeout=3000)
    # The views' splitter must not ask for more: on X11 the window takes the height its
    # layout asks for (offscreen it does not grow, so the splitter's hint is what tells).
    views = window.surface_view.parentWidget()
    assert views.minimumSizeHint().height() < window.screen().geometry().height() / 2
    assert label.isVisible() and label.height() >= label.minimumHeight()  # not cut short
    c.set_presenting(False)


def test_an_export_of_the_map_draws_the_arrows_and_the_panel_renders(window, qtbot, tmp_path):
    c = _finished(window, qtbot, "adam")
    plain, arrows = tmp_path / "plain.png", tmp_path / "arrows.png"
    window.export_to(str(plain), (800, 600))
    window.overlay_actions["arrows"].trigger()
    window.export_to(str(arrows), (800, 600))
    assert QImage(str(plain)) != QImage(str(arrows))
    window.overlay_actions["rule"].trigger()
    c.publish_now()
    label = _panel(window).label
    label.resize(420, label.heightForWidth(420))
    image = QImage(label.size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    label.render(image)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    assert len(colours) > 20  # text drawn, not an empty box


def test_a_panel_off_screen_takes_every_frames_numbers_at_once(window, qtbot):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from gradviz.qt.overlays.update_rule import ShownUpdate, UpdateRuleOverlay

    c = _finished(window, qtbot, "momentum")
    frame, settings = _selected(c), c.selected.settings
    host = QWidget()  # as an export's copy of the panel area: never shown
    QVBoxLayout(host)
    panel = UpdateRuleOverlay(host)
    for update in range(1, STEPS + 1):  # as fast as an animation's frames come
        panel.show(ShownUpdate("run", "#ffffff", explain_update(settings, frame, update)))
        assert f"update {update}" in panel.label.text()
        assert vector(frame.m[update]).replace(", ", ",&nbsp;") in panel.label.text()


def test_an_animations_other_updates_are_explained_whole(window, qtbot):
    c = _finished(window, qtbot, "momentum")
    window.overlay_actions["arrows"].trigger()
    c.scrub(6)
    window.stage_action.trigger()
    assert c.stage == 0
    shown, other = c.frames_at(6), c.frames_at(9)
    assert len(c.overlay_data(shown)["arrows"].arrows) == 1  # the gradient's, so far
    assert len(c.overlay_data(other)["arrows"].arrows) == 2  # −αg and −αm, all of it
