"""Labels on a panel (the start label, the badges, the overlays' notes and labels):
the panel lies under its text in the window, in a pixmap cache and in exports of
any size, where pyqtgraph's own TextItem drew it off its text."""

from __future__ import annotations


import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem

from gradviz.qt.control.controller import AppController
from gradviz.qt.export import exporter
from gradviz.qt.export.views import LandscapeView
from gradviz.qt.layers.label import Label

MARGIN = 1
"""Pixels of panel that must show on each side of the text."""


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    # A copy: the image's memory goes with it.
    return rows[:, : 4 * image.width()].reshape(image.height(), image.width(), 4)[..., 2::-1].copy()


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` of the true pixels of ``mask``, inclusive."""
    rows, columns = np.nonzero(mask)
    assert rows.size, "nothing drawn"
    return int(columns.min()), int(rows.min()), int(columns.max()), int(rows.max())


def _assert_inside(text: tuple[int, int, int, int], panel: tuple[int, int, int, int],
                   margin: float = MARGIN) -> None:
    assert (text[0] - panel[0] >= margin and text[1] - panel[1] >= margin
            and panel[2] - text[2] >= margin and panel[3] - text[3] >= margin), (
        f"text {text} is not inside its panel {panel}")


@pytest.fixture
def plot(qtbot):  # type: ignore[no-untyped-def]
    """A black plot without axes over a data range of 0 to 100 (both axes)."""
    widget = pg.PlotWidget(background="#000000")
    qtbot.addWidget(widget)
    item = widget.getPlotItem()
    for axis in ("left", "bottom"):
        item.hideAxis(axis)
    item.vb.setRange(xRange=(0, 100), yRange=(0, 100), padding=0)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _red_label(plot: pg.PlotWidget, in_data: bool) -> Label:
    label = Label("Ag panel", color="#ffffff", fill=pg.mkBrush("#ff0000"), anchor=(0, 1))
    label.setFont(pg.QtGui.QFont("DejaVu Sans", 14))
    if in_data:  # in data coordinates, as a badge is
        plot.getPlotItem().addItem(label, ignoreBounds=True)
        label.setPos(QPointF(30, 40))
    else:  # in the plot's pixels, as a corner note is
        label.setParentItem(plot.getPlotItem().vb)
        label.setPos(QPointF(60, 150))
    return label


def _text_and_panel(image: QImage) -> tuple[tuple[int, ...], tuple[int, ...]]:
    rgb = _pixels(image).astype(int)
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)
    white = (rgb > 200).all(axis=-1)
    return _box(white), _box(red | white)


@pytest.mark.parametrize("in_data", [True, False], ids=["in data", "in pixels"])
@pytest.mark.parametrize(("offset", "ratio"), [((0, 0), 1.0), ((0, 130), 1.0), ((25, 90), 2.0),
                                               ((0, 130), 3.0)],
                         ids=["at the origin", "below", "below and right at 2x", "below at 3x"])
def test_a_panel_is_under_its_text_when_the_scene_is_rendered_below_a_heading(
        plot, in_data, offset, ratio):
    """As an export paints the scene: into a part of a picture, at a pixel ratio."""
    _red_label(plot, in_data)
    scene = plot.scene()
    width, height = plot.width() + offset[0], plot.height() + offset[1]
    image = QImage(round(width * ratio), round(height * ratio), QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(ratio)
    image.fill(QColor("#000000"))
    painter = QPainter(image)
    scene.render(painter, QRectF(offset[0], offset[1], plot.width(), plot.height()),
                 QRectF(plot.rect()))
    painter.end()
    _assert_inside(*_text_and_panel(image))


@pytest.mark.parametrize("in_data", [True, False], ids=["in data", "in pixels"])
def test_a_panel_is_under_its_text_on_screen_from_a_pixmap_cache(plot, in_data):
    label = _red_label(plot, in_data)
    for item in (label, *label.childItems()):
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.grab()  # the first paint fills the caches: the second paints from them
    _assert_inside(*_text_and_panel(plot.grab().toImage()))


# -- in the app's exports ----------------------------------------------------------------

def _labels(view: LandscapeView) -> dict[str, Label]:
    surface = view.surface_view
    (badge,) = surface._badges.values()
    return {"badge": badge, "start": surface.start_label,
            "note": surface.overlays.overlays["stability"].note.item}


def _render(controller: AppController, size: tuple[int, int], name: str = "",
            part: str = "") -> QImage:
    """The export of ``size``; with the panel (``part`` "panel") or the text ("text") of
    the label ``name`` left out."""

    class Without(LandscapeView):
        def show_frames(self, frames):  # type: ignore[no-untyped-def]
            super().show_frames(frames)
            if name:
                label = _labels(self)[name]
                if part == "panel":
                    label.fill = pg.mkBrush(None)
                else:
                    label.textItem.setOpacity(0)

    return exporter.render_landscape(controller, size, Without)


@pytest.fixture(scope="module")
def whole(diverged):  # type: ignore[no-untyped-def]
    """The export of each size asked for, drawn once."""
    images: dict[tuple[int, int], QImage] = {}
    return lambda size: images.setdefault(size, _render(diverged, size))


@pytest.mark.parametrize(("name", "size"), [
    ("badge", (1920, 1080)), ("badge", (3840, 2160)), ("start", (1920, 1080)),
    ("start", (3840, 2160)), ("note", (1920, 1080)), ("note", (1280, 720))],
    ids=lambda value: "x".join(map(str, value)) if isinstance(value, tuple) else value)
def test_an_exports_label_panels_are_under_their_text(diverged, whole, name, size):
    image = whole(size)
    drawn = _pixels(image)
    panel = _box((drawn != _pixels(_render(diverged, size, name, "panel"))).any(axis=-1))
    text = _box((drawn != _pixels(_render(diverged, size, name, "text"))).any(axis=-1))
    # A logical pixel of panel at least shows on each side, whatever the picture's size.
    _assert_inside(text, panel, MARGIN * image.devicePixelRatio())


def test_no_label_shows_an_empty_panel_with_an_overlay_off_on_or_off_again(window, qtbot):
    """An empty label on a panel is a dark bar (the bound's labels were one at φ = (0, 0))."""
    c = window.controller

    def empty_panels() -> list[str]:
        return [f"{type(item).__name__} at {item.pos()}"
                for plot in window.findChildren(pg.PlotWidget)
                for item in plot.scene().items()
                if isinstance(item, pg.TextItem) and item.isVisible()
                and item.fill.style() != Qt.BrushStyle.NoBrush
                and not item.textItem.toPlainText()]

    assert empty_panels() == []
    for shown in (True, False):
        for name in ("stability", "shares", "minibatch"):
            c.set_overlay(name, shown)
        c.publish_now()
        assert empty_panels() == []
