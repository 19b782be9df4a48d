import Strata

/// Layer normalization (Ba et al., 2016) over the trailing `normalizedShape` dimensions.
///
/// input: `[..., *normalizedShape]`; returns: the same shape. Uses the biased variance and
/// `epsilon` 1e-5; `weight` (ones) and `bias` (zeros) have `normalizedShape` when affine.
/// Runs `layerNormalization`, the backend's fused kernel where it offers one.
public struct LayerNorm: Layer {
    public var weight: Tensor?
    public var bias: Tensor?
    public let normalizedShape: [Int]
    public var epsilon: Double

    public init(normalizedShape: [Int], epsilon: Double = 1e-5, affine: Bool = true, dtype: DType = .float32) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = affine ? Tensor.ones(normalizedShape, dtype: dtype) : nil
        bias = affine ? Tensor.zeros(normalizedShape, dtype: dtype) : nil
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let count = normalizedShape.count
        precondition(input.rank >= count && Array(input.shape.suffix(count)) == normalizedShape,
                     "LayerNorm: input \(input.shape) does not end in \(normalizedShape)")
        return layerNormalization(input, normalizedCount: count, weight: weight, bias: bias, epsilon: epsilon)
    }
}
