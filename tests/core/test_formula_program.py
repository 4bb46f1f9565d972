"""Evaluating formulas: the compiled steps against the trees node by node, and a
workspace's buffers against the program, bit for bit, for random formulas."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formula_checks import FORMULAS, GABOR, model
from gradviz.core.formula.tree import Binary, Call, Negative, Node, Number, Variable
from gradviz.core.formula_problems import FormulaModel, FormulaSurface

_OPERATORS: dict[str, Callable[..., np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
    "0*": lambda a, b: np.where(np.equal(a, 0.0), 0.0, np.multiply(a, b)),  # a zero a wins
}
_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sign": np.sign,
    "sigmoid": lambda u: 0.5 + 0.5 * np.tanh(0.5 * u),
}
# Where formulas are tame, undefined (0, negative) and huge, on axes of their own so
# every combination occurs.
_SPECIAL = np.array([-1e300, -3.0, -1.0, -0.5, -0.0, 0.0, 1e-310, 0.25, 1.0, 2.0, 7.5, 1e300])
X, PHI0, PHI1 = _SPECIAL[:, None, None], _SPECIAL[None, None, ::-1], _SPECIAL[None, ::2, None]


def _by_node(root: Node, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """``root`` evaluated one numpy call per node, as the tree reads (``u**2`` as
    ``u * u``, as the program has always computed it)."""
    done: dict[int, np.ndarray] = {}
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in done:
            stack.pop()
            continue
        operands = ([node.left, node.right] if isinstance(node, Binary) else
                    [node.operand] if isinstance(node, Negative) else
                    [node.argument] if isinstance(node, Call) else [])
        waiting = [o for o in operands if id(o) not in done]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        if isinstance(node, Number):
            value = np.float64(node.value)
        elif isinstance(node, Variable):
            value = arrays[node.name]
        elif isinstance(node, Binary):
            left, right = done[id(node.left)], done[id(node.right)]
            square = node.op == "**" and isinstance(node.right, Number) and node.right.value == 2
            value = np.square(left) if square else _OPERATORS[node.op](left, right)
        elif isinstance(node, Negative):
            value = np.negative(done[id(node.operand)])
        else:
            value = _FUNCTIONS[node.function](done[id(node.argument)])
        done[id(node)] = value
    return done[id(root)]


def _same_bits(actual: object, expected: object) -> None:
    """Equal bit for bit, broadcast to one shape; NaNs equal whatever their sign."""
    a, e = np.broadcast_arrays(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float))
    assert a.shape == e.shape
    nan = np.isnan(e)
    assert np.array_equal(np.isnan(a), nan)
    assert np.array_equal(a[~nan].view(np.int64), e[~nan].view(np.int64))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=FORMULAS)
def test_the_compiled_steps_give_the_trees_values_bit_for_bit(text: str) -> None:
    formula = model(text)
    arrays = {"x": X, "phi0": PHI0, "phi1": PHI1}
    with np.errstate(all="ignore"):
        for program, trees in ((formula.value_program, (formula.tree,)),
                               (formula.gradient_program, (formula.tree, *formula.gradient)),
                               (formula.hessian_program, formula.hessian)):
            for value, tree in zip(program(X, PHI0, PHI1), trees, strict=True):
                _same_bits(value, _by_node(tree, arrays))


@pytest.mark.parametrize(("text", "operations"), [
    ("phi0 / 32", 1),  # a multiplication by 1/32
    ("-(phi0 / 32)", 1),  # by -1/32
    ("-(phi0 / 3)", 1),  # a division by -3
    ("-(3 * phi0)", 1),
    ("-(phi0 * phi1)", 2),  # no number to take the sign
    ("phi0 ** 2", 1),
    ("-sin(phi0)", 2),
])
def test_signs_and_divisions_by_numbers_cost_no_step_of_their_own(text: str,
                                                                   operations: int) -> None:
    assert model(text).value_program.operations == operations


@pytest.mark.parametrize(("divisor", "value"), [
    ("1024", 1024.0), ("0.5", 0.5), ("2**-1000", 2.0**-1000), ("2**1000", 2.0**1000),
    ("-8", -8.0), ("3", 3.0),
])
def test_a_division_by_a_number_is_the_division_at_extremes(divisor: str, value: float) -> None:
    x = np.array([0.0, -0.0, 5e-324, -1e-310, 1.5, 1.7976931348623157e308, -3e307,
                  np.inf, -np.inf, np.nan, 1e-300, 3.0])
    (result,) = model(f"x / ({divisor})").value_program(x, 0.0, 0.0)
    with np.errstate(all="ignore"):
        _same_bits(result, x / value)


_SHAPES = st.sampled_from([
    ((1, 1, 1), (1, 1, 256), (1, 64, 1)),  # a loss grid's block
    ((3, 1, 1), (1, 1, 8), (1, 4, 1)),
    ((1, 1, 1), (1, 1, 8), (1, 2, 1)),
    ((5,), (5,), (5,)),  # runs
    ((2, 1), (1, 3), (1, 3)),
])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=FORMULAS, shapes=_SHAPES, seed=st.integers(0, 2**32 - 1))
def test_a_workspace_gives_the_programs_values_bit_for_bit(  # type: ignore[no-untyped-def]
        text: str, shapes, seed: int) -> None:
    formula = model(text)
    rng = np.random.default_rng(seed)
    first = [rng.uniform(-3.0, 3.0, shape) for shape in shapes]
    other = [rng.uniform(-3.0, 3.0, shape) for shape in shapes]
    other[0].flat[0] = 0.0  # 0 ** negative, log 0: inf and NaN in the buffers too
    for program in (formula.grid_program, formula.gradient_program, formula.hessian_program):
        workspace = program.workspace()
        # Twice at the same shapes (the second into the first call's buffers), then at
        # other shapes, not contiguous, then back.
        for arrays in (first, other, [a[..., :1] for a in first], [a[..., ::2] for a in first],
                       first):
            expected = program(*arrays)
            actual = workspace(*arrays)
            assert len(actual) == len(expected)
            for a, e in zip(actual, expected, strict=True):
                assert isinstance(a, np.ndarray) == isinstance(e, np.ndarray)
                _same_bits(a, e)


@pytest.mark.parametrize("text", ["phi0 ** phi1", "(phi0 + x) ** (phi1 / 3)", "exp(phi1) ** phi0"])
def test_a_workspace_gives_the_programs_powers_of_a_grid(text: str) -> None:
    # numpy's power rounds differently in its vector and scalar loops (1 in about
    # 2,000 values here), and which one runs depends on how numpy iterates.
    program = model(text).grid_program
    arrays = (np.array([[[0.5]]]), np.linspace(-3.0, 3.0, 256)[None, None, :],
              np.linspace(-2.0, 4.0, 64)[None, :, None])
    for actual, expected in zip(program.workspace()(*arrays), program(*arrays), strict=True):
        _same_bits(actual, expected)


def test_the_derivatives_of_powers_are_finite_where_a_zero_factor_wins() -> None:
    # d(u**v) has terms that are 0 where their first factor is (0 · log 0, v · 0**-1 at
    # v = 0), in place in a workspace's buffers too.
    formula = model("phi0**phi1 + (phi0 * x)**(phi1 * x)")
    arrays = (X, PHI0, PHI1)
    for program in (formula.gradient_program, formula.hessian_program):
        for actual, expected in zip(program.workspace()(*arrays), program(*arrays), strict=True):
            _same_bits(actual, expected)
    _, d0, d1 = formula.gradient_program(0.0, 0.0, 3.0)  # 0**3 + 0**0 = 1 around
    assert (float(d0), float(d1)) == (0.0, 0.0)


def test_a_workspace_leaves_numpys_settings_as_they_were() -> None:
    workspace = model(GABOR).grid_program.workspace()
    bufsize, errors = np.getbufsize(), np.geterr()
    workspace(X, PHI0, PHI1)
    assert (np.getbufsize(), np.geterr()) == (bufsize, errors)


def test_a_workspace_evaluates_other_inputs_as_the_program_does() -> None:
    program = model("phi0 * x - abs(phi1)").value_program
    workspace = program.workspace()
    arguments = (np.arange(4), 2, np.array([1.5, -2.0, 0.0, 3.0]))
    (expected,), (actual,) = program(*arguments), workspace(*arguments)
    _same_bits(actual, expected)
    assert model("phi0 + 1").value_program.workspace()(1.0, 2.0, 3.0) == [3.0]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(text=FORMULAS)
def test_a_loss_grid_is_the_sum_of_each_points_squared_residuals(text: str) -> None:
    # 64 x 256 cells: one block per data point, so the grid adds the points in their
    # order, and evaluates them at the shapes used here.
    x, y = np.array([-1.5, 0.0, 0.5, 2.0]), np.array([0.3, -1.0, 2.0, 0.0])
    phi0, phi1 = np.linspace(-3.0, 3.0, 256), np.linspace(-2.0, 4.0, 64)
    grid = FormulaModel(expression=text).loss_grid(x, y, phi0, phi1)
    program = model(text).grid_program
    expected = np.zeros((phi1.size, phi0.size))
    with np.errstate(all="ignore"):
        for xi, yi in zip(x, y, strict=True):
            (f,) = program(np.array([[[xi]]]), phi0[None, None, :], phi1[None, :, None])
            expected += np.square(np.broadcast_to(f, (1, *expected.shape))[0] - yi)
    expected[~np.isfinite(expected)] = np.nan
    _same_bits(grid, expected)


def test_a_surfaces_loss_grid_is_its_programs_values() -> None:
    surface = FormulaSurface("log(phi0) + phi1**2 / 8 - sin(phi0 + phi1)", "-1 2 -1 1", "1 0", {})
    phi0, phi1 = np.linspace(-1.0, 2.0, 300), np.linspace(-1.0, 1.0, 40)
    (expected,) = surface.compiled.grid_program(phi0[None, :], phi1[:, None])
    expected[~np.isfinite(expected)] = np.nan
    _same_bits(surface.loss_grid(phi0, phi1), expected)
