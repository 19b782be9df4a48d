import Foundation
import Strata
import StrataIO
import StrataTraining
import Testing

@Test func checkpointsAppearEveryIntervalAndKeepBestKeepsTheBestEpoch() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let saver = try CheckpointSaver(directory: directory.appendingPathComponent("run"), interval: 2,
                                    keepBest: .validationLoss)
    var trainer = makeTrainer(callbacks: [saver])
    try trainer.fit(epochs: 5)

    // Interval 2 saves after epochs 1 and 3 (the second and fourth).
    let names = try FileManager.default.contentsOfDirectory(atPath: saver.directory.path).sorted()
    #expect(names == ["best.safetensors", "epoch-0001.safetensors", "epoch-0003.safetensors"])
    let fourth = try Checkpoint.read(contentsOf: saver.url(forEpoch: 3))
    #expect(try fourth.metadata("epoch", as: Int.self) == 3)
    #expect(try fourth.metadata("learning_rate", as: Double.self) == 0.05)
    #expect(try fourth.section("optimizer")["step_count"]?.scalar(as: Int64.self) == 16)

    // best.safetensors holds the epoch with the lowest validation loss (the first, on a tie)
    // and that epoch's model.
    let losses = trainer.history.map { $0.validationLoss! }
    let bestEpoch = losses.firstIndex(of: losses.min()!)!
    let best = try Checkpoint.read(contentsOf: saver.bestURL)
    #expect(try best.metadata("epoch", as: Int.self) == bestEpoch)
    #expect(try best.metadata("validation_loss", as: Double.self) == losses[bestEpoch])
    #expect(saver.bestValue == losses[bestEpoch])
    if bestEpoch == 4 {
        #expect(bitwiseEqual(try best.section("model"), trainer.model.stateDictionary().keyedByName))
    }

    // A new saver over the same directory picks the best value up again.
    let reopened = try CheckpointSaver(directory: saver.directory, keepBest: .validationLoss)
    var resumed = makeTrainer(callbacks: [reopened])
    try resumed.resume(from: saver.url(forEpoch: 3))
    try resumed.fit(epochs: 4)
    #expect(reopened.bestValue == losses[bestEpoch])
}
