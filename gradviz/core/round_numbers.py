"""Round factors: 1, 2 or 5 times a power of ten, as arrows are drawn longer or shorter
by (``−αg ×20``), so that a label can say it in two characters."""

from __future__ import annotations

import math

_MANTISSAS = (1.0, 2.0, 5.0)


def round_below(value: float) -> float:
    """The largest round factor at most ``value`` (a positive, finite number)."""
    decade = 10.0 ** math.floor(math.log10(value))
    return decade * max(m for m in _MANTISSAS if m * decade <= value * (1 + 1e-12))


def round_above(value: float) -> float:
    """The least round factor at least ``value``, and at least 1 (1 for a non-finite value)."""
    if not math.isfinite(value) or value <= 1.0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(decade * m for m in (*_MANTISSAS, 10.0) if decade * m >= value)
