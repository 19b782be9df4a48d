#!/usr/bin/env python3
"""Writes Tests/StrataTests/Fixtures/NumpyFixtures.swift: inputs and NumPy's forward results for
a sample of Strata ops, which FixtureTests.swift checks Strata against.

Regenerate from the repository root (needs numpy and scipy; CI never runs this, the output is
committed):

    python3 Tools/make_fixtures.py

Inputs are float64 draws from a seeded NumPy generator, rounded to float32 precision, so that the
float64 and float32 tests read identical inputs and one float64 expectation serves both.
"""

import pathlib

import numpy as np
import scipy
import scipy.special

SEED = 20_240_601
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/StrataTests/Fixtures/NumpyFixtures.swift"

rng = np.random.default_rng(SEED)


def draw(shape, low=-2.0, high=2.0):
    """Uniform float64 values with float32 precision."""
    return rng.uniform(low, high, size=shape).astype(np.float32).astype(np.float64)


def swift_array(values):
    """A NumPy array as a `FixtureArray` literal; repr() round-trips every float64 exactly."""
    array = np.asarray(values, dtype=np.float64)
    assert np.all(np.isfinite(array)), "fixtures hold finite values only"
    shape = ", ".join(str(size) for size in array.shape)
    numbers = ", ".join(repr(float(value)) for value in array.ravel())
    return f"FixtureArray(shape: [{shape}], values: [{numbers}])"


def swift_fixture(inputs, expected, axes=(), padding=(), value=0.0, slices=()):
    parts = ["inputs: [" + ", ".join(swift_array(x) for x in inputs) + "]", "expected: " + swift_array(expected)]
    if axes:
        parts.append("axes: [" + ", ".join(str(axis) for axis in axes) + "]")
    if padding:
        parts.append("padding: [" + ", ".join(str(width) for pair in padding for width in pair) + "]")
    if value:
        parts.append(f"value: {value!r}")
    if slices:
        bounds = [("nil" if bound is None else str(bound)) for triple in slices for bound in triple]
        parts.append("slices: [" + ", ".join(bounds) + "]")
    return "NumpyFixture(" + ", ".join(parts) + ")"


def unary_fixtures():
    """One [3, 4] input per UnaryOperation case, inside the op's domain."""
    definitions = {
        "negate": (np.negative, (-3, 3)),
        "abs": (np.abs, (-3, 3)),
        "sign": (np.sign, (-3, 3)),
        "exp": (np.exp, (-3, 3)),
        "log": (np.log, (0.05, 4)),
        "log1p": (np.log1p, (-0.9, 3)),
        "expm1": (np.expm1, (-3, 3)),
        "sqrt": (np.sqrt, (0.05, 4)),
        "rsqrt": (lambda x: 1 / np.sqrt(x), (0.05, 4)),
        "square": (np.square, (-3, 3)),
        "sin": (np.sin, (-3, 3)),
        "cos": (np.cos, (-3, 3)),
        "tanh": (np.tanh, (-3, 3)),
        "sigmoid": (scipy.special.expit, (-6, 6)),
        "relu": (lambda x: np.maximum(x, 0), (-3, 3)),
        "softplus": (lambda x: np.logaddexp(0, x), (-6, 6)),
        "erf": (scipy.special.erf, (-2.5, 2.5)),
    }
    fixtures = {}
    for name, (function, (low, high)) in definitions.items():
        x = draw((3, 4), low, high)
        if low < 0:
            x[0, 0] = 0.0  # sign, relu and abs at exactly zero
        fixtures[name] = [swift_fixture([x], function(x))]
    return fixtures


def binary_fixtures():
    """Each BinaryOperation case on [3, 1, 4] and [2, 4], which broadcast to [3, 2, 4]."""
    definitions = {
        "add": np.add,
        "subtract": np.subtract,
        "multiply": np.multiply,
        "divide": np.divide,
        "pow": np.power,
        "maximum": np.maximum,
        "minimum": np.minimum,
    }
    fixtures = {}
    for name, function in definitions.items():
        lhs = draw((3, 1, 4), 0.5, 2.5) if name == "pow" else draw((3, 1, 4))
        rhs = draw((2, 4))
        if name == "divide":
            rhs = np.where(np.abs(rhs) < 0.25, 0.25, rhs)  # keep quotients well conditioned
        fixtures[name] = [swift_fixture([lhs, rhs], function(lhs, rhs))]
    # Negative bases with integer exponents: C's pow, as NumPy computes it.
    base = draw((2, 3))
    exponent = np.array([[2.0, 3.0, -1.0], [0.0, 4.0, -2.0]])
    fixtures["pow"].append(swift_fixture([base, exponent], np.power(base, exponent)))
    return fixtures


def reduction_fixtures():
    """Reductions of one [3, 4, 5] input over several axis sets (no axes means all of them)."""
    x = draw((3, 4, 5))
    definitions = {
        "sum": lambda x, axes: np.sum(x, axis=axes),
        "mean": lambda x, axes: np.mean(x, axis=axes),
        "max": lambda x, axes: np.max(x, axis=axes),
        "min": lambda x, axes: np.min(x, axis=axes),
        "variance": lambda x, axes: np.var(x, axis=axes, ddof=1),
        "logSumExp": lambda x, axes: scipy.special.logsumexp(x, axis=axes),
    }
    axis_sets = [(0,), (2,), (1, 2), (0, 2), ()]
    fixtures = {}
    for name, function in definitions.items():
        fixtures[name] = [
            swift_fixture([x], function(x, axes if axes else None), axes=axes) for axes in axis_sets
        ]
    return fixtures


def matmul_fixtures():
    """np.matmul with broadcast batches, vectors and plain matrices."""
    shapes = [((2, 1, 3, 4), (3, 4, 5)), ((4, 3), (3,)), ((5,), (5, 2)), ((2, 3, 4), (4, 2)), ((3, 3), (3, 3)), ((6,), (6,))]
    fixtures = []
    for lhs_shape, rhs_shape in shapes:
        lhs, rhs = draw(lhs_shape), draw(rhs_shape)
        fixtures.append(swift_fixture([lhs, rhs], np.matmul(lhs, rhs)))
    return fixtures


def softmax_fixtures():
    """exp(x - logsumexp(x)) along the last axis, on inputs near 40: the result is O(1) only if
    logsumexp's shift by the maximum cancels."""
    fixtures = []
    for shape in [(4, 6), (2, 3, 5)]:
        x = draw(shape) + 40
        fixtures.append(swift_fixture([x], np.exp(x - scipy.special.logsumexp(x, axis=-1, keepdims=True))))
    return fixtures


def gather_fixtures():
    """np.take_along_axis, which is PyTorch's gather when the index has the input's shape off the axis."""
    x = draw((3, 4, 5))
    fixtures = []
    for axis, index_shape in [(0, (2, 4, 5)), (1, (3, 6, 5)), (2, (3, 4, 3))]:
        index = rng.integers(0, x.shape[axis], size=index_shape)
        fixtures.append(swift_fixture([x, index], np.take_along_axis(x, index, axis=axis), axes=(axis,)))
    return fixtures


def concatenate_fixtures():
    fixtures = []
    for shapes, axis in [([(2, 3), (2, 1), (2, 4)], 1), ([(1, 3, 2), (2, 3, 2)], 0), ([(2, 2, 1), (2, 2, 3)], 2)]:
        parts = [draw(shape) for shape in shapes]
        fixtures.append(swift_fixture(parts, np.concatenate(parts, axis=axis), axes=(axis,)))
    return fixtures


def pad_fixtures():
    """np.pad with a constant; Strata's padding covers the last len(padding) axes."""
    fixtures = []
    for shape, padding, value in [((3, 4), ((1, 2), (0, 3)), 1.5), ((2, 3, 4), ((2, 1),), 0.0), ((2, 2, 2), ((0, 1), (1, 0), (2, 2)), -1.0)]:
        x = draw(shape)
        full_padding = [(0, 0)] * (len(shape) - len(padding)) + list(padding)
        fixtures.append(swift_fixture([x], np.pad(x, full_padding, constant_values=value), padding=padding, value=value))
    return fixtures


def slice_fixtures():
    """Python slices (start, stop, step; None for an end) with steps, negative and clamped bounds."""
    x = draw((5, 6, 7))
    fixtures = []
    for slices in [((1, 5, 2), (None, None, 1), (0, None, 3)), ((-3, None, 1), (1, 6, 2), (2, 3, 1)), ((None, 100, 4), (-10, -1, 3), (-1, None, 1))]:
        expected = x[tuple(slice(*triple) for triple in slices)]
        fixtures.append(swift_fixture([x], expected, slices=slices))
    return fixtures


def swift_dictionary(name, fixtures, doc):
    entries = ",\n".join(f'        "{key}": [\n' + ",\n".join(f"            {f}" for f in items) + ",\n        ]" for key, items in fixtures.items())
    return f"    /// {doc}\n    static let {name}: [String: [NumpyFixture]] = [\n{entries},\n    ]\n"


def swift_list(name, fixtures, doc):
    entries = ",\n".join(f"        {f}" for f in fixtures)
    return f"    /// {doc}\n    static let {name}: [NumpyFixture] = [\n{entries},\n    ]\n"


def main():
    body = [
        swift_dictionary("unary", unary_fixtures(), "One per `UnaryOperation` case, keyed by its name."),
        swift_dictionary("binary", binary_fixtures(), "One or more per `BinaryOperation` case, keyed by its name; broadcast shapes."),
        swift_dictionary("reductions", reduction_fixtures(),
                         "Keyed by op (variance is NumPy's ddof=1); `axes` empty means every axis."),
        swift_list("matmul", matmul_fixtures(), "np.matmul with broadcast batches and vectors."),
        swift_list("softmax", softmax_fixtures(), "exp(x - logsumexp(x)) along the last axis."),
        swift_list("gather", gather_fixtures(), "np.take_along_axis(x, index, axes[0]); the index is inputs[1]."),
        swift_list("concatenate", concatenate_fixtures(), "np.concatenate(inputs, axis: axes[0])."),
        swift_list("pad", pad_fixtures(), "np.pad with constant `value`; `padding` is (before, after) pairs for the last axes."),
        swift_list("slices", slice_fixtures(), "x[start:stop:step, ...] with one triple per axis in `slices` (nil for an end)."),
    ]
    header = f"""\
// GENERATED by Tools/make_fixtures.py (NumPy {np.__version__}, SciPy {scipy.__version__}, seed {SEED}).
// Do not edit: regenerate from the repository root with `python3 Tools/make_fixtures.py`.
// Inputs are float64 with float32 precision; expected values are NumPy's, in float64.

/// A row-major array and its shape.
struct FixtureArray: Sendable {{
    let shape: [Int]
    let values: [Double]
}}

/// Inputs of one op call and NumPy's result; the op's parameters, where it has some.
struct NumpyFixture: Sendable {{
    let inputs: [FixtureArray]
    let expected: FixtureArray
    var axes: [Int] = []
    var padding: [Int] = []
    var value: Double = 0
    var slices: [Int?] = []
}}

enum NumpyFixtures {{
"""
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(header + "\n".join(body) + "}\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
