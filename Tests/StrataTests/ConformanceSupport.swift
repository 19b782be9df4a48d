import Strata
import Testing

// What the conformance suites share: the two backends, the comparison, dtypes, edge values and
// each unary op's domain (see ConformanceTests.swift).

let fast: any Backend = CPUBackend.shared
let reference: any Backend = ReferenceBackend()

/// Runs `body` on both backends and expects equal (or `tolerance`-close) dense results.
func expectBackendsAgree(_ context: @autoclosure () -> String, tolerance: Tolerance = .exact,
                                 checksSignOfZero: Bool = false, sourceLocation: SourceLocation = #_sourceLocation,
                                 _ body: (any Backend) -> Tensor) {
    let actual = body(fast)
    let expected = body(reference)
    expectDense(actual, "\(context()) on cpu", sourceLocation: sourceLocation)
    expectDense(expected, "\(context()) on reference", sourceLocation: sourceLocation)
    expectMatch(actual, expected, tolerance: tolerance, checksSignOfZero: checksSignOfZero, context(),
                sourceLocation: sourceLocation)
}

let floatingTypes: [DType] = [.float32, .float64]
let numericTypes: [DType] = [.float32, .float64, .int32, .int64]

/// Values that stress elementwise kernels: signed zeros, infinities, NaN, the float32 extremes
/// and subnormals, the ends of float32 exp's range (ln(FLT_MAX) = 88.7228391,
/// ln(FLT_MIN) = -87.3365448, ln(smallest subnormal) = -103.28), and tanh's switch from its
/// polynomial to its exp form at |x| = 0.3.
let edgeValues: [Double] = [
    0, -0.0, .infinity, -.infinity, .nan,
    Double(Float.greatestFiniteMagnitude), -Double(Float.greatestFiniteMagnitude),
    Double(Float.leastNormalMagnitude), -Double(Float.leastNormalMagnitude),
    Double(Float.leastNonzeroMagnitude), 1e-40, -1e-40, 1e-30, -1e-30, 1e-7, -1e-7,
    0.29, 0.3, 0.31, -0.3, 0.5, -0.5, 1, -1, 2, 9, -9, 20, -20,
    86.9, 88, 88.7, 88.71, 88.72283, 88.7228394, 89, 100,
    -86.9, -87, -87.2, -87.3, -87.33654, -87.34, -88, -100, -103.9, -104, 1e10, -1e10, 3e38,
]

extension UnaryOperation {
    /// Where random inputs are drawn: inside the op's domain, away from overflow (the edges
    /// have their own test).
    var randomDomain: ClosedRange<Double> {
        switch self {
        case .log, .sqrt, .rsqrt: 0.01...20
        case .log1p: -0.99...20
        case .exp, .expm1, .sigmoid, .softplus: -30...30
        default: -6...6
        }
    }

    /// The ops that also take integers (the reference's `applyInteger`).
    var acceptsIntegers: Bool {
        switch self {
        case .negate, .abs, .sign, .square, .relu: true
        default: false
        }
    }

    /// How closely the C float32 kernel follows the reference. Only exp, log and the ops built on
    /// them use Strata's own polynomials (Dispatch.h); the rest are the same arithmetic or the
    /// same libm call (expm1f, sinf, cosf, erff, sqrtf) that swift-numerics makes.
    var float32Tolerance: Tolerance {
        switch self {
        case .exp, .log, .log1p, .tanh, .sigmoid, .softplus: .float32Approximation
        default: .exact
        }
    }
}
