/// A dense layer's computation, `activation(input weightᵀ + bias)` (PyTorch's `F.linear`, then
/// the activation).
///
/// input: `[..., inputSize]`; weight: `[outputSize, inputSize]`; bias: `[outputSize]` or nil;
/// returns `[..., outputSize]`. Differentiable in all three.
///
/// The composite of `matmul`, a broadcast `+` and `relu` is the specification. A backend that
/// offers a fused kernel for it (`FusedKernels.linear`, the CPU backend in float32) runs that
/// instead: the product with the bias and activation applied to each block while it is in
/// cache, one graph node instead of five, and a backward pass that masks the gradient and sums
/// the bias gradient in one pass before its two products.
///
///     let hidden = linear(x, weight: w1, bias: b1, activation: .relu)   // [128, 784] -> [128, 512]
public func linear(_ input: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation = .identity) -> Tensor {
    precondition(weight.rank == 2, "linear: weight must be [outputSize, inputSize], got \(weight.shape)")
    precondition(input.rank >= 1 && input.shape[input.rank - 1] == weight.shape[1],
                 "linear: input \(input.shape) does not end in inputSize \(weight.shape[1]) of weight \(weight.shape)")
    precondition(bias == nil || bias!.shape == [weight.shape[0]],
                 "linear: bias \(bias!.shape) does not match weight \(weight.shape)")
    precondition(input.dtype == weight.dtype && (bias == nil || bias!.dtype == weight.dtype),
                 "linear: dtypes differ: input \(input.dtype), weight \(weight.dtype), bias \(bias?.dtype.description ?? "none")")
    let rows = input.rank == 2 ? input : input.reshaped(to: [input.shape.dropLast().reduce(1, *), weight.shape[1]])
    if let kernel = Backends.current.fusedKernels.linear, kernel.supports(input: rows, weight: weight, bias: bias) {
        let output = Tensor.fusedLinear(kernel, rows, weight: weight, bias: bias, activation: activation)
        return input.rank == 2 ? output : output.reshaped(to: Array(input.shape.dropLast()) + [weight.shape[0]])
    }
    let product = matmul(input, weight.transposed())
    let shifted = bias.map { product + $0 } ?? product
    return activation == .relu ? relu(shifted) : shifted
}

extension Tensor {
    /// `linear` through a backend's fused kernel: the output is recorded against the input, the
    /// weight and the bias when present, in that order.
    static func fusedLinear(_ kernel: any LinearKernel, _ input: Tensor, weight: Tensor, bias: Tensor?,
                            activation: LinearActivation) -> Tensor {
        let output = kernel.forward(input, weight: weight, bias: bias, activation: activation)
        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        return recording(output, inputs: inputs,
                         DerivativeRules.linear(kernel, input: input, weight: weight, bias: bias, output: output,
                                                activation: activation))
    }
}
