import Strata
import Testing

// The exact GELU: the composite `x Φ(x)` with erf (the definition) checked against central
// finite differences in float64, and the fused CPU kernel (float32, a vectorized erfc) pinned to
// the composite computed in float64, values and gradient, over the whole range where x Φ(x)
// differs from 0 and x in float32, and through a strided view.

@Suite struct GELUTests {
    @Test func compositeGradientMatchesFiniteDifferences() {
        checkGradient(at: randomInput([3, 7], low: -5, high: 5, seed: 4)) { exactGELU($0) }
    }

    @Test func fusedKernelMatchesComposite() {
        // -12 ..< 12 by 2^-8 (6,144 points), then a transposed view of them.
        let points = Tensor.arange(-12, 12, step: 1.0 / 256, dtype: .float32)
        for x in [points, points.reshaped(to: [96, 64]).transposed()] {
            let weights = Tensor.uniform(x.shape, low: -1, high: 1, generator: RandomGenerator(seed: 2))
            let (_, fast) = valueAndGradient(at: [x]) { (exactGELU($0[0]) * weights).sum() }
            let (_, exact) = valueAndGradient(at: [x.cast(to: .float64)]) {
                (exactGELUComposite($0[0]) * weights.cast(to: .float64)).sum()
            }
            // The kernel's erfc has a fractional error below 1.2e-7 (GELU.c); libm's erff in the
            // float32 composite is within 4.5e-7 of double over this range.
            let tolerance = Tolerance(relative: 2e-7, absolute: 6e-7)
            expectMatch(exactGELU(x), exactGELUComposite(x.cast(to: .float64)).cast(to: .float32), tolerance: tolerance, "values")
            expectMatch(fast[0], exact[0].cast(to: .float32), tolerance: tolerance, "gradient")
        }
    }

    /// The composite path runs when the backend offers no kernel.
    @Test func compositeBackendAgreesInFloat32() {
        let x = Tensor.uniform([5, 9], low: -6, high: 6, generator: RandomGenerator(seed: 3))
        let composite = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) { exactGELU(x) }
        expectMatch(exactGELU(x), composite, tolerance: Tolerance(relative: 1e-6, absolute: 1e-6), "fused against composite")
    }
}
