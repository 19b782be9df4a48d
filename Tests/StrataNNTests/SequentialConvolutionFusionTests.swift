import Strata
import StrataNN
import Testing

// Sequential runs Conv2d + ReLU + MaxPool2d as one `Conv2d.callAsFunction(_:then:)` step; in
// inference the CPU backend's fused kernel computes it. The outputs must equal those of the
// same backend without fused kernels, where every layer's ops run one by one (within 1e-5 of
// the largest logit: float32 convolutions summed in another order), and training (gradients
// recorded) must still see every layer.

@Suite struct SequentialConvolutionFusionTests {
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        let (a, e) = (actual.scalars(as: Float.self), expected.scalars(as: Float.self))
        let scale = Double(e.map(abs).max() ?? 0)
        return Double(zip(a, e).map { abs($0 - $1) }.max() ?? 0) / max(scale, 1e-30)
    }

    @Test(arguments: [1, 7])
    func leNetInferenceMatchesLayerByLayer(batch: Int) {
        let generator = RandomGenerator(seed: 21)
        let model = LeNet(generator: generator)
        let x = Tensor.normal([batch, 1, 28, 28], generator: generator)
        let expected = withBackend(Self.composite) { withoutGradients { model(x) } }
        let fused = withoutGradients { model(x) }
        #expect(fused.shape == [batch, 10])
        #expect(Self.relativeError(fused, expected) <= 1e-5)
    }

    /// A convolution followed by a pool without ReLU, one followed by nothing, and one at the end.
    @Test func partialChainsMatch() {
        let generator = RandomGenerator(seed: 4)
        let model = Sequential {
            Conv2d(inChannels: 3, outChannels: 16, kernelSize: 3, padding: 1, generator: generator)
            MaxPool2d(2)
            Conv2d(inChannels: 16, outChannels: 16, kernelSize: 3, generator: generator)
            Tanh()
            Conv2d(inChannels: 16, outChannels: 8, kernelSize: 1, bias: false, generator: generator)
        }
        let x = Tensor.normal([3, 3, 16, 16], generator: generator)
        let expected = withBackend(Self.composite) { model(x) }
        #expect(Self.relativeError(withoutGradients { model(x) }, expected) <= 1e-5)
    }

    /// With gradients recorded, the fused step is the composite: LeNet's parameter gradients
    /// match those computed without fused kernels.
    @Test func trainingGradientsAreUnchanged() {
        let generator = RandomGenerator(seed: 8)
        let model = LeNet(generator: generator)
        let x = Tensor.normal([2, 1, 28, 28], generator: generator)
        let (_, fused) = valueAndGradient(at: model) { $0(x).sum() }
        let (_, expected) = withBackend(Self.composite) { valueAndGradient(at: model) { $0(x).sum() } }
        #expect(fused.keys.count == 8)
        for (path, gradient) in expected {
            #expect(Self.relativeError(fused[path]!, gradient) <= 1e-5, "\(path)")
        }
    }
}
