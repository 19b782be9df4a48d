import Strata
import StrataNN
import Testing

// Strata's convolution and pooling ops and its CNN models against PyTorch: every fixture in
// CNNFixtures.swift (written by Tools/make_cnn_fixtures.py) is recomputed here, on the CPU
// backend (oneDNN and C kernels) and on the reference backend (direct loops), and must agree
// element by element. The models too large to export (resnet18, LeNet) run on the CPU backend
// only: the reference loops would take minutes on them in a debug build.

/// The expected values are PyTorch's float64 results from the float32 inputs, rounded once; Strata
/// computes in float32, summing a convolution's products in oneDNN's blocked order on the CPU
/// backend and one by one on the reference backend, so it is a few ulps off per sum and more
/// after twenty layers: 1e-4 relative. The absolute part covers outputs and gradients that cancel
/// to near zero.
private let relativeTolerance = 1e-4
private let absoluteTolerance = 1e-5

/// The backend a fixture runs on, as a test argument.
enum CNNBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case cpu, reference

    var backend: any Backend { self == .cpu ? CPUBackend.shared : ReferenceBackend() }
    var description: String { rawValue }

    func run<Result>(_ body: () throws -> Result) rethrows -> Result { try withBackend(backend, body) }
}

/// Records a failure naming the value and the first element out of tolerance.
private func expectMatches(_ actual: Tensor, _ expected: Tensor, _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    expectMatchesPyTorch(actual, expected, what, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
                         sourceLocation: sourceLocation)
}

/// Recomputes one fixture; returns the values named as in `Fixture.expectedKeys`.
private typealias Reproduction = @Sendable (Fixture) throws -> [String: Tensor]

// MARK: - Ops

/// Differentiates `sum(op(inputs) * upstream)` with respect to each of the fixture's `input`,
/// `weight` and `bias`, held in one dictionary so that one backward pass gives all three.
private func reproduceOp(_ fixture: Fixture, _ op: ([ParameterPath: Tensor]) -> Tensor) -> [String: Tensor] {
    var inputs: [ParameterPath: Tensor] = [:]
    for key in ["input", "weight", "bias"] where fixture.has(key) { inputs[ParameterPath(key)!] = fixture[key] }
    let upstream = fixture["upstream"]
    var output = upstream
    let (_, gradients) = valueAndGradient(at: inputs) { inputs in
        output = op(inputs)
        return (output * upstream).sum()
    }
    var results = ["output": output.detached]
    for (name, gradient) in gradients.keyedByName { results["gradient." + name] = gradient }
    return results
}

/// `F.conv2d` with the fixture's input, weight and (when it has one) bias.
private func reproduceConv2d(stride: SpatialSize = (1, 1), padding: ConvolutionPadding = .valid,
                             dilation: SpatialSize = (1, 1), groups: Int = 1) -> Reproduction {
    { fixture in
        reproduceOp(fixture) {
            conv2d($0["input"]!, weight: $0["weight"]!, bias: $0["bias"], stride: stride, padding: padding,
                   dilation: dilation, groups: groups)
        }
    }
}

/// `F.conv_transpose2d` with the fixture's input, weight and (when it has one) bias.
private func reproduceConvTranspose2d(stride: SpatialSize = (1, 1), padding: SpatialSize = (0, 0),
                                      outputPadding: SpatialSize = (0, 0), dilation: SpatialSize = (1, 1),
                                      groups: Int = 1) -> Reproduction {
    { fixture in
        reproduceOp(fixture) {
            convTranspose2d($0["input"]!, weight: $0["weight"]!, bias: $0["bias"], stride: stride, padding: padding,
                            outputPadding: outputPadding, dilation: dilation, groups: groups)
        }
    }
}

/// A pooling op of the fixture's input.
private func reproducePooling(_ pool: @escaping @Sendable (Tensor) -> Tensor) -> Reproduction {
    { fixture in reproduceOp(fixture) { pool($0["input"]!) } }
}

// The arguments below are those of the PyTorch call in each fixture's `torchCode`.
private let convolutionReproductions: [String: Reproduction] = [
    "conv2dValid": reproduceConv2d(),
    "conv2dStride2Padding1": reproduceConv2d(stride: (2, 2), padding: .explicit(height: 1, width: 1)),
    "conv2dAsymmetricStridePaddingKernel": reproduceConv2d(stride: (2, 3), padding: .explicit(height: 1, width: 2)),
    "conv2dSameOddKernel": reproduceConv2d(padding: .same),
    "conv2dSameEvenKernel": reproduceConv2d(padding: .same),
    "conv2dSameDilated": reproduceConv2d(padding: .same, dilation: (2, 2)),
    "conv2dDilation2": reproduceConv2d(padding: .explicit(height: 1, width: 1), dilation: (2, 2)),
    "conv2dGroups2": reproduceConv2d(padding: .explicit(height: 1, width: 1), groups: 2),
    "conv2dDepthwise": reproduceConv2d(padding: .explicit(height: 1, width: 1), groups: 3),
    "conv2dDepthwiseMultiplierStride2": reproduceConv2d(stride: (2, 2), padding: .explicit(height: 1, width: 1), groups: 3),
    "conv2dPointwiseStride2NoBias": reproduceConv2d(stride: (2, 2)),
    "conv2dEveryOption": reproduceConv2d(stride: (2, 1), padding: .explicit(height: 1, width: 2), dilation: (2, 1), groups: 2),
    "convTranspose2dBasic": reproduceConvTranspose2d(),
    "convTranspose2dStride2PaddingOutputPadding": reproduceConvTranspose2d(stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)),
    "convTranspose2dAsymmetric": reproduceConvTranspose2d(stride: (2, 3), padding: (1, 0), outputPadding: (0, 2)),
    "convTranspose2dGroups2": reproduceConvTranspose2d(stride: (2, 2), groups: 2),
    "convTranspose2dDilation2": reproduceConvTranspose2d(padding: (1, 1), dilation: (2, 2)),
    "convTranspose2dDilationOutputPadding": reproduceConvTranspose2d(outputPadding: (1, 1), dilation: (2, 2)),
]

private let poolingReproductions: [String: Reproduction] = [
    "maxPool2x2": reproducePooling { maxPool2d($0, kernelSize: (2, 2)) },
    "maxPool2x2OddSize": reproducePooling { maxPool2d($0, kernelSize: (2, 2)) },
    "maxPoolPadding": reproducePooling { maxPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) },
    "maxPoolPaddingNegativeInput": reproducePooling { maxPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) },
    "maxPoolOverlappingStride": reproducePooling { maxPool2d($0, kernelSize: (3, 2), stride: (1, 2)) },
    "maxPoolCeilMode": reproducePooling { maxPool2d($0, kernelSize: (3, 3), stride: (2, 2), ceilMode: true) },
    "maxPoolCeilModeDropsPaddingWindow": reproducePooling {
        maxPool2d($0, kernelSize: (2, 2), stride: (2, 2), padding: (1, 1), ceilMode: true)
    },
    "maxPoolDilation": reproducePooling {
        maxPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (2, 2))
    },
    "maxPoolTies": reproducePooling { maxPool2d($0, kernelSize: (3, 3), stride: (1, 1), padding: (1, 1)) },
    "maxPool2x2Ties": reproducePooling { maxPool2d($0, kernelSize: (2, 2)) },
    "avgPool2x2": reproducePooling { avgPool2d($0, kernelSize: (2, 2)) },
    "avgPoolPaddingIncludePad": reproducePooling { avgPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) },
    "avgPoolPaddingExcludePad": reproducePooling {
        avgPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false)
    },
    "avgPoolCeilMode": reproducePooling { avgPool2d($0, kernelSize: (3, 3), stride: (2, 2), ceilMode: true) },
    "avgPoolCeilModePaddingIncludePad": reproducePooling {
        avgPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: true)
    },
    "avgPoolCeilModePaddingExcludePad": reproducePooling {
        avgPool2d($0, kernelSize: (2, 2), stride: (2, 2), padding: (1, 1), ceilMode: true, countIncludePad: false)
    },
    "avgPoolRectangular": reproducePooling { avgPool2d($0, kernelSize: (3, 2), stride: (2, 1)) },
    "adaptiveAvgPoolUneven": reproducePooling { adaptiveAvgPool2d($0, outputSize: (3, 2)) },
    "adaptiveAvgPoolDivisible": reproducePooling { adaptiveAvgPool2d($0, outputSize: (3, 2)) },
    "adaptiveAvgPoolGlobal": reproducePooling { adaptiveAvgPool2d($0, outputSize: (1, 1)) },
    "adaptiveAvgPoolEnlarging": reproducePooling { adaptiveAvgPool2d($0, outputSize: (4, 3)) },
]

// MARK: - Models with exported weights

/// A layer and its input as one parameter structure, so one `valueAndGradient` gives the
/// gradients with respect to both (the input under "input", the layer's under "layer.").
private struct LayerWithInput<Wrapped: Layer>: ParameterContainer {
    var layer: Wrapped
    var input: Tensor

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("input", &input)
        visitor.visit("layer", &layer)
    }
}

/// Loads the fixture's `state_dict` into `layer` (strictly, so every name must be PyTorch's),
/// runs it on the fixture's input and differentiates `sum(output * upstream)`.
private func reproduceLayer<Wrapped: Layer>(_ fixture: Fixture, _ layer: Wrapped, training: Bool) throws -> [String: Tensor] {
    var layer = layer
    try layer.loadStateDictionary(fixture.stateDictionary)
    let upstream = fixture["upstream"]
    var results: [String: Tensor] = [:]
    // In training, the running statistics the forward pass computed are applied to `layer`.
    let (_, gradients) = withTrainingMode(training) { withStatisticsUpdates(of: &layer) { layer in
        valueAndGradient(at: LayerWithInput(layer: layer, input: fixture["input"])) { both in
            let output = both.layer(both.input)
            results["output"] = output.detached
            return (output * upstream).sum()
        }
    } }
    for (path, gradient) in gradients.keyedByName {
        results["gradient." + (path.hasPrefix("layer.") ? String(path.dropFirst("layer.".count)) : path)] = gradient
    }
    for (path, tensor) in layer.stateDictionary().keyedByName where fixture.has("after." + path) {
        results["after." + path] = tensor
    }
    return results
}

/// The tiny networks of the generator's `TinyResNet`, with the same arguments.
private func tinyBasicResNet() -> ResNet {
    ResNet(block: .basic, blocks: [1, 1], widths: [8, 16], stem: .imageNet, inChannels: 3, classes: 5)
}

private func tinyBottleneckResNet() -> ResNet {
    ResNet(block: .bottleneck, blocks: [2, 1], widths: [4, 8], stem: .small, inChannels: 2, classes: 3)
}

private let exportedModelReproductions: [String: Reproduction] = [
    "tinyResNetBasicTraining": { try reproduceLayer($0, tinyBasicResNet(), training: true) },
    "tinyResNetBasicEvaluation": { try reproduceLayer($0, tinyBasicResNet(), training: false) },
    "tinyResNetBottleneckTraining": { try reproduceLayer($0, tinyBottleneckResNet(), training: true) },
    "tinyResNetBottleneckEvaluation": { try reproduceLayer($0, tinyBottleneckResNet(), training: false) },
    "inceptionModuleTraining": {
        try reproduceLayer($0, InceptionModule(inChannels: 4, c1: 2, reduce3: 2, c3: 3, reduce5: 2, c5: 2, pool: 2),
                           training: true)
    },
    "convolutionalAutoencoder": { try reproduceLayer($0, ConvolutionalAutoencoder(channels: 1), training: true) },
]

// MARK: - Models with generated weights

/// The 64-bit FNV-1a hash of `text`'s UTF-8 bytes: the seed of a tensor's stream (as
/// `fnv1a` in Tools/make_cnn_fixtures.py).
private func fnv1a(_ text: String) -> UInt64 {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return value
}

/// The generator's `generated_tensor`: `shape` values uniform in a range chosen from the name and
/// shape, `low + (high - low) * u` in float64 rounded to float32, with u the top 53 bits of
/// successive SplitMix64 outputs (Steele, Lea and Flood, 2014) seeded by the name's hash. Nil for
/// `num_batches_tracked`, which stays 0 on both sides.
func generatedTensor(name: String, shape: [Int]) -> Tensor? {
    if name.hasSuffix("num_batches_tracked") { return nil }
    let (low, high): (Double, Double)
    if name.hasSuffix("running_mean") || name.hasSuffix("bias") {
        (low, high) = (-0.2, 0.2)
    } else if name.hasSuffix("running_var") || (shape.count == 1 && name.hasSuffix("weight")) {
        (low, high) = (0.5, 1.5)
    } else {
        let fanIn = Double(shape.dropFirst().reduce(1, *))
        let bound = shape.count == 4 ? (3 / fanIn).squareRoot() : 1 / fanIn.squareRoot()
        (low, high) = (-bound, bound)
    }
    var state = fnv1a(name)
    let count = shape.reduce(1, *)
    var values = [Float](repeating: 0, count: count)
    for index in 0..<count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = Double(z >> 11) * 0x1p-53
        values[index] = Float(low + (high - low) * u)
    }
    return Tensor(values, shape: shape)
}

/// Replaces every tensor of `model` with `generatedTensor` of its path.
private func loadGeneratedWeights<Model: Layer>(_ model: inout Model) {
    model.visitParameters { path, tensor, _ in
        if let generated = generatedTensor(name: path.description, shape: tensor.shape) { tensor = generated }
    }
}

/// Runs `model` with generated weights on the fixture's input, without gradients.
private func reproduceGenerated<Model: Layer>(_ fixture: Fixture, _ model: Model, training: Bool) -> [String: Tensor] {
    var model = model
    loadGeneratedWeights(&model)
    let output = withTrainingMode(training) { withStatisticsUpdates(of: &model) { model in model(fixture["input"]) } }
    var results = ["output": output]
    for (path, tensor) in model.stateDictionary().keyedByName where fixture.has("after." + path) {
        results["after." + path] = tensor
    }
    return results
}

private let generatedModelReproductions: [String: Reproduction] = [
    "resnet18Generated": { reproduceGenerated($0, ResNet.resnet18(), training: false) },
    "lenetGenerated": { reproduceGenerated($0, LeNet(), training: false) },
    "benchResNetGeneratedEvaluation": { reproduceGenerated($0, ResNet.small(), training: false) },
    "benchResNetGeneratedTraining": { reproduceGenerated($0, ResNet.small(), training: true) },
]

/// Fixtures too large for the reference backend's loops in a debug build.
private let cpuOnlyFixtures: Set<String> = ["resnet18Generated", "lenetGenerated"]

private let reproductions = convolutionReproductions
    .merging(poolingReproductions) { first, _ in first }
    .merging(exportedModelReproductions) { first, _ in first }
    .merging(generatedModelReproductions) { first, _ in first }

// MARK: - Tests

@Test(arguments: CNNFixtures.all, CNNBackend.allCases)
func strataReproducesPyTorchConvolutionalFixtures(_ fixture: Fixture, _ backend: CNNBackend) throws {
    guard backend == .cpu || !cpuOnlyFixtures.contains(fixture.name) else { return }
    let reproduce = try #require(reproductions[fixture.name], "no Strata reproduction for fixture \(fixture.name)")
    let results = try backend.run { try reproduce(fixture) }
    #expect(!fixture.expectedKeys.isEmpty)
    for key in fixture.expectedKeys {
        guard let actual = results[key] else {
            Issue.record("\(fixture.name) (\(fixture.torchCode)) on \(backend): Strata computed no \(key); it computed \(results.keys.sorted())")
            continue
        }
        expectMatches(actual, fixture[key], "\(fixture.name) (\(fixture.torchCode)) on \(backend): \(key)")
    }
    // A gradient PyTorch did not record would be one for a tensor the fixture does not cover.
    for key in results.keys where key.hasPrefix("gradient.") && !fixture.has(key) {
        Issue.record("\(fixture.name): Strata has \(key), which PyTorch did not record")
    }
}

@Test func everyConvolutionalReproductionHasItsFixture() {
    // The other direction from the test above: no reproduction refers to a fixture the generator
    // no longer writes, and the tables do not overlap.
    #expect(Set(reproductions.keys) == Set(CNNFixtures.all.map(\.name)))
    #expect(convolutionReproductions.count + poolingReproductions.count + exportedModelReproductions.count
        + generatedModelReproductions.count == reproductions.count)
    #expect(cpuOnlyFixtures.isSubset(of: reproductions.keys))
}

@Test func generatedWeightsMatchTheGeneratorsStream() throws {
    // The first element of `generated_tensor("fc.bias", [1])` worked out in Python:
    //   splitmix64(fnv1a("fc.bias")) -> u = (z >> 11) * 2^-53, value = float32(-0.2 + 0.4 * u)
    // Any slip in the Swift twin changes every generated model, so pin one value directly.
    let value = try #require(generatedTensor(name: "fc.bias", shape: [1])).scalars(as: Float.self)[0]
    #expect(value == CNNFixtures.generatedFirstFCBias)
}

// MARK: - State dictionary names and shapes

/// Every tensor of `model` with its shape, in visiting order (which is `state_dict` order when
/// the model lists its fields as PyTorch registers them).
private func orderedState<Model: Module>(_ model: Model) -> [(name: String, shape: [Int])] {
    var model = model
    var entries: [(name: String, shape: [Int])] = []
    model.visitParameters { path, tensor, _ in entries.append((path.description, tensor.shape)) }
    return entries
}

private func expectSameState(_ actual: [(name: String, shape: [Int])], _ expected: [(name: String, shape: [Int])],
                             _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.map(\.name) == expected.map(\.name), "\(what): names", sourceLocation: sourceLocation)
    for (strata, torch) in zip(actual, expected) where strata.name == torch.name && strata.shape != torch.shape {
        Issue.record("\(what): \(strata.name) is \(strata.shape) in Strata, \(torch.shape) in PyTorch", sourceLocation: sourceLocation)
    }
}

@Test func resnet18StateDictionaryEqualsTorchvisions() {
    let model = ResNet.resnet18()
    expectSameState(orderedState(model), CNNFixtures.resnet18State, "resnet18")
    let dictionary = model.stateDictionary()
    #expect(dictionary.count == CNNFixtures.resnet18State.count)
    for (name, shape) in CNNFixtures.resnet18State { #expect(dictionary[ParameterPath(name)!]?.shape == shape, "\(name)") }
    #expect(model.parameterCount == CNNFixtures.resnet18ParameterCount)
}

@Test func lenetStateDictionaryEqualsTheBenchmarkModels() {
    let model = LeNet()
    expectSameState(orderedState(model), CNNFixtures.lenetState, "LeNet")
    #expect(model.stateDictionary().count == CNNFixtures.lenetState.count)
    #expect(model.parameterCount == CNNFixtures.lenetParameterCount)
}

/// The benchmark ResNet's names (bench_torch.py: `stem`, `blocks.i` with `c1`/`b1`/`c2`/`b2`/`sc`)
/// in torchvision's terms, which `ResNet.small()` uses; `torchvision_name` in the generator is the same table.
func torchvisionName(benchName: String) -> String {
    let parts = benchName.split(separator: ".").map(String.init)
    switch parts[0] {
    case "stem":
        return ([["0": "conv1", "1": "bn1"][parts[1]]!] + parts.dropFirst(2)).joined(separator: ".")
    case "blocks":
        // Two blocks per stage: blocks.3 is the second block of the second stage.
        let block = Int(parts[1])!
        let inner = ["c1": "conv1", "b1": "bn1", "c2": "conv2", "b2": "bn2", "sc": "downsample"][parts[2]]!
        return (["layer\(block / 2 + 1)", "\(block % 2)", inner] + parts.dropFirst(3)).joined(separator: ".")
    default:
        return benchName
    }
}

@Test func smallResNetStateDictionaryIsTheBenchmarkModelsRenamed() {
    let model = ResNet.small()
    let renamed = CNNFixtures.benchResNetState.map { (name: torchvisionName(benchName: $0.name), shape: $0.shape) }
    expectSameState(orderedState(model), renamed, "ResNet.small against bench_torch.ResNet")
    #expect(model.parameterCount == CNNFixtures.benchResNetParameterCount)
}
