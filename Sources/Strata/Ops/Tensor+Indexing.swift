// Gather and scatter along an axis, with PyTorch's semantics.

extension Tensor {
    private func checkIndex(_ index: Tensor, axis: Int, against shape: [Int], op: String) {
        precondition(index.dtype == .int64 || index.dtype == .int32, "\(op): indices must be int64 or int32, got \(index.dtype)")
        precondition(index.rank == shape.count,
                     "\(op): index \(index.shape) must have the rank of \(shape)")
        for d in 0..<shape.count where d != axis {
            precondition(index.shape[d] <= shape[d], "\(op): index \(index.shape) exceeds \(shape) along axis \(d)")
        }
    }

    /// `result[i][j] = self[index[i][j]][j]` for axis 0 (and likewise for other axes); `index`
    /// (int64) has this tensor's rank, and the result has `index`'s shape. Out-of-range indices trap.
    public func gathering(along axis: Int, index: Tensor) -> Tensor {
        let axis = Shape.axis(axis, rank: rank, op: "gather")
        checkIndex(index, axis: axis, against: shape, op: "gather")
        return Tensor.gatherPrimitive(self, axis: axis, index: index.cast(to: .int64))
    }

    /// The slices at `indices` (1-D, int64) along `axis`: shape is this shape with
    /// `shape[axis] = indices.count` (an embedding lookup is `table.indexSelect(axis: 0, ...)`).
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        let axis = Shape.axis(axis, rank: rank, op: "indexSelect")
        precondition(indices.rank == 1, "indexSelect: indices must be 1-D, got \(indices.shape)")
        var resultShape = shape
        resultShape[axis] = indices.shape[0]
        var indexShape = [Int](repeating: 1, count: rank)
        indexShape[axis] = indices.shape[0]
        return gathering(along: axis, index: indices.cast(to: .int64).reshaped(to: indexShape).expanded(to: resultShape))
    }

    /// A copy with `result[index[i][j]][j] += source[i][j]` for axis 0 (and likewise for other
    /// axes); repeated indices accumulate. `index` has `source`'s shape.
    public func scatterAdding(along axis: Int, index: Tensor, source: Tensor) -> Tensor {
        let axis = Shape.axis(axis, rank: rank, op: "scatterAdd")
        checkIndex(index, axis: axis, against: shape, op: "scatterAdd")
        precondition(index.shape == source.shape, "scatterAdd: index \(index.shape) and source \(source.shape) differ")
        precondition(source.dtype == dtype, "scatterAdd: source dtype \(source.dtype) differs from \(dtype)")
        return Tensor.scatterAddPrimitive(self, axis: axis, index: index.cast(to: .int64), source: source)
    }
}
