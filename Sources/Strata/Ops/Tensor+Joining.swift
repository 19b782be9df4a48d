// Joining and splitting: concat, stack, split, chunk, pad.

extension Tensor {
    /// The tensors joined along `axis`; all other dimensions and the dtype must agree.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat: needs at least one tensor")
        let first = tensors[0]
        let axis = Shape.axis(axis, rank: first.rank, op: "concat")
        for tensor in tensors {
            precondition(tensor.dtype == first.dtype, "concat: dtypes differ: \(first.dtype) and \(tensor.dtype)")
            precondition(tensor.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] },
                         "concat: shapes \(tensors.map(\.shape)) differ outside axis \(axis)")
        }
        if tensors.count == 1 { return first }
        var shape = first.shape
        shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let dense = Shape.contiguousStrides(shape)
        var start = 0
        var parts: [(Tensor, Region)] = []
        for tensor in tensors {
            parts.append((tensor, Region(offset: start * dense[axis], strides: dense)))
            start += tensor.shape[axis]
        }
        return assemblePrimitive(shape: shape, dtype: first.dtype, fill: 0, parts: parts)
    }

    /// The tensors (all of one shape) stacked along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: needs at least one tensor")
        precondition(tensors.allSatisfy { $0.shape == tensors[0].shape }, "stack: shapes \(tensors.map(\.shape)) differ")
        return concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }

    /// Consecutive pieces of the given sizes along `axis` (views); the sizes must add up.
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let position = Shape.axis(axis, rank: rank, op: "split")
        precondition(sizes.reduce(0, +) == shape[position] && sizes.allSatisfy { $0 >= 0 },
                     "split: sizes \(sizes) do not add up to \(shape[position]) along axis \(axis) of \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: position, start: start, end: start + size)
        }
    }

    /// `count` pieces of equal size along `axis` (the last may be smaller), as PyTorch's chunk.
    public func chunked(_ count: Int, axis: Int = 0) -> [Tensor] {
        precondition(count > 0, "chunk: count must be positive, got \(count)")
        let position = Shape.axis(axis, rank: rank, op: "chunk")
        let size = shape[position]
        let piece = Swift.max(1, (size + count - 1) / count)
        return stride(from: 0, to: size, by: piece).map { sliced(axis: position, start: $0, end: Swift.min($0 + piece, size)) }
    }

    /// Padded with `value`: one `(before, after)` pair per axis, applied to the last
    /// `padding.count` axes (so `[(1, 1), (2, 2)]` pads the last two).
    public func padded(_ padding: [(before: Int, after: Int)], value: Double = 0) -> Tensor {
        precondition(padding.count <= rank, "pad: \(padding.count) pairs for a tensor of shape \(shape)")
        precondition(padding.allSatisfy { $0.before >= 0 && $0.after >= 0 }, "pad: padding must not be negative")
        let lead = rank - padding.count
        var newShape = shape
        for (index, pair) in padding.enumerated() { newShape[lead + index] += pair.before + pair.after }
        let dense = Shape.contiguousStrides(newShape)
        var offset = 0
        for (index, pair) in padding.enumerated() { offset += pair.before * dense[lead + index] }
        return Tensor.assemblePrimitive(shape: newShape, dtype: dtype, fill: value,
                                        parts: [(self, Region(offset: offset, strides: dense))])
    }
}
