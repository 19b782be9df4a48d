import CStrataKernels

/// The CPU backend's fused FTRL-proximal step for float32: one vectorized pass of
/// `strata_ftrl_f32` over the weights, the gradient and the accumulators, written in place
/// where the buffers are not shared. A wide model's table is small and its step is one of many
/// tiny ones, so the pass stays on the calling thread. It rounds like the composite rule.
struct CPUFTRLUpdateKernel: FTRLUpdateKernel {
    func supports(parameter: Tensor, gradient: Tensor) -> Bool {
        parameter.dtype == .float32 && gradient.dtype == .float32
    }

    func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, z: inout Tensor, n: inout Tensor,
                       settings: FTRLStepSettings) {
        let shape = parameter.shape
        precondition(gradient.shape == shape && z.shape == shape && n.shape == shape,
                     "FTRL step: gradient \(gradient.shape), z \(z.shape) and n \(n.shape) must match the parameter \(shape)")
        precondition(z.dtype == .float32 && n.dtype == .float32, "FTRL step: float32 accumulators expected")
        // Each result goes into its own buffer when nothing else holds it, else into a new one
        // (decided before `inputs` holds the buffers too).
        let outputs = [Self.destination(&parameter), Self.destination(&z), Self.destination(&n)]
        let inputs = [parameter, gradient, z, n].map { $0.isContiguous ? $0 : CPUBackend.shared.contiguous($0) }
        var scalars = strata_ftrl_parameters(alpha: Float(settings.alpha), beta: Float(settings.beta),
                                             l1: Float(settings.l1Strength), l2: Float(settings.l2Strength))
        withExtendedLifetime((inputs, outputs)) {
            let x = inputs.map { $0.elementPointer(as: Float.self) }
            let y = outputs.map { $0.elementPointer(as: Float.self) }
            strata_ftrl_f32(x[0], x[1], x[2], x[3], y[0], y[1], y[2], shape.reduce(1, *), &scalars)
        }
        (parameter, z, n) = (outputs[0], outputs[1], outputs[2])
    }

    /// `x` itself when its buffer may be overwritten (float32, dense from the start of a buffer
    /// no other tensor holds, untracked), else a new uninitialized tensor of its shape.
    private static func destination(_ x: inout Tensor) -> Tensor {
        let writable = x.dtype == .float32 && x.node == nil && x.offset == 0 && x.isContiguous
            && x.storage.byteCount == x.scalarCount * 4 && isKnownUniquelyReferenced(&x.storage)
        return writable ? x : Tensor(uninitializedShape: x.shape, dtype: .float32)
    }
}
