"""What the core benchmarks share: the best of repeated timings, and the machine's line."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np


def best_of(function: Callable[[], object], repeats: int) -> float:
    """Shortest wall time of ``repeats`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def best_cpu_of(function: Callable[[], object], repeats: int) -> float:
    """Shortest CPU time of ``repeats`` calls, in seconds: on a machine shared with
    other work it varies far less than wall time (for work on one thread)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def machine_line() -> str:
    """Python, numpy and the machine the figures were measured on."""
    return (f"python {platform.python_version()}, numpy {np.__version__}, "
            f"{os.cpu_count()} CPUs, {platform.machine()} {platform.system()}")
