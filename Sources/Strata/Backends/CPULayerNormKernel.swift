import CStrataKernels

/// The CPU backend's fused layer normalization, float32, the kernel behind `layerNormalization`
/// (whose composite of reductions and elementwise ops is its specification): one C kernel per
/// direction over a dense [rows, n] view, rows split across the pool. The weight and bias
/// gradients are summed per block of `blockRows` rows, then the blocks in order, so results do
/// not depend on the thread count.
struct CPULayerNormKernel: LayerNormKernel {
    private static let blockRows = 64

    func supports(_ x: Tensor, normalizedCount: Int) -> Bool {
        x.dtype == .float32 && x.scalarCount > 0 && normalizedCount > 0
    }

    func forward(_ x: Tensor, normalizedCount n: Int, weight: Tensor?, bias: Tensor?, epsilon: Double) -> LayerNormalization {
        let rows = x.scalarCount / n
        let (source, w, b) = (dense(x), weight.map(dense), bias.map(dense))
        let output = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let mean = Tensor(uninitializedShape: [rows], dtype: .float32)
        let inverse = Tensor(uninitializedShape: [rows], dtype: .float32)
        let (xs, ys) = (source.elementPointer(as: Float.self), output.elementPointer(as: Float.self))
        let (ws, bs) = (w.map { UnsafePointer($0.elementPointer(as: Float.self)) },
                        b.map { UnsafePointer($0.elementPointer(as: Float.self)) })
        let (means, inverses) = (mean.elementPointer(as: Float.self), inverse.elementPointer(as: Float.self))
        withExtendedLifetime((source, w, b)) {
            ThreadPool.shared.forEachChunk(of: rows, grain: max(1, CPUBackend.parallelGrain / n)) { range in
                strata_layer_norm_forward_f32(xs, ws, bs, ys, means, inverses, n, epsilon, range.lowerBound, range.upperBound)
            }
        }
        return LayerNormalization(output: output, mean: mean, inverseStandardDeviation: inverse)
    }

    func backward(_ gradient: Tensor, _ x: Tensor, normalizedCount n: Int, forward: LayerNormalization,
                  weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let rows = x.scalarCount / n
        let blocks = (rows + Self.blockRows - 1) / Self.blockRows
        let (g, source, w) = (dense(gradient), dense(x), weight.map(dense))
        let (mean, inverse) = (dense(forward.mean), dense(forward.inverseStandardDeviation))
        let dx = Tensor(uninitializedShape: x.shape, dtype: .float32)
        // Per block: the column sums of g x̂ (row 2 block) and of g (row 2 block + 1).
        let partials = Tensor.zeros([blocks, 2, n], dtype: .float32)
        let (gs, xs, dxs, ps) = (g.elementPointer(as: Float.self), source.elementPointer(as: Float.self),
                                 dx.elementPointer(as: Float.self), partials.elementPointer(as: Float.self))
        let (means, inverses) = (mean.elementPointer(as: Float.self), inverse.elementPointer(as: Float.self))
        let ws = w.map { UnsafePointer($0.elementPointer(as: Float.self)) }
        withExtendedLifetime((g, source, w, mean, inverse)) {
            ThreadPool.shared.forEachChunk(of: blocks, grain: max(1, CPUBackend.parallelGrain / (n * Self.blockRows))) { range in
                for block in range {
                    let start = block * Self.blockRows
                    strata_layer_norm_backward_f32(gs, xs, means, inverses, ws, dxs, ps + 2 * block * n, ps + (2 * block + 1) * n,
                                                   n, start, min(rows, start + Self.blockRows))
                }
            }
        }
        let sums = partials.sum(alongAxes: [0])
        let shape = weight?.shape ?? Array(x.shape.suffix(1))
        return (dx, sums[.index(0)].reshaped(to: shape), sums[.index(1)].reshaped(to: shape))
    }

    /// `x` itself when dense, else a dense copy.
    private func dense(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : CPUBackend.shared.contiguous(x)
    }
}
