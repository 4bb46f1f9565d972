"""A growing record of a run's steps, appended piece by piece as they stream in."""

from __future__ import annotations

import numpy as np

from gradviz.core.run import RunSettings, Trajectory

_FIELDS = ("update", "epoch", "loss", "batch_loss", "lr")


class Recording:
    """Every step of one run so far, in arrays that grow by doubling.

    The properties return views of the filled part; they stay valid until the
    next :meth:`extend` or :meth:`clear`.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = capacity
        self.clear()

    def clear(self) -> None:
        """Forget every step."""
        self._size = 0
        self._arrays = {name: np.empty(self._capacity) for name in _FIELDS}
        self._phi = np.empty((self._capacity, 2))
        self._grad = np.empty((self._capacity, 2))
        self._batches: list[np.ndarray | None] = []
        self.diverged_at: int | None = None
        self.finished = False

    def truncate(self, rows: int) -> None:
        """Keep only the first ``rows`` rows (to continue the run from there)."""
        if rows < self._size:
            self._size = max(0, rows)
            del self._batches[self._size :]
            self.diverged_at = None
            self.finished = False

    def __len__(self) -> int:
        return self._size

    def extend(self, piece: Trajectory) -> None:
        """Append the steps of ``piece`` (a part of a run, as streamed)."""
        count = len(piece.update)
        needed = self._size + count
        if needed > len(self._phi):
            capacity = max(needed, 2 * len(self._phi))
            for name, array in self._arrays.items():
                self._arrays[name] = self._grown(array, capacity)
            self._phi = self._grown(self._phi, capacity)
            self._grad = self._grown(self._grad, capacity)
        end = self._size + count
        for name in _FIELDS:
            self._arrays[name][self._size : end] = getattr(piece, name)
        self._phi[self._size : end] = piece.phi
        self._grad[self._size : end] = piece.grad
        self._batches.extend(piece.batches)
        self._size = end
        if piece.diverged_at is not None:
            self.diverged_at = piece.diverged_at

    def _grown(self, array: np.ndarray, capacity: int) -> np.ndarray:
        grown = np.empty((capacity, *array.shape[1:]))
        grown[: self._size] = array[: self._size]
        return grown

    @property
    def phi(self) -> np.ndarray:
        """Shape ``(n, 2)``."""
        return self._phi[: self._size]

    @property
    def grad(self) -> np.ndarray:
        """The gradient of the update that led to each row, shape ``(n, 2)``."""
        return self._grad[: self._size]

    @property
    def update(self) -> np.ndarray:
        """Update index of each row (0 is the start point)."""
        return self._arrays["update"][: self._size]

    @property
    def epoch(self) -> np.ndarray:
        """Epoch of each row."""
        return self._arrays["epoch"][: self._size]

    @property
    def loss(self) -> np.ndarray:
        """Full-data loss of each row."""
        return self._arrays["loss"][: self._size]

    @property
    def batch_loss(self) -> np.ndarray:
        """Minibatch loss of the update that led to each row."""
        return self._arrays["batch_loss"][: self._size]

    @property
    def lr(self) -> np.ndarray:
        """Learning rate of the update that led to each row."""
        return self._arrays["lr"][: self._size]

    def batch(self, row: int) -> np.ndarray | None:
        """The minibatch indices of the update that led to ``row`` (``None``: all data)."""
        return self._batches[row]

    def to_trajectory(self, settings: RunSettings) -> Trajectory:
        """The recorded steps as a :class:`~gradviz.core.run.Trajectory`."""
        return Trajectory(
            settings=settings,
            update=self.update.astype(int),
            epoch=self.epoch.astype(int),
            phi=self.phi.copy(),
            loss=self.loss.copy(),
            batch_loss=self.batch_loss.copy(),
            lr=self.lr.copy(),
            grad=self.grad.copy(),
            batches=tuple(self._batches),
            diverged_at=self.diverged_at,
        )
