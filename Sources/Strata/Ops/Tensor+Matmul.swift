/// The matrix product with NumPy's rules: `[..., m, k] x [..., k, n] -> [..., m, n]` with
/// broadcast batch dimensions; a 1-D operand is a vector (its axis is removed from the result).
///
///     let logits = matmul(x, weight.transposed())   // [batch, in] x [in, out]
public func matmul(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
    precondition(lhs.rank >= 1 && rhs.rank >= 1, "matmul: operands need at least one dimension, got \(lhs.shape) and \(rhs.shape)")
    precondition(lhs.dtype == rhs.dtype, "matmul: dtypes differ: lhs \(lhs.dtype), rhs \(rhs.dtype)")
    precondition(lhs.dtype != .bool, "matmul: bool tensors have no arithmetic")
    let a = lhs.rank == 1 ? lhs.unsqueezed(axis: 0) : lhs
    let b = rhs.rank == 1 ? rhs.unsqueezed(axis: -1) : rhs
    let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
    precondition(b.shape[b.rank - 2] == k,
                 "matmul: lhs \(lhs.shape) and rhs \(rhs.shape): inner dimensions \(k) != \(b.shape[b.rank - 2])")
    let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
    guard let batch = Shape.broadcast(aBatch, bBatch) else {
        preconditionFailure("matmul: batch dimensions of \(lhs.shape) and \(rhs.shape) cannot be broadcast")
    }
    let product: Tensor
    if bBatch.isEmpty && !aBatch.isEmpty {
        // [..., m, k] x [k, n]: one GEMM over all rows.
        // The row count is explicit: -1 cannot be inferred when k = 0 leaves no elements.
        let rows = a.reshaped(to: [1, Shape.count(aBatch) * m, k])
        product = Tensor.matmulPrimitive(rows, b.unsqueezed(axis: 0)).reshaped(to: batch + [m, n])
    } else {
        let count = Shape.count(batch)
        let a3 = a.expanded(to: batch + [m, k]).reshaped(to: [count, m, k])
        let b3 = b.expanded(to: batch + [k, n]).reshaped(to: [count, k, n])
        product = Tensor.matmulPrimitive(a3, b3).reshaped(to: batch + [m, n])
    }
    var result = product
    if rhs.rank == 1 { result = result.squeezed(axis: -1) }
    if lhs.rank == 1 { result = result.squeezed(axis: -1 - (rhs.rank == 1 ? 0 : 1)) }
    return result
}
