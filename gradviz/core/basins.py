"""Basins of attraction: where the runs from every cell of a grid over the view end up.

:func:`compute_basins` starts one run from the centre of every cell of a grid
over a window, all with the same settings (optimizer, hyperparameters,
schedule, batch size and seed, so minibatch runs all see the same batch
sequence), steps them together, a chunk of cells per
:class:`~gradviz.core.engine.Engine` (on as many threads as CPUs), and sorts
each cell into a class by where its run ended. Each cell's run is the
run :func:`gradviz.core.run.run` gives alone from that start, to the last bit.

Classes
-------
- **diverged** (:data:`BASIN_DIVERGED`): the run stopped as diverged (the rule
  of :func:`gradviz.core.run.iterate`: a non-finite or huge loss, or phi far
  outside the problem's view);
- **minimum k** (``k`` from 0, lowest loss first): the run ended within
  :data:`CONVERGED_RADIUS` of the window's diagonal of the ``k``-th minimum
  (:data:`MINIBATCH_RADIUS` for minibatch runs, see below);
- **not converged** (:data:`BASIN_NOT_CONVERGED`): it ended farther than that
  from every minimum (still on its way after its updates, stalled on a
  plateau or a saddle, or kept wandering by minibatch noise).

Finding the minima
------------------
The endpoints are binned into squares whose diagonal is the converged radius;
the lowest-loss endpoint of each square is a candidate, and a candidate is
polished by a quasi-Newton descent (BFGS with backtracking) on the full-data
loss. A candidate that comes to rest (no step lowers the loss, or its steps are
shorter than :data:`REST_TOLERANCE` of the diagonal) within
:data:`POLISH_REACH` converged radii of where it began, at a point around which
the loss rises every way (probed on a small circle), is at a minimum: the point
it came to rest at. One that goes farther, does not come to rest in
:data:`POLISH_UPDATES` steps or rests at a saddle, was not at one. Minima closer together than the converged radius are one, the
lower kept, and a minimum that no run ended close to is left out. So a
minimum is a point where the full-data gradient vanishes and the loss rises
every way, found near where runs ended, and labelled with the full-data loss
there; a run counts as converged when it ended that close to it, whatever its
last step was.

Minibatch runs at a constant rate never come to rest: batch noise keeps them
hovering around a minimum, at a distance set by the rate and the batch size
(on the Gabor model, SGD at its recommended rate ends a median 2 % of the
diagonal from its minimum after 200 updates). So for them a minimum's basin
reaches :data:`MINIBATCH_RADIUS` instead. Every cell's run uses the same
batch sequence (the settings' seed), so the runs of one basin hover together.
"""

from __future__ import annotations

import math
import numbers
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import numpy as np

from gradviz.core.engine import Engine, StepBlock
from gradviz.core.problems import Problem
from gradviz.core.run import RunSettings
from gradviz.core import space
from gradviz.core.space import Window

BASIN_DIVERGED: int = -2
BASIN_NOT_CONVERGED: int = -1
MAX_GRID = 512
"""Most cells a side: 512 x 512 runs."""
DEFAULT_GRID = 128

CHUNK_CELLS = 512
"""Cells stepped together on one engine: with 30 data points, each of its
temporaries stays in the cache, and a chunk is a short wait for Cancel."""
CHUNK_UPDATES = 256
"""Updates a chunk's engine computes at a time: its steps are read for their
ends and dropped, so memory does not grow with the number of updates."""
POLL_SECONDS = 0.05
"""How often the progress is reported and ``should_stop`` asked while the runs go."""
MAX_THREADS = 4
"""Most threads stepping chunks at once by default: numpy's arithmetic on a chunk
releases Python's lock, and on two idle cores the chunks went 1.8 times as fast
(``benchmarks/bench_basins.py``)."""
ASSIGN_CELLS = 4096
"""Endpoints compared with every minimum at a time, which bounds that memory."""

CONVERGED_RADIUS = 0.01
"""A full-batch run converged to a minimum if it ended this close to it, as a
fraction of the window's diagonal; minima closer together are one."""
MINIBATCH_RADIUS = 0.05
""":data:`CONVERGED_RADIUS` for minibatch runs, which hover around a minimum."""
POLISH_REACH = 2.0
"""A candidate is at a minimum if polishing it comes to rest within this many
converged radii (:data:`CONVERGED_RADIUS`, :data:`MINIBATCH_RADIUS`) of it."""
POLISH_UPDATES = 200
"""Most polishing steps of a candidate."""
REST_TOLERANCE = 1e-9
"""A candidate has come to rest once its steps are shorter than this fraction of
the window's diagonal (or no step lowers its loss any more)."""


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Where the run from each cell of a grid ended, and the class that puts it in.

    Rows run over phi1 and columns over phi0, both from min to max; the cells
    tile the window and each run starts at its cell's centre.

    Attributes
    ----------
    window : Window
        The region the cells cover.
    settings : RunSettings
        The runs' resolved settings (their start is each cell's centre).
    phi0 : numpy.ndarray
        ``(n,)`` cell centres along phi0 (columns).
    phi1 : numpy.ndarray
        ``(m,)`` cell centres along phi1 (rows).
    labels : numpy.ndarray
        ``(m, n)`` int: the index into :attr:`minima`, or :data:`BASIN_DIVERGED`
        or :data:`BASIN_NOT_CONVERGED`.
    minima : numpy.ndarray
        ``(K, 2)`` the minima reached, sorted by loss (lowest first).
    minimum_losses : numpy.ndarray
        ``(K,)`` the full-data loss at each.
    end_phi : numpy.ndarray
        ``(m, n, 2)`` where each cell's run ended (its last finite step).
    end_loss : numpy.ndarray
        ``(m, n)`` the full-data loss there.
    n_points : int or None
        The problem's number of data points (``None``: no data), which tells
        a minibatch run from a full-batch one.
    radius : float
        How close to a minimum a run ended to count as converged to it (in
        the units of phi; see the module's docstring).
    """

    window: Window
    settings: RunSettings
    phi0: np.ndarray
    phi1: np.ndarray
    labels: np.ndarray
    minima: np.ndarray
    minimum_losses: np.ndarray
    end_phi: np.ndarray
    end_loss: np.ndarray
    n_points: int | None = None
    radius: float = 0.0

    @property
    def minibatch(self) -> bool:
        """Whether the runs step on minibatches (all on the same sequence)."""
        return _is_minibatch(self.settings, self.n_points)

    def shares(self) -> dict[int, float]:
        """The fraction of the cells in each class, by label: every minimum, then
        not converged and diverged (0.0 where no cell is)."""
        counts = np.bincount(self.labels.ravel() - BASIN_DIVERGED,
                             minlength=len(self.minima) - BASIN_DIVERGED)
        total = self.labels.size
        order = [*range(len(self.minima)), BASIN_NOT_CONVERGED, BASIN_DIVERGED]
        return {label: int(counts[label - BASIN_DIVERGED]) / total for label in order}

    def ranked(self) -> list[int]:
        """The minima's indices, the global minimum (the lowest loss) first, then the
        others by their share of the cells, largest first (equal shares: the lower
        loss first). The order in which a short legend lists them and a palette
        gives them its colours: the basins that matter most come first."""
        shares = self.shares()
        others = sorted(range(1, len(self.minima)), key=lambda k: (-shares[k], k))
        return [0, *others] if len(self.minima) else []

    def ranked_labels(self) -> np.ndarray:
        """:attr:`labels` with each minimum's index replaced by its place in
        :meth:`ranked` (the classes not converged and diverged stay as they are)."""
        if not len(self.minima):  # every run diverged or wandered
            return self.labels.copy()
        place = np.empty(len(self.minima), dtype=self.labels.dtype)
        place[self.ranked()] = np.arange(len(self.minima))
        return np.where(self.labels >= 0, place[np.maximum(self.labels, 0)], self.labels)

    def legend(self, listed: int | None = None, losses: bool = True) -> list[str]:
        """One line per class, as :meth:`shares` orders them, and for minibatch runs
        one saying that every cell uses the same batch sequence.

        With ``listed``, a short legend: the first ``listed`` minima of :meth:`ranked`
        have a line each, in that order, and the others one line
        (``+ 11 more minima: 24 %``). Without ``losses``, the minima's lines leave
        out their losses (``minimum 12: 7 %``: a narrower legend, beside the
        minima's labels that show them).
        """
        shares = self.shares()
        count = len(self.minima)
        order = list(range(count)) if listed is None else self.ranked()
        # One minimum more than listed is its own line: a line for one would say no more.
        shown = count if listed is None or listed + 1 >= count else listed
        loss = [f" (L = {value:.3g})" if losses else "" for value in self.minimum_losses.tolist()]
        lines = [f"minimum {k + 1}{loss[k]}: {_percent(shares[k])}" for k in order[:shown]]
        if shown < count:
            rest = sum(shares[k] for k in order[shown:])
            lines.append(f"+ {count - shown} more minima: {_percent(rest)}")
        lines.append(f"not converged: {_percent(shares[BASIN_NOT_CONVERGED])}")
        lines.append(f"diverged: {_percent(shares[BASIN_DIVERGED])}")
        if self.minibatch:
            lines.append(f"every cell uses the same batch sequence (seed {self.settings.seed}, "
                         f"batch size {self.settings.batch_size})")
        return lines


def _is_minibatch(settings: RunSettings, n_points: int | None) -> bool:
    """Whether runs of the resolved ``settings`` step on minibatches of ``n_points``."""
    return n_points is not None and settings.batch_size != n_points


def _percent(share: float) -> str:
    percent = 100 * share
    if percent == 0 or percent >= 1:
        return f"{percent:.0f} %"
    return f"{percent:.1f} %" if percent >= 0.1 else "< 0.1 %"


def grid_sides(grid: int | tuple[int, int]) -> tuple[int, int]:
    """``(columns along phi0, rows along phi1)`` of ``grid``: one side, or both.

    Raises
    ------
    ValueError
        Unless each side is a whole number from 2 to :data:`MAX_GRID`.
    """
    return space.grid_sides(grid, MAX_GRID, "columns, rows", "cells")


def cell_centres(window: Window, columns: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The centres of ``columns`` x ``rows`` equal cells tiling ``window``: along phi0, along phi1."""
    def centres(low: float, high: float, count: int) -> np.ndarray:
        return low + (np.arange(count) + 0.5) * ((high - low) / count)

    return (centres(window.phi0_min, window.phi0_max, columns),
            centres(window.phi1_min, window.phi1_max, rows))


def compute_basins(
    problem: Problem,
    settings: RunSettings,
    window: Window | None = None,
    grid: int | tuple[int, int] = DEFAULT_GRID,
    steps: int | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    threads: int | None = None,
) -> BasinMap | None:
    """Run ``settings`` from the centre of every cell of a grid over ``window``
    and class each cell by where its run ended (see the module's docstring).

    Parameters
    ----------
    problem : Problem
        What the runs minimise.
    settings : RunSettings
        The runs' optimizer, hyperparameters, schedule, batching and seed; their
        start is ignored.
    window : Window, optional
        The region the cells tile (default: the problem's view).
    grid : int or (int, int)
        Cells a side, or (along phi0, along phi1); 2 to :data:`MAX_GRID`.
    steps : int, optional
        Updates of each run (default: ``settings.steps``); at least 1.
    progress : callable, optional
        Told the fraction of the work done (0 to 1) as the runs go.
    should_stop : callable, optional
        Asked while the runs go (every :data:`POLL_SECONDS`); once it returns
        true the computation stops and returns ``None``.
    threads : int, optional
        Threads stepping chunks of cells at once (default: one per CPU, at most
        :data:`MAX_THREADS`); the result is the same for any number.

    Raises
    ------
    ValueError
        For a bad grid, window, number of steps or settings that do not fit
        the problem.
    """
    columns, rows = grid_sides(grid)
    if threads is None:
        threads = min(os.cpu_count() or 1, MAX_THREADS)
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ValueError(f"threads must be a whole number of at least 1, got {threads!r}")
    window = (window or problem.window).check_drawable()
    if steps is not None:
        settings = replace(settings, steps=steps)
    if settings.steps < 1:
        raise ValueError(f"basins need at least 1 update per run, got {settings.steps}")
    resolved = settings.resolve(problem)
    phi0, phi1 = cell_centres(window, columns, rows)
    starts = np.stack(np.meshgrid(phi0, phi1), axis=-1).reshape(-1, 2)
    ends = _run_cells(problem, resolved, starts, int(threads), progress, should_stop)
    if ends is None:
        return None
    end_phi, end_loss, diverged = ends
    scale = math.hypot(window.width, window.height)
    minibatch = _is_minibatch(resolved, problem.n_points)
    radius = (MINIBATCH_RADIUS if minibatch else CONVERGED_RADIUS) * scale
    minima, losses = _find_minima(problem, end_phi[~diverged], end_loss[~diverged], radius,
                                  scale)
    labels = _assign(end_phi, diverged, minima, radius)
    # Only the minima that some run converged to are kept, renumbered in order.
    reached = np.unique(labels[labels >= 0])
    renumber = np.full(len(minima), BASIN_NOT_CONVERGED, dtype=np.int64)
    renumber[reached] = np.arange(len(reached))
    labels[labels >= 0] = renumber[labels[labels >= 0]]
    minima, losses = minima[reached], losses[reached]
    return BasinMap(
        window=window, settings=replace(resolved, start=None), phi0=phi0, phi1=phi1,
        labels=labels.reshape(rows, columns), minima=minima, minimum_losses=losses,
        end_phi=end_phi.reshape(rows, columns, 2), end_loss=end_loss.reshape(rows, columns),
        n_points=problem.n_points, radius=radius,
    )


Ends = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Each run's last finite phi ``(R, 2)`` and loss ``(R,)``, and whether it diverged ``(R,)``."""


def _run_cells(
    problem: Problem, settings: RunSettings, starts: np.ndarray, threads: int,
    progress: Callable[[float], None] | None, should_stop: Callable[[], bool] | None,
) -> Ends | None:
    """The ends of the runs of ``settings`` from ``starts``, a chunk of cells at a
    time on each of ``threads`` threads.

    The chunks are independent and each writes its own cells, so the ends are the
    same whatever the number of threads. ``progress`` and ``should_stop`` are
    called on the calling thread only, every :data:`POLL_SECONDS`.
    """
    total = len(starts)
    end_phi = starts.copy()
    end_loss = np.empty(total)
    diverged = np.zeros(total, dtype=bool)
    chunks = [slice(first, min(first + CHUNK_CELLS, total))
              for first in range(0, total, CHUNK_CELLS)]
    done = np.zeros(len(chunks))  # each chunk's fraction done, written by its thread
    stop = threading.Event()

    def run_chunk(i: int) -> None:
        cells = chunks[i]
        # One settings object for the chunk: resolved once, its starts given apart.
        engine = Engine(problem, [settings] * (cells.stop - cells.start), starts=starts[cells])
        end_loss[cells] = engine.start.loss[:, 0]
        while not engine.finished and not stop.is_set():
            _keep_ends(engine.advance(CHUNK_UPDATES), end_phi[cells], end_loss[cells])
            done[i] = engine.update / settings.steps
        diverged[cells] = [at is not None for at in engine.diverged_at]
        done[i] = 1.0  # its runs may all have diverged before their last update

    sizes = np.array([c.stop - c.start for c in chunks])
    pool = ThreadPoolExecutor(threads, thread_name_prefix="basins")
    try:
        pending = {pool.submit(run_chunk, i) for i in range(len(chunks))}
        while pending:
            finished, pending = wait(pending, timeout=POLL_SECONDS)
            for future in finished:
                future.result()  # a problem's error, raised here
            if should_stop is not None and should_stop():
                return None
            if progress is not None:
                progress(float(done @ sizes) / total)
    finally:
        # On a stop, an error or Ctrl+C too: the chunks under way end at their
        # next piece, and those not begun never begin.
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    return end_phi, end_loss, diverged


def _keep_ends(block: StepBlock, end_phi: np.ndarray, end_loss: np.ndarray) -> None:
    """Write each run's last finite step of ``block``, if it has one, into the ends."""
    # A diverged step is a run's last in its block; the one before it is finite.
    last = block.count - 1 - block.diverged.any(axis=1)
    runs = np.flatnonzero(last >= 0)
    end_phi[runs] = block.phi[runs, last[runs]]
    end_loss[runs] = block.loss[runs, last[runs]]


def _find_minima(
    problem: Problem, end_phi: np.ndarray, end_loss: np.ndarray, radius: float, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The minima near the endpoints, sorted by loss, and their losses (see the
    module's docstring): none closer than ``radius`` to another; ``scale`` is
    the window's diagonal."""
    if not len(end_phi):
        return np.empty((0, 2)), np.empty(0)
    bins = np.floor(end_phi / (radius / math.sqrt(2))).astype(np.int64)
    _, square = np.unique(bins, axis=0, return_inverse=True)
    square = square.ravel()
    order = np.lexsort((end_loss, square))
    first = np.ones(len(order), dtype=bool)
    first[1:] = square[order][1:] != square[order][:-1]
    candidates = end_phi[order[first]]
    with np.errstate(all="ignore"):
        points, losses, at_minimum = _polish(problem, candidates, POLISH_REACH * radius, scale)
    points, losses = points[at_minimum], losses[at_minimum]
    kept: list[int] = []
    for i in np.argsort(losses, kind="stable").tolist():
        if all(math.dist(points[i], points[k]) >= radius for k in kept):
            kept.append(i)
    return points[kept].reshape(-1, 2), losses[kept]


def _norm(vectors: np.ndarray) -> np.ndarray:
    """The length of each row of ``vectors`` (shape ``(K, 2)``)."""
    return np.hypot(vectors[:, 0], vectors[:, 1])


def _polish(
    problem: Problem, candidates: np.ndarray, reach: float, scale: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Descend from each candidate on the full-data loss, all at once: where each
    ended, its loss, and whether it came to rest at a minimum within ``reach`` of
    its candidate (``scale``: the window's diagonal).

    The descent is quasi-Newton (BFGS, its 2 x 2 inverse Hessian learnt from
    the gradients), each step backtracked until the loss falls enough (Armijo's
    rule), so a narrow curved valley (Rosenbrock's) takes tens of steps, not
    thousands. A point at rest whose loss falls in some direction
    (:func:`_falls_nearby`) is a saddle, not a minimum.
    """
    phi = candidates.copy()
    loss, grad = problem.loss_and_grad(phi)
    first_step = 0.01 * scale  # the first step goes a hundredth of the diagonal
    inverse = np.eye(2) * (first_step / np.maximum(_norm(grad), 1e-300))[:, None, None]
    going = np.flatnonzero(np.isfinite(loss) & np.isfinite(grad).all(axis=1))
    at_rest = np.zeros(len(phi), dtype=bool)
    for _ in range(POLISH_UPDATES):
        if not going.size:
            break
        g = grad[going]
        direction = -np.einsum("kij,kj->ki", inverse[going], g)
        slope = np.einsum("ki,ki->k", g, direction)
        # Rounding can spoil the learnt curvature: then descend along the gradient.
        uphill = ~(slope < 0)
        direction[uphill] = -g[uphill] * (first_step / np.maximum(_norm(g[uphill]),
                                                                  1e-300))[:, None]
        slope[uphill] = np.einsum("ki,ki->k", g[uphill], direction[uphill])
        new_phi, new_loss, new_grad, fell = _line_search(
            problem, phi[going], loss[going], direction, slope)
        s, y = new_phi - phi[going], new_grad - g
        sy = np.einsum("ki,ki->k", s, y)
        learn = fell & (sy > 1e-12 * _norm(s) * _norm(y))  # the curvature is positive
        if learn.any():
            rho = 1.0 / sy[learn]
            v = np.eye(2) - rho[:, None, None] * np.einsum("ki,kj->kij", s[learn], y[learn])
            h = np.einsum("kij,kjl,kml->kim", v, inverse[going[learn]], v)
            inverse[going[learn]] = h + rho[:, None, None] * np.einsum(
                "ki,kj->kij", s[learn], s[learn])
        phi[going], loss[going], grad[going] = new_phi, new_loss, new_grad
        left = _norm(phi[going] - candidates[going]) > reach
        # No step lowers the loss any more, or the steps have become negligible.
        rest = ~fell | (_norm(s) < REST_TOLERANCE * scale)
        at_rest[going[rest & ~left]] = True
        going = going[~(rest | left)]
    rested = np.flatnonzero(at_rest)
    at_rest[rested[_falls_nearby(problem, phi[rested], loss[rested], scale)]] = False
    return phi, loss, at_rest


LINE_SEARCH_HALVINGS = 50
"""Most halvings of a polishing step: after 50, it is below the rounding of phi."""
ARMIJO = 1e-4
"""How much of the fall its slope promises a polishing step must achieve."""


def _line_search(
    problem: Problem, phi: np.ndarray, loss: np.ndarray, direction: np.ndarray,
    slope: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A step along each ``direction`` from ``phi``, halved until the loss falls by
    at least :data:`ARMIJO` of what ``slope`` promises: the new points, their
    losses and gradients, and whether each found such a step (else it stays)."""
    new_phi, new_loss = phi.copy(), loss.copy()
    new_grad = np.empty_like(phi)
    fell = np.zeros(len(phi), dtype=bool)
    length = np.ones(len(phi))
    searching = np.arange(len(phi))
    for _ in range(LINE_SEARCH_HALVINGS):
        if not searching.size:
            break
        trial = phi[searching] + length[searching, None] * direction[searching]
        trial_loss, trial_grad = problem.loss_and_grad(trial)
        enough = trial_loss <= loss[searching] + ARMIJO * length[searching] * slope[searching]
        found = searching[enough]
        new_phi[found], new_loss[found], new_grad[found] = (
            trial[enough], trial_loss[enough], trial_grad[enough])
        fell[found] = True
        searching = searching[~enough]  # NaN is never enough
        length[searching] *= 0.5
    if searching.size:  # no step would do: the gradient where it stays
        new_grad[searching] = problem.loss_and_grad(phi[searching])[1]
    return new_phi, new_loss, new_grad, fell


SADDLE_PROBE = 1e-4
"""How far from a point at rest, as a fraction of the window's diagonal, the loss
is probed for a direction in which it falls (a saddle's)."""
PROBES = 16


def _falls_nearby(problem: Problem, points: np.ndarray, losses: np.ndarray,
                  scale: float) -> np.ndarray:
    """Whether the loss falls below each point's somewhere on a small circle around
    it: :data:`PROBES` directions at :data:`SADDLE_PROBE` of the diagonal."""
    if not len(points):
        return np.zeros(0, dtype=bool)
    angles = np.linspace(0.0, 2 * np.pi, PROBES, endpoint=False)
    ring = SADDLE_PROBE * scale * np.column_stack([np.cos(angles), np.sin(angles)])
    around = problem.loss(points[:, None, :] + ring[None])
    return (around < losses[:, None]).any(axis=1)


def _assign(end_phi: np.ndarray, diverged: np.ndarray, minima: np.ndarray,
            radius: float) -> np.ndarray:
    """Each run's class: its nearest minimum if it ended within ``radius`` of it."""
    labels = np.full(len(end_phi), BASIN_NOT_CONVERGED, dtype=np.int64)
    labels[diverged] = BASIN_DIVERGED
    if not len(minima):
        return labels
    for first in range(0, len(end_phi), ASSIGN_CELLS):
        part = slice(first, first + ASSIGN_CELLS)
        offset = end_phi[part, None, :] - minima[None]
        distance = np.hypot(offset[..., 0], offset[..., 1])
        nearest = distance.argmin(axis=1)
        close = (distance[np.arange(len(nearest)), nearest] <= radius) & ~diverged[part]
        labels[part][close] = nearest[close]
    return labels


__all__ = [
    "BASIN_DIVERGED",
    "BASIN_NOT_CONVERGED",
    "CONVERGED_RADIUS",
    "DEFAULT_GRID",
    "MAX_GRID",
    "MINIBATCH_RADIUS",
    "BasinMap",
    "cell_centres",
    "compute_basins",
    "grid_sides",
]
