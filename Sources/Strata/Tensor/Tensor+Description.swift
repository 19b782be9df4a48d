import Foundation

extension Tensor: CustomStringConvertible {
    /// Nested brackets like NumPy, with the shape and dtype; long dimensions show their first and
    /// last three entries.
    public var description: String {
        let values = scalars(as: Double.self)
        func format(_ value: Double) -> String {
            switch dtype {
            case .bool: return value != 0 ? "true" : "false"
            case .int32, .int64: return String(Int64(value))
            case .float32, .float64:
                if value.isNaN { return "nan" }
                if value.isInfinite { return value > 0 ? "inf" : "-inf" }
                return String(format: "%.4f", value)
            }
        }
        let strides = Shape.contiguousStrides(shape)
        func render(axis: Int, start: Int, indent: Int) -> String {
            if axis == rank { return format(values[start]) }
            let size = shape[axis]
            let shown: [Int?] = size > 6 ? [0, 1, 2, nil, size - 3, size - 2, size - 1] : (0..<size).map { $0 }
            let separator = axis == rank - 1 ? ", " : ",\n" + String(repeating: " ", count: indent + 1)
            let items = shown.map { index in
                index.map { render(axis: axis + 1, start: start + $0 * strides[axis], indent: indent + 1) } ?? "..."
            }
            return "[" + items.joined(separator: separator) + "]"
        }
        let body = scalarCount == 0 ? "[]" : render(axis: 0, start: 0, indent: 7)
        return "tensor(\(body), shape: \(shape), dtype: \(dtype))"
    }
}

extension Tensor {
    /// Whether both tensors have one shape and every pair of elements satisfies
    /// `|a - b| <= absoluteTolerance + relativeTolerance * |b|` (NumPy's `allclose`); NaNs
    /// compare equal to NaNs.
    public func isApproximatelyEqual(to other: Tensor, relativeTolerance: Double = 1e-5,
                                     absoluteTolerance: Double = 1e-8) -> Bool {
        maximumMismatch(from: other, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance) == nil
    }

    /// The first element that breaks the tolerance, for test messages: its flat index and both
    /// values; nil when every element is within tolerance.
    public func maximumMismatch(from other: Tensor, relativeTolerance: Double = 1e-5,
                                absoluteTolerance: Double = 1e-8) -> (index: Int, value: Double, expected: Double)? {
        guard shape == other.shape else { return (-1, .nan, .nan) }
        let lhs = scalars(as: Double.self), rhs = other.scalars(as: Double.self)
        for index in lhs.indices {
            let (a, b) = (lhs[index], rhs[index])
            if a.isNaN && b.isNaN { continue }
            if a == b { continue }
            if !(Swift.abs(a - b) <= absoluteTolerance + relativeTolerance * Swift.abs(b)) { return (index, a, b) }
        }
        return nil
    }
}
