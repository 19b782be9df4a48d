import CStrataKernels

/// The CPU backend's fused binary cross-entropy of float32 logits: one C pass per direction on
/// the calling thread (a batch of logits is a few hundred values).
struct CPUSigmoidCrossEntropyKernel: SigmoidCrossEntropyKernel {
    func supports(logits: Tensor, targets: Tensor) -> Bool {
        logits.dtype == .float32 && targets.dtype == .float32 && logits.shape == targets.shape
    }

    func forward(logits: Tensor, targets: Tensor) -> Tensor {
        let (x, t) = (Self.dense(logits), Self.dense(targets))
        let losses = Tensor(uninitializedShape: logits.shape, dtype: .float32)
        withExtendedLifetime((x, t)) {
            strata_sigmoid_cross_entropy_forward_f32(x.elementPointer(as: Float.self), t.elementPointer(as: Float.self),
                                                     logits.scalarCount, losses.elementPointer(as: Float.self))
        }
        return losses
    }

    func backward(_ gradient: Tensor, logits: Tensor, targets: Tensor) -> Tensor {
        let (x, t) = (Self.dense(logits), Self.dense(targets))
        // A mean's gradient is one value broadcast to every element: read it with stride 0.
        let broadcast = gradient.scalarCount > 1 && gradient.strides.allSatisfy { $0 == 0 }
        let g = broadcast ? gradient : Self.dense(gradient)
        let dx = Tensor(uninitializedShape: logits.shape, dtype: .float32)
        withExtendedLifetime((x, t, g)) {
            strata_sigmoid_cross_entropy_backward_f32(x.elementPointer(as: Float.self), t.elementPointer(as: Float.self),
                                                      g.elementPointer(as: Float.self), broadcast ? 0 : 1, logits.scalarCount,
                                                      dx.elementPointer(as: Float.self))
        }
        return dx
    }

    /// `x` itself when dense row-major, else a dense copy.
    private static func dense(_ x: Tensor) -> Tensor {
        x.isContiguous && x.offset >= 0 ? x : CPUBackend.shared.contiguous(x)
    }
}
