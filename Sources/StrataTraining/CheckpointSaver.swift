import Foundation
import StrataIO

/// Saves a `TrainingCheckpoint` into `directory` every `interval` epochs, as
/// `epoch-0003.safetensors` (the finished epoch's index, from 0), and with `keepBest` set also
/// `best.safetensors` whenever that metric improves on the best saved so far.
///
/// Every write is atomic (`Checkpoint.write`): a crash leaves the previous file whole. At the
/// start of training the saver reads the best value back from an existing `best.safetensors`, so
/// a resumed run keeps comparing against it. The directory is created if needed.
///
///     trainer.callbacks.append(try CheckpointSaver(directory: runs, interval: 5, keepBest: .validationAccuracy))
public final class CheckpointSaver: TrainingCallback {
    public let directory: URL
    public let interval: Int
    public let keepBest: TrainingMetric?
    /// Entries added to every checkpoint's metadata (the CLI's `model` name).
    public let metadata: [String: String]
    /// The best value of `keepBest` saved so far.
    public private(set) var bestValue: Double?
    /// The files written by this saver, oldest first.
    public private(set) var savedFiles: [URL] = []

    /// - Parameters:
    ///   - interval: save every this many epochs (after epochs interval - 1, 2 interval - 1, ...);
    ///     default 1.
    ///   - keepBest: the metric whose best epoch is kept in `best.safetensors`; default nil (none).
    ///   - metadata: entries for every checkpoint's metadata besides `TrainingCheckpoint`'s own;
    ///     default none.
    /// - Throws: when the directory cannot be created.
    public init(directory: URL, interval: Int = 1, keepBest: TrainingMetric? = nil, metadata: [String: String] = [:]) throws {
        precondition(interval > 0, "CheckpointSaver: interval must be positive, got \(interval)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.interval = interval
        self.keepBest = keepBest
        self.metadata = metadata
    }

    /// The file of the checkpoint after epoch `epoch`.
    public func url(forEpoch epoch: Int) -> URL {
        directory.appendingPathComponent("epoch-" + String(format: "%04d", epoch) + ".safetensors")
    }

    /// The file holding the best epoch's checkpoint.
    public var bestURL: URL { directory.appendingPathComponent("best.safetensors") }

    public func trainingBegan(_ context: TrainingContext) throws {
        guard let keepBest, bestValue == nil, FileManager.default.fileExists(atPath: bestURL.path) else { return }
        bestValue = try Checkpoint.read(contentsOf: bestURL).metadata(keepBest.rawValue, as: Double.self)
    }

    public func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction {
        var isBest = false
        if let keepBest {
            guard let value = summary.value(of: keepBest) else {
                preconditionFailure("CheckpointSaver: epoch \(summary.epoch) has no \(keepBest.rawValue) (no validation data?)")
            }
            isBest = bestValue.map { keepBest.lowerIsBetter ? value < $0 : value > $0 } ?? true
            if isBest { bestValue = value }
        }
        let isDue = (summary.epoch + 1) % interval == 0
        guard isDue || isBest else { return .proceed }
        // Built only when written: it copies every model and optimizer tensor.
        var checkpoint = TrainingCheckpoint.make(after: summary, context: context)
        for (key, value) in metadata where checkpoint.metadata[key] == nil { checkpoint.setMetadata(value, for: key) }
        if isDue { try write(checkpoint, to: url(forEpoch: summary.epoch)) }
        if isBest { try write(checkpoint, to: bestURL) }
        return .proceed
    }

    /// Repairs `best.safetensors` before a resumed run, after an interruption between the write
    /// of an epoch's checkpoint and that of `best` (or during the latter, which being atomic
    /// leaves the older file): the best of the epoch checkpoints `0...lastEpoch` by `keepBest`
    /// (the first to reach the best value, as `epochEnded` keeps it) is copied to `best` unless
    /// `best` already holds that epoch, or an epoch up to `lastEpoch` at least as good (with an
    /// `interval` above 1 the best epoch may have no checkpoint of its own). Returns the epoch
    /// copied, nil when `best` was right (or `keepBest` is nil).
    /// - Throws: `CheckpointError` for an unreadable checkpoint, or the copy's file error.
    @discardableResult
    public func restoreBest(through lastEpoch: Int) throws -> Int? {
        guard let keepBest else { return nil }
        func isBetter(_ value: Double, than other: Double) -> Bool { keepBest.lowerIsBetter ? value < other : value > other }
        var best: (epoch: Int, value: Double)?
        for epoch in 0...max(lastEpoch, 0) where FileManager.default.fileExists(atPath: url(forEpoch: epoch).path) {
            let value = try Checkpoint.read(contentsOf: url(forEpoch: epoch)).metadata(keepBest.rawValue, as: Double.self)
            if best.map({ isBetter(value, than: $0.value) }) ?? true { best = (epoch, value) }
        }
        guard let best else { return nil }
        if let saved = try? Checkpoint.read(contentsOf: bestURL),
           let epoch = try? saved.metadata(TrainingCheckpoint.epochKey, as: Int.self),
           let value = try? saved.metadata(keepBest.rawValue, as: Double.self),
           epoch <= lastEpoch, epoch == best.epoch || !isBetter(best.value, than: value) {
            return nil
        }
        try Data(contentsOf: url(forEpoch: best.epoch)).write(to: bestURL, options: .atomic)
        return best.epoch
    }

    private func write(_ checkpoint: Checkpoint, to url: URL) throws {
        try checkpoint.write(to: url)
        savedFiles.append(url)
    }
}

extension CheckpointSaver {
    /// Rank 0 alone writes it in data-parallel training.
    public var writesOutput: Bool { true }
}
