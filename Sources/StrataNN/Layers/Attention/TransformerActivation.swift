import Strata

/// The activation between a Transformer layer's two feed-forward projections (PyTorch's
/// `activation="relu"` or `"gelu"`, the exact erf form).
public enum TransformerActivation: String, Sendable, CaseIterable {
    case relu, gelu

    /// Applies the activation.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: Strata.relu(x)
        case .gelu: StrataNN.gelu(x)
        }
    }
}

/// The position-wise feed-forward block of a Transformer layer: `linear2(dropout(activation(linear1(x))))`.
struct FeedForward {
    static func apply(_ x: Tensor, linear1: Linear, linear2: Linear, dropout: Dropout, activation: TransformerActivation) -> Tensor {
        linear2(dropout(activation(linear1(x))))
    }
}
