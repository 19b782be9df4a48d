import Foundation
import RealModule

/// Naive, obviously correct loops over strided views, in plain Swift: the executable
/// specification that the fast CPU backend is tested against.
public struct ReferenceBackend: Backend {
    public init() {}
    public var name: String { "reference" }

    public func copy(_ source: Tensor, into destination: Tensor) {
        precondition(source.shape == destination.shape && source.dtype == destination.dtype)
        let bytes = source.dtype.byteSize
        let from = source.rawElementPointer
        let to = destination.rawElementPointer
        StridedLoop(shape: source.shape, strides: [source.strides, destination.strides]).forEachElement { offsets in
            (to + offsets[1] * bytes).copyMemory(from: from + offsets[0] * bytes, byteCount: bytes)
        }
    }

    public func full(shape: [Int], value: Double, dtype: DType) -> Tensor {
        let result = Tensor(uninitializedShape: shape, dtype: dtype)
        func fill<T: TensorScalar>(_: T.Type) {
            result.elementPointer(as: T.self).initialize(repeating: T(doubleValue: value), count: result.scalarCount)
        }
        switch dtype {
        case .float32: fill(Float.self)
        case .float64: fill(Double.self)
        case .int32: fill(Int32.self)
        case .int64: fill(Int64.self)
        case .bool: fill(Bool.self)
        }
        return result
    }

    public func cast(_ x: Tensor, to dtype: DType) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape, dtype: dtype)
        func convert<From: TensorScalar, To: TensorScalar>(_: From.Type, _: To.Type) {
            let source = x.elementPointer(as: From.self)
            let target = result.elementPointer(as: To.self)
            let viaInteger = !From.dtype.isFloatingPoint && !To.dtype.isFloatingPoint
            StridedLoop(shape: x.shape, strides: [x.strides, result.strides]).forEachElement { o in
                let value = source[o[0]]
                target[o[1]] = viaInteger ? To(int64Value: value.int64Value)
                    : To.dtype.isInteger ? To(int64Value: value.int64Value) : To(doubleValue: value.doubleValue)
            }
        }
        func from<From: TensorScalar>(_ type: From.Type) {
            switch dtype {
            case .float32: convert(type, Float.self)
            case .float64: convert(type, Double.self)
            case .int32: convert(type, Int32.self)
            case .int64: convert(type, Int64.self)
            case .bool: convert(type, Bool.self)
            }
        }
        switch x.dtype {
        case .float32: from(Float.self)
        case .float64: from(Double.self)
        case .int32: from(Int32.self)
        case .int64: from(Int64.self)
        case .bool: from(Bool.self)
        }
        return result
    }

    public func unary(_ op: UnaryOperation, _ x: Tensor) -> Tensor {
        switch x.dtype {
        case .float32: return map(x, to: .float32) { (v: Float) in Self.apply(op, v) }
        case .float64: return map(x, to: .float64) { (v: Double) in Self.apply(op, v) }
        case .int32: return map(x, to: .int32) { (v: Int32) in Self.applyInteger(op, v) }
        case .int64: return map(x, to: .int64) { (v: Int64) in Self.applyInteger(op, v) }
        case .bool: preconditionFailure("unary \(op): bool tensors have no arithmetic")
        }
    }

    /// The definition of every unary operation on floating-point values.
    static func apply<T: Real & BinaryFloatingPoint>(_ op: UnaryOperation, _ v: T) -> T {
        switch op {
        case .negate: -v
        case .abs: Swift.abs(v)
        case .sign: v > 0 ? 1 : (v < 0 ? -1 : v)
        case .exp: T.exp(v)
        case .log: T.log(v)
        case .log1p: T.log(onePlus: v)
        case .expm1: T.expMinusOne(v)
        case .sqrt: T.sqrt(v)
        case .rsqrt: 1 / T.sqrt(v)
        case .square: v * v
        case .sin: T.sin(v)
        case .cos: T.cos(v)
        case .tanh: T.tanh(v)
        case .sigmoid: 1 / (1 + T.exp(-v))
        case .relu: v < 0 ? 0 : v
        case .softplus: Swift.max(v, 0) + T.log(onePlus: T.exp(-Swift.abs(v)))
        case .erf: T.erf(v)
        }
    }

    static func applyInteger<T: FixedWidthInteger & SignedInteger>(_ op: UnaryOperation, _ v: T) -> T {
        switch op {
        case .negate: 0 &- v
        case .abs: v < 0 ? 0 &- v : v
        case .sign: v > 0 ? 1 : (v < 0 ? -1 : 0)
        case .square: v &* v
        case .relu: v < 0 ? 0 : v
        default: preconditionFailure("unary \(op): needs a floating-point tensor, got \(T.self)")
        }
    }

    public func binary(_ op: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        switch lhs.dtype {
        case .float32: return zip(lhs, rhs, to: .float32) { (p: Float, q: Float) in Self.apply(op, p, q) }
        case .float64: return zip(lhs, rhs, to: .float64) { (p: Double, q: Double) in Self.apply(op, p, q) }
        case .int32: return zip(lhs, rhs, to: .int32) { (p: Int32, q: Int32) in Self.applyInteger(op, p, q) }
        case .int64: return zip(lhs, rhs, to: .int64) { (p: Int64, q: Int64) in Self.applyInteger(op, p, q) }
        case .bool: preconditionFailure("binary \(op): bool tensors have no arithmetic")
        }
    }

    /// The definition of every binary operation on floating-point values. NaN wins in
    /// maximum/minimum, as in PyTorch.
    static func apply<T: Real & BinaryFloatingPoint>(_ op: BinaryOperation, _ p: T, _ q: T) -> T {
        switch op {
        case .add: p + q
        case .subtract: p - q
        case .multiply: p * q
        case .divide: p / q
        case .pow: Self.power(p, q)
        case .maximum: p.isNaN ? p : (q.isNaN ? q : Swift.max(p, q))
        case .minimum: p.isNaN ? p : (q.isNaN ? q : Swift.min(p, q))
        }
    }

    /// C's `pow` (C99 Annex F, which NumPy and PyTorch follow), evaluated in float64:
    /// swift-numerics' `pow` is NaN for 0^0 and for every negative base, but `(-2)^3` is -8 and
    /// `x^0` is 1. Float32 results round once from float64, as precisely as `powf`.
    static func power<T: BinaryFloatingPoint>(_ p: T, _ q: T) -> T {
        T(Foundation.pow(Double(p), Double(q)))
    }

    static func applyInteger<T: FixedWidthInteger & SignedInteger>(_ op: BinaryOperation, _ p: T, _ q: T) -> T {
        switch op {
        case .add: p &+ q
        case .subtract: p &- q
        case .multiply: p &* q
        case .maximum: Swift.max(p, q)
        case .minimum: Swift.min(p, q)
        case .divide, .pow: preconditionFailure("binary \(op): needs floating-point tensors, got \(T.self)")
        }
    }

    public func compare(_ op: ComparisonOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        func run<T: NumericScalar>(_: T.Type) -> Tensor {
            zip(lhs, rhs, to: .bool) { (p: T, q: T) -> Bool in
                switch op {
                case .equal: p == q
                case .notEqual: p != q
                case .less: p < q
                case .lessOrEqual: p <= q
                case .greater: p > q
                case .greaterOrEqual: p >= q
                }
            }
        }
        switch lhs.dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        case .int32: return run(Int32.self)
        case .int64: return run(Int64.self)
        case .bool: preconditionFailure("compare \(op): bool tensors are compared with logical ops")
        }
    }

    public func logical(_ op: LogicalOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        zip(lhs, rhs, to: .bool) { (p: Bool, q: Bool) in op == .and ? (p && q) : (p || q) }
    }

    public func logicalNot(_ x: Tensor) -> Tensor {
        map(x, to: .bool) { (v: Bool) in !v }
    }

    public func select(_ condition: Tensor, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: lhs.shape, dtype: lhs.dtype)
        let bytes = lhs.dtype.byteSize
        let c = condition.elementPointer(as: Bool.self)
        let (a, b, y) = (lhs.rawElementPointer, rhs.rawElementPointer, result.rawElementPointer)
        StridedLoop(shape: lhs.shape, strides: [condition.strides, lhs.strides, rhs.strides, result.strides])
            .forEachElement { o in
                let source = c[o[0]] ? a + o[1] * bytes : b + o[2] * bytes
                (y + o[3] * bytes).copyMemory(from: source, byteCount: bytes)
            }
        return result
    }

    public func reduce(_ op: ReductionOperation, _ x: Tensor, axes: [Int]) -> Tensor {
        switch x.dtype {
        case .float32: return reduce(op, x, axes: axes, as: Float.self)
        case .float64: return reduce(op, x, axes: axes, as: Double.self)
        case .int32: return reduce(op, x, axes: axes, as: Int32.self)
        case .int64: return reduce(op, x, axes: axes, as: Int64.self)
        case .bool: preconditionFailure("reduce \(op): cast bool tensors to a numeric dtype first")
        }
    }

    private func reduce<T: NumericScalar>(_ op: ReductionOperation, _ x: Tensor, axes: [Int], as: T.Type) -> Tensor {
        var shape = x.shape
        for axis in axes { shape[axis] = 1 }
        let result = Tensor(uninitializedShape: shape, dtype: x.dtype)
        let y = result.elementPointer(as: T.self)
        let source = x.elementPointer(as: T.self)
        // The result's strides, with 0 along reduced axes, map each input element to its slot.
        var resultStrides = result.strides
        for axis in axes { resultStrides[axis] = 0 }
        var seen = [Bool](repeating: false, count: result.scalarCount)
        StridedLoop(shape: x.shape, strides: [x.strides, resultStrides]).forEachElement { o in
            let value = source[o[0]]
            let slot = o[1]
            if !seen[slot] {
                seen[slot] = true
                y[slot] = value
                return
            }
            let current = y[slot]
            switch op {
            case .sum: y[slot] = current + value
            case .max: y[slot] = Self.isNaN(current) ? current : (Self.isNaN(value) || value > current ? value : current)
            case .min: y[slot] = Self.isNaN(current) ? current : (Self.isNaN(value) || value < current ? value : current)
            }
        }
        if result.scalarCount > 0 && x.scalarCount == 0 {
            precondition(op == .sum, "reduce \(op): no elements along the reduced axes of \(x.shape)")
            y.initialize(repeating: .zero, count: result.scalarCount)
        }
        return result
    }

    private static func isNaN<T: NumericScalar>(_ value: T) -> Bool { value != value }

    public func argReduce(maximum: Bool, _ x: Tensor, axis: Int) -> Tensor {
        func run<T: NumericScalar>(_: T.Type) -> Tensor {
            precondition(x.shape[axis] > 0, "argmax/argmin: axis \(axis) of \(x.shape) is empty")
            var shape = x.shape
            shape[axis] = 1
            let result = Tensor(uninitializedShape: shape, dtype: .int64)
            let y = result.elementPointer(as: Int64.self)
            let source = x.elementPointer(as: T.self)
            var best = [T](repeating: .zero, count: result.scalarCount)
            var resultStrides = result.strides
            resultStrides[axis] = 0
            var axisStrides = [Int](repeating: 0, count: x.rank)
            axisStrides[axis] = 1
            StridedLoop(shape: x.shape, strides: [x.strides, resultStrides, axisStrides]).forEachElement { o in
                let value = source[o[0]]
                let slot = o[1]
                // The first NaN wins; otherwise the first extreme value.
                if o[2] == 0 || (!Self.isNaN(best[slot]) && (Self.isNaN(value) || (maximum ? value > best[slot] : value < best[slot]))) {
                    best[slot] = value
                    y[slot] = Int64(o[2])
                }
            }
            return result
        }
        switch x.dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        case .int32: return run(Int32.self)
        case .int64: return run(Int64.self)
        case .bool: preconditionFailure("argmax/argmin: cast bool tensors to a numeric dtype first")
        }
    }

    public func matmul(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        func run<T: NumericScalar>(_: T.Type) -> Tensor {
            let (batch, m, k, n) = (lhs.shape[0], lhs.shape[1], lhs.shape[2], rhs.shape[2])
            let result = Tensor(uninitializedShape: [batch, m, n], dtype: lhs.dtype)
            let a = lhs.elementPointer(as: T.self), b = rhs.elementPointer(as: T.self)
            let y = result.elementPointer(as: T.self)
            let (sa, sb) = (lhs.strides, rhs.strides)
            for p in 0..<batch {
                for i in 0..<m {
                    for j in 0..<n {
                        var total = T.zero
                        for l in 0..<k {
                            total += a[p * sa[0] + i * sa[1] + l * sa[2]] * b[p * sb[0] + l * sb[1] + j * sb[2]]
                        }
                        y[(p * m + i) * n + j] = total
                    }
                }
            }
            return result
        }
        switch lhs.dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        case .int32: return run(Int32.self)
        case .int64: return run(Int64.self)
        case .bool: preconditionFailure("matmul: bool tensors have no arithmetic")
        }
    }

    public func gather(_ x: Tensor, axis: Int, index: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: index.shape, dtype: x.dtype)
        let bytes = x.dtype.byteSize
        let indices = index.elementPointer(as: Int64.self)
        let (source, y) = (x.rawElementPointer, result.rawElementPointer)
        // x's strides with the gathered axis zeroed locate the other coordinates.
        var xStrides = x.strides
        xStrides[axis] = 0
        StridedLoop(shape: index.shape, strides: [index.strides, xStrides, result.strides]).forEachElement { o in
            let position = Self.checkedIndex(indices[o[0]], size: x.shape[axis], op: "gather")
            (y + o[2] * bytes).copyMemory(from: source + (o[1] + position * x.strides[axis]) * bytes, byteCount: bytes)
        }
        return result
    }

    public func scatterAdd(_ base: Tensor, axis: Int, index: Tensor, source: Tensor) -> Tensor {
        func run<T: NumericScalar>(_: T.Type) -> Tensor {
            let result = contiguous(base)
            let y = result.elementPointer(as: T.self)
            let s = source.elementPointer(as: T.self)
            let indices = index.elementPointer(as: Int64.self)
            var targetStrides = result.strides
            targetStrides[axis] = 0
            StridedLoop(shape: index.shape, strides: [index.strides, source.strides, targetStrides]).forEachElement { o in
                let position = Self.checkedIndex(indices[o[0]], size: base.shape[axis], op: "scatterAdd")
                y[o[2] + position * result.strides[axis]] += s[o[1]]
            }
            return result
        }
        switch base.dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        case .int32: return run(Int32.self)
        case .int64: return run(Int64.self)
        case .bool: preconditionFailure("scatterAdd: bool tensors have no arithmetic")
        }
    }

    static func checkedIndex(_ index: Int64, size: Int, op: String) -> Int {
        precondition(index >= 0 && index < size, "\(op): index \(index) is out of bounds for an axis of size \(size)")
        return Int(index)
    }

    // MARK: - Loops

    private func map<T: TensorScalar, R: TensorScalar>(_ x: Tensor, to dtype: DType, _ f: (T) -> R) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape, dtype: dtype)
        let source = x.elementPointer(as: T.self)
        let y = result.elementPointer(as: R.self)
        StridedLoop(shape: x.shape, strides: [x.strides, result.strides]).forEachElement { o in
            y[o[1]] = f(source[o[0]])
        }
        return result
    }

    private func zip<T: TensorScalar, R: TensorScalar>(_ lhs: Tensor, _ rhs: Tensor, to dtype: DType, _ f: (T, T) -> R) -> Tensor {
        let result = Tensor(uninitializedShape: lhs.shape, dtype: dtype)
        let (a, b) = (lhs.elementPointer(as: T.self), rhs.elementPointer(as: T.self))
        let y = result.elementPointer(as: R.self)
        StridedLoop(shape: lhs.shape, strides: [lhs.strides, rhs.strides, result.strides]).forEachElement { o in
            y[o[2]] = f(a[o[0]], b[o[1]])
        }
        return result
    }
}
