"""The fast drawing layers: line stamping, the trail cache, the many-curve item."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QWidget

from gradviz.qt.layers.curve_layer import Curve, CurveLayer, column_envelope
from gradviz.qt.frame import RunFrame
from gradviz.qt.layers.lines import distinct_pixels, draw_polyline, stamp_offsets, to_device
from gradviz.qt.layers.path_layer import RECENT, PathLayer


def _image(width: int = 200, height: int = 120) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    return image


def _alpha(image: QImage) -> np.ndarray:
    """The alpha channel as a float array in [0, 1]."""
    view = np.frombuffer(image.constBits(), dtype=np.uint8)
    rows = view.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    return rows.reshape(image.height(), image.width(), 4)[:, :, 3] / 255.0


def _draw(points: np.ndarray, width: float, exact: bool) -> np.ndarray:
    image = _image()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_polyline(painter, points, QColor("#E69F00"), width, exact=exact)
    painter.end()
    return _alpha(image)


def _wave() -> np.ndarray:
    x = np.linspace(10, 190, 120)
    return np.column_stack((x, 60 + 40 * np.sin(x / 15)))


# -- lines -------------------------------------------------------------------------------
def test_to_device_applies_the_affine_map_and_drops_non_finite_rows():
    transform = QTransform(2.0, 0.0, 0.0, -3.0, 10.0, 20.0)  # m11 m12 m21 m22 dx dy
    points = np.array([[1.0, 1.0], [np.nan, 0.0], [0.0, np.inf], [-1.0, 2.0]])
    np.testing.assert_allclose(to_device(points, transform), [[12.0, 17.0], [8.0, 14.0]])


def test_distinct_pixels_keeps_the_ends_and_one_point_per_pixel_run():
    points = np.array([[0.1, 0.1], [0.2, 0.3], [0.9, 0.9], [1.5, 0.5], [1.6, 0.6], [1.7, 0.7]])
    kept = distinct_pixels(points)
    np.testing.assert_array_equal(kept, points[[0, 3, 5]])


@pytest.mark.parametrize("width", [1.5, 2.5, 3.0, 4.0, 5.5])
def test_stamps_across_a_line_of_any_direction_leave_no_gap(width):
    offsets = np.array(stamp_offsets(width))
    outer = (width - 1) / 2
    assert np.hypot(offsets[:, 0], offsets[:, 1]).max() == pytest.approx(outer)
    for angle in np.linspace(0, np.pi, 37):
        # How far each stamp shifts a line of this direction sideways.
        across = np.sort(offsets @ np.array([-np.sin(angle), np.cos(angle)]))
        assert across[0] <= 0.15 - outer and across[-1] >= outer - 0.15  # as wide as asked
        assert np.diff(across).max() <= 1.1


def test_hollow_stamps_leave_the_middle_to_another_line():
    offsets = np.array(stamp_offsets(5.5, hollow=2.5))
    radii = np.hypot(offsets[:, 0], offsets[:, 1])
    assert radii.min() > (2.5 - 1) / 2
    assert radii.max() == pytest.approx((5.5 - 1) / 2)


@pytest.mark.parametrize("width", [2.5, 3.0, 4.0])
def test_a_stamped_line_looks_like_the_exact_wide_stroke(width):
    points = _wave()
    stamped, exact = _draw(points, width, exact=False), _draw(points, width, exact=True)
    solid_stamped, solid_exact = stamped > 0.5, exact > 0.5
    overlap = (solid_stamped & solid_exact).sum() / (solid_stamped | solid_exact).sum()
    assert overlap > 0.8
    assert stamped.sum() == pytest.approx(exact.sum(), rel=0.25)


@pytest.mark.parametrize("width", [1.0, 2.5])
def test_exact_lines_scale_with_the_pixel_ratio_of_an_export(width):
    # Exports draw on images with a pixel ratio; a one-pixel line there must
    # not shrink to a hairline.
    lit = {}
    for ratio in (1, 3):
        image = _image(200 * ratio, 120 * ratio)
        image.setDevicePixelRatio(ratio)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_polyline(painter, _wave(), QColor("#E69F00"), width, exact=True)
        painter.end()
        lit[ratio] = _alpha(image).sum()
    assert lit[3] == pytest.approx(9 * lit[1], rel=0.2)  # 3 times as long and as wide


def test_translucent_lines_are_stroked_exactly_not_stamped():
    # Stamps would overlap and darken a translucent colour; the exact stroke does not.
    image = _image()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_polyline(painter, np.array([[10.0, 60.0], [190.0, 60.0]]), QColor(255, 0, 0, 100), 3.0)
    painter.end()
    assert _alpha(image).max() == pytest.approx(100 / 255, abs=0.02)


@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=300),
       st.floats(0.5, 40.0), st.floats(-100.0, 100.0))
@settings(max_examples=80, deadline=None)
def test_column_envelope_keeps_every_columns_extremes(values, scale, shift):
    y = np.array(values)
    x = np.arange(len(y), dtype=float)
    transform = QTransform(scale / 10, 0.0, 0.0, -2.0, shift, 500.0)
    envelope = column_envelope(x, y, transform)
    device_x, device_y = transform.m11() * x + transform.dx(), transform.m22() * y + transform.dy()
    columns = np.floor(device_x)
    for column in np.unique(columns):
        inside = device_y[columns == column]
        drawn = envelope[np.floor(envelope[:, 0]) == column, 1]
        assert drawn.min() == pytest.approx(inside.min())
        assert drawn.max() == pytest.approx(inside.max())
    assert set(np.floor(envelope[:, 0])) == set(columns)


# -- the trail cache ------------------------------------------------------------------------
def _frame(phi: np.ndarray, index: int, generation: int = 0) -> RunFrame:
    n = len(phi)
    return RunFrame(
        run_id=0, generation=generation, name="run", colour="#E69F00", visible=True,
        selected=True, update=np.arange(n, dtype=float), phi=phi, loss=np.ones(n),
        batch_loss=np.full(n, np.nan), epoch=np.zeros(n), index=index,
        diverged_at=None, error=None, lr=np.full(n, 0.1), grad=np.zeros((n, 2)),
        batches=(None,) * n,
    )


def _spiral(n: int = 1200) -> np.ndarray:
    t = np.linspace(0, 6 * math.pi, n)
    return np.column_stack((5 + t * np.cos(t) / 4, 5 + t * np.sin(t) / 4))


def _images(layer: PathLayer, widget: QWidget, transform: QTransform) -> list[np.ndarray]:
    """The trail, outline and thick images as the screen would show them now (only the
    parts the layer copies to the screen)."""
    layer._grow(transform, widget)
    images = []
    for canvas in (layer._trail, layer._thick):
        for image in canvas.images:
            shown = _image(image.width(), image.height())
            painter = QPainter(shown)
            painter.drawImage(canvas.extent, image, canvas.extent)
            painter.end()
            images.append(_alpha(shown))
    return images


def _trail_image(layer: PathLayer, widget: QWidget, transform: QTransform) -> np.ndarray:
    return _images(layer, widget, transform)[0]


@pytest.mark.parametrize("last", [1199, 1150, 150, 40])
def test_paths_grown_frame_by_frame_match_paths_drawn_at_once(qtbot, last):
    widget = QWidget()
    widget.resize(300, 300)
    qtbot.addWidget(widget)
    transform = QTransform(25.0, 0.0, 0.0, -25.0, 20.0, 280.0)
    phi = _spiral()[::-1].copy()  # from the outside in: short paths are spread out too
    grown = PathLayer()
    for index in range(0, last, 7):
        grown.set_runs([(_frame(phi, index), "#E69F00")])
        _images(grown, widget, transform)
    grown.set_runs([(_frame(phi, last), "#E69F00")])
    at_once = PathLayer()
    at_once.set_runs([(_frame(phi, last), "#E69F00")])
    for incremental, fresh in zip(_images(grown, widget, transform),
                                  _images(at_once, widget, transform), strict=True):
        # Only the pixels at the joints between frames' pieces, drawn twice, differ.
        joints = last // 7
        differing = np.abs(incremental - fresh) > 0.3
        assert differing.sum() <= 0.03 * (fresh > 0.3).sum() + 2 * joints
        assert np.abs(incremental - fresh).sum() <= 0.03 * fresh.sum() + joints
    trail, outline, thick = _images(at_once, widget, transform)
    assert (trail.sum() > 100) == (last >= 2 * RECENT - 1)  # thin only after a block
    assert thick.sum() > 20 and outline.sum() > thick.sum() / 2


def test_scrubbing_back_or_restarting_clears_the_trail_drawn_so_far(qtbot):
    widget = QWidget()
    widget.resize(300, 300)
    qtbot.addWidget(widget)
    transform = QTransform(25.0, 0.0, 0.0, -25.0, 20.0, 280.0)
    phi = _spiral()
    layer = PathLayer()
    layer.set_runs([(_frame(phi, len(phi) - 1), "#E69F00")])
    long_trail = _trail_image(layer, widget, transform)
    layer.set_runs([(_frame(phi, RECENT + 100), "#E69F00")])  # scrubbed back
    short_trail = _trail_image(layer, widget, transform)
    assert 0 < short_trail.sum() < 0.5 * long_trail.sum()
    layer.set_runs([(_frame(phi, RECENT + 100, generation=1), "#E69F00")])
    assert _trail_image(layer, widget, transform).sum() == pytest.approx(short_trail.sum())
    layer.set_runs([(_frame(phi, RECENT - 1, generation=2), "#E69F00")])
    assert _trail_image(layer, widget, transform).sum() == 0  # all of it is recent now


def test_a_pan_or_zoom_redraws_the_trails_for_the_new_view(qtbot):
    widget = QWidget()
    widget.resize(300, 300)
    qtbot.addWidget(widget)
    phi = _spiral()
    layer = PathLayer()
    layer.set_runs([(_frame(phi, len(phi) - 1), "#E69F00")])
    before = _trail_image(layer, widget, QTransform(25.0, 0.0, 0.0, -25.0, 20.0, 280.0))
    after = _trail_image(layer, widget, QTransform(12.5, 0.0, 0.0, -12.5, 20.0, 280.0))
    _, cols = np.nonzero(after > 0.5)
    assert cols.max() < 0.6 * np.nonzero(before > 0.5)[1].max()


# -- many curves in one item ----------------------------------------------------------------
def test_curve_layer_reports_the_finite_extent_of_all_its_curves(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    layer = CurveLayer()
    plot.addItem(layer)
    assert layer.dataBounds(0) == (None, None)
    layer.set_curves([
        Curve(np.array([0.0, 1.0, 2.0]), np.array([5.0, np.nan, 3.0]), QColor("red")),
        Curve(np.array([-1.0, 4.0]), np.array([np.inf, 7.0]), QColor("blue")),
    ])
    assert layer.dataBounds(0) == (0.0, 4.0)
    assert layer.dataBounds(1) == (3.0, 7.0)
    plot.getPlotItem().vb.prepareForPaint()  # auto-range follows the curves
    (x0, x1), (y0, y1) = plot.getPlotItem().vb.viewRange()
    assert x0 <= 0.0 and x1 >= 4.0 and y0 <= 3.0 and y1 >= 7.0


def test_curve_layer_draws_its_curves_in_their_colours(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(300, 200)
    layer = CurveLayer()
    plot.addItem(layer)
    x = np.linspace(0, 10, 5000)
    layer.set_curves([Curve(x, np.sin(x), QColor(255, 0, 0), 3.0, increasing=True)])
    plot.getPlotItem().vb.prepareForPaint()
    image = plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)
    red = (pixels[:, :, 2] > 200) & (pixels[:, :, 1] < 60) & (pixels[:, :, 0] < 60)
    columns = np.unique(np.nonzero(red)[1])
    assert len(columns) > 0.6 * plot.getPlotItem().vb.width()  # drawn all along the view


def test_curve_layer_skips_changes_smaller_than_a_pixel(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(300, 200)
    plot.setRange(xRange=(0, 10), yRange=(-1, 1), padding=0)
    layer = CurveLayer()
    plot.addItem(layer)
    x = np.linspace(0, 10, 200)
    first = [Curve(x, np.sin(x), QColor(255, 0, 0), 3.0)]
    layer.set_curves(first)
    pixel = plot.getPlotItem().vb.viewPixelSize()[1]
    layer.set_curves([Curve(x, np.sin(x) + 0.1 * pixel, QColor(255, 0, 0), 3.0)])
    assert layer.curves is first  # nothing visible changed
    moved = [Curve(x, np.sin(x) + 2 * pixel, QColor(255, 0, 0), 3.0)]
    layer.set_curves(moved)
    assert layer.curves is moved
    recoloured = [Curve(x, moved[0].y, QColor(0, 0, 255), 3.0)]
    layer.set_curves(recoloured)
    assert layer.curves is recoloured
    layer.set_curves([])
    assert layer.curves == []


# -- the window as a whole -------------------------------------------------------------------
def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).astype(int)


@pytest.mark.parametrize("scene", ["3", "10", "12"])
def test_what_is_on_screen_after_playing_matches_a_fresh_drawing(window, qtbot, scene):
    # The views repaint only what changed each frame, from images grown frame by
    # frame: after a run plays, the screen must still show exactly what a full
    # redraw shows, with no stale pixels left behind.
    from gradviz.core.scenes import find_scene

    c = window.controller
    c.load_scene(find_scene(scene))
    qtbot.waitUntil(lambda: c.surface is not None, timeout=10_000)
    c.set_speed(60)
    c.play()
    qtbot.waitUntil(lambda: min(len(r.record) for r in c.runs) > 40, timeout=15_000)
    c.pause()
    c.publish_now()

    def differing_pixels() -> int:
        on_screen = _pixels(window.screen().grabWindow(window.winId()).toImage())
        redrawn = _pixels(window.grab().toImage())
        assert on_screen.shape == redrawn.shape
        return int((np.abs(on_screen - redrawn).max(axis=2) > 40).sum())

    # Steps computed before the pause are still published, and on a loaded machine
    # their frame may reach the screen a while later: wait for it. Stale pixels
    # never go away, so they still fail here.
    qtbot.wait(100)  # the last frame and the legend's pending losses are drawn
    qtbot.waitUntil(lambda: differing_pixels() == 0, timeout=5_000)


class _HiDpiWidget:
    """Stands in for a view on a screen with two device pixels per logical pixel."""

    def width(self) -> int:
        return 300

    def height(self) -> int:
        return 300

    def devicePixelRatioF(self) -> float:  # noqa: N802 (Qt's name)
        return 2.0


def _lit_box(image: QImage) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(_alpha(image) > 0.5)
    return cols.min(), rows.min(), cols.max(), rows.max()


def test_paths_on_a_high_dpi_screen_are_drawn_at_its_full_resolution(qtbot):
    transform = QTransform(25.0, 0.0, 0.0, -25.0, 20.0, 280.0)  # data -> logical pixels
    phi = _spiral()
    boxes = {}
    for ratio, widget in ((1.0, QWidget()), (2.0, _HiDpiWidget())):
        if isinstance(widget, QWidget):
            widget.resize(300, 300)
            qtbot.addWidget(widget)
        layer = PathLayer()
        layer.set_runs([(_frame(phi, len(phi) - 1), "#E69F00")])
        layer._grow(transform, widget)
        assert layer._trail.images[0].width() == round(300 * ratio)
        # What the screen shows: the drawn part copied at the screen's resolution.
        screen = _image(round(300 * ratio), round(300 * ratio))
        screen.setDevicePixelRatio(ratio)
        painter = QPainter(screen)
        layer._trail.draw_onto(painter)
        layer._thick.draw_onto(painter)
        painter.end()
        boxes[ratio] = np.array(_lit_box(screen))
    # The same path, twice as many device pixels across, in the same place.
    np.testing.assert_allclose(boxes[2.0], 2 * boxes[1.0], atol=4)
