import Strata

/// A convolutional autoencoder for 28x28 images (after Masci et al., 2011): strided convolutions
/// down to `[32, 7, 7]`, transposed convolutions back up, and a sigmoid for pixels in [0, 1].
/// Trained on noisy inputs against clean targets it is a denoising autoencoder (Vincent et al., 2008).
///
/// input: `[batch, channels, 28, 28]` in [0, 1]; returns the reconstruction of the same shape.
public struct ConvolutionalAutoencoder: Layer {
    public var encoder: Sequential
    public var decoder: Sequential

    public init(channels: Int = 1, generator: RandomGenerator = .current) {
        encoder = Sequential {
            Conv2d(inChannels: channels, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, generator: generator)
            ReLU()
            Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, generator: generator)
            ReLU()
        }
        decoder = Sequential {
            ConvTranspose2d(inChannels: 32, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
                            generator: generator)
            ReLU()
            ConvTranspose2d(inChannels: 16, outChannels: channels, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1,
                            generator: generator)
            Sigmoid()
        }
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("encoder", &encoder)
        visitor.visit("decoder", &decoder)
    }

    /// The code: `[batch, 32, 7, 7]`.
    public func encode(_ input: Tensor) -> Tensor { encoder(input) }

    public func callAsFunction(_ input: Tensor) -> Tensor { decoder(encoder(input)) }
}
