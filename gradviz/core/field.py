"""The gradient over a grid of the view: the field of steepest descent drawn as arrows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.losses import Problem
from gradviz.core.space import Window


@dataclass(frozen=True, eq=False)
class GradientField:
    """The full-data gradient at the centres of a ``count`` x ``count`` grid of cells.

    Attributes
    ----------
    points : numpy.ndarray
        ``(count * count, 2)`` cell centres (phi0, phi1).
    grad : numpy.ndarray
        ``(count * count, 2)`` gradients there (NaN where the loss is undefined).
    cell : tuple of float
        The cells' width and height.
    """

    points: np.ndarray
    grad: np.ndarray
    cell: tuple[float, float]

    def steps(self, fill: float = 0.85, power: float = 0.5) -> np.ndarray:
        """Arrows of steepest descent, ``-grad`` scaled to fit the cells.

        Each arrow points along ``-grad`` in parameter space; its length, in cells,
        is ``fill * (|g| / max |g|) ** power`` where ``|g|`` is measured in cells
        (so both axes count alike however the view stretches them). ``power`` < 1
        keeps the small gradients near a minimum visible beside the steep walls.
        """
        in_cells = -self.grad / np.array(self.cell)
        size = np.hypot(in_cells[:, 0], in_cells[:, 1])
        finite = np.isfinite(size)
        largest = size[finite].max() if finite.any() else 0.0
        if largest == 0.0:
            return np.zeros_like(self.grad)
        with np.errstate(invalid="ignore", divide="ignore"):
            length = fill * (size / largest) ** power
            unit = in_cells / size[:, None]
        steps = np.where((size > 0)[:, None], unit * length[:, None], 0.0) * np.array(self.cell)
        steps[~finite] = np.nan
        return steps


def gradient_field(problem: Problem, window: Window, count: int = 17) -> GradientField:
    """The full-data gradient of ``problem`` at the centres of ``count`` x ``count``
    cells covering ``window``.

    Raises
    ------
    ValueError
        For a ``count`` under 2 or over 200.
    """
    if not 2 <= count <= 200:
        raise ValueError(f"a gradient field has 2 to 200 arrows a side, not {count}")
    width, height = window.width / count, window.height / count
    phi0 = window.phi0_min + width * (np.arange(count) + 0.5)
    phi1 = window.phi1_min + height * (np.arange(count) + 0.5)
    points = np.stack(np.meshgrid(phi0, phi1), axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):  # far out, a loss may overflow: NaN arrows, not warnings
        grad = np.asarray(problem.grad(points), dtype=float).reshape(-1, 2)
    grad = np.where(np.isfinite(grad).all(axis=1)[:, None], grad, np.nan)
    return GradientField(points, grad, (width, height))
