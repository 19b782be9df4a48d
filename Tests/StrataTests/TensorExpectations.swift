import Strata
import Testing

/// How far apart two floating-point results may be: `|actual - expected| <= absolute +
/// relative * |expected|` (NumPy's `allclose`). NaN matches NaN, and infinities only themselves.
struct Tolerance: Sendable, CustomStringConvertible {
    var relative: Double
    var absolute: Double

    /// Bit-for-bit equal values (up to the sign of zero and the payload of NaN).
    static let exact = Tolerance(relative: 0, absolute: 0)

    /// The C backend's float32 exp, log, log1p, tanh, sigmoid and softplus are polynomial
    /// approximations documented to within a few ulp; 2e-6 is about 17 float32 ulp
    /// (float32 epsilon is 1.19e-7). The absolute part, FLT_MIN = 2^-126, admits only the
    /// documented flush to zero of results in the subnormal range.
    static let float32Approximation = Tolerance(relative: 2e-6, absolute: 0x1p-126)

    var description: String { "relative \(relative), absolute \(absolute)" }
}

/// The elements of `tensor` as `Double`s, read in its own dtype (no backend cast involved for
/// the floating-point types; integers and bools convert exactly).
func storedValues(_ tensor: Tensor) -> [Double] {
    switch tensor.dtype {
    case .float32: tensor.scalars(as: Float.self).map { Double($0) }
    case .float64: tensor.scalars(as: Double.self)
    case .int32: tensor.scalars(as: Int32.self).map { Double($0) }
    case .int64: tensor.scalars(as: Int64.self).map { Double($0) }
    case .bool: tensor.scalars(as: Bool.self).map { $0 ? 1 : 0 }
    }
}

/// Records an issue naming `context` unless `actual` has `expected`'s shape and dtype and every
/// element is within `tolerance`. With `checksSignOfZero`, a zero must also carry the expected
/// sign. Returns whether they matched.
@discardableResult
func expectMatch(_ actual: Tensor, _ expected: Tensor, tolerance: Tolerance = .exact, checksSignOfZero: Bool = false,
                 _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    guard actual.shape == expected.shape, actual.dtype == expected.dtype else {
        Issue.record("\(context()): got shape \(actual.shape) \(actual.dtype), expected \(expected.shape) \(expected.dtype)",
                     sourceLocation: sourceLocation)
        return false
    }
    let (lhs, rhs) = (storedValues(actual), storedValues(expected))
    func matches(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return !checksSignOfZero || a != 0 || a.sign == b.sign }
        return a.isFinite && b.isFinite && Swift.abs(a - b) <= tolerance.absolute + tolerance.relative * Swift.abs(b)
    }
    guard let first = lhs.indices.first(where: { !matches(lhs[$0], rhs[$0]) }) else { return true }
    let mismatches = lhs.indices.filter { !matches(lhs[$0], rhs[$0]) }.count
    Issue.record("""
        \(context()): element \(first) of shape \(actual.shape) is \(lhs[first]), expected \(rhs[first]) \
        (\(tolerance); \(mismatches) of \(lhs.count) elements differ)
        """, sourceLocation: sourceLocation)
    return false
}

/// Checks that a backend's result is a new dense row-major tensor, as the `Backend` contract says.
func expectDense(_ tensor: Tensor, _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(tensor.isContiguous, "\(context()): strides \(tensor.strides) are not dense for \(tensor.shape)",
            sourceLocation: sourceLocation)
}
