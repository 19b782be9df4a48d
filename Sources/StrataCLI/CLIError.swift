import Foundation

/// Why a `strata` command failed: each case names the file or setting and the reason, and is
/// printed as the command's one-line error message (exit status 1) instead of crashing.
public enum CLIError: Error, Equatable, CustomStringConvertible {
    /// The data set's files are not there (the message says how to install them).
    case datasetNotFound(String)
    /// A file exists but cannot be read or parsed (weights, checkpoint, settings, IDX).
    case unreadableFile(path: String, reason: String)
    /// Weights that do not fit the chosen model (missing, unexpected or mis-shaped tensors).
    case weightsDoNotFit(path: String, reason: String)
    /// `resume` found no `epoch-NNNN.safetensors` in the run's checkpoint folder.
    case noCheckpoint(directory: String)
    /// An output could not be written.
    case unwritableOutput(path: String, reason: String)
    /// A table that does not fit a tabular model (unknown or non-binary target, bad cross...).
    case tabularData(String)
    /// A command or option that does not apply to the chosen model.
    case unsupported(String)
    /// An image folder or image file that cannot be used (a bad image, a misplaced class folder);
    /// the message names the file.
    case imageData(String)
    /// A saved setting does not fit the model (a freeze pattern that matches nothing).
    case invalidSetting(String)
    /// Weights whose head has fewer outputs than the classes asked about (`selected`: chosen with
    /// `--classes`, else all ten).
    case classesDoNotFit(path: String, outputs: Int, classes: Int, selected: Bool)
    /// A weights file whose `model` metadata names another model than the one asked for.
    case wrongModel(path: String, expected: String, found: String)
    /// A metadata entry of a weights file (the wide-deep configuration or encoder) out of range
    /// or at odds with another.
    case invalidMetadata(path: String, key: String, reason: String)
    /// A run's `settings.json` holding a value its flag would refuse.
    case invalidSettings(path: String, reason: String)
    /// Another live process holds the run directory's lock file.
    case runInUse(directory: String, pid: Int32?)

    public var description: String {
        switch self {
        case .datasetNotFound(let message): message
        case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
        case .weightsDoNotFit(let path, let reason): "the weights in \(path) do not fit the model: \(reason)"
        case .noCheckpoint(let directory): "no checkpoint (epoch-NNNN.safetensors) in \(directory)"
        case .unwritableOutput(let path, let reason): "cannot write \(path): \(reason)"
        case .tabularData(let message): message
        case .unsupported(let message): message
        case .imageData(let message): message
        case .invalidSetting(let reason): reason
        case .wrongModel(let path, let expected, let found):
            "\(path) holds a \(found) model, not \(expected): pass --model \(found), or the weights of a \(expected) model"
        case .invalidMetadata(let path, let key, let reason): "invalid metadata \(key) in \(path): \(reason)"
        case .invalidSettings(let path, let reason): "invalid settings in \(path): \(reason)"
        case .runInUse(let directory, let pid):
            "\(directory) is in use by \(pid.map { "strata process \($0)" } ?? "another strata process") "
                + "(it holds \(RunLock.fileName)); wait for it to finish, stop it, or choose another --output"
        case .classesDoNotFit(let path, let outputs, let classes, let selected):
            selected
                ? "the model in \(path) has \(outputs) outputs, fewer than the \(classes) classes of --classes"
                : "the model in \(path) has \(outputs) outputs for the \(classes) classes: "
                    + "name the \(outputs) classes it was trained on with --classes, as in training (like --classes 5,6,7,8,9)"
        }
    }
}

extension CLIError: LocalizedError {
    public var errorDescription: String? { description }
}

extension CLIError {
    /// `error` as a `CLIError` when it is a Foundation or POSIX file error: `.unreadableFile`
    /// for Cocoa's read codes (256-511), `.unwritableOutput` otherwise, with the path from its
    /// user info and the reason in words (`FileProblem`). Any other error is returned unchanged.
    public static func readable(_ error: any Error) -> any Error {
        if error is CLIError { return error }
        let bridged = error as NSError
        guard bridged.domain == NSCocoaErrorDomain || bridged.domain == NSPOSIXErrorDomain else { return error }
        let path = bridged.userInfo[NSFilePathErrorKey] as? String ?? (bridged.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
        let reason = FileProblem.reason(error)
        let isRead = bridged.domain == NSCocoaErrorDomain && (256..<512).contains(bridged.code)
        return isRead ? CLIError.unreadableFile(path: path, reason: reason) : CLIError.unwritableOutput(path: path, reason: reason)
    }
}
