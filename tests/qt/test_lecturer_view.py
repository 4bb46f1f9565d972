"""What a lecturer sees at first launch, in both themes, and after changing a scene."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget

from gradviz.core.problems import ProblemSpec
from gradviz.core.scenes import find_scene
from gradviz.qt.control.controller import EDITED_MARK
from gradviz.qt.main_window import OVERSCAN


def _pixels(widget: QWidget) -> np.ndarray:
    """The widget as drawn, as an (h, w, 3) array of sRGB values in 0..1."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    return rows[:, : 3 * width].reshape(height, width, 3) / 255.0


def _luminance(rgb: np.ndarray) -> np.ndarray:
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def _text_contrast(widget: QWidget) -> float:
    """WCAG contrast between a widget's background (its commonest colour) and the
    pixel that differs most from it: its text."""
    luminance = _luminance(_pixels(widget)).ravel()
    values, counts = np.unique(np.round(luminance, 3), return_counts=True)
    background = values[counts.argmax()]
    text = luminance[np.abs(luminance - background).argmax()]
    high, low = max(background, text), min(background, text)
    return float((high + 0.05) / (low + 0.05))


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_label_and_the_toolbar_follow_the_theme(window, qtbot, theme):
    window.set_theme(theme)
    window.controller.load_scene(window.scenes[0])
    qtbot.wait(50)
    background = _luminance(np.array(
        [window.palette().window().color().getRgbF()[:3]]
    ))[0]
    toolbar = _luminance(_pixels(window.toolbar)).mean()
    assert abs(toolbar - background) < 0.2  # the toolbar is not left in the other theme
    runs_title = next(label for label in window.findChildren(QLabel)
                      if label.text().startswith("Runs ("))
    for label in (runs_title, window.control_panel.rule, window.status, window.speed_label,
                  window.timeline_label, window.title, window.caption):
        assert _text_contrast(label) >= 4.5, label.text()


def test_full_batch_runs_stay_full_batch_when_the_data_change(window, qtbot, tmp_path):
    c = window.controller
    c.load_scene(find_scene("linear-gd"))
    c.add_run(c.runs[0].settings.__class__(optimizer="sgd", batch_size=5))
    points = tmp_path / "twenty.csv"
    x = np.linspace(0, 2, 20)
    points.write_text("x,y\n" + "".join(f"{a},{0.5 + 0.6 * a}\n" for a in x))
    assert c.set_problem(ProblemSpec("linear", data=str(points)))
    qtbot.waitUntil(lambda: c.spec.data == str(points), timeout=5000)  # read off the UI thread
    gd, sgd = c.runs
    assert gd.settings.batch_size == 20 and "B=" not in gd.label(20)
    assert sgd.settings.batch_size == 5
    qtbot.waitUntil(lambda: len(gd.record) >= 1, timeout=3000)
    gd_path = c.runs[0]
    c.step(3)
    qtbot.waitUntil(lambda: len(gd_path.record) >= 4, timeout=3000)
    # Full batch: the loss of the batch is the loss of all the data at every update.
    np.testing.assert_array_equal(gd_path.record.batch_loss[1:4], gd_path.record.loss[0:3])


def test_a_caption_is_marked_as_the_scene_s_once_the_setup_changes(window, qtbot):
    c = window.controller
    scene = find_scene("ravine-adam")
    c.load_scene(scene)
    assert window.caption.text() == scene.caption
    c.play()
    c.pause()
    c.scrub(0)
    assert window.caption.text() == scene.caption  # watching is not changing
    c.set_start((0.1, 0.2))
    assert window.caption.text() == EDITED_MARK + scene.caption
    c.load_scene(scene)
    assert window.caption.text() == scene.caption
    c.remove_run()
    assert window.caption.text().startswith(EDITED_MARK)


def test_an_error_banner_goes_when_a_scene_then_opens(window, qtbot, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("title = 'x'\n[problem]\nmodel = 'nope'\n")
    assert not window.open_scene_file(str(bad))
    assert window.message_bar.isVisibleTo(window)
    window.show_scene(1)
    assert not window.message_bar.isVisibleTo(window)


def test_presentation_mode_keeps_the_title_clear_of_overscan(window, qtbot):
    window.controller.load_scene(window.scenes[0])
    window.toggle_presentation()
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    screen = window.screen().geometry()
    top_left = window.title.mapTo(window, window.title.rect().topLeft())
    assert top_left.x() >= OVERSCAN * screen.width() - 1
    assert top_left.y() >= OVERSCAN * screen.height() - 1
    status = window.statusBar()
    bottom = status.mapTo(window, status.rect().bottomRight())
    assert window.height() - bottom.y() >= OVERSCAN * screen.height() - 1
    # Everything on screen grows with the text, down to the timeline's own title.
    assert window.timeline_title.font().pointSize() == window.timeline_label.font().pointSize()
    assert window.timeline_title.font().pointSize() >= 17
    window.leave_presentation()
    assert window.contentsMargins().top() == 0


def test_first_launch_opens_the_first_scene_with_a_welcome(qtbot):
    from gradviz.qt.app import make_application, open_window

    make_application()
    first = open_window()
    qtbot.addWidget(first)
    assert first.controller.scene is not None and first.controller.scene.number == 1
    assert "Space" in first.statusBar().currentMessage()
    first.show_scene(4)
    first.close()
    again = open_window()  # the scene shown last time, and no welcome
    qtbot.addWidget(again)
    assert again.controller.scene.number == 5
    assert again.statusBar().currentMessage() == ""
    again.close()


def test_the_window_fits_the_screen_and_keeps_its_size_between_launches(qtbot):
    from gradviz.qt.app import make_application, open_window

    make_application()
    first = open_window()
    qtbot.addWidget(first)
    room = first.screen().availableGeometry()
    assert first.width() <= room.width() and first.height() <= room.height()
    first.resize(first.width() - 100, first.height() - 50)
    size = first.size()
    first.close()
    again = open_window()  # the size the window had, not the first launch's
    qtbot.addWidget(again)
    assert again.size() == size
    again.close()


def test_a_status_message_is_never_drawn_over_the_run_s_status(qtbot):
    # On X11 the welcome and the run's status line were drawn one over the other: Qt hides
    # the status label under a message only if it is visible then, and may show it again.
    from gradviz.qt.app import make_application
    from gradviz.qt.main_window import MainWindow

    make_application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.statusBar().showMessage("a notice")
    window.show()
    qtbot.waitExposed(window)
    assert not window.status.isVisible()
    window.statusBar().clearMessage()
    assert window.status.isVisible()
    window.close()


def test_an_analytic_surface_gives_the_data_view_s_space_to_the_loss(window, qtbot):
    c = window.controller
    c.set_problem(ProblemSpec("ravine"))
    assert not window.fit_view.isVisible() and window.loss_view.isVisible()
    c.set_problem(ProblemSpec("linear"))
    assert window.fit_view.isVisible()


def test_the_views_have_the_theme_s_look_from_launch(window):
    # Exports draw with the theme's look; the window must show the same from the start.
    def look():  # type: ignore[no-untyped-def]
        label = window.surface_view.start_label
        return (label.textItem.font().pointSize(), label.textItem.defaultTextColor().name(),
                window.surface_view.legend.opts["brush"].color().getRgb())

    at_launch = look()
    window.set_theme("dark")
    assert look() == at_launch


def test_the_status_bar_shows_no_minus_zero(window, qtbot):
    c = window.controller
    c.load_scene(find_scene("ravine-adam"))  # gradient descent ends at phi1 = -3e-10
    c.run_to_end()
    qtbot.waitUntil(lambda: all(r.record.finished for r in c.runs) and not c.playing,
                    timeout=10_000)
    c.publish_now()
    assert -1e-4 < c.runs[0].record.phi[-1][1] < 0
    assert "-0.0000" not in window.status.text() and ", 0.0000)" in window.status.text()


def test_the_log_loss_axis_is_saved_in_a_scene_and_restored(window, qtbot, tmp_path):
    from gradviz.core.scenes import load_scene

    c = window.controller
    c.load_scene(find_scene("batches-and-epochs"))
    window.control_panel.log_loss.setChecked(True)  # as the user ticks it
    assert c.log_loss and window.loss_view._log
    path = tmp_path / "mine.toml"
    window.save_scene_file(str(path))
    assert load_scene(path).log_loss
    c.load_scene(find_scene("linear-gd"))  # a scene of its own: linear again
    assert not c.log_loss and not window.loss_view._log
    assert not window.control_panel.log_loss.isChecked()
    assert window.open_scene_file(str(path))
    assert c.log_loss and window.loss_view._log and window.control_panel.log_loss.isChecked()
