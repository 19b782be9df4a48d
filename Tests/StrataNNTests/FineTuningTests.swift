import Strata
import StrataNN
import StrataOptimizers
import Testing

/// Conv 1 -> 2 (3x3) + batch norm + ReLU + a linear head: paths `0.*` (conv), `1.*` (batch norm
/// with running statistics), `4.*` (head).
private func smallConvNet(seed: UInt64) -> Sequential {
    let generator = RandomGenerator(seed: seed)
    return Sequential {
        Conv2d(inChannels: 1, outChannels: 2, kernelSize: 3, generator: generator)
        BatchNorm2d(featureCount: 2)
        ReLU()
        Flatten()
        Linear(inputSize: 2 * 4 * 4, outputSize: 3, generator: generator)
    }
}

/// `steps` training steps of `optimizer` on fixed random data, as a training loop runs them:
/// frozen batch norm marked, training mode, gradients of the unfrozen parameters only.
private func train(_ model: inout Sequential, _ optimizer: inout Optimizer, steps: Int) -> [Set<ParameterPath>] {
    let inputs = Tensor.normal([8, 1, 6, 6], generator: RandomGenerator(seed: 5))
    let labels = Tensor((0..<8).map { Int64($0 % 3) })
    var gradientKeys: [Set<ParameterPath>] = []
    for _ in 0..<steps {
        let frozen = optimizer
        let (_, gradients) = withFrozenStatistics(of: model, where: frozen.isFrozen) {
            withTrainingMode(true) {
                withStatisticsUpdates(of: &model) { model in
                    valueAndGradient(at: model, excluding: frozen.isFrozen) { model in
                        crossEntropy(logits: model(inputs), labels: labels)
                    }
                }
            }
        }
        gradientKeys.append(Set(gradients.keys))
        optimizer.update(&model, along: gradients)
    }
    return gradientKeys
}

private func bits(_ tensor: Tensor) -> [UInt32] { tensor.scalars(as: Float.self).map(\.bitPattern) }

@Test func frozenParametersAndBatchNormStatisticsStayBitIdentical() throws {
    var model = smallConvNet(seed: 1)
    let before = model.stateDictionary()
    var optimizer = Optimizer(Adam(), learningRate: 0.01)
    try optimizer.freeze("0", in: model)
    try optimizer.freeze("1", in: model)
    let keys = train(&model, &optimizer, steps: 3)
    // Only the head is differentiated at all.
    #expect(keys.allSatisfy { $0 == ["4.weight", "4.bias"] })
    let after = model.stateDictionary()
    for path: ParameterPath in ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"] {
        #expect(bits(after[path]!) == bits(before[path]!), "\(path)")
    }
    #expect(after["1.num_batches_tracked"]!.scalar(as: Int64.self) == 0)
    #expect(bits(after["4.weight"]!) != bits(before["4.weight"]!))
    #expect(optimizer.state["0.weight"] == nil)
}

@Test func unfreezingResumesUpdatesOfParametersAndStatistics() throws {
    var model = smallConvNet(seed: 1)
    var optimizer = Optimizer(SGD(), learningRate: 0.1)
    // Freeze everything, then give the head back: the last matching rule decides.
    try optimizer.freeze("*", in: model)
    try optimizer.unfreeze("4", in: model)
    #expect(optimizer.isFrozen("1.weight") && !optimizer.isFrozen("4.bias"))
    _ = train(&model, &optimizer, steps: 2)
    let frozen = model.stateDictionary()
    #expect(frozen["1.num_batches_tracked"]!.scalar(as: Int64.self) == 0)

    try optimizer.unfreeze("1", in: model)
    let keys = train(&model, &optimizer, steps: 2)
    #expect(keys.last == ["1.weight", "1.bias", "4.weight", "4.bias"])
    let after = model.stateDictionary()
    #expect(bits(after["0.weight"]!) == bits(frozen["0.weight"]!))
    #expect(bits(after["1.weight"]!) != bits(frozen["1.weight"]!))
    #expect(bits(after["1.running_mean"]!) != bits(frozen["1.running_mean"]!))
    #expect(after["1.num_batches_tracked"]!.scalar(as: Int64.self) == 2)
}

@Test func frozenBatchNormIgnoresTrainingModeUntilUnfrozen() {
    var norm = BatchNorm2d(featureCount: 2)
    let x = Tensor.normal([4, 2, 3, 3], generator: RandomGenerator(seed: 2))
    withFrozenStatistics(of: norm, where: { $0.description.hasPrefix("weight") || $0.description.hasPrefix("bias") }) {
        withTrainingMode(true) {
            // With the initial statistics (mean 0, variance 1) inference is x / sqrt(1 + eps).
            let frozenOutput = withStatisticsUpdates(of: &norm) { norm in norm(x) }
            #expect(frozenOutput.isApproximatelyEqual(to: x / (1 + 1e-5).squareRoot(), relativeTolerance: 1e-6))
        }
    }
    #expect(norm.batchesTracked.scalar(as: Int64.self) == 0)
    // Only the weight frozen: the layer trains normally.
    withFrozenStatistics(of: norm, where: { $0 == "weight" }) {
        withTrainingMode(true) { _ = withStatisticsUpdates(of: &norm) { norm in norm(x) } }
    }
    #expect(norm.batchesTracked.scalar(as: Int64.self) == 1)
}

@Test func groupLearningRatesFollowTheirPatterns() throws {
    // SGD, base rate 0.1, backbone (`0`, `1`) at 0.01: two steps with the same gradients g move
    // each parameter by 2 * rate * g. Gradients of ones make that 0.2 for the head, 0.02 below.
    var model = smallConvNet(seed: 3)
    let before = model.parameters
    var optimizer = Optimizer(SGD(), learningRate: 0.1, groups: [.matching("4"), .matching("*", learningRate: 0.01)])
    let ones = before.mapValues { Tensor.ones($0.shape) }
    optimizer.update(&model, along: ones)
    optimizer.update(&model, along: ones)
    for (path, tensor) in model.parameters {
        let step = path.description.hasPrefix("4.") ? 0.2 : 0.02
        #expect((before[path]! - tensor).isApproximatelyEqual(to: Tensor.full(tensor.shape, value: step), relativeTolerance: 1e-4), "\(path)")
    }
}

@Test func freezingAPatternThatMatchesNothingThrowsAndChangesNothing() {
    let model = smallConvNet(seed: 1)
    var optimizer = Optimizer(SGD(), learningRate: 0.1)
    #expect(throws: ParameterPatternError.matchesNothing(pattern: "fc", available: ["0", "1", "4"])) {
        try optimizer.freeze("fc", in: model)
    }
    #expect(optimizer.freezingRules.isEmpty)
}

@Test func replacingTheHeadKeepsEveryOtherTensor() {
    let resnet = ResNet.small(generator: RandomGenerator(seed: 4))
    let replaced = resnet.replacingHead(classes: 5, generator: RandomGenerator(seed: 9))
    #expect(resnet.headPattern.description == "fc")
    let (old, new) = (resnet.stateDictionary(), replaced.stateDictionary())
    #expect(new["fc.weight"]!.shape == [5, 64] && new["fc.bias"]!.shape == [5])
    #expect(Set(old.keys) == Set(new.keys))
    for (path, tensor) in old where !path.description.hasPrefix("fc.") {
        #expect(tensor.shape == new[path]!.shape && tensor.isApproximatelyEqual(to: new[path]!, relativeTolerance: 0, absoluteTolerance: 0), "\(path)")
    }
    let x = Tensor.normal([2, 1, 28, 28], generator: RandomGenerator(seed: 6))
    #expect(withoutGradients { replaced(x) }.shape == [2, 5])

    let lenet = LeNet(generator: RandomGenerator(seed: 4))
    #expect(lenet.headPattern.description == "9")
    let smaller = lenet.replacingHead(classes: 3, generator: RandomGenerator(seed: 9))
    #expect(smaller.stateDictionary()["9.weight"]!.shape == [3, 512])
    #expect(bits(smaller.stateDictionary()["7.weight"]!) == bits(lenet.stateDictionary()["7.weight"]!))
    #expect(withoutGradients { smaller(x) }.shape == [2, 3])
    // The new head is seeded: the same generator seed gives the same weights.
    let again = lenet.replacingHead(classes: 3, generator: RandomGenerator(seed: 9))
    #expect(bits(again.stateDictionary()["9.weight"]!) == bits(smaller.stateDictionary()["9.weight"]!))
}
