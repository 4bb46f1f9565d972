"""Reference values and helpers shared by the core tests (imported as ``core_reference``).

The data sets are copied from /work/shared/reference/lecture-math.md so the
tests check the shipped CSV files against the lecture, not against themselves.
"""

from __future__ import annotations

from gradviz.core.problems import Problem, make_problem

# lecture-math.md, "Data sets (verbatim)".
UDL_LINEAR_X = [0.03, 0.19, 0.34, 0.46, 0.78, 0.81, 1.08, 1.18, 1.39, 1.60, 1.65, 1.90]
UDL_LINEAR_Y = [0.67, 0.85, 1.05, 1.00, 1.40, 1.50, 1.30, 1.54, 1.55, 1.68, 1.73, 1.60]
UDL_GABOR_X = [
    -1.920, -14.22, 1.490, -1.940, -2.389, -5.090, -8.861, 3.578, -6.010, -6.995,
    3.634, 0.8743, -10.96, 0.4073, -9.467, 8.560, 10.62, -0.1729, 10.40, -12.61,
    0.1574, -13.04, -2.156, -12.10, -11.19, 2.902, -8.220, -11.79, -8.391, -4.505,
]
UDL_GABOR_Y = [
    -1.051, -0.02482, 0.8896, -0.4943, -0.9371, 0.4306, 0.009577, -0.07944, 0.1624, -0.2682,
    -0.3129, 0.8303, -0.02365, 0.5098, -0.2777, 0.3367, 0.1927, -0.2222, 0.06352, 0.006888,
    0.03224, 0.01091, -0.5706, -0.05258, -0.03666, 0.1709, -0.04805, 0.2008, -0.1904, 0.5952,
]

DATA_MODELS = ("linear", "gabor")

# Built problems are immutable in practice; building them once keeps the suite fast.
_CACHE: dict[tuple[str, float], Problem] = {}


def problem(name: str, envelope: float = 32.0) -> Problem:
    """The named problem with its default data, built once per session."""
    key = (name, envelope)
    if key not in _CACHE:
        _CACHE[key] = make_problem(name, envelope=envelope)
    return _CACHE[key]
