"""The colours that tell runs apart, and those of the classes of a basin map, as plain data.

A run keeps its entry of :data:`RUN_COLOURS` as its identity: files name it, and
what the app draws it in depends on the theme and the colour map
(``gradviz.qt.style.run_colour``), the same in every view.

A basin map (:mod:`gradviz.core.basins`) colours each cell by its class:
:func:`basin_colour` gives the one colour of each, a minimum's by its rank
(``BasinMap.ranked``: the global minimum first, then the largest basins), which
the app's overlay and the headless PNG both use.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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


MINIMUM_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
)
"""The basins of the minima by rank: the global minimum's, then the others' largest
first (``BasinMap.ranked``; Okabe & Ito's palette)."""
OTHER_MINIMA_COLOUR = "#6A3D9A"
"""The basins of the minima ranked after those of :data:`MINIMUM_COLOURS` (the
smallest): a deep purple, unlike every colour map's (browns, blues, greens, yellows,
greys). Each still has its marker and label; a legend gives them one line."""
DIVERGED_COLOUR = "#1A1A1A"
"""Cells whose run diverged: near black, darker than any basin."""
NOT_CONVERGED_COLOUR = "#8C8C8C"
"""Cells whose run had not come to rest at a minimum: a mid grey (a light one reads as
the high-loss cream of the book's colour map)."""


def basin_colour(label: int) -> str:
    """The colour of a basin map's class: a minimum's rank (0 = the global minimum,
    see ``BasinMap.ranked_labels``), or
    :data:`~gradviz.core.basins.BASIN_DIVERGED` (-2) or
    :data:`~gradviz.core.basins.BASIN_NOT_CONVERGED` (-1)."""
    if label == -2:
        return DIVERGED_COLOUR
    if label == -1:
        return NOT_CONVERGED_COLOUR
    if label < 0:
        raise ValueError(f"no basin class {label}")
    return MINIMUM_COLOURS[label] if label < len(MINIMUM_COLOURS) else OTHER_MINIMA_COLOUR


def basin_rgb(labels: np.ndarray) -> np.ndarray:
    """Each class of ``labels`` (any shape) in its :func:`basin_colour`, as RGB
    bytes of shape ``labels.shape + (3,)``."""
    labels = np.asarray(labels)
    classes, inverse = np.unique(labels, return_inverse=True)
    table = np.array([[int(basin_colour(int(c))[i : i + 2], 16) for i in (1, 3, 5)]
                      for c in classes], dtype=np.uint8).reshape(-1, 3)
    return table[inverse.reshape(labels.shape)]


__all__ = [
    "DIVERGED_COLOUR",
    "MINIMUM_COLOURS",
    "NOT_CONVERGED_COLOUR",
    "OTHER_MINIMA_COLOUR",
    "RUN_COLOURS",
    "basin_colour",
    "basin_rgb",
    "first_unused_colour",
]
