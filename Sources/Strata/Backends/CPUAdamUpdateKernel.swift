import CStrataKernels

/// The CPU backend's fused Adam step for float32: one vectorized pass of `strata_adam_f32` over
/// the parameter, its gradient and its moments (`strata_adam_in_place_f32` when they may be
/// overwritten), chunks spread over the pool. It rounds exactly like the composite rule (pinned
/// bit for bit by FusedAdamTests).
struct CPUAdamUpdateKernel: AdamUpdateKernel {
    /// Elements per chunk at least: elementwise, so any split gives the same bits; 64K elements
    /// keep a chunk worth a wake-up.
    static let minimumChunk = 65_536

    /// Each scalar converted to float32 once, as the composite's tensor-scalar ops convert it.
    private static func scalars(_ settings: AdamStepSettings) -> strata_adam_parameters {
        strata_adam_parameters(
            beta1: Float(settings.beta1), one_minus_beta1: Float(1 - settings.beta1), beta2: Float(settings.beta2),
            one_minus_beta2: Float(1 - settings.beta2), step_size: Float(settings.stepSize),
            bias_correction2_sqrt: Float(settings.biasCorrection2SquareRoot), epsilon: Float(settings.epsilon),
            decay_factor: Float(settings.decayFactor))
    }

    func supports(parameter: Tensor, gradient: Tensor) -> Bool {
        parameter.dtype == .float32 && gradient.dtype == .float32
    }

    func update(_ parameter: Tensor, gradient: Tensor, moments: AdamMoments, settings: AdamStepSettings)
        -> (parameter: Tensor, moments: AdamMoments) {
        let scalars = Self.scalars(settings)
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

    func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, moments: inout AdamMoments, settings: AdamStepSettings) {
        let shape = parameter.shape
        guard gradient.shape == shape, moments.first.shape == shape, moments.second.shape == shape,
              Self.isWritable(&parameter), Self.isWritable(&moments.first), Self.isWritable(&moments.second),
              moments.maximumSecond.map({ $0.shape == shape }) ?? true else {
            (parameter, moments) = update(parameter, gradient: gradient, moments: moments, settings: settings)
            return
        }
        if moments.maximumSecond != nil, !Self.isWritable(&moments.maximumSecond!) {
            (parameter, moments) = update(parameter, gradient: gradient, moments: moments, settings: settings)
            return
        }
        var scalars = Self.scalars(settings)
        let g = gradient.isContiguous ? gradient : CPUBackend.shared.contiguous(gradient)
        let (p, gs, m, v) = (parameter.elementPointer(as: Float.self), g.elementPointer(as: Float.self),
                             moments.first.elementPointer(as: Float.self), moments.second.elementPointer(as: Float.self))
        let maximum = moments.maximumSecond?.elementPointer(as: Float.self)
        // The parameter and the moments are the caller's, alive throughout; only `g` may be a
        // copy of this call's own (a tuple of all of them would retain every buffer and shape).
        withExtendedLifetime(g) {
            withUnsafePointer(to: &scalars) { scalars in
                parallelChunks(of: shape.reduce(1, *), minimumChunk: Self.minimumChunk) { chunk in
                    let start = chunk.lowerBound
                    strata_adam_in_place_f32(p + start, gs + start, m + start, v + start, maximum.map { $0 + start }, chunk.count, scalars)
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
