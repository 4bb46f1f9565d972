"""What the views draw in one frame: plain data handed from the controller to the views."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.columns import column_fields
from gradviz.core.fans import SEED
from gradviz.core.run import loss_text


@dataclass(frozen=True)
class FanTag:
    """The fan a run is a member of, as the views draw it: its members' paths in a
    sequential colour scale, one legend entry and a colour bar keyed to the values.

    Attributes
    ----------
    entry_id : int
        The fan's entry in the run list (all its members share the tag).
    name : str
        The entry's name (``GD, α fan ×5 (0.01 … 1)``).
    title : str
        What its members' names start with (``GD``).
    symbol : str
        The parameter spread (``α``, ``seed``).
    labels : tuple of str
        Each member's value as short text, smallest first as in the fan.
    colours : tuple of str
        Each member's colour (``#rrggbb``).
    sequential : bool
        Whether the colours are a scale keyed to the values (a colour bar tells
        them apart); else every member has the entry's colour (seeds have no order).
    """

    entry_id: int
    name: str
    title: str
    symbol: str
    labels: tuple[str, ...]
    colours: tuple[str, ...]
    sequential: bool = True


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
    fan : FanTag or None
        The fan the run is a member of, if any; ``member`` is its place there.
    diverged_shown : bool
        Whether the run has diverged by the shown update (not only later).
    undefined : bool
        Whether it stopped at ``diverged_at`` because the loss is undefined there
        (:func:`~gradviz.core.run.loss_undefined`), not because it diverged.
    loss_every : int
        Every how many updates the run records its full-data loss
        (:func:`~gradviz.core.engine.full_loss_every`: 1 but for minibatches of a large
        data set, whose other rows hold NaN for a loss not computed).
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
    fan: FanTag | None = None
    member: int = -1
    diverged_shown: bool = False
    undefined: bool = False
    loss_every: int = 1

    @property
    def current_phi(self) -> np.ndarray | None:
        """The parameters at the shown position, or ``None`` before the first step."""
        return self.phi[self.index] if self.index >= 0 else None

    @property
    def current_loss(self) -> float:
        """The full-data loss at the shown position (NaN before the first step)."""
        return float(self.loss[self.index]) if self.index >= 0 else float("nan")

    def loss_text(self, spec: str = ".4g") -> str | None:
        """The loss at the shown position as the legend and the status bar show it
        (:func:`~gradviz.core.run.loss_text`: "undefined" where it is NaN), or ``None``
        where there is none to show: before the first step, or at an update whose
        full-data loss a large data set's schedule did not compute."""
        if self.index < 0:
            return None
        loss = self.current_loss
        stopped_here = self.undefined and self.diverged_shown and self.index == len(self.loss) - 1
        if np.isnan(loss) and not stopped_here and self.update[self.index] % self.loss_every:
            return None
        return loss_text(loss, spec)

    @property
    def short_badge(self) -> str | None:
        """The badge in a few words, for the legend and the status bar."""
        if self.error:
            return "error"
        if self.diverged_at is not None and self.undefined:
            return f"undefined at update {self.diverged_at}"
        if self.diverged_at is not None:
            return f"diverged at update {self.diverged_at}"
        return None

    @property
    def badge(self) -> str | None:
        """A short warning for the legend and the path, if the run failed or diverged."""
        if self.error:
            return f"error: {self.error}"
        if self.diverged_at is not None and self.fan is not None:  # many: each in few words
            return f"{self.fan.symbol}={self.fan.labels[self.member]} {self.short_badge}"
        if self.diverged_at is not None and self.undefined:
            # Two lines: a run stops at the region's edge, often near the map's.
            return (f"stopped at update {self.diverged_at}:\nthe loss is undefined here "
                    "(log of a negative?)")
        if self.diverged_at is not None:
            return f"diverged at update {self.diverged_at}: learning rate too large?"
        return None


@dataclass(frozen=True, eq=False)
class FanSeries:
    """One fan's members in the plot of final losses, in the fan's order.

    Attributes
    ----------
    title : str
        What the fan's members' names start with (``SGD``): a seed strip's label.
    colour : str
        The entry's identity colour (of the run colours).
    values : numpy.ndarray
        Each member's value of the parameter.
    losses : numpy.ndarray
        Each member's full-data loss at the shown update (the last before it
        diverged, for one that did).
    diverged : numpy.ndarray
        Whether each member has diverged by the shown update.
    colours : tuple of str
        Each member's colour.
    labels : tuple of str
        Each member's value as short text.
    """

    title: str
    colour: str
    values: np.ndarray
    losses: np.ndarray
    diverged: np.ndarray
    colours: tuple[str, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class FanPlot:
    """What the plot of final losses shows: the fans over one parameter at one update.

    Attributes
    ----------
    param : str
        The parameter (``lr``, ``beta``, ``seed``, ...).
    symbol : str
        Its symbol on screen.
    log : bool
        Whether the values are shown on a log axis.
    update : int
        The update the losses belong to; -1 for each run's last (a seed spread).
    series : tuple of FanSeries
        One per shown fan over ``param``.
    """

    param: str
    symbol: str
    log: bool
    update: int
    series: tuple[FanSeries, ...]
    note: str = ""
    """Lines under the title: a seed spread's odds."""

    @property
    def seeds(self) -> bool:
        """Whether the fans spread the seed (drawn as strips, one per fan)."""
        return self.param == SEED
