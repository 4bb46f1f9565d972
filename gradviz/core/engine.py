"""One engine: many runs of one problem, stepped together as arrays.

An :class:`Engine` holds R runs of one problem, each with its own
:class:`~gradviz.core.run.RunSettings` (optimizer, hyperparameters, schedule,
batch size, batching scheme, seed, start and number of steps), and advances
them all at once: phi, the optimizers' state, the hyperparameters and the
learning rates are arrays with a run axis. It returns the
steps as a :class:`StepBlock` whose columns bear the names of
:class:`~gradviz.core.run.Step`'s fields, with a leading run axis.

Exactness
---------
Each run of a batch follows, to the last bit, the path it follows in an
engine of its own (R = 1, which :func:`gradviz.core.run.iterate` streams),
divergence included. Every operation on a run's numbers is one the run alone
does too, on the same values:

- elementwise arithmetic, ``sqrt``, ``exp``, ``sin`` and ``cos`` give each
  element the same result whatever the shape of its array;
- a sum over the data is numpy's ``vecdot`` over the data axis: one dot
  product per run, of the same length as alone, and a dot product's
  summation order depends on its length only, not on how many rows there are
  nor on where its operands lie in memory (measured); OpenBLAS would split one
  of over 10,000 elements among its threads, so a longer sum adds up dot
  products of fixed chunks (:data:`~gradviz.core.losses.DOT_POINTS`);
- scalar formulas of a hyperparameter are Python float arithmetic for each run
  (:func:`gradviz.core.optimizers._each`, :class:`~gradviz.core.schedules.RunRates`):
  numpy's ``**`` rounds some powers differently from Python's;
- a problem's formula never applies ``**`` to a coordinate: a run alone holds
  numpy scalars there, whose ``** 2`` goes through ``pow``, while an array's
  multiplies (the Ravine and Rosenbrock surfaces square by a product).

``tests/core/test_engine.py`` checks this on random batches.

Layout
------
The runs still stepping are kept as rows sorted into cohorts: runs of one
optimizer with the same choice hyperparameters (Nesterov's look-ahead), all
full batch or all minibatch. A cohort steps by one call of its optimizer's
update, with a numeric hyperparameter as a float when its runs share it and as
a per-run array otherwise, so adding an optimizer still touches only
``optimizers.py``. A cohort of one run is held in a run's own shapes (phi
``(2,)``, a float rate): the very code that steps a run alone steps it, so a
single run, or a batch of different optimizers, costs what it costs alone.
One update of the batch costs at most: one evaluation of all minibatch rows'
batch losses at phi (one more per extra batch size drawn at that update), one
update call per cohort, Nesterov's look-ahead evaluation per Nesterov cohort,
and one full-data evaluation of all full-batch rows at their new phi, which
their next update reuses as a run alone does. Each cohort's numbers are kept
per update in lists and stacked into the block's columns once per block. A
batch of one cohort (a single run, or runs of one optimizer) is stepped with its
numbers in local names, and when its rows are all the runs in order, the
stacked columns are the block's own: what a block costs besides its updates
is a few tens of microseconds, whatever its length.

Terms
-----
With ``terms=True`` each run records the terms of each update that its
optimizer reports (:attr:`Optimizer.terms <gradviz.core.optimizers.Optimizer.terms>`,
the optional columns of :data:`~gradviz.core.columns.STEP_COLUMNS`): a
cohort's update is wrapped so that it keeps each new state, and once the
block's updates are done, one call of
:meth:`~gradviz.core.optimizers.Optimizer.update_terms` over all of them (a
leading axis of updates; its arithmetic is elementwise, so each update gets the
bits it would alone) gives their terms. A block holds a term that some run reports for all
its runs, NaN for the others; :attr:`StepBlock.recorded` names the runs that
record it, and the others' steps hold ``None`` there, as alone. Without terms
(the default) a cohort calls its optimizer's update itself, and nothing is
computed or held for them.

Minibatches
-----------
Each run's batch is gathered by index, ``x[indices]`` with indices of shape
``(rows, B)``, or one ``(B,)`` array broadcast over the runs that share a
sequence; never an R x N mask, so the update of a minibatch run costs what its
batch costs, whatever the number of points. Runs whose batches differ in size
at an update (different batch sizes, or an epoch's short last batch) are
evaluated in groups of one size each rather than padded to a common size with
zero weights: a padded dot product has another length, hence another
summation order, and it differs in the last bit from the unpadded one about
two times in five (measured on random data, B from 2 to 29 padded to 30). A
group costs one more evaluation call at that update.

Full-data loss and divergence
-----------------------------
A minibatch run needs the full-data loss only to record it and to test for
divergence, so it is computed in bulk at the end of each block of updates
(chunks of :data:`LOSS_CHUNK` elements), not after every update, by the
loss alone (:meth:`Problem.loss <gradviz.core.losses.Problem.loss>`: on a
model fitted to data, the bits of ``loss_and_grad``'s loss without its
gradient, at about half the cost), as is the start's when no run is full
batch. Divergence is tested at the end of each block with the rule of
``step.is_diverged``: a run whose phi or loss is not finite, whose loss
exceeds :data:`~gradviz.core.step.DIVERGENCE_LOSS`, or whose phi is farther
than :data:`~gradviz.core.step.ESCAPE_FACTOR` view sizes from the view's centre
stops at that step, which is reported with ``diverged`` set; the updates it
computed after that step are dropped (its rows touch no other run's numbers).
The others go on.

Large data
----------
On more than :data:`LARGE_DATA` points a minibatch run records the
full-data loss on a schedule, so that an update costs about what its batch
costs however many points there are: at the updates that are multiples of
k = :func:`full_loss_every` (``ceil(N / max(FULL_LOSS_POINTS, B))``: for a
million points and B = 5, every 31,250th) and at its last update; its other
steps hold NaN for the full-data loss, and divergence is tested there on phi
and the batch loss (of the update that led there, at the phi before) in place
of the full-data loss; the step where a run diverges holds its full-data loss
too, which tells a run that left the view or blew up from one that reached
a point where the loss is undefined. The losses recorded are the full-data
losses at those steps to the last bit; every other number is as without the
schedule. Up to :data:`LARGE_DATA` points (every data set of the lecture, a
synthetic set of that many) every step holds its full-data loss. Full-batch
runs evaluate all the data at every update anyway, and always record it.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field
from typing import TypeVar

import numpy as np

from gradviz.core.batching import SharedBatches
from gradviz.core.columns import STEP_COLUMNS, TERM_COLUMNS, Column, Kind
from gradviz.core.optimizers import OPTIMIZERS, Objective, Optimizer, State, make_optimizer
from gradviz.core.problems import Problem
from gradviz.core.run_settings import RunSettings
from gradviz.core.schedules import RunRates
from gradviz.core.space import start_problem
from gradviz.core.step import DIVERGENCE_LOSS, Step, escape_box

BLOCK_UPDATES = 256
"""Most updates between two divergence tests: a longer block amortises its
bookkeeping further but computes more updates that a divergence throws away."""

BLOCK_ELEMENTS = 1 << 16
"""Most (run, update) pairs in one block, which bounds its memory for large batches."""

LARGE_DATA = 100_000
"""Most points on which a minibatch run records the full-data loss at every
step (more than any synthetic set has); on more, it records it on a schedule
(:func:`full_loss_every`)."""

FULL_LOSS_POINTS = 32
"""Points of full-data loss that a minibatch run on large data evaluates per
update on average (or its batch size, if larger), so that the full-data loss
adds a few per cent to what an update costs: on the Gabor model the loss alone
over a million points takes 17 ms (17 ns a point), so 32 points 0.54 us,
against 11.5 us for an SGD update (B = 5) on 30 points, its full-data loss
computed in bulk included; on the linear model, 1.1 ns a point. At 64 points
(before the loss was computed in chunks) a run on a million points measured
1.14x to 1.16x the cost of one on 30, at 32 1.05x to 1.09x, now 1.04x to 1.05x."""

LOSS_CHUNK = 1 << 12
"""Most (run, point) pairs of one bulk evaluation of full-data losses: each of
its temporaries (32 KiB) stays in cache. On the Gabor model's 30 points this
chunk (136 runs) costs 11 ns per point with the loss alone (30 ns with its
gradient), one of 2,048 runs at once 23 ns (48), one of 8 34 ns (61)."""

_ALL = slice(None)


def full_loss_every(n_points: int | None, batch_size: int | None) -> int:
    """Every how many updates a minibatch run of ``batch_size`` on ``n_points`` points
    records the full-data loss: 1 up to :data:`LARGE_DATA` points, else the fewest
    updates over which the ``n_points`` of one evaluation come to at most
    ``max(FULL_LOSS_POINTS, batch_size)`` a step."""
    if n_points is None or n_points <= LARGE_DATA:
        return 1
    return -(-n_points // max(FULL_LOSS_POINTS, int(batch_size or 1)))

Group = tuple[slice | np.ndarray, np.ndarray | None]
"""Rows (all of them, or their indices) and their batches: ``None`` for all
the data, one ``(B,)`` index array that all share, or one row of ``B`` each."""

_FULL: list[Group] = [(_ALL, None)]

Drawn = tuple[np.ndarray, "np.ndarray | list[np.ndarray]"]
"""A stream's epochs and batches for a block's updates (:meth:`BatchStream.take
<gradviz.core.batching.BatchStream.take>`)."""

T = TypeVar("T")

RUN_COLUMNS: tuple[Column, ...] = tuple(c for c in STEP_COLUMNS if c.name != "update")
"""The columns a block holds per run: all but the update, which the runs share."""

_FILLED = tuple(
    (c, -1 if c.kind is Kind.INT else np.nan) for c in RUN_COLUMNS if c.kind is not Kind.INDICES
)
"""The numeric columns, each with what it holds after a run's steps."""

_INDEXED = tuple(c.name for c in RUN_COLUMNS if c.kind is Kind.INDICES)
"""The columns of data indices, by name."""


def _step_field(name: str) -> tuple[str, bool, int, bool]:
    """A field of :class:`~gradviz.core.run.Step`: its name, whether it holds data
    indices, its width and whether it is optional."""
    column = next((c for c in STEP_COLUMNS if c.name == name), None)  # None: diverged
    if column is None:
        return name, False, 1, False
    return name, column.kind is Kind.INDICES, column.width, column.optional


_STEP_FIELDS = tuple(map(_step_field, Step._fields))
"""Every field of a step, in their order."""


def _block_fields(cls: type[T]) -> type[T]:
    """Give ``cls``, about to be made a dataclass, one keyword-only field per
    column of :data:`RUN_COLUMNS`, named by the column (``None`` by default for
    an optional column), and their entries at the end of its docstring."""
    annotations = dict(cls.__dict__.get("__annotations__", {}))
    entries = []
    for column in RUN_COLUMNS:
        if column.kind is Kind.INDICES:
            held = "tuple[tuple[np.ndarray, ...] | None, ...]"
            what = "tuple"
            shape = ("For each run, a tuple of its ``count[r]`` steps' values, or ``None`` "
                     "where all of them are ``None``.")
        else:
            held, what = "np.ndarray", "numpy.ndarray"
            shape = f"Shape ``({', '.join(['R', 'K', *map(str, column.shape)])})``."
        optional = " or None" if column.optional else ""
        annotations[column.name] = f"{held} | None" if column.optional else held
        setattr(cls, column.name, field(kw_only=True, default=None if column.optional else MISSING))
        body = textwrap.fill(f"{column.description} {shape}", 76,
                             initial_indent="    ", subsequent_indent="    ")
        entries.append(f"{column.name} : {what}{optional}\n{body}")
    cls.__annotations__ = annotations
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + textwrap.indent(
        "\n".join(entries), "    ") + "\n"
    return cls


@dataclass(frozen=True, eq=False)
@_block_fields
class StepBlock:
    """Consecutive steps of every run of an :class:`Engine`, run by run.

    The columns are :class:`~gradviz.core.run.Step`'s fields, one per column of
    :data:`~gradviz.core.columns.STEP_COLUMNS`, with a leading run axis of R
    (the engine's runs, in their order) and a step axis of K; the update,
    which the runs share, has the step axis only. Run ``r``'s steps are its
    first ``count[r]`` entries; the entries after them (a run that ended, or
    diverged, before the block's last step) are NaN, with epoch -1. An
    optional column that no run records is ``None``; one that only some runs
    record is NaN for the others, which :attr:`recorded` names.

    Attributes
    ----------
    update : numpy.ndarray
        Shape ``(K,)``: updates applied at each step (0 is the start point).
    diverged : numpy.ndarray
        Shape ``(R, K)``: true at the step where a run diverged.
    count : numpy.ndarray
        Shape ``(R,)``: the number of steps each run has in the block.
    recorded : Mapping[str, numpy.ndarray]
        For an optional column that the block holds, by name: which runs record
        it, shape ``(R,)``. A column held and not named here, every run records.
    """

    update: np.ndarray
    diverged: np.ndarray
    count: np.ndarray
    recorded: Mapping[str, np.ndarray] = field(default_factory=dict, kw_only=True)

    def records(self, name: str, run: int) -> bool:
        """Whether run ``run`` records the column ``name`` (its steps have it)."""
        if getattr(self, name) is None:
            return False
        return name not in self.recorded or bool(self.recorded[name][run])

    def steps(self, run: int) -> list[Step]:
        """The steps of run ``run`` as :class:`~gradviz.core.run.Step` records."""
        count = int(self.count[run])
        values: list[Sequence[object]] = []
        for name, indices, width, optional in _STEP_FIELDS:
            held = getattr(self, name)
            if name == "update":
                values.append(held[:count].tolist())
            elif held is None or (optional and not self.records(name, run)):
                values.append((None,) * count)
            elif indices:
                values.append((None,) * count if held[run] is None else held[run])
            elif width > 1:
                values.append(list(held[run, :count]))  # rows as views, as a run's phi
            else:
                values.append(held[run, :count].tolist())  # Python int, float, bool
        # What Step._make does, less its check of the length, which zip ensures:
        # building the steps is much of what a run alone costs beyond its updates.
        return [tuple.__new__(Step, step) for step in zip(*values)]


@dataclass(eq=False)
class _Cohort:
    """Rows of runs that one optimizer steps in one call, with their numbers now.

    A cohort of one run holds it in a run's own shapes (phi ``(2,)``, a float
    learning rate, the problem's form for one point), so it is stepped by the
    very code that steps a run alone and costs what that costs.
    """

    rows: slice
    """The cohort's rows among the engine's."""
    full: bool
    optimizer: Optimizer
    phi: np.ndarray
    state: dict[str, np.ndarray]
    known: tuple[np.ndarray, np.ndarray] | None
    """Full batch: the loss and gradient over all data at ``phi``, from recording it."""

    @property
    def single(self) -> bool:
        """Whether the cohort holds one run."""
        return self.rows.stop - self.rows.start == 1

    def keep(self, local: np.ndarray, rows: slice, optimizer: Optimizer) -> _Cohort:
        """The cohort of its rows selected by the boolean mask ``local``, now at ``rows``."""

        def pick(value: np.ndarray) -> np.ndarray:
            chosen = (value[None] if self.single else value)[local]
            return chosen[0] if len(chosen) == 1 else chosen

        return _Cohort(
            rows, self.full, optimizer, pick(self.phi),
            {name: pick(value) for name, value in self.state.items()},
            None if self.known is None else (pick(self.known[0]), pick(self.known[1])),
        )


@dataclass(eq=False)
class _Log:
    """What one cohort's updates of a block produced, one entry per update."""

    phi: list[np.ndarray] = field(default_factory=list)
    batch_loss: list[np.ndarray] = field(default_factory=list)
    grad: list[np.ndarray] = field(default_factory=list)
    loss: list[np.ndarray] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    """Its new state after each update, when the runs record their optimizer's terms."""
    terms: dict[str, np.ndarray] = field(default_factory=dict)
    """The terms its optimizer reports, by column name, made from :attr:`states`
    once the block's updates are done: shape ``(K, ...)``, an entry per update."""


_RECORDED = tuple(c for c in RUN_COLUMNS if c.kind is Kind.FLOAT and not c.optional)
"""The float columns that every run records, which the updates of a block fill in."""

_Record = dict[str, np.ndarray]
"""A block's rows' :data:`_RECORDED` columns by name, of shape ``(rows, K, *shape)``."""


_SHAPES = {c.name: c.shape for c in (*_RECORDED, *TERM_COLUMNS)}
"""The shape of one entry of each :data:`_RECORDED` column and of each term."""

_TERMS = frozenset(c.name for c in TERM_COLUMNS)
"""The terms' columns, by name."""

Update = Callable[
    [np.ndarray, State, int, "float | np.ndarray", Objective],
    tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray],
]
"""An optimizer's :meth:`~gradviz.core.optimizers.Optimizer.update`."""


class Engine:
    """Many runs of one problem, each with its own settings, stepped together.

    Parameters
    ----------
    problem : Problem
        What every run minimises.
    settings : Sequence[RunSettings]
        One per run (at least one); resolved against ``problem`` here, once per
        distinct object: runs given the same object share its resolution.
    starts : numpy.ndarray, optional
        Shape ``(R, 2)``: the runs' start points, in place of their settings'.
        Many runs that differ only in where they start (a grid of starts) then
        share one settings object, instead of one each that must be built,
        validated and resolved; each run follows the path of its settings with
        its start replaced, exactly.
    terms : bool
        Whether the runs record their optimizers' terms (the optional columns
        each optimizer reports, NaN at the start point): off by default, when
        no step holds them and nothing is computed for them.

    Attributes
    ----------
    settings : tuple[RunSettings, ...]
        The runs' resolved settings (with ``starts`` given, their start is not
        the runs').
    start : StepBlock
        The runs' start points, one step each.
    update : int
        Updates applied so far to the runs still going.

    Raises
    ------
    ValueError
        For no runs, or settings that do not fit the problem.
    """

    def __init__(
        self, problem: Problem, settings: Sequence[RunSettings], starts: np.ndarray | None = None,
        terms: bool = False,
    ) -> None:
        if not settings:
            raise ValueError("an engine needs at least one run")
        self.problem = problem
        self.settings: tuple[RunSettings, ...] = _resolve_each(problem, settings)
        self.terms = bool(terms)
        # Each term some run reports, with the runs that report it.
        reported = [OPTIMIZERS[s.optimizer].terms if terms else () for s in self.settings]
        self._recorded = {
            c.name: np.array([c.name in names for names in reported])
            for c in TERM_COLUMNS if any(c.name in names for names in reported)
        }
        # Made once per distinct settings object, as the resolutions are: the rows'
        # rates are made anew from them whenever runs end.
        distinct = {id(s): s for s in self.settings}
        self._schedules = {key: s.make_schedule() for key, s in distinct.items()}
        self._centre, self._reach = escape_box(problem.window)
        self.update = 0
        self._diverged_at: list[int | None] = [None] * len(self.settings)
        if starts is None:
            phi = np.array([s.start for s in self.settings], dtype=float)
        else:
            phi = np.array(starts, dtype=float)
            if phi.shape != (len(self.settings), 2):
                raise ValueError(f"starts must have shape ({len(self.settings)}, 2), "
                                 f"got {phi.shape}")
            wrong = start_problem(phi)
            if wrong is not None:
                raise ValueError(f"starts {wrong}")
        with np.errstate(all="ignore"):
            # The gradient serves the full-batch runs' first update alone.
            if any(map(self._is_full, range(len(self.settings)))):
                loss, grad = problem.loss_and_grad(phi)
            else:
                loss, grad = problem.loss(phi), None
        self.start = _start_block(phi, loss, self._recorded)
        self._arrange(phi, loss, grad)

    @property
    def finished(self) -> bool:
        """Whether every run has ended or diverged."""
        return not len(self._runs)

    @property
    def diverged_at(self) -> tuple[int | None, ...]:
        """For each run, the update at which it diverged, or ``None``."""
        return tuple(self._diverged_at)

    def advance(self, updates: int) -> StepBlock:
        """Step every run still going by ``updates`` updates, or until it ends.

        Returns the steps computed, for every run (a run that has ended or
        diverged has none). An error raised by the problem leaves the engine
        unusable.
        """
        blocks = []
        left = int(updates)
        with np.errstate(all="ignore"):
            while left > 0 and not self.finished:
                size = min(
                    left,
                    BLOCK_UPDATES,
                    max(1, BLOCK_ELEMENTS // len(self._runs)),
                    self._first_end - self.update,
                )
                blocks.append(self._block(size))
                left -= size
        return _concatenate(blocks, len(self.settings))

    # -- layout -------------------------------------------------------------

    def _is_full(self, run: int) -> bool:
        n = self.problem.n_points
        return n is None or self.settings[run].batch_size == n

    def _arrange(self, phi: np.ndarray, loss: np.ndarray, grad: np.ndarray | None) -> None:
        """Sort the runs that have steps to take into cohorts, full batch first
        (``grad``: at ``phi``, ``None`` when no run is full batch)."""
        members: dict[tuple[object, ...], list[int]] = {}
        for run, settings in enumerate(self.settings):
            if settings.steps > 0:
                members.setdefault(self._cohort_key(run), []).append(run)
        keys = sorted(members, key=lambda key: not key[0])  # stable: full batch first
        self._runs = np.array([run for key in keys for run in members[key]], dtype=np.intp)
        self._cohorts = []
        first = 0
        for key in keys:
            runs = members[key]
            at = runs[0] if len(runs) == 1 else np.array(runs)
            optimizer = _shared_optimizer([self.settings[r] for r in runs])
            self._cohorts.append(_Cohort(
                slice(first, first + len(runs)), bool(key[0]), optimizer, phi[at],
                optimizer.init_state(phi[at]), (loss[at], grad[at]) if key[0] else None,
            ))
            first += len(runs)
        self._settle()
        minibatch = [self.settings[r] for r in self._runs[self._full :]]
        self._batches = (
            SharedBatches.of(
                int(self.problem.n_points or 0),
                [(int(s.batch_size or 0), s.batching, s.seed) for s in minibatch],
            )
            if minibatch else None
        )

    def _cohort_key(self, run: int) -> tuple[object, ...]:
        settings = self.settings[run]
        choices = tuple(
            settings.hyperparameters[p.name]
            for p in OPTIMIZERS[settings.optimizer].hyperparameters
            if p.is_choice
        )
        return (self._is_full(run), settings.optimizer, choices)

    def _settle(self) -> None:
        """Derive what follows from the rows: the full-batch cohorts and rows,
        whether the rows are all the runs in order, each row's end and the
        first of them, and the learning rates."""
        self._full_cohorts = sum(c.full for c in self._cohorts)
        self._full = sum(c.rows.stop - c.rows.start for c in self._cohorts[: self._full_cohorts])
        runs = self._runs.tolist()
        self._in_order = runs == list(range(len(self.settings)))
        self._ends = np.array([self.settings[r].steps for r in runs], dtype=int)
        self._first_end = int(self._ends.min()) if runs else 0
        self._rates = RunRates(
            [self._schedules[id(self.settings[r])] for r in runs],
            [float(self.settings[r].hyperparameters["lr"]) for r in runs],
        )
        # The minibatch rows' schedules of the full-data loss (None: every update).
        n = self.problem.n_points
        every = [full_loss_every(n, self.settings[r].batch_size) for r in runs[self._full :]]
        self._every = np.array(every, dtype=int) if any(k > 1 for k in every) else None

    def _keep(self, rows: np.ndarray) -> None:
        """Go on with the rows selected by the boolean mask ``rows`` only."""
        cohorts = []
        first = 0
        for cohort in self._cohorts:
            local = rows[cohort.rows]
            kept = int(local.sum())
            if not kept:
                continue
            at = slice(first, first + kept)
            if kept == len(local):  # its optimizer and numbers stay as they are
                cohort.rows = at
            else:
                runs = self._runs[cohort.rows][local]
                cohort = cohort.keep(local, at, _shared_optimizer([self.settings[r] for r in runs]))
            cohorts.append(cohort)
            first += kept
        if self._batches is not None:
            minibatch = rows[self._full :]
            self._batches = self._batches.keep(minibatch) if minibatch.any() else None
        self._cohorts = cohorts
        self._runs = self._runs[rows]
        self._settle()

    # -- stepping -----------------------------------------------------------

    def _block(self, size: int) -> StepBlock:
        """``size`` updates of every row, none past a row's end."""
        cohorts = self._cohorts
        lr, rates = self._learning_rates(size)
        drawn = [] if self._batches is None else self._batches.draw(size)
        plan = _plan(drawn, self._batches.stream_of, size) if drawn else []
        logs = [_Log() for _ in cohorts]
        starts = [(c.phi, c.state) for c in cohorts]
        if len(cohorts) == 1:
            self._step_one(cohorts[0], logs[0], rates[0], plan)
        else:
            self._step_many(logs, rates, plan)
        for cohort, log, (phi, state) in zip(cohorts, logs, starts):
            if log.states:  # the runs record its optimizer's terms
                column = lr[cohort.rows.start] if cohort.single else lr[cohort.rows].T
                log.terms = _block_terms(cohort.optimizer, log, phi, state, column, self.update)
        rows, full = len(self._runs), self._full
        record = {name: _stacked(cohorts, logs, name, rows, size)
                  for name in ("phi", "batch_loss", "grad")}
        record["loss"] = _stacked(cohorts[: self._full_cohorts], logs, "loss", rows, size)
        record["lr"] = lr
        for name in self._recorded:
            record[name] = _stacked(cohorts, logs, name, rows, size)
        tested = record["loss"]
        if rows > full:
            if self._every is None:
                record["loss"][full:] = self._full_losses(record["phi"][full:])
            else:
                tested = self._scheduled_losses(record, size)
        return self._close(record, drawn, tested)

    def _scheduled_losses(self, record: _Record, size: int) -> np.ndarray:
        """Fill in the minibatch rows' full-data losses of a block at the updates
        their schedules say and at a row's diverged step (NaN at the others), and
        return the losses divergence is tested on: the full-data loss where the
        schedule has one, else the batch loss."""
        full = self._full
        numbers = np.arange(self.update + 1, self.update + size + 1)
        due = (numbers % self._every[:, None] == 0) | (numbers == self._ends[full:, None])
        loss, phi = record["loss"][full:], record["phi"][full:]
        loss[:] = np.nan
        loss[due] = self._full_losses(phi[due])
        tested = record["loss"].copy()
        tested[full:][~due] = record["batch_loss"][full:][~due]
        # The diverged step's own loss, once a run, tells a step out of the view or
        # a blow-up from one where the loss is undefined (run.loss_undefined).
        bad = _diverged(phi, tested[full:], self._centre, self._reach)
        rows = np.flatnonzero(bad.any(axis=1))
        if len(rows):
            at = bad[rows].argmax(axis=1)
            rows, at = rows[~due[rows, at]], at[~due[rows, at]]
            loss[rows, at] = self._full_losses(phi[rows, at])
        return tested

    def _step_many(
        self, logs: list[_Log], rates: list[Iterable[float | np.ndarray]], plan: list[list[Group]]
    ) -> None:
        """The updates of a block, each cohort's logged in ``logs``: at each one, the
        minibatch rows' batch losses in one evaluation, each cohort's update, and
        the full-batch rows' losses at their new phi in one evaluation.

        The cohorts' numbers are held in lists while the block runs and their logs'
        appends bound once, as :meth:`_step_one` holds a cohort's in local names: on
        a batch of 8 different optimizers, looking them up on the cohorts at each
        update cost about 4 % of the CPU time."""
        problem = self.problem
        full = self._full
        cohorts = self._cohorts
        n_full = self._full_cohorts
        # Each cohort's rows among the minibatch rows (None: full batch).
        spans = [None if c.full else (c.rows.start - full, c.rows.stop - full) for c in cohorts]
        updates = [self._update_of(cohort, log) for cohort, log in zip(cohorts, logs)]
        sizes = [None if c.single else c.rows.stop - c.rows.start for c in cohorts]
        full_sizes, minibatch_sizes = sizes[:n_full], sizes[n_full:]
        phis = [c.phi for c in cohorts]
        states = [c.state for c in cohorts]
        knowns = [c.known for c in cohorts]
        steps = [
            (k, update, span, log.phi.append, log.batch_loss.append, log.grad.append)
            for k, (update, span, log) in enumerate(zip(updates, spans, logs))
        ]
        add_losses = [log.loss.append for log in logs[:n_full]]
        first = self.update
        groups: list[Group] = _FULL  # the minibatch rows' at each update (unused without)
        for i, rates_now in enumerate(zip(*rates)):
            t = first + i
            if minibatch_sizes:
                groups = plan[i]
                knowns[n_full:] = _evaluate_all(problem, phis[n_full:], minibatch_sizes, groups)
            for (k, update, span, add_phi, add_batch_loss, add_grad), rate in zip(steps, rates_now):
                phi = phis[k]
                objective = _objective(
                    problem, phi, knowns[k], None if span is None else (groups, *span)
                )
                phi, states[k], batch_loss, grad = update(phi, states[k], t, rate, objective)
                phis[k] = phi
                add_phi(phi)
                add_batch_loss(batch_loss)
                add_grad(grad)
            if n_full:
                knowns[:n_full] = known = _evaluate_all(problem, phis[:n_full], full_sizes, _FULL)
                for add_loss, (loss, _) in zip(add_losses, known):
                    add_loss(loss)
        for k, cohort in enumerate(cohorts):
            cohort.phi, cohort.state = phis[k], states[k]
            if cohort.full:
                cohort.known = knowns[k]

    def _step_one(
        self, cohort: _Cohort, log: _Log, rates: Iterable[float | np.ndarray],
        plan: list[list[Group]],
    ) -> None:
        """The updates of a block whose rows are one cohort, logged in ``log``: what
        :meth:`_step_many` does for one cohort, its numbers held in local names
        rather than looked up among cohorts at each update, which on a run alone
        saves a tenth of what an update costs."""
        problem = self.problem
        evaluate = problem.loss_and_grad  # on all the data: _evaluate(problem, phi, _FULL)
        phi, state, known = cohort.phi, cohort.state, cohort.known
        update = self._update_of(cohort, log)
        full, span = cohort.full, (0, cohort.rows.stop - cohort.rows.start)
        add_phi, add_batch_loss, add_grad = log.phi.append, log.batch_loss.append, log.grad.append
        add_loss = log.loss.append
        first = self.update
        for i, rate in enumerate(rates):
            if full:
                objective = _objective(problem, phi, known, None)
            else:
                groups = plan[i]
                objective = _objective(problem, phi, _evaluate(problem, phi, groups), (groups, *span))
            phi, state, batch_loss, grad = update(phi, state, first + i, rate, objective)
            add_phi(phi)
            add_batch_loss(batch_loss)
            add_grad(grad)
            if full:
                known = evaluate(phi)
                add_loss(known[0])
        cohort.phi, cohort.state, cohort.known = phi, state, known

    def _update_of(self, cohort: _Cohort, log: _Log) -> Update:
        """The update of ``cohort``: its optimizer's, which also keeps each new state
        in ``log`` when the runs record its terms (else the optimizer's own, so that
        the updates cost what they cost without terms)."""
        optimizer = cohort.optimizer
        if not self.terms or not optimizer.terms:
            return optimizer.update
        add_state = log.states.append

        def update(
            phi: np.ndarray, state: State, t: int, lr: float | np.ndarray, objective: Objective
        ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
            done = optimizer.update(phi, state, t, lr, objective)
            add_state(done[1])
            return done

        return update

    def _learning_rates(
        self, size: int
    ) -> tuple[np.ndarray, list[Iterable[float | np.ndarray]]]:
        """The rows' rates for the next ``size`` updates, each computed once: as a
        ``(rows, size)`` column, and for each cohort, its rates at each update (a
        float for a cohort of one, as a run alone has)."""
        rates, first = self._rates, self.update
        if rates.is_constant:
            lr = rates.at(first)
            return (lr[:, None].repeat(size, axis=1),
                    [itertools.repeat(rate, size) for rate in _cohort_rates(self._cohorts, lr)])
        column = np.array([rates.at(t) for t in range(first, first + size)]).T
        return column, [column[c.rows.start].tolist() if c.single else column[c.rows].T
                        for c in self._cohorts]

    def _close(
        self, record: _Record, drawn: list[Drawn], tested: np.ndarray
    ) -> StepBlock:
        """The block of ``record``: epochs and batches added, each row cut at its
        diverged step (by phi and the losses ``tested``), the rows that end or
        diverged let go."""
        rows, size = record["loss"].shape
        full = self._full
        first = self.update
        numbers = np.arange(first, first + size + 1)
        epoch = np.empty((rows, size), dtype=int)
        epoch[:full] = numbers[:-1]
        batch: list[tuple[np.ndarray, ...] | None] = [None] * full
        if self._batches is not None:
            epochs = np.array([e for e, _ in drawn])
            epoch[full:] = epochs[self._batches.stream_of]
            streams = [tuple(indices) for _, indices in drawn]
            batch += [streams[s] for s in self._batches.stream_of]
        bad = _diverged(record["phi"], tested, self._centre, self._reach)
        count = np.full(rows, size)
        diverged = np.zeros((rows, size), dtype=bool)
        going = None if first + size < self._first_end else self._ends > first + size
        if bad.any():
            hit = bad.any(axis=1)
            count[hit] = bad[hit].argmax(axis=1) + 1
            diverged[hit, count[hit] - 1] = True
            going = ~hit if going is None else going & ~hit
            for row in np.flatnonzero(hit):
                self._diverged_at[self._runs[row]] = first + int(count[row])
                after = slice(int(count[row]), None)
                for column in record.values():
                    column[row, after] = np.nan
                epoch[row, after] = -1
                kept = batch[row]
                if kept is not None:
                    batch[row] = kept[: int(count[row])]
        block = _spread(
            None if self._in_order else self._runs, len(self.settings), numbers[1:],
            {**record, "epoch": epoch, "batch": batch}, diverged, count, self._recorded,
        )
        self.update += size
        if going is not None and not going.all():  # None: every row goes on
            self._keep(going)
        return block

    def _full_losses(self, phi: np.ndarray) -> np.ndarray:
        """The full-data loss at every point of ``phi`` (shape ``(..., 2)``), in chunks."""
        flat = phi.reshape(-1, 2)
        chunk = max(1, LOSS_CHUNK // int(self.problem.n_points or 1))
        out = np.empty(len(flat))
        for first in range(0, len(flat), chunk):
            out[first : first + chunk] = self.problem.loss(flat[first : first + chunk])
        return out.reshape(phi.shape[:-1])


def _resolve_each(problem: Problem, settings: Sequence[RunSettings]) -> tuple[RunSettings, ...]:
    """Each of ``settings`` resolved against ``problem``; an object given for many runs
    is resolved once, and they share the result."""
    resolved: dict[int, RunSettings] = {}
    for s in settings:  # ``settings`` holds every object, so no id is reused meanwhile
        if id(s) not in resolved:
            resolved[id(s)] = s.resolve(problem)
    return tuple(resolved[id(s)] for s in settings)


def _shared_optimizer(settings: Sequence[RunSettings]) -> Optimizer:
    """One optimizer for runs of one optimizer and the same choices.

    A numeric hyperparameter is a float where all runs share it (the update
    rules take their cheaper scalar forms) and a per-run array otherwise.
    """
    name = settings[0].optimizer
    values: dict[str, object] = {}
    for parameter in OPTIMIZERS[name].hyperparameters:
        each = [s.hyperparameters[parameter.name] for s in settings]
        # Compared by their bits: 0.0 and -0.0 are equal but not the same value.
        shared = parameter.is_choice or len({float(v).hex() for v in each}) == 1
        values[parameter.name] = each[0] if shared else np.array(each, dtype=float)
    return make_optimizer(name, **values)


def _plan(drawn: list[Drawn], stream_of: np.ndarray, updates: int) -> list[list[Group]]:
    """How to evaluate the minibatch rows at each of ``updates`` updates.

    ``drawn`` holds each stream's epochs and batches for those updates.
    """
    if len(drawn) == 1:
        return [[(_ALL, indices)] for indices in drawn[0][1]]
    rows = [_as_rows(indices) for _, indices in drawn]
    if all(r is not None and r.shape[1] == rows[0].shape[1] for r in rows):  # type: ignore[union-attr]
        # One gather for the block: (updates, rows, B).
        per_row = np.stack(rows, axis=1)[:, stream_of]  # type: ignore[arg-type]
        return [[(_ALL, per_row[i])] for i in range(updates)]
    return [_groups([indices[i] for _, indices in drawn], stream_of) for i in range(updates)]


def _as_rows(indices: np.ndarray | list[np.ndarray]) -> np.ndarray | None:
    """A stream's batches as one ``(updates, B)`` array, or ``None`` if their sizes differ."""
    if isinstance(indices, np.ndarray):
        return indices
    return np.array(indices) if len({len(batch) for batch in indices}) == 1 else None


def _groups(indices: list[np.ndarray], stream_of: np.ndarray) -> list[Group]:
    """How to evaluate the minibatch rows at one update: one group per batch size."""
    size = indices[0].size
    if all(batch.size == size for batch in indices):
        return [(_ALL, np.array(indices)[stream_of])]
    sizes = np.array([batch.size for batch in indices])
    row_sizes = sizes[stream_of]
    groups: list[Group] = []
    for size in np.unique(sizes):
        streams = np.flatnonzero(sizes == size)
        rows = np.flatnonzero(row_sizes == size)
        if len(streams) == 1:
            groups.append((rows, indices[streams[0]]))
            continue
        position = np.empty(len(indices), dtype=np.intp)
        position[streams] = np.arange(len(streams))
        stacked = np.stack([indices[s] for s in streams])
        groups.append((rows, stacked[position[stream_of[rows]]]))
    return groups


def _restrict(groups: list[Group], lo: int, hi: int) -> list[Group]:
    """``groups`` for the rows ``lo..hi`` only, counted from ``lo``."""
    restricted: list[Group] = []
    for rows, batch in groups:
        shared = batch is None or batch.ndim == 1
        if isinstance(rows, slice):
            restricted.append((_ALL, batch if shared else batch[lo:hi]))
            continue
        inside = (rows >= lo) & (rows < hi)
        if inside.any():
            restricted.append((rows[inside] - lo, batch if shared else batch[inside]))
    return restricted


def _evaluate(
    problem: Problem, phi: np.ndarray, groups: list[Group]
) -> tuple[np.ndarray, np.ndarray]:
    """Batch losses and gradients of the rows of ``phi``, each on its own batch.

    A ``(2,)`` phi is one run, whose groups hold its one batch.
    """
    if phi.ndim == 1:
        batch = groups[0][1]
        return problem.loss_and_grad(phi, batch if batch is None or batch.ndim == 1 else batch[0])
    if len(groups) == 1 and isinstance(groups[0][0], slice):
        return problem.loss_and_grad(phi, groups[0][1])
    loss = np.empty(len(phi))
    grad = np.empty(phi.shape)
    for rows, batch in groups:
        loss[rows], grad[rows] = problem.loss_and_grad(phi[rows], batch)
    return loss, grad


def _evaluate_all(
    problem: Problem, phis: list[np.ndarray], sizes: list[int | None], groups: list[Group]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The losses and gradients at each cohort's phi (``phis``), in one evaluation;
    ``sizes``: each cohort's number of rows, ``None`` for a cohort of one run."""
    if len(phis) == 1:
        return [_evaluate(problem, phis[0], groups)]
    if not any(sizes):  # runs of different optimizers: half the calls below
        loss, grad = _evaluate(problem, np.array(phis), groups)
        return list(zip(loss, grad))
    loss, grad = _evaluate(
        problem, np.concatenate([phi[None] if n is None else phi for phi, n in zip(phis, sizes)]),
        groups,
    )
    known = []
    first = 0
    for n in sizes:
        if n is None:
            known.append((loss[first], grad[first]))
            first += 1
        else:
            known.append((loss[first : first + n], grad[first : first + n]))
            first += n
    return known


def _cohort_rates(cohorts: list[_Cohort], lr: np.ndarray) -> list[float | np.ndarray]:
    """Each cohort's learning rates: a float for a cohort of one, as a run alone has."""
    return [float(lr[c.rows.start]) if c.single else lr[c.rows] for c in cohorts]


def _columns(values: list[np.ndarray] | np.ndarray, single: bool) -> np.ndarray:
    """One entry per update (a cohort's rows, or its one run), as a list or stacked
    along a leading axis, as rows of columns."""
    stacked = values if isinstance(values, np.ndarray) else _stack(values)
    return stacked[None] if single else stacked.swapaxes(0, 1)


def _stack(values: list[np.ndarray]) -> np.ndarray:
    """Arrays of one shape (or numbers) stacked along a new leading axis."""
    shape = np.shape(values[0])
    # One concatenation of arrays is faster than np.array of them (a third on (2,) ones).
    return np.concatenate(values).reshape(len(values), *shape) if shape else np.array(values)


def _block_terms(
    optimizer: Optimizer, log: _Log, phi: np.ndarray, state: State, lr: np.ndarray, first: int
) -> dict[str, np.ndarray]:
    """The terms of a cohort's updates of a block, from its ``log`` of them, its phi
    and state before the block and its rates ``lr`` (shape ``(K,)``, or ``(K, rows)``).

    One call of :meth:`~gradviz.core.optimizers.Optimizer.update_terms` computes
    them for all the block's updates at once, stacked along a leading axis: its
    arithmetic is elementwise, so each update's terms are those it would compute
    for that update alone, to the last bit, for the cost of a few array operations
    per block rather than per update.
    """
    after = _stack(log.phi)
    new = {name: _stack([s[name] for s in log.states]) for name in log.states[0]}
    old = {name: np.concatenate([np.asarray(state[name])[None], values[:-1]])
           for name, values in new.items()}
    before = np.concatenate([np.asarray(phi)[None], after[:-1]])
    # Update numbers shaped to broadcast as the rates do: (K, 1) or (K, 1, 1).
    t = np.arange(first, first + len(after)).reshape(-1, *(1,) * (after.ndim - 1))
    terms = optimizer.update_terms(before, old, t, lr, new)
    return {name: terms[name] for name in optimizer.terms}


def _stacked(
    cohorts: list[_Cohort], logs: list[_Log], name: str, rows: int, size: int
) -> np.ndarray:
    """The column ``name`` of a block of ``rows`` rows and ``size`` updates, from the
    logs of ``cohorts`` (the first ones; rows that they do not hold are left to fill).
    A term is NaN for the rows of a cohort whose optimizer does not report it."""
    entries = [log.terms.get(name) if name in _TERMS else getattr(log, name) for log in logs]
    if len(cohorts) == 1 and cohorts[0].rows == slice(0, rows) and entries[0] is not None:
        return _columns(entries[0], cohorts[0].single)
    out = np.empty((rows, size, *_SHAPES[name]))
    for cohort, values in zip(cohorts, entries):
        out[cohort.rows] = np.nan if values is None else _columns(values, cohort.single)
    return out


def _objective(
    problem: Problem,
    phi: np.ndarray,
    known: tuple[np.ndarray, np.ndarray],
    batches: tuple[list[Group], int, int] | None,
) -> Objective:
    """A cohort's objective on its rows' batches: ``None`` for all the data,
    else the minibatch rows' groups and the cohort's rows ``lo..hi`` among them.

    At ``phi`` itself it returns ``known``, evaluated before the update (for
    full-batch rows, while recording the previous step), as a run alone does.
    """

    def objective(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if p is phi:
            return known
        return _evaluate(problem, p, _FULL if batches is None else _restrict(*batches))

    return objective


def _diverged(
    phi: np.ndarray, loss: np.ndarray, centre: tuple[float, float], reach: float
) -> np.ndarray:
    """``step.is_diverged`` elementwise: phi ``(..., 2)``, loss ``(...)``."""
    # Every comparison with NaN is false, so NaN or infinite values fail too.
    return ~(
        (loss <= DIVERGENCE_LOSS)
        & (np.abs(phi[..., 0] - centre[0]) <= reach)
        & (np.abs(phi[..., 1] - centre[1]) <= reach)
    )


def _blank(total: int, size: int) -> dict[str, object]:
    """The fields but the update of a block of ``total`` runs and room for
    ``size`` steps, of which no run has any: NaN, epoch -1, no batch."""
    held: dict[str, object] = {
        column.name: None if column.optional
        else np.full((total, size, *column.shape), fill, dtype=column.dtype)
        for column, fill in _FILLED
    }
    held.update({name: (None,) * total for name in _INDEXED})
    return {**held, "diverged": np.zeros((total, size), dtype=bool),
            "count": np.zeros(total, dtype=int)}


def _start_block(
    phi: np.ndarray, loss: np.ndarray, recorded: Mapping[str, np.ndarray]
) -> StepBlock:
    """The runs' start points, as :func:`~gradviz.core.run.iterate` records them:
    epoch 0, phi and its loss, NaN for what an update gives (the ``recorded``
    terms too) and no batch."""
    runs = len(phi)
    held = _blank(runs, 1)
    held["epoch"][:] = 0  # type: ignore[index]
    held["phi"][:, 0] = phi  # type: ignore[index]
    held["loss"][:, 0] = loss  # type: ignore[index]
    held["count"][:] = 1  # type: ignore[index]
    for name in recorded:
        held[name] = np.full((runs, 1, *_SHAPES[name]), np.nan)
    return StepBlock(update=np.zeros(1, dtype=int), recorded=recorded,
                     **held)  # type: ignore[arg-type]


def _spread(
    runs: np.ndarray | None, total: int, update: np.ndarray, columns: dict[str, object],
    diverged: np.ndarray, count: np.ndarray, recorded: Mapping[str, np.ndarray],
) -> StepBlock:
    """A block of all ``total`` runs from the ``columns`` of the rows ``runs``
    (by name; indices as a list over the rows); ``None``: the rows are the runs
    in order, and the columns are the block's. ``recorded``: the terms' runs."""
    if runs is None:
        held = {**columns, "diverged": diverged, "count": count}
        for name in _INDEXED:
            held[name] = tuple(held[name])  # type: ignore[arg-type]
        return StepBlock(update=update, recorded=recorded, **held)  # type: ignore[arg-type]
    held = _blank(total, len(update))
    for name in recorded:  # optional, so left out of the blank block
        held[name] = np.full((total, len(update), *_SHAPES[name]), np.nan)
    for name, values in [*columns.items(), ("diverged", diverged), ("count", count)]:
        if name in _INDEXED:
            batches = list(held[name])  # type: ignore[call-overload]
            for run, indices in zip(runs.tolist(), values):  # type: ignore[call-overload]
                batches[run] = indices
            held[name] = tuple(batches)
        else:
            held[name][runs] = values  # type: ignore[index]
    return StepBlock(update=update, recorded=recorded, **held)  # type: ignore[arg-type]


def _concatenate(blocks: list[StepBlock], total: int) -> StepBlock:
    """One block of the consecutive ``blocks`` (a run's steps stay a prefix)."""
    if len(blocks) == 1:
        return blocks[0]
    if not blocks:
        return StepBlock(update=np.zeros(0, dtype=int), **_blank(total, 0))  # type: ignore[arg-type]

    def joined(name: str, axis: int) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in blocks], axis=axis)

    def joined_indices(name: str) -> tuple[tuple[np.ndarray, ...] | None, ...]:
        runs = []
        for run in range(total):
            parts = [getattr(b, name)[run] for b in blocks if getattr(b, name)[run] is not None]
            runs.append(tuple(itertools.chain.from_iterable(parts)) if parts else None)
        return tuple(runs)

    held = {
        c.name: joined_indices(c.name) if c.kind is Kind.INDICES else joined(c.name, 1)
        for c in RUN_COLUMNS
        if getattr(blocks[0], c.name) is not None  # an optional column the runs do not record
    }
    return StepBlock(
        update=joined("update", 0),
        diverged=joined("diverged", 1),
        count=sum((b.count for b in blocks), start=np.zeros(total, dtype=int)),
        recorded=blocks[0].recorded,
        **held,
    )


__all__ = ["BLOCK_UPDATES", "FULL_LOSS_POINTS", "LARGE_DATA", "RUN_COLUMNS", "Engine", "StepBlock",
           "full_loss_every"]
