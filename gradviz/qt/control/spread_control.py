"""The seed spread a scene asks for (``seed_spread``): its runs' final losses over
many seeds, computed off the UI thread when the scene opens and dropped once its
runs are changed, and the plot that shows them with their odds."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, Signal

from gradviz.core.fans import SEED, SeedSpread, ranking
from gradviz.core.run_set import scene_seed_spread
from gradviz.core.scenes import Scene
from gradviz.qt.frame import FanPlot, FanSeries
from gradviz.qt.control.compute_control import ComputeControl
from gradviz.qt.guard import guarded


class SpreadControl(ComputeControl):
    """Keeps the seed spread of the open scene, if it asks for one."""

    changed = Signal(object)  # SeedSpread | None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("gradviz-spreads", parent)
        self.spread: SeedSpread | None = None
        """The spread of the scene's runs, once computed."""
        self.scene: Scene | None = None
        """The scene it is (or is being) computed for."""

    def want(self, scene: Scene | None) -> None:
        """Compute the spread ``scene`` asks for, if any; drop the one shown."""
        self._supersede()
        self.scene = scene if scene is not None and scene.seed_spread is not None else None
        if self.spread is not None:
            self.spread = None
            self.changed.emit(None)
        if self.scene is not None:
            self._send(self._request(partial(_spread, self.scene)))

    @guarded("Showing the seed spread")
    def _arrived(self, result: object) -> None:
        assert isinstance(result, SeedSpread)
        self.spread = result
        self.changed.emit(result)

    def _refused(self, text: str) -> None:
        self.failed.emit(f"Could not compute the seed spread: {text}")


def _spread(scene: Scene, progress: Callable[[float], None],
            should_stop: Callable[[], bool]) -> SeedSpread | None:
    """The spread of ``scene`` (it takes well under a second: it is not stopped midway)."""
    spread = scene_seed_spread(scene, lambda done, total: progress(done / max(total, 1)))
    return None if should_stop() else spread


def spread_plot(spread: SeedSpread, names: list[str], colours: list[str],
                seed: int) -> FanPlot:
    """The plot of ``spread``: one strip of final losses per run (``names`` and
    ``colours`` in the runs' order), and the odds of the order the runs end in
    with ``seed`` (how many seeds it holds for, and the first run's against the last's)."""
    losses = spread.losses
    diverged = ~np.isfinite(losses)
    labels = tuple(str(s) for s in spread.seeds)
    series = tuple(
        FanSeries(name, colour, np.array(spread.seeds), losses[i], diverged[i],
                  (colour,) * len(spread.seeds), labels)
        for i, (name, colour) in enumerate(zip(names, colours))
    )
    note = ""
    if seed in spread.seeds and len(names) > 1:
        order = ranking(losses[:, spread.seeds.index(seed)])
        first, last = order[0], order[-1]
        count = len(spread.seeds)
        note = (f"{' < '.join(names[i] for i in order)} (as with seed {seed}): "
                f"{spread.order_holds(order)} of {count} seeds\n"
                f"{names[first]} beats {names[last]}: {spread.beats(first, last)} of {count}")
    return FanPlot(SEED, SEED, False, -1, series, note=note)


__all__ = ["SpreadControl", "spread_plot"]
