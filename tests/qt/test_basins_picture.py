"""The picture of a basin map: the class colours over the loss heatmap, the minima
marked and labelled, the legend beside; drawn headless, from the CLI too."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from gradviz.cli import main
from gradviz.core.basins import compute_basins
from gradviz.core.palette import basin_colour
from gradviz.core.problems import make_problem
from gradviz.core.run import RunSettings
from gradviz.qt import style
from gradviz.qt.app import export_basins, make_application
from gradviz.qt.export.basins import SIZE, basins_title, render_basins
from gradviz.qt.layers.basin_layer import LISTED_MINIMA, OPACITY, BasinOverlay
from gradviz.qt.views.surface_view import SurfaceView


def _hue(colour: str) -> float:
    return QColor(colour).hslHueF()


def test_every_cell_of_one_basin_is_tinted_by_its_colour(tmp_path) -> None:
    make_application()
    problem = make_problem("linear")
    basins = compute_basins(problem, RunSettings("gd", steps=200), grid=16)
    assert (basins.labels == 0).all()
    image = render_basins(basins, problem)
    assert (image.width(), image.height()) == SIZE
    # The plot's middle: the heatmap under the minimum's blue at OPACITY.
    pixels = np.array([[QColor(image.pixel(x, y)).getRgb()[:3]
                        for x in range(200, 1000, 50)] for y in range(150, 850, 50)])
    blue = np.array(QColor(basin_colour(0)).getRgb()[:3])
    # Each channel is within what the heatmap under it can move it (but for the
    # contour lines and the minimum's marker and label, a few pixels).
    within = (np.abs(pixels - blue) <= (1 - OPACITY) * 255 + 2).all(axis=-1)
    assert within.mean() > 0.9
    assert (pixels[..., 2] > pixels[..., 0]).mean() > 0.9  # bluer than the map's browns


def test_the_overlay_marks_and_labels_the_minima_and_lists_every_class() -> None:
    make_application()
    problem = make_problem("gabor")
    basins = compute_basins(problem, RunSettings("gd", {"lr": 0.1}), grid=24, steps=200)
    view = SurfaceView()
    overlay = BasinOverlay(view.getPlotItem(), beside=True)
    overlay.show(basins, style.DARK)
    assert len(overlay.markers.data) == len(basins.minima)
    inside = [phi for phi in basins.minima if basins.window.contains(*phi)]
    assert len(overlay.labels) == len(inside)
    assert overlay.labels[0].toPlainText() == f"1: L = {basins.minimum_losses[0]:.3g}"
    assert overlay.labels[0].pos() == QPointF(*basins.minima[0])
    texts = [label.text for _, label in overlay.legend.items]
    assert [t.replace("&lt;", "<") for t in texts] == basins.legend(LISTED_MINIMA)
    # The largest basins by rank in the palette's colours, in the legend and on the map.
    ranked = basins.ranked()
    samples = [sample.colours for sample, _ in overlay.legend.items]
    assert samples[:LISTED_MINIMA] == [(basin_colour(r),) for r in range(LISTED_MINIMA)]
    count = len(basins.minima)
    assert count > LISTED_MINIMA + 1  # the rest share a line, its sample in their colours
    assert samples[LISTED_MINIMA] == tuple(dict.fromkeys(
        basin_colour(r) for r in range(LISTED_MINIMA, count)))
    brushes = [QColor(b.color()).name().upper() for b in overlay.markers.data["brush"]]
    assert [brushes[k] for k in ranked] == [basin_colour(r).upper() for r in range(count)]
    overlay.clear()
    assert not overlay.labels and not overlay.legend.items
    overlay.remove()
    view.close()


def test_the_cli_writes_the_picture_headless(tmp_path, capsys) -> None:
    out = tmp_path / "b.png"
    assert main(["basins", "--model", "gabor", "--grid", "10", "--steps", "30",
                 "--out", str(out)]) == 0
    with Image.open(out) as picture:
        assert picture.format == "PNG" and picture.size == SIZE
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"wrote {out} ({SIZE[0]} x {SIZE[1]} PNG of 100 cells)")


def test_the_title_names_the_runs() -> None:
    basins = compute_basins(make_problem("gabor"), RunSettings("sgd", steps=7), grid=4)
    assert basins_title(basins) == "Basins of attraction: SGD α=0.6 B=5, 7 updates from each cell"


def test_an_unwritable_picture_is_an_os_error(tmp_path) -> None:
    problem = make_problem("linear")
    basins = compute_basins(problem, RunSettings(steps=5), grid=4)
    with pytest.raises(OSError, match="missing"):
        export_basins(tmp_path / "missing" / "b.png", basins, problem)
    assert not (tmp_path / "missing").exists()
