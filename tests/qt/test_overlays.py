"""The overlay framework: found without a list, one View-menu toggle each, drawn from the
frame's numbers in the window and in exports, saved in scenes; the gradient field as its
first overlay."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence

from gradviz.core.field import gradient_field
from gradviz.core.scenes import load_scene, save_scene
from gradviz.qt.overlays import OVERLAY_NAMES, OVERLAYS, Place, overlay_named
from gradviz.qt.overlays.gradient_field import ARROWS_A_SIDE


def test_every_overlay_module_is_found_once_with_a_spec():
    assert "field" in OVERLAY_NAMES
    names = [kind.spec.name for kind in OVERLAYS]
    assert len(names) == len(set(names))
    orders = [(kind.spec.order, kind.spec.name) for kind in OVERLAYS]
    assert orders == sorted(orders)
    assert overlay_named("field").spec.place is Place.MAP
    with pytest.raises(KeyError, match="no overlay is named 'nope'"):
        overlay_named("nope")


def test_each_overlay_has_a_menu_entry_with_its_own_key(window):
    view_menu = next(m for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
                     if m.title() == "&View")
    in_menu = set(view_menu.actions())
    keys = [s.toString() for a in window.actions() for s in a.shortcuts()]
    assert len(keys) == len(set(keys)), "two actions share a key"
    for kind in OVERLAYS:
        action = window.overlay_actions[kind.spec.name]
        assert action in in_menu and action.isCheckable()
        assert action.shortcuts() == [QKeySequence(kind.spec.shortcut)]


def test_the_field_is_the_cores_gradient_and_follows_the_view(window, qtbot):
    c, view = window.controller, window.surface_view
    layer = view.overlays.overlays["field"].layer
    assert layer.arrows == ()
    window.overlay_actions["field"].trigger()
    qtbot.waitUntil(lambda: len(layer.arrows) == ARROWS_A_SIDE ** 2, timeout=5000)
    field = gradient_field(c.problem, c.window, ARROWS_A_SIDE)
    tails = np.array([a.tail for a in layer.arrows])
    np.testing.assert_array_equal(tails, field.points)
    np.testing.assert_array_equal(np.array([a.vector for a in layer.arrows]), field.steps())
    # A new window: the arrows cover it.
    c.set_window(type(c.window)(0.0, 1.0, -0.5, 0.5))
    c.publish_now()
    tails = np.array([a.tail for a in layer.arrows])
    assert tails[:, 0].min() > 0.0 and tails[:, 0].max() < 1.0
    window.overlay_actions["field"].trigger()
    qtbot.waitUntil(lambda: layer.arrows == (), timeout=5000)


def test_overlays_toggle_while_the_runs_play(window, qtbot):
    c = window.controller
    c.play()
    for _ in range(4):
        for action in window.overlay_actions.values():
            action.trigger()
            qtbot.wait(30)
    c.pause()
    assert c.options.overlays == frozenset()
    assert window.isVisible()


def test_an_export_draws_the_overlays_of_the_update_it_draws(window, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    c = window.controller
    plain, with_field = tmp_path / "plain.png", tmp_path / "field.png"
    window.export_to(str(plain), (800, 600))
    window.overlay_actions["field"].trigger()
    window.export_to(str(with_field), (800, 600))
    a, b = QImage(str(plain)), QImage(str(with_field))
    assert a.size() == b.size()
    assert a != b  # the arrows are in the export
    assert "field" in c.options.overlays


def test_a_scene_keeps_its_overlays_and_names_the_ones_gradviz_lacks(window, qtbot, tmp_path):
    c = window.controller
    c.set_overlay("field", True)
    path = tmp_path / "with-field.toml"
    save_scene(c.to_scene(), path)
    assert 'overlays = ["field"]' in path.read_text()
    c.set_overlay("field", False)
    scene = load_scene(path)
    assert scene.overlays == ("field",)
    assert c.load_scene(scene)
    assert c.options.overlays == {"field"}
    assert window.overlay_actions["field"].isChecked()
    odd = tmp_path / "odd.toml"
    odd.write_text(path.read_text().replace('overlays = ["field"]', 'overlays = ["field", "x3"]'))
    with qtbot.waitSignal(c.message) as told:
        assert c.load_scene(load_scene(odd))
    assert "x3" in told.args[0]
    assert c.options.overlays == {"field"}


def test_an_unknown_overlay_name_is_told_not_raised(window, qtbot):
    with qtbot.waitSignal(window.controller.message) as told:
        window.controller.set_overlay("nope", True)
    assert "nope" in told.args[0]


def test_an_export_draws_the_shown_panels_beside_the_map(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QLabel

    from gradviz.qt.control import controller as controller_module
    from gradviz.qt.export import views
    from gradviz.qt.overlays.base import Overlay, OverlaySpec

    class Note(Overlay):
        spec = OverlaySpec("note", "Show a note", "Ctrl+Alt+N", "a test panel", Place.PANEL)

        def __init__(self, view):  # type: ignore[no-untyped-def]
            super().__init__(view)
            self.label = QLabel()
            self.label.setStyleSheet("background: #ff00ff; min-height: 200px")
            view.layout().addWidget(self.label)

        @staticmethod
        def derive(given):  # type: ignore[no-untyped-def]
            return f"update {given.selected.index}"

        def show(self, data):  # type: ignore[no-untyped-def]
            self.label.setVisible(data is not None)
            self.label.setText(data or "")

    kinds = (*OVERLAYS, Note)
    monkeypatch.setattr(views, "OVERLAYS", kinds)
    monkeypatch.setattr(views, "PANEL_NAMES", frozenset({"note"}))
    monkeypatch.setattr(controller_module, "OVERLAYS", kinds)
    monkeypatch.setattr(controller_module, "OVERLAY_NAMES", frozenset({*OVERLAY_NAMES, "note"}))
    c = window.controller
    c.set_overlay("note", True)
    path = tmp_path / "panel.png"
    window.export_to(str(path), (1000, 600))
    image = QImage(str(path))

    def magenta(x: int) -> bool:
        return any(QColor(image.pixel(x, y)).name() == "#ff00ff" for y in range(0, 600, 4))

    assert magenta(900) and not magenta(300)  # at the right of the map, not over it
