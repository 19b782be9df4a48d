import CStrataKernels

/// The CPU backend's fused SGD-with-momentum step for float32: one vectorized pass of
/// `strata_sgd_momentum_f32` over the parameter, its gradient and its momentum buffer
/// (`strata_sgd_momentum_in_place_f32` when they may be overwritten), chunks spread over the pool.
/// It rounds exactly like the composite rule (pinned bit for bit by FusedSGDTests).
struct CPUSGDUpdateKernel: SGDUpdateKernel {
    /// Elements per chunk at least: elementwise, so any split gives the same bits.
    static let minimumChunk = 65_536

    private static func scalars(_ settings: SGDStepSettings) -> strata_sgd_parameters {
        strata_sgd_parameters(momentum: Float(settings.momentum), one_minus_dampening: Float(1 - settings.dampening),
                              learning_rate: Float(settings.learningRate), nesterov: settings.nesterov ? 1 : 0)
    }

    func supports(parameter: Tensor, gradient: Tensor) -> Bool {
        parameter.dtype == .float32 && gradient.dtype == .float32 && parameter.shape == gradient.shape
    }

    func update(_ parameter: Tensor, gradient: Tensor, buffer: Tensor?, settings: SGDStepSettings)
        -> (parameter: Tensor, buffer: Tensor) {
        precondition(buffer.map { $0.shape == parameter.shape && $0.dtype == .float32 } ?? true,
                     "CPUSGDUpdateKernel: the momentum buffer must match the parameter \(parameter.shape)")
        let scalars = Self.scalars(settings)
        var inputs = [parameter, gradient]
        if let buffer { inputs.append(buffer) }
        var outputs = (0..<2).map { _ in Tensor(unsafeUninitializedShape: parameter.shape, dtype: .float32) }
        Tensor.withUnsafeScalars(of: inputs, as: Float.self) { input in
            Tensor.withUnsafeMutableScalars(of: &outputs, as: Float.self) { output in
                withUnsafePointer(to: scalars) { scalars in
                    parallelChunks(of: output[0].count, minimumChunk: Self.minimumChunk) { chunk in
                        let (start, count) = (chunk.lowerBound, chunk.count)
                        strata_sgd_momentum_f32(input[0].baseAddress! + start, input[1].baseAddress! + start,
                                                input.count > 2 ? input[2].baseAddress! + start : nil,
                                                output[0].baseAddress! + start, output[1].baseAddress! + start, count, scalars)
                    }
                }
            }
        }
        return (outputs[0], outputs[1])
    }

    func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, buffer: inout Tensor?, settings: SGDStepSettings) {
        guard buffer != nil, buffer!.shape == parameter.shape, Self.isWritable(&parameter), Self.isWritable(&buffer!) else {
            let result = update(parameter, gradient: gradient, buffer: buffer, settings: settings)
            (parameter, buffer) = (result.parameter, result.buffer)
            return
        }
        var scalars = Self.scalars(settings)
        let g = gradient.isContiguous ? gradient : CPUBackend.shared.contiguous(gradient)
        let (p, gs, b) = (parameter.elementPointer(as: Float.self), g.elementPointer(as: Float.self),
                          buffer!.elementPointer(as: Float.self))
        withExtendedLifetime((g, parameter, buffer)) {
            withUnsafePointer(to: &scalars) { scalars in
                parallelChunks(of: parameter.scalarCount, minimumChunk: Self.minimumChunk) { chunk in
                    let start = chunk.lowerBound
                    strata_sgd_momentum_in_place_f32(p + start, gs + start, b + start, chunk.count, scalars)
                }
            }
        }
    }

    /// Whether `x` may be overwritten: float32, dense from the start of a buffer no other tensor
    /// holds, and untracked.
    private static func isWritable(_ x: inout Tensor) -> Bool {
        x.dtype == .float32 && x.node == nil && x.offset == 0 && x.isContiguous
            && x.storage.byteCount == x.scalarCount * 4 && isKnownUniquelyReferenced(&x.storage)
    }
}
