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

    /// Applies the layers in order, with two fusions that give the same values as the layers in
    /// turn: a `Linear` directly followed by a `ReLU` runs as one fused op
    /// (`Linear.callAsFunction(_:activation:)`), and a `Conv2d` directly followed by `ReLU` and/or
    /// `MaxPool2d` runs with them as one step (`Conv2d.callAsFunction(_:then:)`: one fused kernel
    /// instead of a pass over the activations per layer, in inference and, as one graph node, in
    /// training).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        var index = 0
        while index < layers.count {
            if let dense = layers[index] as? Linear, index + 1 < layers.count, layers[index + 1] is ReLU {
                x = dense(x, activation: .relu)
                index += 2
                continue
            }
            guard let convolution = layers[index] as? Conv2d else {
                x = layers[index](x)
                index += 1
                continue
            }
            var epilogue = ConvolutionEpilogue()
            index += 1
            if index < layers.count, layers[index] is ReLU {
                epilogue.relu = true
                index += 1
            }
            if index < layers.count, let pool = layers[index] as? MaxPool2d {
                epilogue.maxPool = pool.geometry
                index += 1
            }
            x = convolution(x, then: epilogue)
        }
        return x
    }
}
