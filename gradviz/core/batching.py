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
from collections.abc import Iterator, Mapping
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
            yield (t * batch_size) // n, legacy.permutation(n)[:batch_size]
            t += 1
    fixed = np.random.RandomState(seed).permutation(n) if scheme == "fixed" else None
    rng = np.random.default_rng(seed)
    for epoch in itertools.count():
        order = rng.permutation(n) if fixed is None else fixed
        for start in range(0, n, batch_size):
            yield epoch, order[start : start + batch_size]
