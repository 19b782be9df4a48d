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
