import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining
import Testing

/// Records, after every step, which buffers hold the model's parameters and Adam's moments.
private final class BufferRecorder: TrainingCallback {
    var buffers: [[String: TensorStorageIdentity]] = []

    func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
        var record = context.model.parameters.mapValues(\.storageIdentity).reduce(into: [:]) { $0["\($1.key)"] = $1.value }
        for (path, slots) in context.optimizer.state {
            for (slot, tensor) in slots where slot != "step" { record["\(path).\(slot)"] = tensor.storageIdentity }
        }
        buffers.append(record)
        return .proceed
    }
}

/// The trainer's steps leave nothing but the model and the optimizer holding the parameters and
/// the moments when it updates them, so the fused Adam step writes them in place: the same
/// buffers from one step to the next, within an epoch and across epochs, through `fit` and
/// `step(on:)`. (A copy of the optimizer or of the model kept while the update runs makes every
/// update, or each epoch's first, allocate new buffers instead.)
@Test func theTrainersStepsUpdateAdamsBuffersInPlace() throws {
    let recorder = BufferRecorder()
    var trainer = makeTrainer(callbacks: [recorder])
    try trainer.fit(epochs: 3)
    #expect(recorder.buffers.count == 12)
    let first = try #require(recorder.buffers.first)
    #expect(first.count == 12, "4 parameters and their two moments")
    let moved = recorder.buffers.indices.filter { recorder.buffers[$0] != first }
    #expect(moved.isEmpty, "steps \(moved) of 12 gave the parameters or moments new buffers")
    let batch = try #require(trainer.trainingData.batches(forEpoch: 3).first { _ in true })
    let parameters = trainer.model.parameters.mapValues(\.storageIdentity)
    try trainer.step(on: batch)
    try trainer.step(on: batch)
    #expect(trainer.model.parameters.mapValues(\.storageIdentity) == parameters, "step(on:) writes in place too")
}
