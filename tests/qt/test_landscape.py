"""The loss landscape: what is on screen, the legend, the start label, off-view runs, colours."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsItem

from gradviz.core.colormaps import COLORMAPS, load_colormap
from gradviz.core.scenes import find_scene
from gradviz.qt import style
from gradviz.qt.views.surface_view import LEGEND_MARGIN


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).astype(int)


def _fresh_drawing(view) -> np.ndarray:  # type: ignore[no-untyped-def]
    """``view`` drawn anew, with no item repainted from a cached pixmap (a grab alone
    reuses the caches the screen was drawn from, stale or not)."""
    items = view.scene().items()
    modes = [item.cacheMode() for item in items]
    for item in items:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        return _pixels(view.grab().toImage())
    finally:
        for item, mode in zip(items, modes, strict=True):
            item.setCacheMode(mode)


def _on_screen(view) -> np.ndarray:  # type: ignore[no-untyped-def]
    window = view.window()
    whole = window.screen().grabWindow(window.winId()).toImage()
    corner = view.mapTo(window, QPoint(0, 0))
    return _pixels(whole.copy(corner.x(), corner.y(), view.width(), view.height()))


def _assert_screen_is_fresh(view) -> None:  # type: ignore[no-untyped-def]
    """No pixel on screen differs from every pixel around it in a fresh drawing.

    (Small cached items, such as the start marker, are drawn at whole pixels and
    may sit a pixel off their exact place; stale content is farther off.)
    """
    on_screen, fresh = _on_screen(view), _fresh_drawing(view)
    assert on_screen.shape == fresh.shape
    height, width = fresh.shape[:2]
    padded = np.pad(fresh, ((2, 2), (2, 2), (0, 0)), mode="edge")
    nearest = np.full((height, width), np.inf)
    for dy in range(5):
        for dx in range(5):
            shifted = padded[dy: dy + height, dx: dx + width]
            nearest = np.minimum(nearest, np.abs(on_screen - shifted).max(axis=2))
    assert (nearest > 40).sum() == 0


def _wheel(view, notches: int) -> None:  # type: ignore[no-untyped-def]
    viewport = view.viewport()
    at = QPointF(viewport.width() * 0.4, viewport.height() * 0.6)
    event = QWheelEvent(at, viewport.mapToGlobal(at), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def _drag(view, qtbot, dx: int, dy: int) -> None:  # type: ignore[no-untyped-def]
    viewport = view.viewport()
    at = QPointF(viewport.width() * 0.5, viewport.height() * 0.5)

    def send(kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
        QApplication.sendEvent(viewport, QMouseEvent(
            kind, pos, viewport.mapToGlobal(pos), Qt.MouseButton.LeftButton, buttons,
            Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseButtonPress, at, Qt.MouseButton.LeftButton)
    for step in range(1, 11):
        send(QEvent.Type.MouseMove, at + QPointF(dx * step / 10, dy * step / 10),
             Qt.MouseButton.LeftButton)
        qtbot.wait(20)
    send(QEvent.Type.MouseButtonRelease, at + QPointF(dx, dy), Qt.MouseButton.NoButton)


@pytest.mark.parametrize("move", ["zoom", "pan"])
def test_after_a_zoom_or_pan_the_screen_shows_a_fresh_drawing(window, qtbot, move):
    # Qt's device cache scrolls a large item's pixmap and repaints only the strips
    # scrolled in; when the new surface arrived after a pan it kept the old
    # contours everywhere else. (Checked once at the end: a check drops the caches.)
    c, view = window.controller, window.surface_view
    c.load_scene(find_scene("3"))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    _wheel(view, 1)  # zoom in first: the map is then larger than the view
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        pass
    qtbot.wait(50)
    if move == "pan":
        _drag(view, qtbot, 70, 50)
    else:
        _wheel(view, -1)
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        pass
    qtbot.wait(50)
    _assert_screen_is_fresh(view)  # and after


def _run_to_end(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    c = window.controller
    c.run_to_end()
    qtbot.waitUntil(lambda: not c.playing, timeout=20_000)
    c.publish_now()


def _legend_rect(view):  # type: ignore[no-untyped-def]
    return view.legend.mapRectToParent(view.legend.boundingRect())


def test_a_dragged_legend_stays_inside_the_plot_and_reset_view_puts_it_back(window, qtbot):
    view = window.surface_view
    window.controller.publish_now()
    default = _legend_rect(view)
    area = view.getPlotItem().vb.boundingRect()

    class Drag:  # what pyqtgraph hands a dragged item
        def __init__(self, by: QPointF) -> None:
            self.by = by

        def button(self) -> Qt.MouseButton:
            return Qt.MouseButton.LeftButton

        def accept(self) -> None:
            pass

        def pos(self) -> QPointF:
            return self.by

        def lastPos(self) -> QPointF:  # noqa: N802 (Qt's name)
            return QPointF(0, 0)

    view.legend.mouseDragEvent(Drag(QPointF(300, 2000)))
    moved = _legend_rect(view)
    assert moved != default
    assert area.contains(moved)  # wholly inside, however far it was dragged
    window.reset_view()
    assert _legend_rect(view) == default
    view.legend.mouseDragEvent(Drag(QPointF(-5000, 40)))
    assert area.contains(_legend_rect(view))
    window.show_scene(9)  # opening a scene puts it back too
    qtbot.waitUntil(lambda: window.controller.surface is not None, timeout=10_000)
    window.controller.publish_now()
    assert not view.legend.dragged


def test_a_legend_wider_than_the_map_keeps_its_colour_swatches_in_view(window, qtbot):
    c, view = window.controller, window.surface_view
    c.load_scene(find_scene("14"))  # a fan: its entry is the legend's widest
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    c.publish_now()
    window.resize(700, window.height())  # a map narrower than the legend
    qtbot.waitUntil(lambda: view.getPlotItem().vb.boundingRect().width()
                    < view.legend.boundingRect().width(), timeout=5_000)
    area = view.getPlotItem().vb.boundingRect()
    assert _legend_rect(view).left() >= area.left()
    window.resize(1280, window.height())  # room again: back at the right
    qtbot.waitUntil(lambda: not view.legend.too_wide(), timeout=5_000)
    area = view.getPlotItem().vb.boundingRect()
    assert _legend_rect(view).right() == pytest.approx(area.right() - LEGEND_MARGIN, abs=1)


def test_a_legend_that_grows_past_the_map_s_width_is_placed_again(window, qtbot):
    from dataclasses import replace

    c, view = window.controller, window.surface_view
    c.load_scene(find_scene("1"))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    c.publish_now()
    room = view.getPlotItem().vb.boundingRect().width()
    wide = view.legend.boundingRect().width()
    splitter = view.parentWidget()  # the map just wider than the legend
    sizes = splitter.sizes()
    sizes[1] += sizes[0] - (view.width() - round(room - wide - 60))
    sizes[0] = view.width() - round(room - wide - 60)
    splitter.setSizes(sizes)
    qtbot.waitUntil(lambda: view.getPlotItem().vb.boundingRect().width() < wide + 80,
                    timeout=5_000)
    def too_wide() -> bool:
        return (view.legend.boundingRect().width() + 2 * LEGEND_MARGIN
                > view.getPlotItem().vb.boundingRect().width())

    assert not too_wide()
    # Diverged, its entry says so and grows past the map's width.
    c.edit_selected(replace(c.selected.settings,
                            hyperparameters={**c.selected.settings.hyperparameters, "lr": 1000}))
    _run_to_end(window, qtbot)
    qtbot.waitUntil(too_wide, timeout=5_000)
    c.publish_now()
    area = view.getPlotItem().vb.boundingRect()
    assert _legend_rect(view).left() >= area.left()


def test_the_legend_does_not_hide_the_ends_of_eight_runs(window, qtbot):
    c, view = window.controller, window.surface_view
    c.load_scene(find_scene("10"))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    while len(c.runs) < 8:
        c.duplicate_run()
        c.set_start((float(2 - len(c.runs)), 6.5 + len(c.runs) % 3))
    _run_to_end(window, qtbot)
    qtbot.waitUntil(lambda: len(view._legend_text) == 8, timeout=5_000)
    transform = view.getPlotItem().vb.childGroup.transform()
    legend = _legend_rect(view)
    for run in c.runs:
        end = transform.map(QPointF(*map(float, run.record.phi[-1])))
        assert not legend.contains(end), run.label(c.problem.n_points)


@pytest.mark.parametrize("theme", list(style.THEMES))
def test_the_start_label_is_readable_on_every_colour_map(window, qtbot, theme):
    window.set_theme(theme)
    label = window.surface_view.start_label
    text = np.array(label.color.getRgb()[:3], dtype=float)
    fill = label.fill.color()
    alpha = fill.alphaF() if label.fill.style() != Qt.BrushStyle.NoBrush else 0.0

    def luminance(rgb: np.ndarray) -> np.ndarray:
        c = rgb / 255
        linear = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return linear @ np.array([0.2126, 0.7152, 0.0722])

    for name in COLORMAPS:
        behind = alpha * np.array(fill.getRgb()[:3], dtype=float) + (1 - alpha) * load_colormap(name)
        lighter = np.maximum(luminance(behind), luminance(text))
        darker = np.minimum(luminance(behind), luminance(text))
        assert ((lighter + 0.05) / (darker + 0.05)).min() >= 4.5, name  # WCAG AA


def test_a_run_outside_the_view_gets_a_marker_at_the_edge(window, qtbot):
    c, view = window.controller, window.surface_view
    c.load_scene(find_scene("2"))  # the learning rate too large: it diverges
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    _run_to_end(window, qtbot)
    vb = view.getPlotItem().vb
    (x0, x1), (y0, y1) = vb.viewRange()
    # Zoom far into a corner, away from every run's point.
    view.show_window(type(c.window)(x0, x0 + (x1 - x0) / 50, y0, y0 + (y1 - y0) / 50))
    c.publish_now()
    area = vb.viewRect()
    frames = {f.run_id: f for f in view._frames}
    for run_id, (arrow, label) in view._off_view.items():
        assert area.contains(arrow.pos())
        assert arrow.opts["brush"].color() == QColor(window.theme.run_colour(frames[run_id].colour))
        assert frames[run_id].badge or "off the map" in label.textItem.toPlainText()
    outside = [f for f in view._frames if f.visible and f.current_phi is not None
               and np.isfinite(f.current_phi).all()]
    assert {f.run_id for f in outside} <= set(view._off_view)
    for badge in view._badges.values():
        assert area.contains(badge.pos())


def test_run_colours_stand_out_on_every_colour_map_and_from_each_other():
    for theme in style.THEMES.values():
        for name in COLORMAPS:
            palette = style.run_palette(theme, name)
            assert len(set(palette)) == len(style.RUN_COLOURS)
            table = load_colormap(name)
            for colour in palette:
                assert style.clash_share(colour, table) <= style.CLASH_SHARE, (theme.name, name, colour)
            for colour in palette[:4]:  # seen at the far end of a dark valley, outlined in black
                assert style.contrast_with_black(colour) >= style.MIN_BLACK_CONTRAST, (name, colour)
            # A fourth colour at least 18 apart: with dark colours ruled out, cividis
            # on the light theme leaves none further (vermillion, 18.3 from orange).
            for k, limit in ((3, style.FAR_DELTA_E), (4, 18.0)):
                for i in range(k):
                    for j in range(i):
                        assert style.distinctness(palette[i], palette[j]) >= limit, (
                            theme.name, name, palette[i], palette[j])


def test_a_run_has_the_same_colour_in_every_view(window, qtbot):
    from PySide6.QtGui import QColor as _QColor

    c = window.controller
    c.load_scene(find_scene("10"))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    for name in COLORMAPS:
        window.control_panel.colormap_combo.setCurrentText(name)
        c.publish_now()
        qtbot.wait(20)
        wanted = [window.theme.run_colour(r.colour) for r in c.runs]
        assert wanted == [style.run_colour(r.colour, window.theme, name) for r in c.runs]
        assert [_QColor(colour) for _, colour in
                [(f, c2) for f, c2 in window.surface_view.paths._runs]] == [_QColor(w) for w in wanted]
        swatches = [window.run_list.list.item(i).icon().pixmap(14, 14).toImage().pixelColor(7, 7)
                    for i in range(window.run_list.list.count())]
        assert swatches == [_QColor(w) for w in wanted]
        assert [curve.colour for curve in window.loss_view.curves.curves][-len(wanted):] == [
            _QColor(w) for w in wanted]


def test_a_badge_is_as_large_as_the_other_text_in_presentation_mode(window, qtbot):
    from PySide6.QtGui import QFontInfo

    c = window.controller
    c.load_scene(find_scene("linear-lr-too-large"))
    c.run_to_end()
    qtbot.waitUntil(lambda: c.runs[0].record.diverged_at is not None, timeout=10_000)
    window.resize(1920, 1080)
    window.toggle_presentation()
    c.publish_now()
    badge = window.surface_view._badges[c.runs[0].run_id]
    assert QFontInfo(badge.textItem.font()).pixelSize() >= 24


def test_a_badge_near_the_view_s_edge_stays_inside_it(window, qtbot):
    from dataclasses import replace

    from gradviz.core.problems import ProblemSpec

    c, view = window.controller, window.surface_view
    # Undefined right of φ₀ = 1: a run started near the right edge stops at once.
    with qtbot.waitSignal(c.surfaceChanged, timeout=10_000):
        assert c.set_problem(ProblemSpec("formula-surface", None, bounds="-1 1.2 -1 1",
                                         expression="log(1 - phi0) + phi1**2"))
    c.edit_selected(replace(c.selected.settings, start=(1.15, 0.95)))
    _run_to_end(window, qtbot)
    qtbot.waitUntil(lambda: c.runs[0].run_id in view._badges, timeout=5_000)
    badge = view._badges[c.runs[0].run_id]
    area = view.getPlotItem().vb.boundingRect()
    assert area.contains(badge.mapRectToItem(view.getPlotItem().vb, badge.boundingRect()))
    # Wider than the room on either side of the point: slid to start at the view's left.
    splitter = view.parentWidget()
    sizes = splitter.sizes()
    sizes[1], sizes[0] = sizes[1] + sizes[0] - 400, 400
    splitter.setSizes(sizes)
    qtbot.waitUntil(lambda: view.getPlotItem().vb.boundingRect().width() < 300, timeout=5_000)
    c.edit_selected(replace(c.selected.settings, start=(1.1, 0.5)))
    _run_to_end(window, qtbot)
    qtbot.waitUntil(lambda: c.runs[0].run_id in view._badges, timeout=5_000)
    c.publish_now()
    badge = view._badges[c.runs[0].run_id]
    area = view.getPlotItem().vb.boundingRect()
    shown = badge.mapRectToItem(view.getPlotItem().vb, badge.boundingRect())
    assert shown.width() > area.width() and shown.left() == pytest.approx(area.left(), abs=0.5)


@pytest.mark.parametrize("where", [(40.0, 17.0), (-30.0, 17.0), (0.0, 60.0), (40.0, -20.0)])
def test_the_edge_arrow_points_at_the_run_from_beside_it(window, qtbot, where):
    from dataclasses import replace

    c, view = window.controller, window.surface_view
    c.load_scene(find_scene("7"))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    c.edit_selected(replace(c.selected.settings, start=where, steps=1,
                            hyperparameters={**c.selected.settings.hyperparameters, "lr": 1e-6}))
    _run_to_end(window, qtbot)
    c.publish_now()
    arrow, _ = view._off_view[c.selected_id]
    vb = view.getPlotItem().vb
    (x0, x1), (y0, y1) = vb.viewRange()
    # On the screen (the arrow keeps its size whatever the zoom, so it is drawn
    # in device pixels): its tip is nearer the run than its body is.
    on_screen = arrow.deviceTransform(view.viewportTransform())
    tip, body = on_screen.map(QPointF(0, 0)), on_screen.map(arrow.path.boundingRect().center())
    where = tuple(float(v) for v in c.selected.record.phi[-1])  # after its one tiny step
    target = view.mapFromScene(vb.mapViewToScene(QPointF(*where)))
    def distance(a):  # type: ignore[no-untyped-def]
        return float(np.hypot(a.x() - target.x(), a.y() - target.y()))

    assert distance(tip) < distance(body)
    # ...from the nearest place in the view: at the run's height or position if it can.
    if y0 <= where[1] <= y1:
        assert arrow.pos().y() == pytest.approx(where[1])
    if x0 <= where[0] <= x1:
        assert arrow.pos().x() == pytest.approx(where[0])
