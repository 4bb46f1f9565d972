"""The batches panel keeps the latest update in view."""

from __future__ import annotations

from gradviz.qt.views.batch_panel import BatchPanel

LINES = [(1 + row // 6, row, row % 6, (row, row + 1, row + 2)) for row in range(40)]


def _at_end(panel: BatchPanel) -> bool:
    scroll = panel.verticalScrollBar()
    return scroll.maximum() > 0 and scroll.value() == scroll.maximum()


def test_latest_line_stays_in_view_when_the_text_grows(qtbot) -> None:
    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 160)
    panel.show()
    panel.set_lines(LINES)
    qtbot.waitUntil(lambda: _at_end(panel))
    panel.set_scale(1.75)  # presentation mode: the same lines take more room
    qtbot.waitUntil(lambda: _at_end(panel))
    panel.resize(500, 100)
    qtbot.waitUntil(lambda: _at_end(panel))
    assert "Update   39" in panel.toPlainText()


def test_scrolling_back_is_left_alone_until_the_next_update(qtbot) -> None:
    panel = BatchPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 160)
    panel.show()
    panel.set_lines(LINES)
    qtbot.waitUntil(lambda: _at_end(panel))
    panel.verticalScrollBar().setValue(0)  # the user reads an earlier epoch
    panel.set_scale(1.5)
    qtbot.wait(50)
    assert panel.verticalScrollBar().value() == 0
    panel.set_lines(LINES + [(8, 40, 4, (1, 2, 3))])
    qtbot.waitUntil(lambda: _at_end(panel))
