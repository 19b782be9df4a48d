/// The exact Gaussian error linear unit (Hendrycks & Gimpel, 2016): `x Φ(x)`, Φ the standard
/// normal distribution function. x: any shape; returns `x`'s shape.
///
/// `exactGELUComposite` is the specification; a backend that offers a fused kernel for it
/// (`FusedKernels.gelu`, the CPU backend in float32) runs that instead: one pass each way.
public func exactGELU(_ x: Tensor) -> Tensor {
    precondition(x.dtype.isFloatingPoint, "exactGELU: needs a floating-point input, got \(x.dtype)")
    guard let kernel = Backends.current.fusedKernels.gelu, kernel.supports(x) else { return exactGELUComposite(x) }
    return Tensor.recording(kernel.forward(x), inputs: [x], DerivativeRules.gelu(kernel, x: x))
}

/// `x * 0.5 * (erf(x / √2) + 1)` with ordinary ops: the specification of `exactGELU`.
public func exactGELUComposite(_ x: Tensor) -> Tensor {
    x * 0.5 * (erf(x * (1 / 2.0.squareRoot())) + 1)
}
