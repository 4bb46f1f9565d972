"""Scene titles, captions and run names are plain text wherever they are shown: markup
in them shows literally, loads no image and cannot grow a one-line label.

The image markup here names a real picture, so that before the fix it showed (and the
label grew); ``/dev/zero`` or a FIFO, as in issue 9, would have hung the run instead."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtGui import QColor, QFontMetrics, QImage, QTextDocument
from PySide6.QtWidgets import QLabel

from gradviz.core.scenes import builtin_scenes


@pytest.fixture
def markup(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Texts that rich text would turn into a 400-pixel picture, a heading or a huge span
    (the picture in the current folder: a run's name has at most 40 characters)."""
    image = QImage(400, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    assert image.save(str(tmp_path / "p.png"))
    monkeypatch.chdir(tmp_path)
    return {
        "title": '<img src="p.png">',
        "caption": '<h1>big</h1> <span style="font-size:200pt">huge</span>',
        "run": '<h1>W</h1><img src="p.png">',
    }


def _rendered(rich: str) -> str:
    """What a rich-text widget shows of ``rich``."""
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def _one_line(label: QLabel) -> bool:
    """Whether ``label`` needs one line's height at the width it has."""
    height = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
    return height < 2 * QFontMetrics(label.font()).height()


def test_scene_text_is_shown_literally_on_one_line(window, qtbot, markup):
    scene = builtin_scenes()[0]
    runs = (replace(scene.runs[0], name=markup["run"]),)
    scene = replace(scene, title=markup["title"], caption=markup["caption"], runs=runs,
                    number=None)
    assert window.controller.load_scene(scene)
    qtbot.waitUntil(lambda: len(window.controller.runs[0].record) >= 1, timeout=5000)
    window.controller.step(1)

    for label, text in ((window.title, markup["title"]), (window.caption, markup["caption"])):
        assert label.text() == text
        assert _one_line(label), label.text()

    qtbot.waitUntil(lambda: markup["run"] in _rendered(window.status.text()), timeout=5000)
    assert _one_line(window.status)

    view = window.surface_view
    labels = [view.legend.getLabel(sample) for sample in view._samples.values()]
    legend = [label.item for label in labels if label is not None]
    assert any(markup["run"] in item.toPlainText() for item in legend)
    line = QFontMetrics(legend[0].font()).height()
    assert all(item.boundingRect().height() < 3 * line for item in legend)

    assert [window.run_list.list.item(0).text()] == [markup["run"]]


def test_messages_and_tooltips_are_plain_text(window, markup):
    window.show_message(f"Could not open the scene '{markup['title']}': broken")
    assert markup["title"] in window.message_bar.text()
    assert _one_line(window.message_bar)
    action = window._action("a scene", [], lambda: None, markup["caption"])
    assert _rendered(action.toolTip()) == markup["caption"]
