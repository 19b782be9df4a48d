import CStrataKernels

/// The CPU backend's fused batch normalization in training, float32, the kernel behind
/// `batchNormTraining` (whose composite of reductions and elementwise ops is its specification):
/// one C kernel per direction over a dense [batch, channels, inner] view, channels split across
/// the pool. A channel's statistics come from one thread in a fixed summation order (see
/// BatchNorm.c), so results do not depend on timing.
struct CPUBatchNormTrainingKernel: BatchNormTrainingKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(_ x: Tensor) -> Bool {
        x.dtype == .float32 && x.scalarCount > 0
    }

    func forward(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) -> BatchNormalization {
        let (batch, channels, inner) = Self.layout(x.shape)
        let (source, w, b) = (denseCopy(x), weight.map(denseCopy), bias.map(denseCopy))
        let output = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let statistics = (0..<3).map { _ in Tensor(uninitializedShape: [channels], dtype: .float32) }
        let (xs, ys) = (source.elementPointer(as: Float.self), output.elementPointer(as: Float.self))
        let (ws, bs) = (w.map { UnsafePointer($0.elementPointer(as: Float.self)) },
                        b.map { UnsafePointer($0.elementPointer(as: Float.self)) })
        let (mean, variance, inverse) = (statistics[0].elementPointer(as: Float.self), statistics[1].elementPointer(as: Float.self),
                                         statistics[2].elementPointer(as: Float.self))
        withExtendedLifetime((source, w, b)) {
            forEachChannelChunk(channels: channels, perChannel: batch * inner) { range in
                strata_batch_norm_forward_f32(xs, ws, bs, ys, mean, variance, inverse, batch, channels, inner, epsilon,
                                              range.lowerBound, range.upperBound)
            }
        }
        return BatchNormalization(output: output, mean: statistics[0], variance: statistics[1],
                                  inverseStandardDeviation: statistics[2])
    }

    func backward(_ gradient: Tensor, _ x: Tensor, mean: Tensor, inverseStandardDeviation: Tensor,
                  weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let (batch, channels, inner) = Self.layout(x.shape)
        let (g, source, mu, s, w) = (denseCopy(gradient), denseCopy(x), denseCopy(mean), denseCopy(inverseStandardDeviation),
                                     weight.map(denseCopy))
        let dx = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let dWeight = Tensor(uninitializedShape: [channels], dtype: .float32)
        let dBias = Tensor(uninitializedShape: [channels], dtype: .float32)
        let (gs, xs, mus, ss) = (g.elementPointer(as: Float.self), source.elementPointer(as: Float.self),
                                 mu.elementPointer(as: Float.self), s.elementPointer(as: Float.self))
        let ws = w.map { UnsafePointer($0.elementPointer(as: Float.self)) }
        let (dxs, dws, dbs) = (dx.elementPointer(as: Float.self), dWeight.elementPointer(as: Float.self),
                               dBias.elementPointer(as: Float.self))
        withExtendedLifetime((g, source, mu, s, w)) {
            forEachChannelChunk(channels: channels, perChannel: batch * inner) { range in
                strata_batch_norm_backward_f32(gs, xs, mus, ss, ws, dxs, dws, dbs, batch, channels, inner,
                                               range.lowerBound, range.upperBound)
            }
        }
        return (dx, dWeight, dBias)
    }

    /// `(batch, channels, inner)`: the [n, c, inner] view of a batch-normalized shape.
    static func layout(_ shape: [Int]) -> (batch: Int, channels: Int, inner: Int) {
        (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
    }

    /// Runs `body` over chunks of channels across the pool, each chunk about `parallelGrain` values or more.
    private func forEachChannelChunk(channels: Int, perChannel: Int, _ body: (Range<Int>) -> Void) {
        pool.forEachChunk(of: channels, grain: max(1, CPUBackend.parallelGrain / max(perChannel, 1)), body)
    }

    /// `x` itself when dense, else a dense copy.
    private func denseCopy(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : CPUBackend.shared.contiguous(x)
    }
}
