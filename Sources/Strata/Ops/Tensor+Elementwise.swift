// Elementwise functions and operators. Binary ops broadcast with NumPy rules and need one
// dtype on both sides; a Swift number on one side takes the tensor's dtype.

extension Tensor {
    /// Both operands expanded to their common broadcast shape (views, no copies).
    ///
    /// `op` names the operation in messages; it is an autoclosure because describing an enum
    /// goes through reflection and would cost more than a whole small op if done every call.
    static func broadcast(_ lhs: Tensor, _ rhs: Tensor, op: @autoclosure () -> String) -> (Tensor, Tensor) {
        precondition(lhs.dtype == rhs.dtype,
                     "\(op()): dtypes differ: lhs \(lhs.shape) \(lhs.dtype), rhs \(rhs.shape) \(rhs.dtype); cast one first")
        if lhs.shape == rhs.shape { return (lhs, rhs) }
        guard let shape = Shape.broadcast(lhs.shape, rhs.shape) else {
            preconditionFailure("\(op()): shapes \(lhs.shape) and \(rhs.shape) cannot be broadcast together")
        }
        return (lhs.expanded(to: shape), rhs.expanded(to: shape))
    }

    static func binary(_ op: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        precondition(lhs.dtype != .bool, "\(op): bool tensors have no arithmetic; cast them first")
        precondition(lhs.dtype.isFloatingPoint || (op != .divide && op != .pow),
                     "\(op): needs floating-point tensors, got \(lhs.dtype); cast them first")
        let (a, b) = broadcast(lhs, rhs, op: "\(op)")
        return binaryPrimitive(op, a, b)
    }

    /// A rank-0 tensor of this tensor's dtype, for mixing Swift numbers into ops.
    func scalarLike(_ value: Double) -> Tensor { Tensor(value, dtype: dtype) }

    /// Zeros of this shape and dtype, as a broadcast view of one element (no allocation per element).
    func zerosLike() -> Tensor { scalarLike(0).expanded(to: shape) }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { binary(.add, lhs, rhs) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { binary(.subtract, lhs, rhs) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { binary(.multiply, lhs, rhs) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { binary(.divide, lhs, rhs) }
    public static prefix func - (x: Tensor) -> Tensor { unaryPrimitive(.negate, x) }

    public static func + (lhs: Tensor, rhs: Double) -> Tensor { lhs + lhs.scalarLike(rhs) }
    public static func - (lhs: Tensor, rhs: Double) -> Tensor { lhs - lhs.scalarLike(rhs) }
    public static func * (lhs: Tensor, rhs: Double) -> Tensor { lhs * lhs.scalarLike(rhs) }
    public static func / (lhs: Tensor, rhs: Double) -> Tensor { lhs / lhs.scalarLike(rhs) }
    public static func + (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) + rhs }
    public static func - (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) - rhs }
    public static func * (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) * rhs }
    public static func / (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) / rhs }

    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }

    // Comparisons produce `bool` tensors and carry no gradient.
    static func compare(_ op: ComparisonOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        precondition(lhs.dtype != .bool, "\(op): compare bool tensors with logical ops")
        let (a, b) = broadcast(lhs, rhs, op: "\(op)")
        return Backends.current.compare(op, a, b)
    }

    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { compare(.equal, lhs, rhs) }
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(.notEqual, lhs, rhs) }
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { compare(.less, lhs, rhs) }
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(.lessOrEqual, lhs, rhs) }
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { compare(.greater, lhs, rhs) }
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { compare(.greaterOrEqual, lhs, rhs) }
    public static func .== (lhs: Tensor, rhs: Double) -> Tensor { lhs .== lhs.scalarLike(rhs) }
    public static func .!= (lhs: Tensor, rhs: Double) -> Tensor { lhs .!= lhs.scalarLike(rhs) }
    public static func .< (lhs: Tensor, rhs: Double) -> Tensor { lhs .< lhs.scalarLike(rhs) }
    public static func .<= (lhs: Tensor, rhs: Double) -> Tensor { lhs .<= lhs.scalarLike(rhs) }
    public static func .> (lhs: Tensor, rhs: Double) -> Tensor { lhs .> lhs.scalarLike(rhs) }
    public static func .>= (lhs: Tensor, rhs: Double) -> Tensor { lhs .>= lhs.scalarLike(rhs) }

    // Logic on `bool` tensors.
    static func logical(_ op: LogicalOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        precondition(lhs.dtype == .bool && rhs.dtype == .bool,
                     "logical \(op): needs bool tensors, got \(lhs.dtype) and \(rhs.dtype)")
        let (a, b) = broadcast(lhs, rhs, op: "logical \(op)")
        return Backends.current.logical(op, a, b)
    }

    public static func .&& (lhs: Tensor, rhs: Tensor) -> Tensor { logical(.and, lhs, rhs) }
    public static func .|| (lhs: Tensor, rhs: Tensor) -> Tensor { logical(.or, lhs, rhs) }
    public static prefix func .! (x: Tensor) -> Tensor {
        precondition(x.dtype == .bool, "logical not: needs a bool tensor, got \(x.dtype)")
        return Backends.current.logicalNot(x)
    }

    /// The same values as another dtype. Float-to-float casts pass gradients through.
    public func cast(to dtype: DType) -> Tensor {
        dtype == self.dtype ? self : Tensor.castPrimitive(self, to: dtype)
    }
}

infix operator .&& : LogicalConjunctionPrecedence
infix operator .|| : LogicalDisjunctionPrecedence
prefix operator .!

/// `condition ? lhs : rhs` elementwise, broadcasting all three (PyTorch's `where`).
public func select(_ condition: Tensor, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    precondition(condition.dtype == .bool, "select: the condition must be bool, got \(condition.dtype)")
    precondition(lhs.dtype == rhs.dtype, "select: dtypes differ: \(lhs.dtype) and \(rhs.dtype)")
    guard let shape = Shape.broadcast(condition.shape, lhs.shape).flatMap({ Shape.broadcast($0, rhs.shape) }) else {
        preconditionFailure("select: shapes \(condition.shape), \(lhs.shape) and \(rhs.shape) cannot be broadcast together")
    }
    return Tensor.selectPrimitive(condition.expanded(to: shape), lhs.expanded(to: shape), rhs.expanded(to: shape))
}

/// The elementwise power `base ^ exponent` (floating-point).
public func pow(_ base: Tensor, _ exponent: Tensor) -> Tensor { Tensor.binary(.pow, base, exponent) }
/// The elementwise power `base ^ exponent` (floating-point).
public func pow(_ base: Tensor, _ exponent: Double) -> Tensor { pow(base, base.scalarLike(exponent)) }
/// The elementwise maximum; NaN propagates; a tie splits the gradient evenly.
public func maximum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor { Tensor.binary(.maximum, lhs, rhs) }
/// The elementwise minimum; NaN propagates; a tie splits the gradient evenly.
public func minimum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor { Tensor.binary(.minimum, lhs, rhs) }

public func abs(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.abs, x) }
/// -1, 0 or 1 by sign (zero gradient).
public func sign(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.sign, x) }
public func exp(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.exp, x) }
public func log(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.log, x) }
/// log(1 + x), accurate for small x.
public func log1p(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.log1p, x) }
/// exp(x) - 1, accurate for small x.
public func expm1(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.expm1, x) }
public func sqrt(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.sqrt, x) }
/// 1 / sqrt(x).
public func rsqrt(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.rsqrt, x) }
/// x * x.
public func square(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.square, x) }
public func sin(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.sin, x) }
public func cos(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.cos, x) }
public func tanh(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.tanh, x) }
/// 1 / (1 + exp(-x)).
public func sigmoid(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.sigmoid, x) }
/// max(x, 0); the gradient at 0 is 0, as in PyTorch.
public func relu(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.relu, x) }
/// log(1 + exp(x)), computed stably for large |x|.
public func softplus(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.softplus, x) }
/// The Gauss error function.
public func erf(_ x: Tensor) -> Tensor { Tensor.unaryPrimitive(.erf, x) }

extension Tensor {
    /// Method forms of the elementwise functions, for chaining.
    public func square() -> Tensor { Strata.square(self) }
    public func sqrt() -> Tensor { Strata.sqrt(self) }
    public func exp() -> Tensor { Strata.exp(self) }
    public func log() -> Tensor { Strata.log(self) }
    public func abs() -> Tensor { Strata.abs(self) }
}
