import CStrataKernels

/// The CPU backend's fused Adam step for float32: one pass of `strata_adam_f32` over the
/// parameter, its gradient and its moments, chunks spread over the pool. It rounds exactly like
/// the composite rule (pinned bit for bit by FusedAdamTests).
struct CPUAdamUpdateKernel: AdamUpdateKernel {
    /// Elements per chunk at least: elementwise, so any split gives the same bits; 64K elements
    /// keep a chunk worth a wake-up.
    static let minimumChunk = 65_536

    func supports(parameter: Tensor, gradient: Tensor) -> Bool {
        parameter.dtype == .float32 && gradient.dtype == .float32
    }

    func update(_ parameter: Tensor, gradient: Tensor, moments: AdamMoments, settings: AdamStepSettings)
        -> (parameter: Tensor, moments: AdamMoments) {
        // Each scalar converted to float32 once, as the composite's tensor-scalar ops convert it.
        let scalars = strata_adam_parameters(
            beta1: Float(settings.beta1), one_minus_beta1: Float(1 - settings.beta1), beta2: Float(settings.beta2),
            one_minus_beta2: Float(1 - settings.beta2), step_size: Float(settings.stepSize),
            bias_correction2_sqrt: Float(settings.biasCorrection2SquareRoot), epsilon: Float(settings.epsilon),
            decay_factor: Float(settings.decayFactor))
        let amsgrad = moments.maximumSecond != nil
        var inputs = [parameter, gradient, moments.first, moments.second]
        if let maximum = moments.maximumSecond { inputs.append(maximum) }
        var outputs = (0..<(amsgrad ? 4 : 3)).map { _ in Tensor(unsafeUninitializedShape: parameter.shape, dtype: .float32) }
        Tensor.withUnsafeScalars(of: inputs, as: Float.self) { input in
            Tensor.withUnsafeMutableScalars(of: &outputs, as: Float.self) { output in
                withUnsafePointer(to: scalars) { scalars in
                    parallelChunks(of: output[0].count, minimumChunk: Self.minimumChunk) { chunk in
                        let (start, count) = (chunk.lowerBound, chunk.count)
                        strata_adam_f32(input[0].baseAddress! + start, input[1].baseAddress! + start, input[2].baseAddress! + start,
                                        input[3].baseAddress! + start, amsgrad ? input[4].baseAddress! + start : nil,
                                        output[0].baseAddress! + start, output[1].baseAddress! + start,
                                        output[2].baseAddress! + start, amsgrad ? output[3].baseAddress! + start : nil, count, scalars)
                    }
                }
            }
        }
        return (outputs[0], AdamMoments(first: outputs[1], second: outputs[2], maximumSecond: amsgrad ? outputs[3] : nil))
    }
}
