"""Arrows drawn along the 3D view's surface: a segment from each tail to its tip, both
on the surface, and a dot at the tip. OpenGL is imported only when one is made (a 3D
view exists), so the overlays that use it load nothing at launch."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtGui import QColor


class SurfaceHost(Protocol):
    """The 3D view, as the arrows use it."""

    def on_surface(self, phi: np.ndarray) -> np.ndarray:
        """``(n, 3)`` scene points of the ``(n, 2)`` parameters, on the surface."""

    def addItem(self, item: object) -> None:  # noqa: N802 (pyqtgraph's name)
        """Add a GL item to the scene."""


def _rgba(colour: str) -> tuple[float, float, float, float]:
    return QColor(colour).getRgbF()


class SurfaceArrows:
    """A set of arrows on ``view``'s surface, replaced by :meth:`set_arrows`."""

    def __init__(self, view: SurfaceHost, depth: int = 20) -> None:
        import pyqtgraph.opengl as gl  # a 3D view exists: OpenGL is loaded already

        self._view = view
        self._scale = 1.0
        self.lines = gl.GLLinePlotItem(mode="lines", antialias=True, glOptions="opaque")
        self.tips = gl.GLScatterPlotItem(pxMode=True, glOptions="opaque")
        for offset, item in enumerate((self.lines, self.tips)):
            item.setDepthValue(depth + offset)
            item.setVisible(False)
            view.addItem(item)
        self._width = 2.0
        self.positions = np.empty((0, 3))
        """The segments drawn now: ``(2n, 3)`` scene points, tail then tip."""

    def set_scale(self, scale: float) -> None:
        """Widths for text ``scale`` (presentation mode)."""
        self._scale = scale

    def set_arrows(self, tails: np.ndarray, tips: np.ndarray, colours: list[str],
                   width: float = 2.0) -> None:
        """Arrows from the ``(n, 2)`` parameters ``tails`` to ``tips``, each in its colour;
        none hides them. Rows with a non-finite end are left out."""
        tails, tips = np.asarray(tails, float).reshape(-1, 2), np.asarray(tips, float).reshape(-1, 2)
        keep = np.isfinite(tails).all(axis=1) & np.isfinite(tips).all(axis=1)
        shown = bool(keep.any())
        if shown:
            start, end = self._view.on_surface(tails[keep]), self._view.on_surface(tips[keep])
            shown = len(start) > 0
        self.lines.setVisible(shown)
        self.tips.setVisible(shown)
        if not shown:
            self.positions = np.empty((0, 3))
            return
        rgba = np.array([_rgba(c) for c, k in zip(colours, keep) if k], dtype=np.float32)
        self.positions = np.stack([start, end], axis=1).reshape(-1, 3)
        self.lines.setData(pos=self.positions, color=np.repeat(rgba, 2, axis=0),
                           width=width * self._scale)
        self.tips.setData(pos=end, color=rgba, size=(2.5 * width + 2) * self._scale)
