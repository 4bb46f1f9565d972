"""Where the labels of points go (a basin map's minima): beside each point, on the
first side clear of what is there already, the labels before it among that; a label
with no clear side is left out, its point still marked."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSizeF

Anchor = tuple[float, float]
"""A text anchor: ``(0, 1)`` puts the text's bottom left corner at its point."""

SIDES: tuple[Anchor, ...] = ((0.0, 1.0), (1.0, 1.0), (0.0, 0.0), (1.0, 0.0))
"""The sides tried in turn: above right of the point (where a reader looks first),
above left, below right, below left."""


def label_box(point: QPointF, size: QSizeF, anchor: Anchor) -> QRectF:
    """The box of a label of ``size`` whose ``anchor`` is at ``point``."""
    return QRectF(point.x() - anchor[0] * size.width(), point.y() - anchor[1] * size.height(),
                  size.width(), size.height())


def place_labels(labels: Sequence[tuple[QPointF, QSizeF]], area: QRectF,
                 taken: Sequence[QRectF], markers: Sequence[QRectF] = (),
                 gap: float = 2.0) -> list[Anchor | None]:
    """The side of each label, or ``None`` for one left out.

    Parameters
    ----------
    labels : sequence of (QPointF, QSizeF)
        Each label's point and size, the one that matters most first: it is placed
        first, and those after it give way to it.
    area : QRectF
        Where the labels must lie wholly (the map).
    taken : sequence of QRectF
        What no label may cover, ``gap`` included (the legends, the start marker).
    markers : sequence of QRectF
        The points' markers: no label covers another point's marker (its own it
        touches at a corner, as its side puts it).
    gap : float
        The least distance between a label and what it must not cover.
    """
    placed: list[QRectF] = []  # the labels placed so far, ``gap`` included
    sides: list[Anchor | None] = []
    grown = [t.adjusted(-gap, -gap, gap, gap) for t in taken]
    for point, size in labels:
        blocked = [*grown, *placed, *(m for m in markers if not m.contains(point))]
        boxes = ((anchor, label_box(point, size, anchor)) for anchor in SIDES)
        side, box = next(((anchor, box) for anchor, box in boxes if area.contains(box)
                          and not any(box.intersects(b) for b in blocked)), (None, None))
        if box is not None:
            placed.append(box.adjusted(-gap, -gap, gap, gap))
        sides.append(side)
    return sides
