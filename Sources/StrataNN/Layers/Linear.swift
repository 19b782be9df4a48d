import Strata

/// A fully connected layer: `y = x W^T + b`.
///
/// input: `[..., inputSize]`; returns: `[..., outputSize]`. `weight` is `[outputSize, inputSize]`
/// as in PyTorch. Default initialization equals PyTorch's: weight and bias uniform in
/// `±1/sqrt(inputSize)` (Kaiming uniform with a = sqrt(5)).
public struct Linear: Layer {
    public var weight: Tensor
    public var bias: Tensor?

    public init(inputSize: Int, outputSize: Int, bias: Bool = true, dtype: DType = .float32,
                generator: RandomGenerator = .current) {
        weight = Initializer.kaimingUniform(a: 5.0.squareRoot()).tensor([outputSize, inputSize], dtype: dtype, generator: generator)
        let bound = 1 / Double(max(inputSize, 1)).squareRoot()
        self.bias = bias ? Tensor.uniform([outputSize], low: -bound, high: bound, dtype: dtype, generator: generator) : nil
    }

    /// A layer with the given weight `[outputSize, inputSize]` and optional bias `[outputSize]`.
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear: weight must be [outputSize, inputSize], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Linear: bias \(bias!.shape) does not match weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        linear(input, weight: weight, bias: bias)
    }

    /// `activation(input weightᵀ + bias)` as one op (`linear(_:weight:bias:activation:)`): on the
    /// CPU the activation runs in the product's epilogue and its gradient in one pass with the
    /// bias gradient. `Sequential` calls it for a `Linear` followed by a `ReLU`.
    public func callAsFunction(_ input: Tensor, activation: LinearActivation) -> Tensor {
        linear(input, weight: weight, bias: bias, activation: activation)
    }
}
