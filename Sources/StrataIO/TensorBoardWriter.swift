import Foundation

/// Writes scalars to a TensorBoard event file, `events.out.tfevents.<unix time>.<hostname>` in a
/// log directory, so `tensorboard --logdir <directory>` plots them.
///
/// The file is TFRecord-framed `Event` protobufs (see `TFRecord`, `TensorBoardEvent`); its first
/// event carries `file_version: "brain.Event:2"`. Events are buffered in memory and reach the file
/// on `flush()`, `close()`, or when the buffer passes 64 KiB.
///
///     let writer = try TensorBoardWriter(directory: URL(fileURLWithPath: "runs/mlp"))
///     try writer.addScalar("loss/train", 0.42, step: 100)
///     try writer.close()
public final class TensorBoardWriter {
    /// The event file being written.
    public let url: URL
    private let clock: () -> Double
    private var handle: FileHandle?
    private var pending: [UInt8] = []
    private static let flushThreshold = 64 * 1024

    /// Creates `directory` if needed (with intermediate folders) and a new event file in it.
    ///
    /// - Parameters:
    ///   - filenameSuffix: appended to the file name, as PyTorch's `filename_suffix`; default "".
    ///   - clock: seconds since the Unix epoch, for the file name and each event's `wall_time`;
    ///     default the system clock (tests pass a fixed one for reproducible bytes).
    /// - Throws: `TensorBoardError.unwritableDirectory` when the directory cannot be created or is
    ///   not writable, `.fileExists` when the file name is taken.
    public init(
        directory: URL, filenameSuffix: String = "",
        clock: @escaping () -> Double = { Date().timeIntervalSince1970 }
    ) throws(TensorBoardError) {
        self.clock = clock
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .unwritableDirectory(path: directory.path, reason: "it is a file, not a directory")
            }
        } else {
            do {
                try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw .unwritableDirectory(path: directory.path, reason: error.localizedDescription)
            }
        }
        guard fileManager.isWritableFile(atPath: directory.path) else {
            throw .unwritableDirectory(path: directory.path, reason: "permission denied")
        }
        let startTime = clock()
        let name = "events.out.tfevents.\(Int(startTime)).\(ProcessInfo.processInfo.hostName)\(filenameSuffix)"
        url = directory.appendingPathComponent(name)
        guard !fileManager.fileExists(atPath: url.path) else { throw .fileExists(path: url.path) }
        guard fileManager.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw .unwritableDirectory(path: directory.path, reason: "cannot create \(name)")
        }
        self.handle = handle
        // TensorBoard identifies the format from this first event.
        append(TensorBoardEvent(wallTime: startTime, fileVersion: "brain.Event:2"))
        try flush()
    }

    deinit {
        try? close()
    }

    /// Logs `value` under `tag` (e.g. "loss/train") at `step`. The value is stored as a 32-bit float,
    /// the type of `simple_value`.
    public func addScalar(_ tag: String, _ value: Double, step: Int) throws(TensorBoardError) {
        guard handle != nil else { throw .closed(path: url.path) }
        append(TensorBoardEvent(wallTime: clock(), step: Int64(step), scalars: [(tag, Float(value))]))
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// Writes buffered events to the file and asks the system to store them.
    public func flush() throws(TensorBoardError) {
        guard let handle else { throw .closed(path: url.path) }
        do {
            if !pending.isEmpty {
                try handle.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
            try handle.synchronize()
        } catch {
            throw .writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Flushes and closes the file; later calls to `close()` do nothing, other calls throw `.closed`.
    public func close() throws(TensorBoardError) {
        guard let handle else { return }
        defer { self.handle = nil }
        try flush()
        do {
            try handle.close()
        } catch {
            throw .writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    private func append(_ event: TensorBoardEvent) {
        pending += TFRecord.frame(event.encoded())
    }
}
