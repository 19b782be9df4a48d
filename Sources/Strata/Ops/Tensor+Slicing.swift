/// One axis of a subscript: a single position (the axis is dropped), a strided range, or all.
///
///     x[.all, .range(1..<3)]          // columns 1 and 2
///     x[2, .range(0, nil, step: 2)]    // even columns of row 2
public enum TensorIndex: ExpressibleByIntegerLiteral, Sendable {
    /// One position; negative counts from the end. The axis is removed.
    case index(Int)
    /// `start..<end` by `step` (Python's `start:end:step`); nil bounds mean the ends, negative
    /// bounds count from the end, and out-of-range bounds are clamped.
    case range(Int?, Int?, step: Int)
    /// The whole axis.
    case all

    public init(integerLiteral value: Int) { self = .index(value) }

    /// The positions `range`, by `step`.
    public static func range(_ range: Range<Int>, step: Int = 1) -> TensorIndex {
        .range(range.lowerBound, range.upperBound, step: step)
    }
}

extension Tensor {
    /// A view of the elements selected by one index per leading axis (missing trailing axes are
    /// taken whole).
    public subscript(_ indices: TensorIndex...) -> Tensor {
        precondition(indices.count <= rank, "subscript: \(indices.count) indices for a tensor of shape \(shape)")
        var result = self
        var dropped: [Int] = []
        for (axis, index) in indices.enumerated() {
            switch index {
            case .all:
                continue
            case .index(let position):
                let size = shape[axis]
                let normalized = position < 0 ? position + size : position
                precondition(normalized >= 0 && normalized < size,
                             "subscript: index \(position) is out of range for axis \(axis) of \(shape)")
                result = result.sliced(axis: axis, start: normalized, end: normalized + 1)
                dropped.append(axis)
            case .range(let start, let end, let step):
                result = result.sliced(axis: axis, start: start, end: end, step: step)
            }
        }
        return dropped.isEmpty ? result : result.squeezedAxes(dropped)
    }

    /// The rows `range` along the first axis (a view).
    public subscript(_ range: Range<Int>) -> Tensor {
        sliced(axis: 0, start: range.lowerBound, end: range.upperBound)
    }

    /// Positions `start..<end` by `step` along `axis`, as a view; bounds follow Python slicing
    /// (nil for the ends, negative from the end, clamped). The gradient fills the rest with zeros.
    public func sliced(axis: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
        precondition(step > 0, "slice: step must be positive, got \(step)")
        let axis = Shape.axis(axis, rank: rank, op: "slice")
        let size = shape[axis]
        func clamp(_ bound: Int?, default value: Int) -> Int {
            guard let bound else { return value }
            return Swift.min(Swift.max(bound < 0 ? bound + size : bound, 0), size)
        }
        let lower = clamp(start, default: 0)
        let upper = Swift.max(clamp(end, default: size), lower)
        let count = (upper - lower + step - 1) / step
        if lower == 0 && count == size && step == 1 { return self }
        var newShape = shape
        newShape[axis] = count
        var newStrides = strides
        newStrides[axis] = strides[axis] * step
        // Where the slice sits in a dense tensor of the original shape, for the gradient.
        let dense = Shape.contiguousStrides(shape)
        var regionStrides = dense
        regionStrides[axis] = dense[axis] * step
        let region = Region(offset: lower * dense[axis], strides: regionStrides)
        return Tensor.slicePrimitive(self, shape: newShape, strides: newStrides, offset: offset + lower * strides[axis],
                                     region: region)
    }
}
