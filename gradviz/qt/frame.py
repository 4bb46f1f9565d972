"""What the views draw in one frame: plain data handed from the controller to the views."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.columns import column_fields


@dataclass(frozen=True)
@column_fields
class RunFrame:
    """One run as drawn now.

    Besides the run's look and state it has one field per column of
    :data:`~gradviz.core.columns.STEP_COLUMNS` (listed last), which holds every
    recorded row; the views draw rows up to and including the shown position
    ``index``, and every number they show is one of these.

    Attributes
    ----------
    generation : int
        Changes whenever the run restarts, so views know its old path is gone.
    minibatches : bool
        Whether each update sees only part of the data.
    """

    run_id: int
    generation: int
    name: str
    colour: str
    visible: bool
    selected: bool
    index: int
    diverged_at: int | None
    error: str | None
    minibatches: bool = False

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
