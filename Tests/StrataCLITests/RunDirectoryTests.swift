import Foundation
import StrataCLI
import StrataIO
import StrataTraining
import Testing

/// Settings of a one-epoch MLP run on the synthetic images in `data`.
private func settings(_ data: URL, epochs: Int = 1) throws -> TrainingSettings {
    try TrainCommand.parse(["--dataset", data.path, "--epochs", String(epochs), "--batch-size", "16",
                            "--optimizer", "adam", "--limit", "32"]).settings
}

/// A run whose progress lines are collected into `lines`.
private func run(_ settings: TrainingSettings, in directory: URL, lines: Lines) -> TrainingRun {
    var run = TrainingRun(settings: settings, directory: directory)
    run.output = { lines.text += $0 }
    return run
}

private final class Lines: @unchecked Sendable {
    var text = ""
}

/// The process id of a process that has ended.
private func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

@Test func aSecondRunInTheSameDirectoryIsRefusedWithTheHoldersPid() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    // The first run holds the lock (as `RunLock` does while it trains); the second is refused
    // before it writes anything.
    let lock = try RunLock(directory: output)
    #expect(throws: CLIError.runInUse(directory: output.path, pid: getpid())) {
        try run(settings(data), in: output, lines: Lines()).run()
    }
    #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("settings.json").path))
    let message = CLIError.runInUse(directory: output.path, pid: getpid()).description
    #expect(!message.contains("\n") && message.contains("process \(getpid())"))
    lock.release()
    #expect(!FileManager.default.fileExists(atPath: lock.url.path))
    // Released, the directory is free again; the run releases its own lock when it ends.
    try run(settings(data), in: output, lines: Lines()).run()
    #expect(!FileManager.default.fileExists(atPath: lock.url.path))
    _ = try RunLock(directory: output)
}

@Test func aLockHeldByAnotherProcessNamesItsPid() throws {
    let output = temporaryDirectory()
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: output) }
    let lockPath = output.appendingPathComponent(RunLock.fileName).path
    // A child writes its pid, then (exec keeps the pid) util-linux flock(1) locks the file as
    // RunLock does and holds it while `sleep` runs.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/sh")
    child.arguments = ["-c", "echo $$ > '\(lockPath)'; exec flock -o '\(lockPath)' sleep 30"]
    try child.run()
    defer { child.terminate(); child.waitUntilExit() }
    // Wait (at most 10 s) until the child holds the lock, probing without taking it for long.
    func isLocked() -> Bool {
        let descriptor = open(lockPath, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) != 0
    }
    for _ in 0..<100 where !isLocked() { Thread.sleep(forTimeInterval: 0.1) }
    let error = #expect(throws: CLIError.self) { try RunLock(directory: output) }
    #expect(error == .runInUse(directory: output.path, pid: child.processIdentifier))
}

@Test func aStaleLockOfADeadProcessIsTakenOver() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    let dead = try deadProcessID()
    #expect(!RunLock.isRunning(dead))
    let lockURL = output.appendingPathComponent(RunLock.fileName)
    try Data("\(dead)\n".utf8).write(to: lockURL)
    let lines = Lines()
    try run(settings(data), in: output, lines: lines).run()
    #expect(lines.text.contains("took over \(lockURL.path), left by process \(dead), which is no longer running"))
    #expect(!FileManager.default.fileExists(atPath: lockURL.path))

    try Data("\(dead)\n".utf8).write(to: lockURL)
    let lock = try RunLock(directory: output)
    #expect(lock.previousHolder == dead)
    #expect(try String(contentsOf: lockURL, encoding: .utf8) == "\(getpid())\n")
}

@Test func temporariesOfInterruptedWritesAreRemovedAtStartAndResume() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    let checkpoints = output.appendingPathComponent("checkpoints")
    try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
    // The names Foundation's atomic writes use: ".dat.nosync" + the writer's pid in hex + a suffix.
    let leftovers = [output.appendingPathComponent(".dat.nosync1A2B.x7Yz9Q"),
                     checkpoints.appendingPathComponent(".dat.nosync3C.Ab12Cd")]
    for url in leftovers { try Data(count: 2_000_000).write(to: url) }
    let lines = Lines()
    try run(settings(data), in: output, lines: lines).run()
    for url in leftovers { #expect(!FileManager.default.fileExists(atPath: url.path)) }
    #expect(lines.text.contains("removed 2 temporary file(s) of interrupted writes: .dat.nosync1A2B.x7Yz9Q, .dat.nosync3C.Ab12Cd"))

    try Data(count: 10).write(to: leftovers[1])
    try ResumeCommand.parse([output.path, "--epochs", "1"]).run()
    #expect(!FileManager.default.fileExists(atPath: leftovers[1].path))
}

/// A run killed while writing the last epoch's `best.safetensors` leaves the previous best
/// (atomic writes keep the old file whole); `resume` finds the best epoch among the per-epoch
/// checkpoints and rewrites `best`, even with no epoch left to train.
@Test func anInterruptedBestIsRewrittenOnResume() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    try run(settings(data, epochs: 2), in: output, lines: Lines()).run()
    let checkpoints = output.appendingPathComponent("checkpoints")
    let epochs = try (0..<2).map { epoch in
        try Checkpoint.read(contentsOf: checkpoints.appendingPathComponent("epoch-000\(epoch).safetensors"))
    }
    let accuracies = try epochs.map { try $0.metadata("validation_accuracy", as: Double.self) }
    // The saver keeps the first epoch reaching the highest accuracy.
    let bestEpoch = accuracies[1] > accuracies[0] ? 1 : 0
    // The interrupted state: best holds the other epoch, recorded as worse than both.
    var older = epochs[1 - bestEpoch]
    older.setMetadata(String(accuracies.min()! - 0.5), for: "validation_accuracy")
    let bestURL = checkpoints.appendingPathComponent("best.safetensors")
    try older.write(to: bestURL)

    let lines = Lines()
    var resumed = try run(TrainingSettings.read(from: output), in: output, lines: lines)
    resumed.settings.epochs = 2
    try resumed.run(resumingFrom: resumed.latestCheckpoint())
    #expect(lines.text.contains("rewrote best.safetensors from epoch-000\(bestEpoch).safetensors"))
    let best = try Checkpoint.read(contentsOf: bestURL)
    #expect(try best.metadata("epoch", as: Int.self) == bestEpoch)
    #expect(try Data(contentsOf: bestURL) == Data(contentsOf: checkpoints.appendingPathComponent("epoch-000\(bestEpoch).safetensors")))

    // Right again, a second resume (within the same second: a second event file) leaves it alone.
    let again = Lines()
    var second = try run(TrainingSettings.read(from: output), in: output, lines: again)
    second.settings.epochs = 2
    try second.run(resumingFrom: second.latestCheckpoint())
    #expect(!again.text.contains("rewrote"))
}
