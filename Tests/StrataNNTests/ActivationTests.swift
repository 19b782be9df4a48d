import Strata
import StrataNN
import Testing

// Derivatives at the kinks, where conventions differ; each expected value is derived beside it.
// The PyTorch fixtures (FidelityTests) cover the same points among random ones.

@Test func eluHasTheDerivativeAlphaAtZero() {
    // elu(x) = x for x > 0 and alpha (e^x - 1) otherwise. At 0 the left derivative is
    // alpha e^0 = alpha, which PyTorch's elu_backward returns (it tests x <= 0). With alpha 1 both
    // sides agree, so 1 is the derivative outright; an even split between branches would give 0.5.
    let zero = Tensor([0] as [Float])
    #expect(gradient(at: zero) { elu($0).sum() }.scalars(as: Float.self) == [1])
    #expect(gradient(at: zero) { elu($0, alpha: 0.5).sum() }.scalars(as: Float.self) == [0.5])
}

@Test func hardtanhPassesNoGradientAtItsBounds() {
    // PyTorch's hardtanh_backward zeroes the gradient where x <= min or x >= max, so the bounds
    // themselves get 0; strictly inside, the slope is 1.
    let x = Tensor([-1, -0.5, 0.5, 1] as [Float])
    #expect(gradient(at: x) { hardtanh($0).sum() }.scalars(as: Float.self) == [0, 1, 1, 0])
    #expect(gradient(at: x) { hardtanh($0, minimum: -0.5, maximum: 0.5).sum() }.scalars(as: Float.self) == [0, 0, 0, 0])
}
