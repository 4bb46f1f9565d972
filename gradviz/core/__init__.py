"""The numeric core of gradviz: numpy only, never Qt.

Problems (models, data, losses), optimizers, schedules, minibatches, runs and
loss surfaces; everything a notebook needs without a display.
"""

from gradviz.core.batching import BATCHING_SCHEMES, batches
from gradviz.core.data import BUILTIN_DATASETS, DataError, Dataset, load_csv
from gradviz.core.formula import Formula, FormulaError
from gradviz.core.hyperparameters import HyperParameter, HyperParameterError
from gradviz.core.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from gradviz.core.problems import MODELS, Problem, ProblemSpec, make_problem
from gradviz.core.run import RunSettings, Step, Trajectory, iterate, run
from gradviz.core.schedules import SCHEDULES, Schedule, parse_schedule
from gradviz.core.space import Axis, Window
from gradviz.core.surface import Surface, loss_surface
from gradviz.core.table import Table, read_table

__all__ = [
    "BATCHING_SCHEMES",
    "BUILTIN_DATASETS",
    "MODELS",
    "OPTIMIZERS",
    "SCHEDULES",
    "Axis",
    "DataError",
    "Dataset",
    "Formula",
    "FormulaError",
    "HyperParameter",
    "HyperParameterError",
    "Optimizer",
    "Problem",
    "ProblemSpec",
    "RunSettings",
    "Schedule",
    "Step",
    "Surface",
    "Table",
    "Trajectory",
    "Window",
    "batches",
    "iterate",
    "load_csv",
    "loss_surface",
    "make_optimizer",
    "make_problem",
    "parse_schedule",
    "read_table",
    "run",
]
