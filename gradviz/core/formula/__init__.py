"""Formulas typed by users: read safely, differentiated exactly, evaluated with numpy.

A formula is text in a whitelist of Python syntax (numbers, variables,
``+ - * / **``, signs, parentheses and a few functions), read into a tree of
its own (:mod:`~gradviz.core.formula.parse`), differentiated symbolically
(:mod:`~gradviz.core.formula.derivative`), printed back
(:mod:`~gradviz.core.formula.printing`) and evaluated by a list of numpy calls
(:mod:`~gradviz.core.formula.program`). Nothing typed reaches ``eval``.
"""

from gradviz.core.formula.errors import FormulaError
from gradviz.core.formula.formula import PARAMETERS, Formula
from gradviz.core.formula.parse import MAX_DEPTH, MAX_LENGTH
from gradviz.core.formula.printing import number_text, to_text
from gradviz.core.formula.tree import FUNCTIONS

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "PARAMETERS", "Formula", "FormulaError",
           "number_text", "to_text"]
