import Strata

/// Root-mean-square layer normalization (Zhang & Sennrich, 2019), as PyTorch's `nn.RMSNorm`:
/// `x / sqrt(mean(x²) + epsilon) * weight` over the trailing `normalizedShape` dimensions.
///
/// input: `[..., *normalizedShape]`; returns: the same shape. `epsilon` defaults to float32's
/// machine epsilon (1.1920929e-07, PyTorch's `torch.finfo(dtype).eps` when `eps=None`);
/// `weight` (ones, `normalizedShape`) when affine.
public struct RMSNorm: Layer {
    public var weight: Tensor?
    public let normalizedShape: [Int]
    public var epsilon: Double

    public init(normalizedShape: [Int], epsilon: Double = Double(Float.ulpOfOne), affine: Bool = true, dtype: DType = .float32) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = affine ? Tensor.ones(normalizedShape, dtype: dtype) : nil
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let count = normalizedShape.count
        precondition(input.rank >= count && Array(input.shape.suffix(count)) == normalizedShape,
                     "RMSNorm: input \(input.shape) does not end in \(normalizedShape)")
        let axes = Array((input.rank - count)..<input.rank)
        let output = input * rsqrt(square(input).mean(alongAxes: axes, keepDims: true) + epsilon)
        return weight.map { output * $0 } ?? output
    }
}
