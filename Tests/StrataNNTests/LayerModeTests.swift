import Strata
import StrataNN
import Testing

// Training mode, frozen statistics and running-statistics updates are task-local settings and
// plain values, not state stored in (and shared by) layers.

private func batchNormModel(seed: UInt64) -> Sequential {
    let generator = RandomGenerator(seed: seed)
    return Sequential {
        Linear(inputSize: 3, outputSize: 4, generator: generator)
        BatchNorm1d(featureCount: 4)
        ReLU()
    }
}

private func bits(_ tensor: Tensor?) -> [UInt32] { tensor?.scalars(as: Float.self).map(\.bitPattern) ?? [] }

@Test func trainingModeIsTaskLocalAndRestored() {
    #expect(TrainingMode.isEnabled, "training is the default, as for a new PyTorch module")
    withTrainingMode(false) {
        #expect(!TrainingMode.isEnabled)
        withTrainingMode(true) { #expect(TrainingMode.isEnabled) }
        #expect(!TrainingMode.isEnabled)
    }
    #expect(TrainingMode.isEnabled)
}

@Test func copiesOfABatchNormModelNoLongerShareStatistics() {
    var model = batchNormModel(seed: 1)
    let copy = model
    let before = copy.stateDictionary()
    let input = Tensor.normal([8, 3], generator: RandomGenerator(seed: 2))
    _ = withStatisticsUpdates(of: &model) { model in model(input) }
    // The trained model moved on; its copy, made before, kept every buffer bit for bit.
    #expect(model.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 1)
    #expect(bits(model.stateDictionary()["1.running_mean"]) != bits(before["1.running_mean"]))
    for (path, tensor) in copy.stateDictionary() { #expect(bits(tensor) == bits(before[path]), "\(path)") }
    #expect(copy.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 0)

    // Updates recorded on one model reach only that model and the copies sharing its buffers.
    var other = batchNormModel(seed: 1)
    let (_, updates) = recordingStatisticsUpdates { model(input) }
    #expect(updates.count == 3)
    other.applyStatisticsUpdates(updates)
    #expect(other.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 0)
    var later = model
    later.applyStatisticsUpdates(updates)
    #expect(later.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 2)
    #expect(model.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 1)
}

@Test func statisticsUpdatesEqualPyTorchsInPlaceUpdates() {
    // Momentum 0.1 from mean 0, variance 1 over a batch of two: x = [1, 3] has mean 2, biased
    // variance 1 and unbiased variance 2, so running mean 0.9 * 0 + 0.1 * 2 = 0.2 and running
    // variance 0.9 * 1 + 0.1 * 2 = 1.1, as torch.nn.BatchNorm1d(1) computes them.
    var norm = BatchNorm1d(featureCount: 1, dtype: .float64)
    let x = Tensor([1.0, 3.0] as [Double], shape: [2, 1])
    _ = withStatisticsUpdates(of: &norm) { norm in norm(x) }
    #expect(abs(norm.runningMean.scalar(as: Double.self) - 0.2) < 1e-15)
    #expect(abs(norm.runningVariance.scalar(as: Double.self) - 1.1) < 1e-15)
    // A layer applied twice in one step updates from its first update, as in-place buffers do:
    // 0.9 * 0.2 + 0.1 * 2 = 0.38, two more batches tracked.
    _ = withStatisticsUpdates(of: &norm) { norm in norm(norm(x) * 0 + x) }
    #expect(abs(norm.runningMean.scalar(as: Double.self) - (0.9 * (0.9 * 0.2 + 0.1 * 2) + 0.1 * 2)) < 1e-15)
    #expect(norm.batchesTracked.scalar(as: Int64.self) == 3)
}

@Test func inferenceAndUnrecordedForwardsLeaveStatisticsAlone() {
    var model = batchNormModel(seed: 3)
    let before = model.stateDictionary()
    let input = Tensor.normal([8, 3], generator: RandomGenerator(seed: 4))
    let (_, inference) = recordingStatisticsUpdates { withTrainingMode(false) { model(input) } }
    #expect(inference.isEmpty)
    // Outside a recording a training forward normalizes with the batch and computes nothing more.
    _ = model(input)
    _ = withTrainingMode(false) { withStatisticsUpdates(of: &model) { model in model(input) } }
    for (path, tensor) in model.stateDictionary() { #expect(bits(tensor) == bits(before[path]), "\(path)") }
}

@Test func frozenStatisticsAreTaskLocalAndFollowTheFrozenParameters() {
    var model = batchNormModel(seed: 5)
    let input = Tensor.normal([8, 3], generator: RandomGenerator(seed: 6))
    let inference = withTrainingMode(false) { model(input) }
    // Frozen batch norm in training mode normalizes as in inference and records nothing.
    let (frozenOutput, frozenUpdates) = withFrozenStatistics(of: model, where: { $0.isWithin("1") }) {
        recordingStatisticsUpdates { model(input) }
    }
    #expect(bits(frozenOutput) == bits(inference))
    #expect(frozenUpdates.isEmpty)
    // Outside the setting, or with only part of the layer frozen, it trains.
    #expect(!recordingStatisticsUpdates { model(input) }.updates.isEmpty)
    let partly = withFrozenStatistics(of: model, where: { $0 == "1.weight" }) { recordingStatisticsUpdates { model(input) } }
    #expect(partly.updates.count == 3)
    model.applyStatisticsUpdates(partly.updates)
    #expect(model.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 1)
}

@Test func theVisitorWalksTensorsOnly() {
    // Dropout holds no tensor, so a model of dropout and batch norm lists the batch norm's five.
    var model = Sequential {
        Dropout(probability: 0.5)
        BatchNorm1d(featureCount: 2)
    }
    var visited: [ParameterPath] = []
    model.visitParameters { path, _, _ in visited.append(path) }
    #expect(visited == ["1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"])
}
