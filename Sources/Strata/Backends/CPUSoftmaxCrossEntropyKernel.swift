import CStrataKernels

/// The CPU backend's fused softmax cross-entropy for float32 logits and int64 labels, the kernel
/// behind `softmaxCrossEntropy`: one C pass per direction over dense rows, rows split across the
/// pool when there are many (each row is computed alone, so the split never changes a result).
struct CPUSoftmaxCrossEntropyKernel: SoftmaxCrossEntropyKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(logits: Tensor, labels: Tensor) -> Bool {
        logits.dtype == .float32 && labels.dtype == .int64 && logits.rank == 2 && logits.shape[1] > 0
    }

    func forward(logits: Tensor, labels: Tensor) -> (losses: Tensor, logSumExp: Tensor) {
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        let (x, ids) = (Self.dense(logits), Self.dense(labels))
        let labelPointer = ids.elementPointer(as: Int64.self)
        for row in 0..<rows where !(0..<Int64(classes)).contains(labelPointer[row]) {
            preconditionFailure("crossEntropy: label \(labelPointer[row]) of sample \(row) is outside 0..<\(classes) for logits \(logits.shape)")
        }
        let losses = Tensor(uninitializedShape: [rows], dtype: .float32)
        let logSumExp = Tensor(uninitializedShape: [rows], dtype: .float32)
        let (xs, ls, lse) = (x.elementPointer(as: Float.self), losses.elementPointer(as: Float.self),
                             logSumExp.elementPointer(as: Float.self))
        withExtendedLifetime((x, ids)) {
            pool.forEachChunk(of: rows, grain: max(1, CPUBackend.parallelGrain / classes)) { chunk in
                let start = chunk.lowerBound
                strata_softmax_cross_entropy_forward_f32(xs + start * classes, labelPointer + start, chunk.count, classes,
                                                         ls + start, lse + start)
            }
        }
        return (losses, logSumExp)
    }

    func backward(_ gradient: Tensor, logits: Tensor, labels: Tensor, logSumExp: Tensor) -> Tensor {
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        let (x, ids, lse, g) = (Self.dense(logits), Self.dense(labels), Self.dense(logSumExp), Self.dense(gradient))
        let dx = Tensor(uninitializedShape: [rows, classes], dtype: .float32)
        let (xs, labelPointer, lses, gs, dxs) = (x.elementPointer(as: Float.self), ids.elementPointer(as: Int64.self),
                                                 lse.elementPointer(as: Float.self), g.elementPointer(as: Float.self),
                                                 dx.elementPointer(as: Float.self))
        withExtendedLifetime((x, ids, lse, g)) {
            pool.forEachChunk(of: rows, grain: max(1, CPUBackend.parallelGrain / classes)) { chunk in
                let start = chunk.lowerBound
                strata_softmax_cross_entropy_backward_f32(xs + start * classes, labelPointer + start, lses + start, gs + start,
                                                          chunk.count, classes, dxs + start * classes)
            }
        }
        return dx
    }

    /// `x` itself when dense, else a dense copy.
    private static func dense(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : CPUBackend.shared.contiguous(x)
    }
}
