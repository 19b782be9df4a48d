import Strata

/// Collects the layers of a `Sequential` body.
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    public static func buildEither(first part: [any Layer]) -> [any Layer] { part }
    public static func buildEither(second part: [any Layer]) -> [any Layer] { part }
}

/// Layers applied in order; children are named "0", "1", ... as in PyTorch's `nn.Sequential`.
///
///     var model = Sequential {
///         Linear(inputSize: 784, outputSize: 512)
///         ReLU()
///         Linear(inputSize: 512, outputSize: 10)
///     }
public struct Sequential: Layer {
    public var layers: [any Layer]

    public init(@LayerBuilder _ layers: () -> [any Layer]) {
        self.layers = layers()
    }

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for index in layers.indices {
            visitor.visit("\(index)", &layers[index])
        }
    }

    /// Applies the layers in order. A `Linear` directly followed by a `ReLU` runs as one fused
    /// op (`Linear.callAsFunction(_:activation:)`), with the same result as the two in turn.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        var index = layers.startIndex
        while index < layers.endIndex {
            if let dense = layers[index] as? Linear, index + 1 < layers.endIndex, layers[index + 1] is ReLU {
                x = dense(x, activation: .relu)
                index += 2
            } else {
                x = layers[index](x)
                index += 1
            }
        }
        return x
    }
}
