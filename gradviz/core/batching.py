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

import itertools
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
    if scheme not in BATCHING_SCHEMES:
        raise ValueError(f"unknown batching {scheme!r}; choose from {', '.join(BATCHING_SCHEMES)}")
    check_batch_size(batch_size, n)
    return _batches(n, None if batch_size is None else int(batch_size), scheme, seed)


def _batches(
    n: int, batch_size: int | None, scheme: str, seed: int
) -> Iterator[tuple[int, np.ndarray]]:
    if batch_size is None or batch_size == n:
        everything = np.arange(n)
        everything.flags.writeable = False
        epoch = 0
        while True:
            yield epoch, everything
            epoch += 1
    if scheme == "notebook":
        legacy = np.random.RandomState(seed)
        t = 0
        while True:
            # A copy: a view would keep all n of the permutation alive with each step.
            yield (t * batch_size) // n, legacy.permutation(n)[:batch_size].copy()
            t += 1
    fixed = np.random.RandomState(seed).permutation(n) if scheme == "fixed" else None
    rng = np.random.default_rng(seed)
    for epoch in itertools.count():
        order = rng.permutation(n) if fixed is None else fixed
        for start in range(0, n, batch_size):
            yield epoch, order[start : start + batch_size]


@dataclass(frozen=True, eq=False)
class SharedBatches:
    """The minibatch sequences of many runs, drawn together one update at a time.

    Each run keeps its own sequence, :func:`batches` of its batch size, scheme
    and seed; runs with the same three share one generator, since they would
    draw the same batches (a grid of starts all sees one sequence). Build with
    :meth:`of`.

    Attributes
    ----------
    streams : tuple of iterators
        The distinct sequences, each as :func:`batches` yields it.
    stream_of : numpy.ndarray
        Index into ``streams`` of each run's sequence.
    """

    streams: tuple[Iterator[tuple[int, np.ndarray]], ...]
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
            tuple(batches(n, *key) for key in stream_of),
            _read_only(np.array([stream_of[spec] for spec in specs], dtype=np.intp)),
        )

    def draw(self, updates: int) -> list[list[tuple[int, np.ndarray]]]:
        """The next ``updates`` pairs ``(epoch, indices)`` of each of :attr:`streams`."""
        return [list(itertools.islice(stream, updates)) for stream in self.streams]

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
