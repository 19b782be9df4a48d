import ArgumentParser
import Foundation
import StrataDistributed

/// `strata resume DIR`: continues a `strata train` run from its latest checkpoint, with the
/// settings it saved in `settings.json`.
public struct ResumeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a training run from its latest checkpoint.")

    @Argument(help: "The run's directory (as given to `strata train --output`).")
    var directory: String
    @Option(parsing: .unconditional,
            help: "Train to this many epochs in all instead of the saved setting (a --schedule then spans the new count).")
    var epochs: Int?

    public init() {}

    public func validate() throws {
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
    }

    public func run() throws {
        let url = URL(fileURLWithPath: directory)
        let group = try TrainingRun.joinWorld()
        // Locked before anything is read: a run still writing there is named, not half read.
        // Under mpirun rank 0 alone takes the lock.
        let lock = group.isLeader && FileManager.default.fileExists(atPath: url.path) ? try TrainingRun.prepare(url) : nil
        defer { lock?.release() }
        var settings = try TrainingSettings.read(from: url)
        if let epochs { settings.epochs = epochs }
        // The saved values pass the checks of the flags that set them, or the run stops here.
        do {
            try settings.validate()
        } catch {
            throw CLIError.invalidSettings(path: url.appendingPathComponent(TrainingSettings.fileName).path,
                                           reason: error.description)
        }
        var run = TrainingRun(settings: settings, directory: url)
        run.processGroup = group
        try run.run(resumingFrom: run.latestCheckpoint(), holding: lock)
    }
}
