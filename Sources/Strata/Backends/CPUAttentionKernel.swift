import CStrataKernels

// The fused float32 attention kernel (Sources/CStrataKernels/Attention.c): the forward pass keeps
// only the output and each row's log-sum-exp, and the backward kernel recomputes the scores from
// them. The slices (the leading dimensions flattened) and, in the forward pass, blocks of 32
// query rows are spread over the pool. Query, key, value and output gradient are read in place
// whenever their rows are contiguous (`Operand`): the heads of a packed q/k/v projection, permuted
// to [batch, heads, length, depth], are not copied.

/// The CPU backend's fused attention, float32, the kernel behind `scaledDotProductAttention`.
struct CPUAttentionKernel: AttentionKernel {
    func supports(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?) -> Bool {
        query.dtype == .float32 && mask?.isTrackingGradient != true
    }

    func forward(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double) -> AttentionForward {
        let layout = AttentionLayout(query: query, key: key, value: value, mask: mask)
        let (q, k, v) = (Operand(query), Operand(key), Operand(value))
        let output = Tensor(uninitializedShape: Array(query.shape.dropLast()) + [layout.valueDepth], dtype: .float32)
        let logSumExp = Tensor(uninitializedShape: Array(query.shape.dropLast()), dtype: .float32)
        let blocks = (layout.rows + 31) / 32
        withExtendedLifetime((q, k, v, layout)) {
            ThreadPool.shared.forEachChunk(of: layout.slices * blocks, grain: 1) { parts in
                for part in parts {
                    let (slice, block) = part.quotientAndRemainder(dividingBy: blocks)
                    strata_attention_forward_f32(
                        q.rows(slice), k.rows(slice), v.rows(slice), layout.mask(slice: slice), layout.maskRowStride,
                        layout.maskColumnStride, output.elementPointer(as: Float.self) + slice * layout.rows * layout.valueDepth,
                        logSumExp.elementPointer(as: Float.self) + slice * layout.rows, layout.keys, layout.depth,
                        layout.valueDepth, q.rowStride, k.rowStride, v.rowStride, Float(scale), causal ? 1 : 0, block * 32,
                        min(layout.rows, (block + 1) * 32))
                }
            }
        }
        return AttentionForward(output: output, logSumExp: logSumExp)
    }

    func backward(_ gradient: Tensor, query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double,
                  forward: AttentionForward) -> (query: Tensor, key: Tensor, value: Tensor) {
        let layout = AttentionLayout(query: query, key: key, value: value, mask: mask)
        let (q, k, v, g) = (Operand(query), Operand(key), Operand(value), Operand(gradient))
        let (output, logSumExp) = (dense(forward.output), dense(forward.logSumExp))
        let (dq, dk, dv) = (Tensor(uninitializedShape: query.shape, dtype: .float32),
                            Tensor(uninitializedShape: key.shape, dtype: .float32),
                            Tensor(uninitializedShape: value.shape, dtype: .float32))
        withExtendedLifetime((q, k, v, g, output, logSumExp, layout)) {
            ThreadPool.shared.forEachChunk(of: layout.slices, grain: 1) { slices in
                for slice in slices {
                    let (rowOffset, keyOffset) = (slice * layout.rows, slice * layout.keys)
                    strata_attention_backward_f32(
                        q.rows(slice), k.rows(slice), v.rows(slice), layout.mask(slice: slice), layout.maskRowStride,
                        layout.maskColumnStride, output.elementPointer(as: Float.self) + rowOffset * layout.valueDepth,
                        g.rows(slice), logSumExp.elementPointer(as: Float.self) + rowOffset,
                        dq.elementPointer(as: Float.self) + rowOffset * layout.depth,
                        dk.elementPointer(as: Float.self) + keyOffset * layout.depth,
                        dv.elementPointer(as: Float.self) + keyOffset * layout.valueDepth,
                        layout.rows, layout.keys, layout.depth, layout.valueDepth, q.rowStride, k.rowStride, v.rowStride,
                        g.rowStride, Float(scale), causal ? 1 : 0)
                }
            }
        }
        return (dq, dk, dv)
    }
}

private func dense(_ x: Tensor) -> Tensor {
    x.isContiguous ? x.detached : Backends.current.contiguous(x)
}

/// A query, key, value or output-gradient operand `[..., rows, width]` as the kernel reads it:
/// each row contiguous and `rowStride` floats after the one before, each slice (the leading
/// indices flattened) wherever the tensor's strides put it. A tensor whose rows are not
/// contiguous is copied dense first.
private struct Operand: @unchecked Sendable {
    let tensor: Tensor
    let rowStride: Int
    let leading: [Int]
    let leadingStrides: [Int]

    init(_ x: Tensor) {
        let rank = x.rank
        tensor = x.strides[rank - 1] == 1 || x.shape[rank - 1] <= 1 ? x.detached : dense(x)
        // A single row's stride is never used to step; the width keeps it valid.
        rowStride = tensor.shape[rank - 2] > 1 ? tensor.strides[rank - 2] : tensor.shape[rank - 1]
        leading = Array(tensor.shape.dropLast(2))
        leadingStrides = Array(tensor.strides.dropLast(2))
    }

    /// The first row of `slice`.
    func rows(_ slice: Int) -> UnsafeMutablePointer<Float> {
        var (remaining, offset) = (slice, 0)
        for axis in leading.indices.reversed() {
            offset += remaining % leading[axis] * leadingStrides[axis]
            remaining /= leading[axis]
        }
        return tensor.elementPointer(as: Float.self) + offset
    }
}

/// Sizes of one attention call and where each slice's operands start. The additive mask is the
/// bool or float mask as float32 zeros and -inf, broadcast with zero strides rather than copied.
private struct AttentionLayout: @unchecked Sendable {
    let slices, rows, keys, depth, valueDepth: Int
    let mask: Tensor?
    /// The mask's stride for each leading dimension (0 where it broadcasts).
    let maskSliceStrides: [Int]
    let leading: [Int]
    let maskRowStride, maskColumnStride: Int

    init(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?) {
        leading = Array(query.shape.dropLast(2))
        slices = Shape.count(leading)
        (rows, depth) = (query.shape[query.rank - 2], query.shape[query.rank - 1])
        (keys, valueDepth) = (key.shape[key.rank - 2], value.shape[value.rank - 1])
        guard let mask else {
            (self.mask, maskSliceStrides, maskRowStride, maskColumnStride) = (nil, [], 0, 0)
            return
        }
        let additive = withoutGradients {
            mask.dtype == .bool ? select(mask, Tensor(0, dtype: .float32), Tensor(-Double.infinity, dtype: .float32)) : mask
        }
        let padded = dense(additive.reshaped(to: Array(repeating: 1, count: query.rank - additive.rank) + additive.shape))
        let strides = zip(padded.shape, padded.strides).map { size, stride in size == 1 ? 0 : stride }
        self.mask = padded
        maskSliceStrides = Array(strides.dropLast(2))
        (maskRowStride, maskColumnStride) = (strides[strides.count - 2], strides[strides.count - 1])
    }

    /// The mask's element (0, 0) for `slice`, or nil without a mask.
    func mask(slice: Int) -> UnsafeMutablePointer<Float>? {
        guard let mask else { return nil }
        var (remaining, offset) = (slice, 0)
        for axis in leading.indices.reversed() {
            offset += remaining % leading[axis] * maskSliceStrides[axis]
            remaining /= leading[axis]
        }
        return mask.elementPointer(as: Float.self) + offset
    }
}
