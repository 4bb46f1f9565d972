"""Minibatch sequences: which data points each update sees.

Three schemes, all reproducible from a seed:

``epoch``
    The usual practice and the default: a fresh ``permutation(N)`` of
    ``numpy.random.default_rng(seed)`` at each epoch start, cut into
    consecutive batches of B; a short last batch is kept.
``notebook``
    The book's notebooks: legacy ``numpy.random.RandomState(seed)``, each update
    takes ``permutation(N)[:B]``; there are no real epochs, so the epoch shown
    is ``floor(t B / N)``.
``fixed``
    One permutation drawn once (``RandomState(seed)``, as on the lecture's
    batches-and-epochs slide with seed 42) and reused every epoch.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

BATCHING_SCHEMES: Mapping[str, str] = MappingProxyType(
    {
        "epoch": "fresh permutation each epoch (default_rng), consecutive batches of B",
        "notebook": "the book's notebooks: RandomState(seed), permutation(N)[:B] at each update",
        "fixed": "one permutation (RandomState(seed)) cut into batches, reused every epoch",
    }
)


def check_batch_size(batch_size: int | None, n: int) -> None:
    """Raise ``ValueError`` unless ``batch_size`` is ``None`` or a whole number in ``1..n``."""
    if batch_size is not None and (
        isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, numbers.Integral)
    ):
        raise ValueError(f"batch size must be a whole number, got {batch_size!r}")
    if batch_size is not None and not 1 <= batch_size <= n:
        raise ValueError(f"batch size must be between 1 and {n} (the number of points), "
                         f"got {batch_size}")


def batches(
    n: int, batch_size: int | None, scheme: str = "epoch", seed: int = 0
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(epoch, indices)`` for updates 0, 1, 2, ... forever.

    A ``batch_size`` of ``None`` or ``n`` means full batch: every update sees
    all points in order and is its own epoch.

    Raises
    ------
    ValueError
        At once (not at the first batch) for an unknown scheme or a bad batch size.
    """
    return _yielded(_stream(n, batch_size, scheme, seed))


def _stream(n: int, batch_size: int | None, scheme: str, seed: int) -> BatchStream:
    """The :class:`BatchStream` of what :func:`batches` yields, checked as it checks."""
    return BatchStream(n, _checked(n, batch_size, scheme), scheme, seed)


def _checked(n: int, batch_size: int | None, scheme: str) -> int | None:
    """``batch_size`` as an int (or ``None``), after checking it and ``scheme``."""
    if scheme not in BATCHING_SCHEMES:
        raise ValueError(f"unknown batching {scheme!r}; choose from {', '.join(BATCHING_SCHEMES)}")
    check_batch_size(batch_size, n)
    return None if batch_size is None else int(batch_size)


def _yielded(stream: BatchStream) -> Iterator[tuple[int, np.ndarray]]:
    """The updates' ``(epoch, indices)`` of ``stream``, one at a time."""
    while True:
        epochs, indices = stream.take(_CHUNK)
        yield from zip(epochs.tolist(), indices)


_CHUNK = 64
"""Updates :func:`batches` draws from its stream at a time."""

_COPY_ELEMENTS = 1 << 16
"""Most indices a stream copies into one array for a draw of many updates, or
the number of points if more: beyond, it hands out views of its permutations,
so that a draw never holds more than a permutation's worth of indices besides."""


class BatchStream:
    """One minibatch sequence, as :func:`batches` yields it, drawn many updates at a time.

    Drawing many updates in one call costs a few numpy calls rather than
    Python's per update, which is much of what a minibatch update of a
    batch of runs costs. Arguments as :func:`batches`, validated there.
    """

    def __init__(self, n: int, batch_size: int | None, scheme: str, seed: int) -> None:
        self.n = n
        self.batch_size = None if batch_size is None or batch_size == n else batch_size
        self.scheme = scheme
        self._drawn = 0  # updates drawn so far
        if self.batch_size is None:
            self._everything = np.arange(n)
            self._everything.flags.writeable = False
        elif scheme == "notebook":
            self._legacy = np.random.RandomState(seed)
        else:
            self._fixed = np.random.RandomState(seed).permutation(n) if scheme == "fixed" else None
            self._rng = np.random.default_rng(seed)
            self._per_epoch = -(-n // self.batch_size)
            self._epoch, self._order = -1, self._fixed

    def take(self, updates: int) -> tuple[np.ndarray, np.ndarray | list[np.ndarray]]:
        """The epochs (shape ``(updates,)``) and the batches of the next ``updates``
        updates: one ``(updates, B)`` array when the batches are copied, else a
        list of index arrays (the full data's, or views of a permutation)."""
        t = np.arange(self._drawn, self._drawn + updates)
        self._drawn += updates
        size = self.batch_size
        if size is None:
            return t, [self._everything] * updates
        if self.scheme == "notebook":
            # No real epochs: the epoch shown is floor(t B / N). Each batch is a copy,
            # a view would keep all n of its permutation alive with each step.
            batches = [self._legacy.permutation(self.n)[:size] for _ in range(updates)]
            return (t * size) // self.n, np.array(batches, dtype=np.intp).reshape(updates, size)
        epochs, slots = np.divmod(t, self._per_epoch)
        if not updates:
            return epochs, []
        if self.n % size or updates * size > max(_COPY_ELEMENTS, self.n):
            # A short last batch, or more indices than a permutation holds: views.
            return epochs, [self._order_of(e)[s * size : (s + 1) * size]
                            for e, s in zip(epochs.tolist(), slots.tolist())]
        first, last = int(epochs[0]), int(epochs[-1])
        pieces = [
            self._order_of(e)[(int(slots[0]) * size if e == first else 0)
                              : ((int(slots[-1]) + 1) * size if e == last else self.n)]
            for e in range(first, last + 1)
        ]
        return epochs, np.concatenate(pieces).reshape(updates, size)

    def _order_of(self, epoch: int) -> np.ndarray:
        """The order of the points in ``epoch``, which is this epoch or a later one:
        the fixed permutation, or each epoch's fresh one, drawn in turn."""
        if self._fixed is None:
            while self._epoch < epoch:
                self._order = self._rng.permutation(self.n)
                self._epoch += 1
        return self._order  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class SharedBatches:
    """The minibatch sequences of many runs, drawn together one update at a time.

    Each run keeps its own sequence, :func:`batches` of its batch size, scheme
    and seed; runs with the same three share one generator, since they would
    draw the same batches (a grid of starts all sees one sequence). Build with
    :meth:`of`.

    Attributes
    ----------
    streams : tuple of BatchStream
        The distinct sequences.
    stream_of : numpy.ndarray
        Index into ``streams`` of each run's sequence.
    """

    streams: tuple[BatchStream, ...]
    stream_of: np.ndarray

    @classmethod
    def of(cls, n: int, specs: Sequence[tuple[int, str, int]]) -> SharedBatches:
        """The sequences of runs on ``n`` points, each ``(batch size, scheme, seed)``.

        Raises
        ------
        ValueError
            For an unknown scheme or a bad batch size.
        """
        stream_of = {key: i for i, key in enumerate(dict.fromkeys(specs))}
        return cls(
            tuple(_stream(n, *key) for key in stream_of),
            _read_only(np.array([stream_of[spec] for spec in specs], dtype=np.intp)),
        )

    def draw(self, updates: int) -> list[tuple[np.ndarray, np.ndarray | list[np.ndarray]]]:
        """The epochs and batches of the next ``updates`` updates of each of
        :attr:`streams`, as :meth:`BatchStream.take` gives them."""
        return [stream.take(updates) for stream in self.streams]

    def keep(self, runs: np.ndarray) -> SharedBatches:
        """The runs selected by the boolean mask ``runs``, their sequences where they are now."""
        kept = self.stream_of[runs]
        used = np.unique(kept)
        return SharedBatches(
            tuple(self.streams[i] for i in used),
            _read_only(np.searchsorted(used, kept).astype(np.intp)),
        )


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def place_in_epoch(epochs: np.ndarray, row: int) -> tuple[int, int]:
    """The epoch of a recorded update and its batch's number within that epoch, both
    counted from 0 as on the lecture's batches-and-epochs slide.

    ``epochs`` is a run's recorded epoch column, row 0 its start (which no batch
    made), row ``k`` update ``k``; ``row`` is at least 1.
    """
    epoch = int(epochs[row])
    first = row
    while first > 1 and epochs[first - 1] == epoch:
        first -= 1
    return epoch, row - first
