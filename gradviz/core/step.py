"""A run's recorded step, and the rule that tells a step that diverged."""

from __future__ import annotations

import textwrap
from collections import namedtuple

import numpy as np

from gradviz.core.columns import STEP_COLUMNS
from gradviz.core.space import Window

DIVERGENCE_LOSS = 1e12
"""A loss above this (or a non-finite phi or loss) stops a run as diverged."""

ESCAPE_FACTOR = 10.0
"""A run more than this many view sizes from the centre of its problem's view
has left the landscape (on a bounded loss such as the Gabor model's, a too
large step lands on a flat plain far away where the loss never blows up) and
is stopped as diverged."""


def _step_type() -> type[tuple]:  # type: ignore[type-arg]
    required = [c.name for c in STEP_COLUMNS if not c.optional]
    optional = [c.name for c in STEP_COLUMNS if c.optional]
    # The columns every run records come first, then the divergence flag, then
    # the optional columns: None unless a run records them.
    step = namedtuple("Step", [*required, "diverged", *optional],
                      defaults=(False, *(None for _ in optional)))
    step.__doc__ = """One recorded point of a run: one field per column of
    :data:`~gradviz.core.columns.STEP_COLUMNS`, and ``diverged``.

    ``update`` counts the updates applied so far (0 is the start point). The
    batch, batch loss, learning rate and gradient are those of the update
    that led here (NaN or ``None`` for the start point). ``diverged`` marks the
    step where the run blew up; its values are not finite or too large.

    Attributes
    ----------
""" + textwrap.indent("\n".join(c.step_doc() for c in STEP_COLUMNS), "    ") + """
    diverged : bool
        Whether the run blew up at this step.
"""
    return step


Step = _step_type()


def is_diverged(phi: np.ndarray, loss: float, centre: tuple[float, float], reach: float) -> bool:
    """Whether one step diverged: its phi or loss is not finite, its loss exceeds
    :data:`DIVERGENCE_LOSS`, or its phi is farther than ``reach`` from ``centre``
    (see :func:`escape_box`) in either coordinate. The rule stated for one phi
    and loss, which the engine tests on whole blocks at once (and its tests against this)."""
    # Every comparison with NaN is false, so a NaN or infinite phi or loss fails
    # these tests as well: no separate finiteness check is needed.
    phi0, phi1 = phi.tolist()
    return not (
        loss <= DIVERGENCE_LOSS
        and abs(phi0 - centre[0]) <= reach
        and abs(phi1 - centre[1]) <= reach
    )


def escape_box(window: Window) -> tuple[tuple[float, float], float]:
    """The centre of ``window`` and how far from it (in either coordinate) a run may
    go before it counts as diverged: :data:`ESCAPE_FACTOR` times the window's size."""
    centre = ((window.phi0_min + window.phi0_max) / 2, (window.phi1_min + window.phi1_max) / 2)
    return centre, ESCAPE_FACTOR * max(window.width, window.height)


__all__ = ["DIVERGENCE_LOSS", "ESCAPE_FACTOR", "Step", "escape_box", "is_diverged"]
