"""What the core benchmarks share: the best of repeated timings, and the machine's line."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np


def best_of(function: Callable[[], object], repeats: int,
            clock: Callable[[], float] = time.perf_counter) -> float:
    """Shortest time of ``repeats`` calls, in seconds, on ``clock`` (wall time by default)."""
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        function()
        best = min(best, clock() - start)
    return best


def best_cpu_of(function: Callable[[], object], repeats: int) -> float:
    """Shortest CPU time of ``repeats`` calls, in seconds: on a machine shared with
    other work it varies far less than wall time (for work on one thread)."""
    return best_of(function, repeats, time.process_time)


def machine_line() -> str:
    """Python, numpy and the machine the figures were measured on."""
    return (f"python {platform.python_version()}, numpy {np.__version__}, "
            f"{os.cpu_count()} CPUs, {platform.machine()} {platform.system()}")
