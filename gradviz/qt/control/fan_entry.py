"""A fan as the app keeps it: one entry of the run list whose members the controller
steps as runs of their own, and the numbers of the plot of its final losses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradviz.core.fans import SEED, Fan, fan_colours
from gradviz.core.optimizers import OPTIMIZERS
from gradviz.core.run import RunSettings
from gradviz.qt.frame import FanPlot, FanSeries, FanTag, RunFrame


@dataclass(eq=False)
class FanEntry:
    """A fan as the run list shows it: one entry, whose members the controller
    steps as runs of their own (each a :class:`RunState` that refers to it)."""

    entry_id: int
    fan: Fan
    settings: RunSettings
    """The base settings, resolved: every member's but for the fan's parameter."""
    colour: str
    """The entry's identity colour (one of the run colours): its start marker and
    its line in the plot of final losses; the members are drawn in the fan's colours."""
    name: str | None = None
    """A fixed name; ``None`` takes the optimizer's short name."""

    @property
    def title(self) -> str:
        """What the members' names start with (``GD``)."""
        return self.name or OPTIMIZERS[self.settings.optimizer].short

    def label(self) -> str:
        """The name shown in the run list and the legend: ``GD, α fan ×5 (0.01 … 1)``."""
        labels = self.fan.labels()
        return f"{self.title}, {self.fan.symbol} fan ×{len(labels)} ({labels[0]} … {labels[-1]})"

    @property
    def sequential(self) -> bool:
        """Whether the members are drawn in a colour scale of the values: seeds have
        no order, so a seed fan's members all take the entry's colour, and two seed
        fans side by side read as two clouds of paths."""
        return self.fan.param != SEED

    def member_colours(self) -> tuple[str, ...]:
        """Each member's colour: :func:`~gradviz.core.fans.fan_colours`, or the entry's."""
        if self.sequential:
            return fan_colours(self.fan)
        return (self.colour,) * len(self.fan.values)

    def tag(self) -> FanTag:
        """The fan as its members' frames carry it."""
        return FanTag(self.entry_id, self.label(), self.title, self.fan.symbol,
                      self.fan.labels(), self.member_colours(), self.sequential)

    def check_kept(self, settings: RunSettings) -> None:
        """Refuse new base ``settings`` that change the parameter the fan spreads
        (another optimizer keeps none of the old one's values, so may).

        Raises
        ------
        ValueError
            Saying how the fan's values are changed instead.
        """
        fan, base = self.fan, self.settings
        if settings.optimizer != base.optimizer:
            return
        if fan.param == SEED:
            changed = settings.seed != base.seed
        else:
            changed = settings.hyperparameters.get(fan.param) != base.hyperparameters.get(fan.param)
        if changed:
            labels = fan.labels()
            raise ValueError(f"{fan.symbol} is the fan's ({labels[0]} … {labels[-1]}): change "
                             "its values with Run > Fan over… (Ctrl+F), or Unfan it first")


def fan_plot(fans: list[tuple[FanEntry, list[RunFrame]]], selected: FanEntry | None,
             update: int) -> FanPlot | None:
    """The final losses at ``update`` of the shown ``fans`` (each with its members'
    frames) over one parameter: the ``selected`` fan's, else the first's; ``None``
    without a fan. A member's loss is its frame's at the shown row; one that has
    diverged by then (or whose loss is not finite) is marked diverged."""
    if not fans:
        return None
    focus = selected if selected in [entry for entry, _ in fans] else fans[0][0]
    assert focus is not None
    same = [(entry, members) for entry, members in fans if entry.fan.param == focus.fan.param]
    series = []
    for entry, members in same:
        losses = np.array([f.current_loss for f in members])
        diverged = np.array([f.diverged_shown for f in members]) | ~np.isfinite(losses)
        series.append(FanSeries(entry.title, entry.colour, np.array(entry.fan.values), losses,
                                diverged, entry.member_colours(), entry.fan.labels()))
    return FanPlot(focus.fan.param, focus.fan.symbol, all(e.fan.log for e, _ in same), update,
                   tuple(series))


__all__ = ["FanEntry", "fan_plot"]
