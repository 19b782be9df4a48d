import Foundation

/// Why a `strata` command failed: each case names the file or setting and the reason, and is
/// printed as the command's error message (exit status 1) instead of crashing.
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
