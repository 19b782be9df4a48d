import Strata

/// Merges dimensions `startAxis...endAxis` (by default all but the batch axis).
///
/// input: `[batch, d1, d2, ...]`; returns: `[batch, d1 * d2 * ...]`.
public struct Flatten: Layer {
    public var startAxis: Int
    public var endAxis: Int

    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.flattened(startAxis: startAxis, endAxis: endAxis)
    }
}

/// Returns its input unchanged (a placeholder, as PyTorch's `nn.Identity`).
public struct Identity: Layer {
    public init() {}
    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input }
}
