// Shape operations. Each returns a view of the same storage when the layout allows it.

extension Tensor {
    /// A dense row-major version (the same tensor when it already is one).
    public func contiguous() -> Tensor {
        isContiguous ? self : Tensor.contiguousPrimitive(self)
    }

    /// The same elements in a new shape with the same count; one dimension may be -1 (inferred).
    /// A view when the tensor is contiguous, else a copy.
    public func reshaped(to newShape: [Int]) -> Tensor {
        let shape = inferShape(newShape)
        if shape == self.shape { return self }
        let original = self.shape
        // A view whenever the merged or split dimensions are laid out compatibly (a transposed
        // matrix can still gain or lose size-1 axes); otherwise a dense copy first.
        let source = Shape.viewStrides(from: self.shape, strides, to: shape) != nil ? self : contiguous()
        let newStrides = Shape.viewStrides(from: source.shape, source.strides, to: shape)!
        return Tensor.viewPrimitive(source, shape: shape, strides: newStrides, offset: source.offset,
                                    DerivativeRules.reshape(from: original))
    }

    private func inferShape(_ newShape: [Int]) -> [Int] {
        let unknown = newShape.indices.filter { newShape[$0] == -1 }
        precondition(unknown.count <= 1, "reshape: \(shape) to \(newShape): at most one -1 is allowed")
        var shape = newShape
        if let axis = unknown.first {
            let known = Shape.count(newShape.enumerated().filter { $0.offset != axis }.map(\.element))
            precondition(known > 0 && scalarCount % known == 0,
                         "reshape: \(shape) cannot be inferred from \(scalarCount) elements")
            shape[axis] = scalarCount / known
        }
        precondition(shape.allSatisfy { $0 >= 0 } && Shape.count(shape) == scalarCount,
                     "reshape: \(self.shape) (\(scalarCount) elements) cannot become \(newShape)")
        return shape
    }

    /// Dimensions reordered: result dimension `i` is input dimension `axes[i]`. A view.
    public func permuted(_ axes: [Int]) -> Tensor {
        let normalized = axes.map { Shape.axis($0, rank: rank, op: "permute") }
        precondition(normalized.count == rank && Set(normalized).count == rank,
                     "permute: \(axes) is not a permutation of the \(rank) axes of \(shape)")
        if normalized == Array(0..<rank) { return self }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in normalized.enumerated() { inverse[axis] = position }
        return Tensor.viewPrimitive(self, shape: normalized.map { shape[$0] }, strides: normalized.map { strides[$0] },
                                    offset: offset, DerivativeRules.permute(inverse: inverse))
    }

    /// Two axes swapped (by default the last two). A view.
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        precondition(rank >= 2, "transpose: needs at least 2 dimensions, got \(shape)")
        var axes = Array(0..<rank)
        axes.swapAt(Shape.axis(first, rank: rank, op: "transpose"), Shape.axis(second, rank: rank, op: "transpose"))
        return permuted(axes)
    }

    /// A size-1 dimension inserted at `axis` (which may be `rank`, or negative). A view.
    public func unsqueezed(axis: Int) -> Tensor {
        let position = Shape.axis(axis, rank: rank + 1, op: "unsqueeze")
        var newShape = shape
        newShape.insert(1, at: position)
        return reshaped(to: newShape)
    }

    /// Size-1 dimensions removed: all of them, or only `axis`. A view.
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let position = Shape.axis(axis, rank: rank, op: "squeeze")
            guard shape[position] == 1 else { return self }
            var newShape = shape
            newShape.remove(at: position)
            return reshaped(to: newShape)
        }
        return reshaped(to: shape.filter { $0 != 1 })
    }

    /// Dimensions `startAxis...endAxis` merged into one.
    public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped(to: [1]) }
        let start = Shape.axis(startAxis, rank: rank, op: "flatten")
        let end = Shape.axis(endAxis, rank: rank, op: "flatten")
        precondition(start <= end, "flatten: startAxis \(startAxis) is after endAxis \(endAxis) for \(shape)")
        let merged = Shape.count(Array(shape[start...end]))
        return reshaped(to: Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]))
    }

    /// Broadcast to `newShape` with NumPy rules: size-1 (or missing leading) dimensions repeat
    /// without copying (stride 0). The gradient sums back to this shape.
    public func expanded(to newShape: [Int]) -> Tensor {
        if newShape == shape { return self }
        precondition(newShape.count >= rank, "expand: \(shape) cannot become the lower-rank \(newShape)")
        let lead = newShape.count - rank
        var newStrides = [Int](repeating: 0, count: newShape.count)
        for axis in 0..<rank {
            let target = newShape[lead + axis]
            if shape[axis] == target {
                newStrides[lead + axis] = strides[axis]
            } else {
                precondition(shape[axis] == 1, "expand: \(shape) cannot be broadcast to \(newShape)")
            }
        }
        return Tensor.viewPrimitive(self, shape: newShape, strides: newStrides, offset: offset, DerivativeRules.expand(from: shape))
    }

    /// Alias of `expanded(to:)`.
    public func broadcast(to newShape: [Int]) -> Tensor { expanded(to: newShape) }

    /// The gradient of a broadcast: sums over the dimensions that `expanded(to:)` added or repeated.
    func summedToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for axis in 0..<target.count where target[axis] == 1 && shape[lead + axis] != 1 {
            axes.append(lead + axis)
        }
        let summed = axes.isEmpty ? self : sum(alongAxes: axes, keepDims: true)
        return summed.reshaped(to: target)
    }
}

extension Shape {
    /// Strides that let a view of `shape`/`strides` take `newShape` without moving data, or nil
    /// when the elements would have to be copied (NumPy's no-copy reshape): each group of old
    /// dimensions that merges into (or splits from) new ones must be contiguous within itself.
    static func viewStrides(from shape: [Int], _ strides: [Int], to newShape: [Int]) -> [Int]? {
        if count(shape) == 0 { return contiguousStrides(newShape) }
        let kept = shape.indices.filter { shape[$0] != 1 }
        let oldSizes = kept.map { shape[$0] }, oldStrides = kept.map { strides[$0] }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var (oldStart, oldEnd, newStart, newEnd) = (0, 1, 0, 1)
        while newStart < newShape.count && oldStart < oldSizes.count {
            var newProduct = newShape[newStart], oldProduct = oldSizes[oldStart]
            while newProduct != oldProduct {
                if newProduct < oldProduct {
                    newProduct *= newShape[newEnd]
                    newEnd += 1
                } else {
                    oldProduct *= oldSizes[oldEnd]
                    oldEnd += 1
                }
            }
            for axis in oldStart..<(oldEnd - 1) where oldStrides[axis] != oldSizes[axis + 1] * oldStrides[axis + 1] {
                return nil
            }
            newStrides[newEnd - 1] = oldStrides[oldEnd - 1]
            for axis in stride(from: newEnd - 1, to: newStart, by: -1) {
                newStrides[axis - 1] = newStrides[axis] * newShape[axis]
            }
            (newStart, newEnd) = (newEnd, newEnd + 1)
            (oldStart, oldEnd) = (oldEnd, oldEnd + 1)
        }
        // Trailing size-1 dimensions: any stride will do.
        for axis in newStart..<newShape.count { newStrides[axis] = 1 }
        return newStrides
    }
}
