import Strata
import StrataNN
import Testing

// Strata against PyTorch: every fixture in TorchFixtures.swift (written by
// Tools/make_nn_fixtures.py) is recomputed here and must agree element by element. Layers load the
// fixture's weights with `loadStateDictionary` under PyTorch's own state_dict names, so a passing
// test also proves that Strata names its parameters and buffers as PyTorch does.

/// 1e-5 relative, as the brief for float32 fidelity asks; the absolute part covers values that
/// should be zero but come out of float32 cancellation (batch-norm input gradients, softmax
/// gradients) as a few 1e-8.
private let relativeTolerance = 1e-5
private let absoluteTolerance = 1e-6

/// Records a failure naming the fixture, the value and the first element out of tolerance.
private func expectMatches(_ actual: Tensor, _ expected: Tensor, _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    expectMatchesPyTorch(actual, expected, what, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance,
                         sourceLocation: sourceLocation)
}

/// Recomputes one fixture; returns the values named as in `Fixture.expectedKeys`.
private typealias Reproduction = @Sendable (Fixture) throws -> [String: Tensor]

// MARK: - Layers

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

/// Loads the fixture's `state_dict` into `layer` (strictly), runs it on the fixture's input and
/// differentiates `sum(output * upstream)`.
private func reproduceLayer<Wrapped: Layer>(_ fixture: Fixture, _ layer: Wrapped, training: Bool = true,
                                            differentiableInput: Bool = true) throws -> [String: Tensor] {
    var layer = layer
    try layer.loadStateDictionary(fixture.stateDictionary)
    let upstream = fixture["upstream"]
    var results: [String: Tensor] = [:]
    // Batch normalization's running statistics after the forward pass are applied to `layer`.
    if differentiableInput {
        let (_, gradients) = withTrainingMode(training) { withStatisticsUpdates(of: &layer) { layer in
            valueAndGradient(at: LayerWithInput(layer: layer, input: fixture["input"])) { both in
                let output = both.layer(both.input)
                results["output"] = output.detached
                return (output * upstream).sum()
            }
        } }
        for (path, gradient) in gradients.keyedByName {
            let name = path.hasPrefix("layer.") ? String(path.dropFirst("layer.".count)) : path
            results["gradient." + name] = gradient
        }
    } else {
        let input = fixture["input"]
        let (_, gradients) = withTrainingMode(training) { withStatisticsUpdates(of: &layer) { layer in
            valueAndGradient(at: layer) { layer in
                let output = layer(input)
                results["output"] = output.detached
                return (output * upstream).sum()
            }
        } }
        for (path, gradient) in gradients.keyedByName { results["gradient." + path] = gradient }
    }
    for (path, tensor) in layer.stateDictionary().keyedByName where fixture.has("after." + path) {
        results["after." + path] = tensor
    }
    return results
}

private let layerReproductions: [String: Reproduction] = [
    "linearWithBias": { try reproduceLayer($0, Linear(inputSize: 5, outputSize: 3)) },
    "linearWithoutBias": { try reproduceLayer($0, Linear(inputSize: 5, outputSize: 3, bias: false)) },
    "sequentialPerceptron": {
        try reproduceLayer($0, Sequential {
            Linear(inputSize: 4, outputSize: 5)
            ReLU()
            Linear(inputSize: 5, outputSize: 2)
        })
    },
    "batchNorm1dTraining": { try reproduceLayer($0, BatchNorm1d(featureCount: 3)) },
    "batchNorm1dTrainingSequence": { try reproduceLayer($0, BatchNorm1d(featureCount: 3)) },
    "batchNorm1dTrainingCumulative": { try reproduceLayer($0, BatchNorm1d(featureCount: 3, momentum: nil)) },
    "batchNorm1dEvaluation": {
        try reproduceLayer($0, BatchNorm1d(featureCount: 3, momentum: 0.3, epsilon: 1e-3), training: false)
    },
    "batchNorm2dTraining": { try reproduceLayer($0, BatchNorm2d(featureCount: 2)) },
    "batchNorm2dEvaluation": { try reproduceLayer($0, BatchNorm2d(featureCount: 2), training: false) },
    "layerNorm": { try reproduceLayer($0, LayerNorm(normalizedShape: [4])) },
    "layerNormTwoAxes": { try reproduceLayer($0, LayerNorm(normalizedShape: [2, 3], epsilon: 1e-3)) },
    "embeddingWithPadding": {
        try reproduceLayer($0, Embedding(count: 6, embeddingSize: 3, paddingIndex: 1), differentiableInput: false)
    },
    "flatten": { try reproduceLayer($0, Flatten()) },
    "flattenMiddleAxes": { try reproduceLayer($0, Flatten(startAxis: 1, endAxis: 2)) },
    "dropoutEvaluation": { try reproduceLayer($0, Dropout(probability: 0.3), training: false) },
]

// MARK: - Activations

/// Differentiates `sum(function(input) * upstream)`, and checks that the layer form gives the
/// same output as the function.
private func reproduceActivation(_ fixture: Fixture, _ function: (Tensor) -> Tensor,
                                 layer: any Layer) -> [String: Tensor] {
    let input = fixture["input"]
    let upstream = fixture["upstream"]
    var output = input
    let (_, gradient) = valueAndGradient(at: input) { input in
        output = function(input)
        return (output * upstream).sum()
    }
    expectMatches(layer(input), output.detached, "\(fixture.name): the layer form against the function")
    return ["output": output.detached, "gradient.input": gradient]
}

private let activationReproductions: [String: Reproduction] = [
    "sigmoid": { reproduceActivation($0, sigmoid, layer: Sigmoid()) },
    "tanh": { reproduceActivation($0, tanh, layer: Tanh()) },
    "relu": { reproduceActivation($0, relu, layer: ReLU()) },
    "leakyReLU": { reproduceActivation($0, { leakyReLU($0, negativeSlope: 0.2) }, layer: LeakyReLU(negativeSlope: 0.2)) },
    "elu": { reproduceActivation($0, { elu($0) }, layer: ELU()) },
    "eluAlpha": { reproduceActivation($0, { elu($0, alpha: 0.5) }, layer: ELU(alpha: 0.5)) },
    "softmax": { reproduceActivation($0, { softmax($0) }, layer: Softmax()) },
    "softmaxFirstAxis": { reproduceActivation($0, { softmax($0, axis: 0) }, layer: Softmax(axis: 0)) },
    "logSoftmax": { reproduceActivation($0, { logSoftmax($0, axis: 1) }, layer: LogSoftmax(axis: 1)) },
    "softplus": { reproduceActivation($0, { softplus($0, beta: 1) }, layer: Softplus()) },
    "softplusBetaThreshold": {
        reproduceActivation($0, { softplus($0, beta: 2, threshold: 5) }, layer: Softplus(beta: 2, threshold: 5))
    },
    "geluExact": { reproduceActivation($0, { gelu($0) }, layer: GELU()) },
    "geluTanh": { reproduceActivation($0, { gelu($0, approximate: true) }, layer: GELU(approximate: true)) },
    "silu": { reproduceActivation($0, silu, layer: SiLU()) },
    "hardtanh": { reproduceActivation($0, { hardtanh($0) }, layer: Hardtanh()) },
    "hardtanhRange": {
        reproduceActivation($0, { hardtanh($0, minimum: -0.5, maximum: 2) }, layer: Hardtanh(minimum: -0.5, maximum: 2))
    },
]

// MARK: - Losses

/// Differentiates the loss with respect to the fixture's tensor `differentiable`; an unreduced
/// loss is first weighted by the fixture's `upstream` and summed, as the generator did.
private func reproduceLoss(_ fixture: Fixture, differentiating differentiable: String,
                           _ loss: (Tensor) -> Tensor) -> [String: Tensor] {
    var output = fixture[differentiable]
    let (_, gradient) = valueAndGradient(at: fixture[differentiable]) { x in
        output = loss(x)
        return fixture.has("upstream") ? (output * fixture["upstream"]).sum() : output
    }
    return ["output": output.detached, "gradient." + differentiable: gradient]
}

private let lossReproductions: [String: Reproduction] = {
    var table: [String: Reproduction] = [:]
    // The generator writes each loss three times, with these suffixes.
    for (suffix, reduction) in [("", LossReduction.mean), ("Sum", .sum), ("Unreduced", .none)] {
        table["crossEntropyLabels" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") { crossEntropy(logits: $0, labels: f["labels"], reduction: reduction) }
        }
        table["crossEntropyClassWeights" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                crossEntropy(logits: $0, labels: f["labels"], classWeights: f["class_weights"], reduction: reduction)
            }
        }
        table["crossEntropyProbabilities" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                crossEntropy(logits: $0, probabilities: f["probabilities"], reduction: reduction)
            }
        }
        table["crossEntropyLabelSmoothing" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                crossEntropy(logits: $0, labels: f["labels"], labelSmoothing: 0.1, reduction: reduction)
            }
        }
        table["crossEntropyWeightsAndSmoothing" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                crossEntropy(logits: $0, labels: f["labels"], classWeights: f["class_weights"], labelSmoothing: 0.2,
                             reduction: reduction)
            }
        }
        table["crossEntropyProbabilitiesWeightsAndSmoothing" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                crossEntropy(logits: $0, probabilities: f["probabilities"], classWeights: f["class_weights"],
                             labelSmoothing: 0.2, reduction: reduction)
            }
        }
        table["negativeLogLikelihood" + suffix] = { f in
            reproduceLoss(f, differentiating: "log_probabilities") {
                negativeLogLikelihood(logProbabilities: $0, labels: f["labels"], reduction: reduction)
            }
        }
        table["negativeLogLikelihoodClassWeights" + suffix] = { f in
            reproduceLoss(f, differentiating: "log_probabilities") {
                negativeLogLikelihood(logProbabilities: $0, labels: f["labels"], classWeights: f["class_weights"],
                                      reduction: reduction)
            }
        }
        table["meanSquaredError" + suffix] = { f in
            reproduceLoss(f, differentiating: "prediction") { meanSquaredError($0, f["target"], reduction: reduction) }
        }
        table["l1Loss" + suffix] = { f in
            reproduceLoss(f, differentiating: "prediction") { l1Loss($0, f["target"], reduction: reduction) }
        }
        table["smoothL1Loss" + suffix] = { f in
            reproduceLoss(f, differentiating: "prediction") { smoothL1Loss($0, f["target"], reduction: reduction) }
        }
        table["smoothL1LossBeta" + suffix] = { f in
            reproduceLoss(f, differentiating: "prediction") {
                smoothL1Loss($0, f["target"], beta: 0.5, reduction: reduction)
            }
        }
        table["huberLossDelta" + suffix] = { f in
            reproduceLoss(f, differentiating: "prediction") { huberLoss($0, f["target"], delta: 0.7, reduction: reduction) }
        }
        table["binaryCrossEntropy" + suffix] = { f in
            reproduceLoss(f, differentiating: "probabilities") {
                binaryCrossEntropy(probabilities: $0, targets: f["targets"], reduction: reduction)
            }
        }
        table["binaryCrossEntropyWeights" + suffix] = { f in
            reproduceLoss(f, differentiating: "probabilities") {
                binaryCrossEntropy(probabilities: $0, targets: f["targets"], weights: f["weights"], reduction: reduction)
            }
        }
        table["binaryCrossEntropyLogits" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                binaryCrossEntropy(logits: $0, targets: f["targets"], reduction: reduction)
            }
        }
        table["binaryCrossEntropyLogitsPositiveWeight" + suffix] = { f in
            reproduceLoss(f, differentiating: "logits") {
                binaryCrossEntropy(logits: $0, targets: f["targets"], weights: f["weights"],
                                   positiveWeight: f["positive_weight"], reduction: reduction)
            }
        }
    }
    return table
}()

private let reproductions = layerReproductions
    .merging(activationReproductions) { first, _ in first }
    .merging(lossReproductions) { first, _ in first }

// MARK: - Tests

@Test(arguments: TorchFixtures.all)
func strataReproducesPyTorch(_ fixture: Fixture) throws {
    let reproduce = try #require(reproductions[fixture.name], "no Strata reproduction for fixture \(fixture.name)")
    let results = try reproduce(fixture)
    #expect(!fixture.expectedKeys.isEmpty)
    for key in fixture.expectedKeys {
        guard let actual = results[key] else {
            Issue.record("\(fixture.name) (\(fixture.torchCode)): Strata computed no \(key); it computed \(results.keys.sorted())")
            continue
        }
        expectMatches(actual, fixture[key], "\(fixture.name) (\(fixture.torchCode)) \(key)")
    }
    // A gradient PyTorch did not record would be one for a tensor the fixture does not cover.
    for key in results.keys where key.hasPrefix("gradient.") && !fixture.has(key) {
        Issue.record("\(fixture.name): Strata has \(key), which PyTorch did not record")
    }
}

@Test func everyReproductionHasItsFixture() {
    // Each fixture runs through `strataReproducesPyTorch`; here the other direction: no Strata
    // reproduction refers to a fixture the generator no longer writes, and the three tables do
    // not overlap.
    let fixtureNames = Set(TorchFixtures.all.map(\.name))
    #expect(Set(reproductions.keys) == fixtureNames)
    #expect(layerReproductions.count + activationReproductions.count + lossReproductions.count == reproductions.count)
}
