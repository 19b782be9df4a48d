import Strata
import StrataNN
import Testing

// The convolutional layers and models: parameter audit, output shapes, default initialization,
// training mode reaching nested blocks, parameter counts and a state-dictionary round trip.
// Inputs are small so the tests stay quick in a debug build.

/// Opens the existential so the generic audit sees the concrete type.
private func audit(_ layer: any Layer) -> [String] { auditParameterVisits(layer) }

@Test func convolutionalLayersPresentAllTheirTensorsToTheVisitor() {
    let layers: [(String, any Layer)] = [
        ("Conv2d", Conv2d(inChannels: 4, outChannels: 6, kernelSize: 3, groups: 2)),
        ("Conv2d without bias", Conv2d(inChannels: 3, outChannels: 2, kernelSize: 1, bias: false)),
        ("ConvTranspose2d", ConvTranspose2d(inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, groups: 2)),
        ("ConvTranspose2d without bias", ConvTranspose2d(inChannels: 2, outChannels: 3, kernelSize: 2, bias: false)),
        ("pooling", Sequential { MaxPool2d(2); AvgPool2d(2); AdaptiveAvgPool2d(outputSize: (1, 1)) }),
        ("BasicBlock", BasicBlock(inChannels: 4, outChannels: 4)),
        ("BasicBlock with downsample", BasicBlock(inChannels: 4, outChannels: 8, stride: 2)),
        ("Bottleneck", Bottleneck(inChannels: 16, width: 4)),
        ("Bottleneck with downsample", Bottleneck(inChannels: 8, width: 4, stride: 2)),
        ("ResNet.small", ResNet.small()),
        ("ConvBNReLU", ConvBNReLU(inChannels: 3, outChannels: 4, kernelSize: 3)),
        ("InceptionModule", InceptionModule(inChannels: 8, c1: 2, reduce3: 3, c3: 4, reduce5: 2, c5: 3, pool: 5)),
        ("SmallGoogLeNet", SmallGoogLeNet()),
        ("ConvolutionalAutoencoder", ConvolutionalAutoencoder()),
        ("DenseAutoencoder", DenseAutoencoder(hiddenSizes: [64, 16], codeSize: 4)),
        ("InceptionAux", InceptionAux(inChannels: 8, classes: 3)),
        ("LeNet", LeNet()),
    ]
    for (name, layer) in layers {
        #expect(audit(layer) == [], "\(name)")
    }
}

// MARK: - Output shapes

@Test func convolutionLayersFollowPyTorchsOutputSizeFormulas() {
    let input = Tensor.normal([2, 4, 9, 7])
    // floor((9 + 2*1 - 2*(3-1) - 1) / 2) + 1 = 4 and floor((7 + 2*1 - 1*(3-1) - 1) / 2) + 1 = 4.
    let strided = Conv2d(inChannels: 4, outChannels: 6, kernelSize: (3, 3), stride: (2, 2),
                         padding: .explicit(height: 1, width: 1), dilation: (2, 1), groups: 2)
    #expect(strided(input).shape == [2, 6, 4, 4])
    #expect(Conv2d(inChannels: 4, outChannels: 3, kernelSize: (4, 2), padding: .same)(input).shape == [2, 3, 9, 7])
    // (9 - 1)*2 - 2*1 + 1*(3 - 1) + 1 + 1 = 18 and (7 - 1)*2 - 2 + 2 + 1 + 1 = 14.
    let transposed = ConvTranspose2d(inChannels: 4, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
    #expect(transposed(input).shape == [2, 2, 18, 14])
    // Ceil mode: ceil((9 - 3) / 2) + 1 = 4 rows, ceil((7 - 3) / 2) + 1 = 3 columns.
    #expect(MaxPool2d(3, stride: 2, ceilMode: true)(input).shape == [2, 4, 4, 3])
    #expect(AvgPool2d(kernelSize: (3, 2), stride: (2, 1), padding: (1, 1))(input).shape == [2, 4, 5, 8])
    #expect(AdaptiveAvgPool2d(outputSize: (3, 2))(input).shape == [2, 4, 3, 2])
}

@Test func residualBlocksHalveTheResolutionWithTheirStride() {
    let input = Tensor.normal([1, 8, 6, 6])
    #expect(BasicBlock(inChannels: 8, outChannels: 8)(input).shape == [1, 8, 6, 6])
    #expect(BasicBlock(inChannels: 8, outChannels: 16, stride: 2)(input).shape == [1, 16, 3, 3])
    // The bottleneck widens by its expansion 4.
    #expect(Bottleneck(inChannels: 8, width: 2)(input).shape == [1, 8, 6, 6])
    #expect(Bottleneck(inChannels: 8, width: 4, stride: 2)(input).shape == [1, 16, 3, 3])
    #expect(Bottleneck.expansion == 4 && BasicBlock.expansion == 1)
}

@Test func smallModelsMapTheirInputsToTheDocumentedShapes() {
    let images = Tensor.uniform([2, 1, 28, 28])
    #expect(LeNet()(images).shape == [2, 10])
    #expect(LeNet(inChannels: 3, classes: 7)(Tensor.uniform([1, 3, 28, 28])).shape == [1, 7])
    #expect(ResNet.small()(images).shape == [2, 10])
    #expect(SmallGoogLeNet()(images).shape == [2, 10])
    let autoencoder = ConvolutionalAutoencoder()
    #expect(autoencoder.encode(images).shape == [2, 32, 7, 7])
    let reconstruction = autoencoder(images)
    #expect(reconstruction.shape == [2, 1, 28, 28])
    // The final sigmoid keeps pixels in [0, 1].
    #expect(reconstruction.scalars(as: Float.self).allSatisfy { $0 >= 0 && $0 <= 1 })
    // 2 + 4 + 3 + 5 channels from the four branches, at the input's resolution.
    let inception = InceptionModule(inChannels: 8, c1: 2, reduce3: 3, c3: 4, reduce5: 2, c5: 3, pool: 5)
    #expect(inception(Tensor.normal([1, 8, 5, 6])).shape == [1, 14, 5, 6])
}

@Test func imageNetResNetsHaveTorchvisionsParameterCountsAndClassifyA32By32Image() {
    // One test for both, since building these models dominates its time in a debug build.
    // torchvision's model documentation lists num_params: resnet18 11,689,512 (also computed by
    // Tools/make_cnn_fixtures.py), resnet34 21,797,672, resnet50 25,557,032.
    let models: [(String, ResNet, Int)] = [
        ("resnet18", ResNet.resnet18(), 11_689_512),
        ("resnet34", ResNet.resnet34(), 21_797_672),
        ("resnet50", ResNet.resnet50(), 25_557_032),
    ]
    // 32x32 halves five times (stem convolution, max-pool, three strided stages) to 1x1.
    let image = Tensor.normal([1, 3, 32, 32])
    for (name, model, parameterCount) in models {
        let model = model
        #expect(model.parameterCount == parameterCount, "\(name)")
        #expect(withTrainingMode(false) { model(image) }.shape == [1, 1000], "\(name)")
    }
}

// MARK: - Default initialization

/// The largest absolute value of a tensor.
private func largestMagnitude(_ tensor: Tensor) -> Double {
    tensor.scalars(as: Double.self).map { Swift.abs($0) }.max()!
}

@Test func convolutionDefaultInitializationUsesPyTorchsBounds() {
    // PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a=sqrt(5)) has gain sqrt(2 / (1 + 5)),
    // so bound = gain * sqrt(3 / fanIn) = 1 / sqrt(fanIn); the bias is uniform in the same ±1/sqrt(fanIn).
    // fanIn = inChannels / groups * kh * kw = 32 / 2 * 3 * 3 = 144: bound 1/12.
    let generator = RandomGenerator(seed: 21)
    let convolution = Conv2d(inChannels: 32, outChannels: 64, kernelSize: 3, groups: 2, generator: generator)
    let bound = 1.0 / 12
    #expect(largestMagnitude(convolution.weight) <= bound)
    #expect(largestMagnitude(convolution.bias!) <= bound)
    // 9216 uniform weights: the largest lies within bound * (1 - 1e-3) with odds 0.999^9216 ≈ 1e-4,
    // so a smaller bound (say from fanIn = 288, ignoring groups) would show.
    #expect(largestMagnitude(convolution.weight) > bound * 0.999)
    // Standard deviation bound / sqrt(3); its standard error over 9216 draws is about 0.5%.
    let (mean, standardDeviation) = moments(convolution.weight)
    #expect(Swift.abs(mean) < 0.02 * bound)
    #expect(Swift.abs(standardDeviation / (bound / 3.0.squareRoot()) - 1) < 0.03)
    // 64 biases: the largest exceeds 0.9 * bound unless all 64 fall below it (0.9^64 ≈ 0.1%).
    #expect(largestMagnitude(convolution.bias!) > 0.9 * bound)
}

@Test func transposedConvolutionDefaultInitializationUsesPyTorchsFanIn() {
    // PyTorch computes fanIn from weight.size(1) for transposed convolutions too, and that weight
    // is [inChannels, outChannels / groups, kh, kw]: fanIn = 48 / 2 * 2 * 2 = 96, not 16 * 4.
    let generator = RandomGenerator(seed: 22)
    let transposed = ConvTranspose2d(inChannels: 16, outChannels: 48, kernelSize: 2, groups: 2, generator: generator)
    #expect(transposed.weight.shape == [16, 24, 2, 2])
    let bound = 1 / 96.0.squareRoot()
    #expect(largestMagnitude(transposed.weight) <= bound)
    #expect(largestMagnitude(transposed.bias!) <= bound)
    // 1536 weights: the largest is under 0.99 * bound with odds 0.99^1536 ≈ 2e-7.
    #expect(largestMagnitude(transposed.weight) > 0.99 * bound)
    // 48 biases: the largest is under 0.8 * bound with odds 0.8^48 ≈ 2e-5. A fanIn from the input
    // side (16 / 2 * 2 * 2 = 32) would give a bound 1.7 times larger and fail the checks above.
    #expect(largestMagnitude(transposed.bias!) > 0.8 * bound)
}

// MARK: - Training mode

/// Every batch-norm and dropout layer inside `value` (true for batch norm), found by reflection
/// (tests only), through structs, optionals and arrays of existentials.
private func modeDependentLayers(_ value: Any) -> [Bool] {
    switch value {
    case is BatchNorm: return [true]
    case is Dropout: return [false]
    default: return Mirror(reflecting: value).children.flatMap { modeDependentLayers($0.value) }
    }
}

/// Whether every batch norm of `model` ran in training on `input` (each recorded its three
/// buffers) or none did (nothing recorded).
private func batchNormsTrained(_ model: any Layer, on input: Tensor) -> Bool? {
    let batchNorms = modeDependentLayers(model).count { $0 }
    let (_, updates) = recordingStatisticsUpdates { withoutGradients { _ = model(input) } }
    return updates.count == 3 * batchNorms ? true : updates.isEmpty ? false : nil
}

@Test func trainingModeReachesBatchNormInsideNestedBlocks() {
    let models: [(String, any Layer, Int)] = [
        // stem + 6 blocks of 2 + 2 downsamples.
        ("ResNet.small", ResNet.small(), 1 + 6 * 2 + 2),
        // stem + 4 Inception modules of 6 ConvBNReLU units each, and the dropout.
        ("SmallGoogLeNet", SmallGoogLeNet(), 1 + 4 * 6 + 1),
        // 1 + 3 blocks of 3 + 1 downsample.
        ("Bottleneck ResNet", ResNet(block: .bottleneck, blocks: [1, 1], widths: [2, 4], stem: .small, inChannels: 1, classes: 3), 1 + 2 * 3 + 2),
    ]
    let input = Tensor.normal([2, 1, 28, 28], generator: RandomGenerator(seed: 1))
    for (name, model, count) in models {
        #expect(modeDependentLayers(model).count == count, "\(name)")
        #expect(batchNormsTrained(model, on: input) == true, "\(name) starts in training")
        #expect(withTrainingMode(false) { batchNormsTrained(model, on: input) } == false, "\(name) in withTrainingMode(false)")
        #expect(withTrainingMode(true) { batchNormsTrained(model, on: input) } == true, "\(name) in withTrainingMode(true)")
    }
}

@Test func everyBatchNormOfAResNetCountsBatchesOnlyInTraining() {
    // The observable effect: a training forward pass advances every num_batches_tracked, an
    // inference pass none.
    var model = ResNet.small()
    let input = Tensor.normal([2, 1, 8, 8])
    func batchesTracked() -> [Int64] {
        model.stateDictionary().filter { $0.key.lastComponent == "num_batches_tracked" }.sorted { $0.key < $1.key }
            .map { $0.value.scalars(as: Int64.self)[0] }
    }
    #expect(batchesTracked().count == 15)
    withTrainingMode(false) { _ = withStatisticsUpdates(of: &model) { model in model(input) } }
    #expect(batchesTracked().allSatisfy { $0 == 0 })
    withTrainingMode(true) { _ = withStatisticsUpdates(of: &model) { model in model(input) } }
    #expect(batchesTracked().allSatisfy { $0 == 1 })
}

// MARK: - Parameter counts

@Test func smallModelParameterCountsEqualPyTorchs() {
    // The ImageNet ResNets are counted in imageNetResNetsHaveTorchvisionsParameterCountsAndClassifyA32By32Image.
    // bench_torch.lenet(): conv 1*32*25 + 32, conv 32*64*25 + 64, linear 3136*512 + 512, linear 512*10 + 10.
    #expect(LeNet().parameterCount == 832 + 51_264 + 1_606_144 + 5_130)
    #expect(LeNet().parameterCount == 1_663_370)
    #expect(ResNet.small().parameterCount == CNNFixtures.benchResNetParameterCount)
}

// MARK: - Backends

@Test func poolingSplitAcrossThreadsAgreesWithTheReferenceBackend() {
    // The CPU backend splits pooling into chunks of 32768 / (8 * 8) = 512 planes; 2 * 300 planes
    // make two chunks, which the PyTorch fixtures (a few planes each) never reach. The reference
    // loops are the specification, so outputs and gradients must agree to float32 rounding.
    let input = Tensor.normal([2, 300, 8, 8], generator: RandomGenerator(seed: 31))
    let pools: [(String, (Tensor) -> Tensor)] = [
        ("maxPool2d", { maxPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }),
        ("avgPool2d", { avgPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false) }),
    ]
    for (name, pool) in pools {
        func run(_ backend: any Backend) -> (Tensor, Tensor) {
            withBackend(backend) {
                var output = input
                let gradient = gradient(at: input) { x in
                    output = pool(x)
                    return (output * output).sum()
                }
                return (output.detached, gradient)
            }
        }
        let (fast, fastGradient) = run(CPUBackend.shared)
        let (reference, referenceGradient) = run(ReferenceBackend())
        #expect(fast.maximumMismatch(from: reference, relativeTolerance: 1e-6, absoluteTolerance: 1e-7) == nil, "\(name)")
        #expect(fastGradient.maximumMismatch(from: referenceGradient, relativeTolerance: 1e-6, absoluteTolerance: 1e-7) == nil,
                "\(name) gradient")
    }
}

// MARK: - Layer forms and checkpoints

@Test func convolutionLayersEqualTheirOpsOnPyTorchFixtures() throws {
    // The layers hold the op's arguments; loaded with the fixture's weights under PyTorch's names
    // they must give PyTorch's output.
    let forward = CNNFixtures.conv2dEveryOption
    var convolution = Conv2d(inChannels: 4, outChannels: 4, kernelSize: (3, 2), stride: (2, 1),
                             padding: .explicit(height: 1, width: 2), dilation: (2, 1), groups: 2)
    try convolution.loadStateDictionary(["weight": forward["weight"], "bias": forward["bias"]])
    #expect(convolution(forward["input"]).maximumMismatch(from: forward["output"], relativeTolerance: 1e-4,
                                                          absoluteTolerance: 1e-5) == nil)
    let backward = CNNFixtures.convTranspose2dStride2PaddingOutputPadding
    var transposed = ConvTranspose2d(inChannels: 4, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)
    try transposed.loadStateDictionary(["weight": backward["weight"], "bias": backward["bias"]])
    #expect(transposed(backward["input"]).maximumMismatch(from: backward["output"], relativeTolerance: 1e-4,
                                                          absoluteTolerance: 1e-5) == nil)
}

@Test func aResNetStateDictionaryRoundTripReproducesTheModel() throws {
    var source = ResNet.small(generator: RandomGenerator(seed: 1))
    // A training pass gives the running statistics values other than their defaults.
    _ = withStatisticsUpdates(of: &source) { source in source(Tensor.normal([2, 1, 8, 8], generator: RandomGenerator(seed: 2))) }
    var copy = ResNet.small(generator: RandomGenerator(seed: 3))
    try copy.loadStateDictionary(source.stateDictionary())
    let input = Tensor.normal([2, 1, 8, 8], generator: RandomGenerator(seed: 4))
    withTrainingMode(false) {
        #expect(copy(input).scalars(as: Float.self) == source(input).scalars(as: Float.self))
    }
}
