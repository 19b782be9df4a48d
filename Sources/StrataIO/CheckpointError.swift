/// Why a checkpoint could not be read or used. Files that are missing, truncated or corrupt,
/// or that lack a section or value the caller needs, end here, never in a crash.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, unreadable); `reason` is the system's message.
    case unreadable(path: String, reason: String)
    /// The bytes are not a valid safetensors file (truncated, corrupt header, bad byte ranges).
    case malformedFile(SafetensorsError)
    /// A valid safetensors file without the checkpoint format marker.
    case notACheckpoint
    /// A checkpoint written by an unknown version of the format.
    case unsupportedFormat(String)
    /// A tensor key that is not `section/name` for one of the sections the file lists.
    case unexpectedKey(String)
    /// The caller asked for a section the checkpoint does not hold.
    case missingSection(String)
    /// The caller asked for a metadata value the checkpoint does not hold.
    case missingMetadata(String)
    /// A metadata value does not parse as the requested type.
    case invalidMetadata(key: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "checkpoint: cannot read \(path): \(reason)"
        case .malformedFile(let error):
            "checkpoint: corrupt or truncated file: \(error)"
        case .notACheckpoint:
            "checkpoint: a safetensors file without the '\(Checkpoint.formatKey)' metadata is not a Strata checkpoint"
        case .unsupportedFormat(let format):
            "checkpoint: unsupported format '\(format)', expected '\(Checkpoint.format)'"
        case .unexpectedKey(let key):
            "checkpoint: tensor '\(key)' belongs to no listed section"
        case .missingSection(let name):
            "checkpoint: no section '\(name)'"
        case .missingMetadata(let key):
            "checkpoint: no metadata '\(key)'"
        case .invalidMetadata(let key, let value, let expected):
            "checkpoint: metadata '\(key)' is '\(value)', not \(expected)"
        }
    }
}
