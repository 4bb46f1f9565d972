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
              taken: Sequence[QRectF]) -> QRectF | None:
    """The box of :func:`corner_box`, moved along the side of ``area`` away from
    ``corner`` (down from a top corner, up from a bottom one) until it lies
    ``margin`` clear of every box in ``taken``, as a stack under a note does;
    ``None`` if it would leave ``area`` first."""
    box = corner_box(area, corner, size, margin)
    grown = [t.adjusted(-margin, -margin, margin, margin) for t in taken]
    while hit := [t for t in grown if box.intersects(t)]:
        # Past every box it covers at once: each is passed once, so this ends.
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
    :func:`clear_box` (a corner's own place before one moved along its side, then
    the first of ``corners``, when they cost the same), or, if none is clear of
    ``taken``, among the corners' own places."""
    clear = [(c, box) for c in corners
             if (box := clear_box(area, c, size, margin, taken)) is not None]
    options = clear or [(c, corner_box(area, c, size, margin)) for c in corners]
    return min(options, key=lambda option: (
        cost(option[1]), option[1] != corner_box(area, option[0], size, margin),
        corners.index(option[0])))
