"""What the views draw in one frame: plain data handed from the controller to the views."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RunFrame:
    """One run as drawn now.

    The arrays hold every recorded row; the views draw rows up to and including
    the shown position ``index``. ``batch_loss`` is NaN where the batch is full.
    """

    run_id: int
    generation: int
    """Changes whenever the run restarts, so views know its old path is gone."""
    name: str
    colour: str
    visible: bool
    selected: bool
    update: np.ndarray
    phi: np.ndarray
    loss: np.ndarray
    batch_loss: np.ndarray
    epoch: np.ndarray
    index: int
    diverged_at: int | None
    error: str | None
    minibatches: bool = False
    """Whether each update sees only part of the data."""

    @property
    def current_phi(self) -> np.ndarray | None:
        """The parameters at the shown position, or ``None`` before the first step."""
        return self.phi[self.index] if self.index >= 0 else None

    @property
    def current_loss(self) -> float:
        """The full-data loss at the shown position (NaN before the first step)."""
        return float(self.loss[self.index]) if self.index >= 0 else float("nan")

    @property
    def short_badge(self) -> str | None:
        """The badge in a few words, for the legend and the status bar."""
        if self.error:
            return "error"
        if self.diverged_at is not None:
            return f"diverged at update {self.diverged_at}"
        return None

    @property
    def badge(self) -> str | None:
        """A short warning for the legend and the path, if the run failed or diverged."""
        if self.error:
            return f"error: {self.error}"
        if self.diverged_at is not None:
            return f"diverged at update {self.diverged_at}: learning rate too large?"
        return None
