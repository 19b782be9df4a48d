import Strata
import Testing

// The convolution step `conv2d(...then:)` through the CPU backend's fused inference kernel
// (oneDNN post-ops and pooling on its blocked output) against the same backend without fused
// kernels, where the op runs its composite (convolution, bias, add, relu, maxPool2d one by one):
// the specification. Float32, the kernel's dtype; agreement within 1e-5 of the largest output
// (float32 sums of up to 800 products, accumulated in another order or through Winograd's
// transforms).

@Suite struct FusedConvolutionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [Int]
        let weight: [Int]
        var stride = (1, 1), padding = ConvolutionPadding.valid, dilation = (1, 1)
        var bias = true, residual = false, relu = false
        var pool: PoolingGeometry?
        var testDescription: String { name }

        static let maxPool2 = PoolingGeometry(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)
        static let all = [
            Case(name: "bias only", input: [2, 3, 9, 8], weight: [4, 3, 3, 3]),
            Case(name: "no bias, ReLU", input: [3, 4, 10, 10], weight: [6, 4, 3, 2], stride: (2, 3), padding: .explicit(height: 1, width: 2),
                 bias: false, relu: true),
            Case(name: "LeNet step: conv 5x5 pad 2, ReLU, max-pool 2", input: [4, 1, 28, 28], weight: [32, 1, 5, 5],
                 padding: .explicit(height: 2, width: 2), relu: true, pool: maxPool2),
            Case(name: "LeNet second step on an odd batch", input: [5, 32, 14, 14], weight: [64, 32, 5, 5],
                 padding: .explicit(height: 2, width: 2), relu: true, pool: maxPool2),
            Case(name: "ResNet tail: residual and ReLU", input: [2, 16, 8, 8], weight: [16, 16, 3, 3],
                 padding: .explicit(height: 1, width: 1), residual: true, relu: true),
            Case(name: "residual without ReLU, dilated", input: [3, 8, 11, 11], weight: [8, 8, 3, 3], padding: .same,
                 dilation: (2, 2), residual: true),
            // Batch 1 splits output channels across threads (parts of 16); 48 and 40 channels
            // give equal and uneven parts.
            Case(name: "batch 1, channel split, residual, ReLU", input: [1, 16, 12, 12], weight: [48, 16, 3, 3],
                 padding: .explicit(height: 1, width: 1), residual: true, relu: true),
            Case(name: "batch 1, uneven channel split, ceil-mode pool", input: [1, 8, 13, 13], weight: [40, 8, 3, 3],
                 padding: .explicit(height: 1, width: 1), relu: true,
                 pool: PoolingGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1,
                                       ceilMode: true)),
            Case(name: "ResNet stem: stride 2 conv 7x7, ReLU, pool 3x3/2 pad 1", input: [2, 3, 32, 32], weight: [16, 3, 7, 7],
                 stride: (2, 2), padding: .explicit(height: 3, width: 3), relu: true,
                 pool: PoolingGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1)),
            // 3x3 stride-1 convolutions of 64 channels and more run as Winograd (F(2x2,3x3) for
            // one image, F(4x4,3x3) for several); a batch-1 channel part of 64 still does.
            Case(name: "Winograd, batch 1: 64 to 128 channels, residual, ReLU", input: [1, 64, 14, 14], weight: [128, 64, 3, 3],
                 padding: .explicit(height: 1, width: 1), residual: true, relu: true),
            Case(name: "Winograd, batch 3: 64 channels, odd size, ReLU, pool 2", input: [3, 64, 13, 13], weight: [64, 64, 3, 3],
                 padding: .explicit(height: 1, width: 1), relu: true, pool: maxPool2),
            Case(name: "Winograd, batch 16, no padding", input: [16, 64, 9, 9], weight: [64, 64, 3, 3]),
        ]
    }

    /// The CPU backend without fused kernels: `conv2d(...then:)` runs its composite.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    struct Inputs {
        let x: Tensor, weight: Tensor, bias: Tensor?, residual: Tensor?
    }

    static func inputs(_ test: Case, seed: UInt64) -> Inputs {
        let generator = RandomGenerator(seed: seed)
        let x = Tensor.normal(test.input, generator: generator)
        let weight = Tensor.normal(test.weight, generator: generator)
        let bias = test.bias ? Tensor.normal([test.weight[0]], generator: generator) : nil
        let plain = conv2d(x, weight: weight, stride: test.stride, padding: test.padding, dilation: test.dilation)
        let residual = test.residual ? Tensor.normal(plain.shape, generator: generator) : nil
        return Inputs(x: x, weight: weight, bias: bias, residual: residual)
    }

    static func step(_ test: Case, _ inputs: Inputs) -> Tensor {
        conv2d(inputs.x, weight: inputs.weight, bias: inputs.bias, stride: test.stride, padding: test.padding,
               dilation: test.dilation, then: ConvolutionEpilogue(residual: inputs.residual, relu: test.relu, maxPool: test.pool))
    }

    /// max |actual - expected| / max |expected|.
    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        let (a, e) = (actual.cast(to: .float64).scalars(as: Double.self), expected.cast(to: .float64).scalars(as: Double.self))
        let scale = e.map(abs).max() ?? 0
        return zip(a, e).map { abs($0 - $1) }.max().map { $0 / max(scale, 1e-30) } ?? 0
    }

    @Test(arguments: Case.all)
    func fusedMatchesComposite(_ test: Case) {
        let inputs = Self.inputs(test, seed: 11)
        let expected = withBackend(Self.composite) { Self.step(test, inputs) }
        let fused = withoutGradients { Self.step(test, inputs) }
        #expect(fused.shape == expected.shape)
        #expect(Self.relativeError(fused, expected) <= 1e-5, "\(test.name): \(Self.relativeError(fused, expected))")
        // A second run reuses the cached plan and packed weights.
        let again = withoutGradients { Self.step(test, inputs) }
        #expect(Self.relativeError(again, fused) == 0)
    }

    /// New weights of the same shape (a fine-tuned model) must not reuse the old packed weights.
    @Test func changedWeightsAreRepacked() {
        let test = Case.all[4]
        var inputs = Self.inputs(test, seed: 3)
        _ = withoutGradients { Self.step(test, inputs) }
        var weight = inputs.weight
        weight = weight * 2
        inputs = Inputs(x: inputs.x, weight: weight, bias: inputs.bias, residual: inputs.residual)
        let expected = withBackend(Self.composite) { Self.step(test, inputs) }
        #expect(Self.relativeError(withoutGradients { Self.step(test, inputs) }, expected) <= 1e-5)
    }

    /// With gradients recorded and a residual the op runs its composite, so its gradients are
    /// those of the ops written out (without a residual: FusedConvolutionTrainingTests).
    @Test func recordsGradientsThroughTheComposite() {
        let test = Case.all[4]
        let inputs = Self.inputs(test, seed: 7)
        let fused = valueAndGradient(at: inputs.weight) { weight in
            Self.step(test, Inputs(x: inputs.x, weight: weight, bias: inputs.bias, residual: inputs.residual)).sum()
        }
        let explicit = valueAndGradient(at: inputs.weight) { weight in
            relu(conv2d(inputs.x, weight: weight, bias: inputs.bias, padding: test.padding) + inputs.residual!).sum()
        }
        #expect(Self.relativeError(fused.gradient, explicit.gradient) <= 1e-6)
    }
}

// `conv2dInference` on blocked activations (the layout the kernel's convolutions read and write,
// `BlockedActivation`) against the composite on plain tensors: two steps in a row, the first
// leaving its output blocked for the second to read as its input and residual.
@Suite struct BlockedConvolutionTests {
    /// 24 channels pad to 32 in blocks of 16 (and fill 3 blocks of 8); batch 1 splits channels
    /// across threads, batch 3 splits images.
    @Test(arguments: [1, 3])
    func blockedStepsMatchTheComposite(batch: Int) {
        let generator = RandomGenerator(seed: 5)
        let x = Tensor.normal([batch, 16, 10, 10], generator: generator)
        let (w1, b1) = (Tensor.normal([24, 16, 3, 3], generator: generator) * 0.3, Tensor.normal([24], generator: generator))
        let (w2, b2) = (Tensor.normal([24, 24, 3, 3], generator: generator) * 0.3, Tensor.normal([24], generator: generator))
        let pad = ConvolutionPadding.explicit(height: 1, width: 1)
        let pool = PoolingGeometry(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)
        let expected = withBackend(FusedConvolutionTests.composite) {
            let h = relu(conv2d(x, weight: w1, bias: b1, padding: pad))
            return maxPool2d(relu(conv2d(h, weight: w2, bias: b2, padding: pad) + h), kernelSize: (2, 2), stride: (2, 2))
        }
        let (h, y) = withoutGradients {
            let h = conv2dInference(.plain(x), weight: w1, bias: b1, padding: pad, relu: true, blockedOutput: true)
            let y = conv2dInference(h, weight: w2, bias: b2, padding: pad, residual: h, relu: true, maxPool: pool, blockedOutput: true)
            return (h, y)
        }
        // The CPU kernel keeps both outputs blocked (nChw16c with AVX-512, nChw8c with AVX2).
        guard case .blocked(let blockedH) = h, case .blocked = y else {
            Issue.record("the outputs were not kept blocked")
            return
        }
        #expect(blockedH.shape == [batch, 24, 10, 10] && blockedH.blocks.shape[1] * blockedH.block >= 24)
        #expect(y.shape == [batch, 24, 5, 5])
        #expect(FusedConvolutionTests.relativeError(y.plain, expected) <= 1e-5)
        // A plain request gets a plain tensor with the same values.
        let plain = withoutGradients {
            conv2dInference(h, weight: w2, bias: b2, padding: pad, residual: h, relu: true, maxPool: pool)
        }
        guard case .plain(let tensor) = plain else {
            Issue.record("a plain output was asked for")
            return
        }
        #expect(FusedConvolutionTests.relativeError(tensor, y.plain) == 0)
    }

    /// With `reuseResidual` the result is written over the residual's blocks, with the values of
    /// the out-of-place sum.
    @Test func reusedResidualTakesTheResult() {
        let generator = RandomGenerator(seed: 12)
        let x = Tensor.normal([2, 16, 6, 6], generator: generator)
        let (weight, bias) = (Tensor.normal([32, 16, 3, 3], generator: generator) * 0.3, Tensor.normal([32], generator: generator))
        let r = Tensor.normal([2, 32, 6, 6], generator: generator)
        func step(_ residual: BlockedActivation, reuse: Bool) -> InferenceActivation {
            withoutGradients {
                conv2dInference(.plain(x), weight: weight, bias: bias, padding: .same, residual: .blocked(residual), relu: true,
                                blockedOutput: true, reuseResidual: reuse)
            }
        }
        // The residual in the kernel's own block, which the first result reveals.
        guard case .blocked(let outOfPlace) = step(BlockedActivation(r, block: 16), reuse: false) else {
            Issue.record("the output was not kept blocked")
            return
        }
        var residual = BlockedActivation(r, block: outOfPlace.block)
        let unique = residual.isUniquelyReferenced()
        #expect(unique)
        let identity = residual.blocks.storageIdentity
        guard case .blocked(let inPlace) = step(residual, reuse: true) else {
            Issue.record("the output was not kept blocked")
            return
        }
        #expect(inPlace.blocks.storageIdentity == identity)
        #expect(FusedConvolutionTests.relativeError(inPlace.plain, outOfPlace.plain) == 0)
        let expected = withBackend(FusedConvolutionTests.composite) { relu(conv2d(x, weight: weight, bias: bias, padding: .same) + r) }
        #expect(FusedConvolutionTests.relativeError(inPlace.plain, expected) <= 1e-5)
    }

    /// Blocking and unblocking is exact, for channels that fill their blocks and ones that do not.
    @Test(arguments: [(8, 16), (20, 16), (5, 8)])
    func blockingRoundTrips(channels: Int, block: Int) {
        let x = Tensor.normal([2, channels, 3, 4], generator: RandomGenerator(seed: 2))
        let blocked = BlockedActivation(x, block: block)
        #expect(blocked.blocks.shape == [2, (channels + block - 1) / block, 3, 4, block])
        #expect(blocked.plain.scalars(as: Float.self) == x.scalars(as: Float.self))
        // Channel c of pixel (h, w) sits at [n, c / block, h, w, c % block].
        let last = channels - 1
        #expect(blocked.blocks[1, .index(last / block), 2, 3, .index(last % block)].scalar(as: Float.self)
                == x[1, .index(last), 2, 3].scalar(as: Float.self))
    }

    /// With gradients recorded the op runs the composite on plain tensors.
    @Test func recordsGradientsThroughTheComposite() {
        let generator = RandomGenerator(seed: 8)
        let (x, weight) = (Tensor.normal([2, 16, 6, 6], generator: generator), Tensor.normal([16, 16, 3, 3], generator: generator))
        let blocked = InferenceActivation.blocked(BlockedActivation(x, block: 16))
        let fused = valueAndGradient(at: weight) { weight in
            conv2dInference(blocked, weight: weight, bias: nil, padding: .same, residual: blocked, relu: true, blockedOutput: true)
                .plain.sum()
        }
        let explicit = valueAndGradient(at: weight) { weight in relu(conv2d(x, weight: weight, padding: .same) + x).sum() }
        #expect(FusedConvolutionTests.relativeError(fused.gradient, explicit.gradient) <= 1e-6)
    }
}
