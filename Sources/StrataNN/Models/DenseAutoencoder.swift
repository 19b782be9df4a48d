import Strata

/// A fully connected autoencoder (after Hinton & Salakhutdinov, 2006): the image flattened,
/// linear layers with ReLU down to a linear code of `codeSize`, the mirror image back up, and a
/// sigmoid for pixels in [0, 1], reshaped to the input's shape. Trained on noisy inputs against
/// clean targets it is a denoising autoencoder (Vincent et al., 2008).
///
/// input: `[batch] + imageShape` in [0, 1] (default `[batch, 1, 28, 28]`); returns the
/// reconstruction of the same shape. Parameter names are those of PyTorch's `nn.Sequential`s
/// (`encoder.1.weight`, ..., `decoder.0.weight`, ...).
public struct DenseAutoencoder: Layer {
    public var encoder: Sequential
    public var decoder: Sequential
    /// The shape of one image, `[channels, height, width]` (any shape works; it is flattened).
    public let imageShape: [Int]

    /// - Parameters:
    ///   - imageShape: one input's shape (default `[1, 28, 28]`, 784 pixels).
    ///   - hiddenSizes: the widths between the pixels and the code, outermost first (default [256]);
    ///     the decoder uses them in reverse.
    ///   - codeSize: the width of the code (default 32).
    public init(imageShape: [Int] = [1, 28, 28], hiddenSizes: [Int] = [256], codeSize: Int = 32,
                generator: RandomGenerator = .current) {
        precondition(!imageShape.isEmpty && imageShape.allSatisfy { $0 > 0 }, "DenseAutoencoder: bad image shape \(imageShape)")
        precondition(codeSize > 0 && hiddenSizes.allSatisfy { $0 > 0 }, "DenseAutoencoder: sizes must be positive")
        self.imageShape = imageShape
        let pixels = imageShape.reduce(1, *)
        let widths = [pixels] + hiddenSizes
        var encoderLayers: [any Layer] = [Flatten()]
        for (inputSize, outputSize) in zip(widths, widths.dropFirst()) {
            encoderLayers += [Linear(inputSize: inputSize, outputSize: outputSize, generator: generator), ReLU()]
        }
        encoderLayers.append(Linear(inputSize: widths.last!, outputSize: codeSize, generator: generator))
        var decoderLayers: [any Layer] = []
        let reversed = [codeSize] + hiddenSizes.reversed()
        for (inputSize, outputSize) in zip(reversed, reversed.dropFirst()) {
            decoderLayers += [Linear(inputSize: inputSize, outputSize: outputSize, generator: generator), ReLU()]
        }
        decoderLayers += [Linear(inputSize: reversed.last!, outputSize: pixels, generator: generator), Sigmoid()]
        encoder = Sequential(encoderLayers)
        decoder = Sequential(decoderLayers)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("encoder", &encoder)
        visitor.visit("decoder", &decoder)
    }

    /// The code: `[batch, codeSize]`.
    public func encode(_ input: Tensor) -> Tensor {
        precondition(Array(input.shape.dropFirst()) == imageShape,
                     "DenseAutoencoder: input \(input.shape) is not [batch] + \(imageShape)")
        return encoder(input)
    }

    /// The reconstruction of codes `[batch, codeSize]`: `[batch] + imageShape`.
    public func decode(_ code: Tensor) -> Tensor {
        decoder(code).reshaped(to: [code.shape[0]] + imageShape)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { decode(encode(input)) }
}
