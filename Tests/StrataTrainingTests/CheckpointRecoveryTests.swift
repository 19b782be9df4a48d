import Foundation
import Strata
import StrataIO
import StrataOptimizers
import StrataTraining
import Testing

/// Writes checkpoints holding only the metadata `restoreBest` reads: epoch `e` with validation
/// accuracy `accuracies[e]`, nil for an epoch without a file.
private func writeEpochs(_ accuracies: [Double?], in saver: CheckpointSaver) throws {
    for (epoch, accuracy) in accuracies.enumerated() {
        guard let accuracy else { continue }
        try Checkpoint(sections: ["model": ["w": Tensor([Float(epoch)])]],
                       metadata: ["epoch": String(epoch), "validation_accuracy": String(accuracy)]).write(to: saver.url(forEpoch: epoch))
    }
}

private func bestEpoch(_ saver: CheckpointSaver) throws -> Int {
    try Checkpoint.read(contentsOf: saver.bestURL).metadata("epoch", as: Int.self)
}

@Test func restoreBestRewritesABestLeftOlderByAnInterruptedWrite() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let saver = try CheckpointSaver(directory: directory, keepBest: .validationAccuracy)
    // Epoch 2 improved on epoch 1, but the run was killed before best.safetensors was replaced.
    try writeEpochs([0.5, 0.7, 0.8], in: saver)
    try Data(contentsOf: saver.url(forEpoch: 1)).write(to: saver.bestURL)
    #expect(try saver.restoreBest(through: 2) == 2)
    #expect(try Data(contentsOf: saver.bestURL) == Data(contentsOf: saver.url(forEpoch: 2)))
    // Now right: nothing to do. Resuming from epoch 1 (a later checkpoint lost) goes back to 1.
    #expect(try saver.restoreBest(through: 2) == nil)
    #expect(try saver.restoreBest(through: 1) == 1)
    #expect(try bestEpoch(saver) == 1)
    // A missing best is written too; ties keep the first epoch, as epochEnded does.
    try FileManager.default.removeItem(at: saver.bestURL)
    try writeEpochs([0.5, 0.7, 0.7], in: saver)
    #expect(try saver.restoreBest(through: 2) == 1)
}

@Test func restoreBestKeepsABestEpochThatHasNoCheckpointOfItsOwn() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Interval 2: epochs 1 and 3 are saved; the best, epoch 2, only as best.safetensors.
    let saver = try CheckpointSaver(directory: directory, interval: 2, keepBest: .validationAccuracy)
    try writeEpochs([nil, 0.6, nil, 0.7], in: saver)
    try Checkpoint(metadata: ["epoch": "2", "validation_accuracy": "0.9"]).write(to: saver.bestURL)
    #expect(try saver.restoreBest(through: 3) == nil)
    #expect(try bestEpoch(saver) == 2)
    // Without keepBest there is no best to restore.
    #expect(try CheckpointSaver(directory: directory).restoreBest(through: 3) == nil)
}

@Test func resumeRefusesAnEpochOrLearningRateOutOfRange() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let saver = try CheckpointSaver(directory: directory)
    var trainer = makeTrainer(callbacks: [saver])
    try trainer.fit(epochs: 1)
    var checkpoint = try Checkpoint.read(contentsOf: saver.url(forEpoch: 0))
    let url = directory.appendingPathComponent("edited.safetensors")
    for (epoch, error) in [(String(Int64.max), TrainingCheckpointError.epochOutOfRange(Int.max)),
                           ("-1", .epochOutOfRange(-1)),
                           (String(TrainingCheckpoint.maximumEpochCount), .epochOutOfRange(TrainingCheckpoint.maximumEpochCount))] {
        checkpoint.setMetadata(epoch, for: "epoch")
        try checkpoint.write(to: url)
        var resumed = makeTrainer()
        #expect(throws: error) { try resumed.resume(from: url) }
        #expect(resumed.nextEpoch == 0)
    }
    checkpoint.setMetadata("0", for: "epoch")
    checkpoint.setMetadata("-0.5", for: "learning_rate")
    try checkpoint.write(to: url)
    var resumed = makeTrainer()
    #expect(throws: TrainingCheckpointError.learningRateOutOfRange(-0.5)) { try resumed.resume(from: url) }
    // Adam's state of one parameter deleted: a typed error, not a silently different run.
    checkpoint.setMetadata("0.05", for: "learning_rate")
    checkpoint["optimizer"]!["state.0.weight.exp_avg"] = nil
    try checkpoint.write(to: url)
    #expect(throws: OptimizerStateError.missingSlot(path: "0.weight", slot: "exp_avg")) { try resumed.resume(from: url) }
}
