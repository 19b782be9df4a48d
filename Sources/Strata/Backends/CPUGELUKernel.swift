import CStrataKernels

/// The CPU backend's fused exact GELU, float32 (Sources/CStrataKernels/GELU.c: a vectorized
/// erfc, where the composite calls libm's erff per element), chunks spread over the pool.
struct CPUGELUKernel: GELUKernel {
    func supports(_ x: Tensor) -> Bool {
        x.dtype == .float32
    }

    func forward(_ x: Tensor) -> Tensor {
        let source = dense(x)
        let output = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let (xs, ys) = (source.elementPointer(as: Float.self), output.elementPointer(as: Float.self))
        withExtendedLifetime(source) {
            ThreadPool.shared.forEachChunk(of: x.scalarCount, grain: CPUBackend.parallelGrain / 4) { range in
                strata_gelu_forward_f32(xs + range.lowerBound, ys + range.lowerBound, range.count)
            }
        }
        return output
    }

    func backward(_ gradient: Tensor, _ x: Tensor) -> Tensor {
        let (source, g) = (dense(x), dense(gradient))
        let dx = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let (xs, gs, dxs) = (source.elementPointer(as: Float.self), g.elementPointer(as: Float.self),
                             dx.elementPointer(as: Float.self))
        withExtendedLifetime((source, g)) {
            ThreadPool.shared.forEachChunk(of: x.scalarCount, grain: CPUBackend.parallelGrain / 4) { range in
                strata_gelu_backward_f32(xs + range.lowerBound, gs + range.lowerBound, dxs + range.lowerBound, range.count)
            }
        }
        return dx
    }

    /// `x` itself when dense, else a dense copy.
    private func dense(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : CPUBackend.shared.contiguous(x)
    }
}
