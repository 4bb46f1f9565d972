"""Colour maps for loss surfaces, as arrays of RGB bytes (no Qt needed)."""

from __future__ import annotations

import re
from functools import cache
from types import MappingProxyType

import numpy as np

from gradviz.core.resources import resource_path

COLORMAPS = MappingProxyType(
    {
        "udl": "the book's map: dark brown = low loss, cream = high (default)",
        "viridis": "perceptually uniform, blue to yellow",
        "cividis": "perceptually uniform and colour-vision-deficiency friendly",
        "high-contrast": "black to white: the coloured paths stand out most on a projector",
    }
)
"""Available colour maps with a line of description each."""

_COLOUR = re.compile(r"^#([0-9a-fA-F]{6})$")


@cache
def load_colormap(name: str) -> np.ndarray:
    """Return the colour map ``name`` as a read-only ``(256, 3)`` uint8 array, low to high.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name not in COLORMAPS:
        raise ValueError(f"unknown colour map {name!r}; choose from {', '.join(COLORMAPS)}")
    if name == "high-contrast":
        ramp = np.linspace(12, 255, 256).round().astype(np.uint8)
        table = np.repeat(ramp[:, None], 3, axis=1)
    else:
        lines = resource_path("colormaps", f"{name}.txt").read_text().splitlines()
        hexes = [m.group(1) for m in map(_COLOUR.match, (line.strip() for line in lines)) if m]
        table = np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in hexes], np.uint8)
    table.flags.writeable = False
    return table
