"""Where a box (a legend) goes in a corner of a plot, clear of what is there already:
the overlays' notes, the badges, the arrows at the view's edge."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, QSizeF

Corner = tuple[int, int]
"""``(0, 0)`` is the top left, ``(1, 1)`` the bottom right."""


def corner_box(area: QRectF, corner: Corner, size: QSizeF, margin: float) -> QRectF:
    """A box of ``size`` in ``corner`` of ``area``, ``margin`` from its two edges; a box
    wider than ``area`` starts at its left (a legend's start is its colour swatches,
    which say which line is which)."""
    left = area.left() + margin
    if corner[0] == 1:
        left = max(left, area.right() - margin - size.width())
    top = area.top() + margin if corner[1] == 0 else area.bottom() - margin - size.height()
    return QRectF(left, top, size.width(), size.height())


def clear_box(area: QRectF, corner: Corner, size: QSizeF, margin: float,
              taken: Sequence[QRectF], sideways: bool = False) -> QRectF | None:
    """The box of :func:`corner_box`, moved along the side of ``area`` away from
    ``corner`` (down from a top corner, up from a bottom one; ``sideways``, along the
    top or bottom edge: right from a left corner, left from a right one) until it lies
    ``margin`` clear of every box in ``taken``, as a stack under a note does, or a box
    beside one when the notes fill the corner's height; ``None`` if it would leave
    ``area`` first."""
    box = corner_box(area, corner, size, margin)
    grown = [t.adjusted(-margin, -margin, margin, margin) for t in taken]
    while hit := [t for t in grown if box.intersects(t)]:
        # Past every box it covers at once: each is passed once, so this ends.
        if sideways:
            if corner[0] == 0:
                box.moveLeft(max(t.right() for t in hit))
            else:
                box.moveRight(min(t.left() for t in hit))
            if box.left() < area.left() or box.right() > area.right():
                return None
            continue
        if corner[1] == 0:
            box.moveTop(max(t.bottom() for t in hit))
        else:
            box.moveBottom(min(t.top() for t in hit))
        if box.top() < area.top() or box.bottom() > area.bottom():
            return None
    return box


def corner_offset(area: QRectF, corner: Corner, box: QRectF) -> tuple[float, float]:
    """The offset of ``box`` from ``corner`` of ``area``, corner to corner: what
    pyqtgraph's ``anchor(corner, corner, offset)`` takes to keep it there."""
    x = box.left() - area.left() if corner[0] == 0 else box.right() - area.right()
    y = box.top() - area.top() if corner[1] == 0 else box.bottom() - area.bottom()
    return x, y


def best_box(area: QRectF, corners: Sequence[Corner], size: QSizeF, margin: float,
             taken: Sequence[QRectF], cost: Callable[[QRectF], float]) -> tuple[Corner, QRectF]:
    """The corner, and the box of ``size`` there, that costs least: among the boxes of
    :func:`clear_box` (a corner's own place before one moved along its side, that
    before one moved along its edge, then the first of ``corners``, when they cost the
    same), or, if none is clear of ``taken``, among the corners' own places."""
    clear = [(c, box, sideways) for sideways in (False, True) for c in corners
             if (box := clear_box(area, c, size, margin, taken, sideways)) is not None]
    options = clear or [(c, corner_box(area, c, size, margin), False) for c in corners]
    corner, box, _ = min(options, key=lambda option: (
        cost(option[1]), option[1] != corner_box(area, option[0], size, margin),
        option[2], corners.index(option[0])))
    return corner, box


def edge_boxes(area: QRectF, size: QSizeF, margin: float, steps: int = 8
               ) -> list[tuple[Corner, QRectF]]:
    """Boxes of ``size`` standing ``margin`` in from an edge of ``area`` at ``steps + 1``
    places along each edge, corner to corner, each with the corner it is nearest."""
    left, right = area.left() + margin, area.right() - margin - size.width()
    top, bottom = area.top() + margin, area.bottom() - margin - size.height()
    if right < left or bottom < top:
        return []
    along = [i / steps for i in range(steps + 1)]
    places = {(left + f * (right - left), y) for f in along for y in (top, bottom)}
    places |= {(x, top + f * (bottom - top)) for f in along for x in (left, right)}
    middle = area.center()
    return [((int(x + size.width() / 2 > middle.x()), int(y + size.height() / 2 > middle.y())),
             QRectF(x, y, size.width(), size.height())) for x, y in sorted(places)]


def is_clear(box: QRectF, margin: float, taken: Sequence[QRectF]) -> bool:
    """Whether ``box`` lies ``margin`` clear of every box in ``taken``."""
    return not any(box.intersects(t.adjusted(-margin, -margin, margin, margin)) for t in taken)
