"""The colours that tell runs apart, as plain data.

A run keeps its entry of :data:`RUN_COLOURS` as its identity: files name it, and
what the app draws it in depends on the theme and the colour map
(``gradviz.qt.style.run_colour``), the same in every view.
"""

from __future__ import annotations

from collections.abc import Iterable

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
RUN_COLOURS: tuple[str, ...] = (
    "#E69F00",  # orange
    "#0072B2",  # blue
    "#009E73",  # bluish green
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#FFFFFF",  # white
)


def first_unused_colour(used: Iterable[str]) -> str:
    """A new run's colour: the first of :data:`RUN_COLOURS` that no run has.

    Raises
    ------
    ValueError
        If every colour is taken.
    """
    taken = set(used)
    for colour in RUN_COLOURS:
        if colour not in taken:
            return colour
    raise ValueError(f"every one of the {len(RUN_COLOURS)} run colours is taken")


__all__ = ["RUN_COLOURS", "first_unused_colour"]
