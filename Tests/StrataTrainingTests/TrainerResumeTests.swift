import Foundation
import Strata
import StrataIO
import StrataTraining
import Testing

// Exact resumption at epoch granularity: the data order is a function of (seed, epoch)
// (DataLoader), dropout masks come from the trainer's per-epoch generator, and the checkpoint
// carries the model, Adam's moments and step count, and the learning rate.
@Test func resumingFromASaverCheckpointMatchesUninterruptedTrainingBitForBit() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }

    var uninterrupted = makeTrainer(dropout: true)
    try uninterrupted.fit(epochs: 4)

    let saver = try CheckpointSaver(directory: directory)
    var interrupted = makeTrainer(dropout: true, callbacks: [saver])
    try interrupted.fit(epochs: 2)

    // A differently initialized model proves the weights come from the file.
    var resumed = makeTrainer(modelSeed: 99, dropout: true)
    try resumed.resume(from: saver.url(forEpoch: 1))
    #expect(resumed.nextEpoch == 2)
    #expect(bitwiseEqual(resumed.model.stateDictionary(), interrupted.model.stateDictionary()))
    let continued = try resumed.fit(epochs: 4)

    #expect(continued.map(\.epoch) == [2, 3])
    #expect(continued == Array(uninterrupted.history[2...]))
    #expect(bitwiseEqual(resumed.model.stateDictionary(), uninterrupted.model.stateDictionary()))
    #expect(bitwiseEqual(resumed.optimizer.exportState(), uninterrupted.optimizer.exportState()))
}

@Test func resumingFromAMissingFileThrowsAndChangesNothing() throws {
    var trainer = makeTrainer()
    let before = trainer.model.stateDictionary()
    let missing = "/nonexistent/epoch-0001.safetensors"
    let error = #expect(throws: CheckpointError.self) { try trainer.resume(from: URL(fileURLWithPath: missing)) }
    guard case .unreadable(let path, _) = error else { Issue.record("\(String(describing: error))"); return }
    #expect(path == missing)
    #expect(trainer.nextEpoch == 0)
    #expect(bitwiseEqual(trainer.model.stateDictionary(), before))
}

/// A checkpoint whose weights or optimizer state hold NaN or infinity would resume into a run
/// whose every loss is NaN: resume names the tensor and changes nothing.
@Test func resumingFromNonFiniteWeightsOrStateThrowsAndChangesNothing() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let saver = try CheckpointSaver(directory: directory)
    var trained = makeTrainer(callbacks: [saver])
    try trained.fit(epochs: 1)
    let saved = try Checkpoint.read(contentsOf: saver.url(forEpoch: 0))

    for (section, value) in [(TrainingCheckpoint.modelSection, Double.nan), (TrainingCheckpoint.optimizerSection, .infinity)] {
        var corrupted = saved
        var tensors = try saved.section(section)
        let name = try #require(tensors.keys.sorted().first { tensors[$0]!.dtype.isFloatingPoint && tensors[$0]!.scalarCount > 1 })
        var values = tensors[name]!.cast(to: .float64).scalars(as: Double.self)
        values[1] = value
        tensors[name] = Tensor(values, shape: tensors[name]!.shape).cast(to: tensors[name]!.dtype)
        corrupted[section] = tensors
        var trainer = makeTrainer()
        let before = trainer.model.stateDictionary()
        #expect(throws: TrainingCheckpointError.nonFiniteTensor(section: section, name: name, index: 1)) {
            try trainer.resume(from: corrupted)
        }
        #expect(trainer.nextEpoch == 0)
        #expect(bitwiseEqual(trainer.model.stateDictionary(), before))
    }
}
