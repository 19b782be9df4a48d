/// Why a TensorBoard event file could not be written or read. Corrupt input ends here, never in a
/// crash or an out-of-bounds read.
public enum TensorBoardError: Error, Equatable, CustomStringConvertible {
    /// The log directory does not exist and cannot be created, or is not a directory.
    case unwritableDirectory(path: String, reason: String)
    /// The event file already exists (two writers in one second with the same suffix).
    case fileExists(path: String)
    /// Writing to, flushing or closing the event file failed.
    case writeFailed(path: String, reason: String)
    /// The writer was used after `close()`.
    case closed(path: String)
    /// The event file cannot be opened or read.
    case unreadableFile(path: String, reason: String)
    /// A record header or body runs past the end of the data.
    case truncatedRecord(offset: Int, needed: Int, available: Int)
    /// The masked CRC-32C stored after a record's length does not match the length bytes.
    case lengthChecksumMismatch(offset: Int, stored: UInt32, computed: UInt32)
    /// The masked CRC-32C stored after a record's data does not match the data.
    case dataChecksumMismatch(offset: Int, stored: UInt32, computed: UInt32)
    /// A record passes its checksums but is not a well-formed `Event` protobuf.
    case malformedEvent(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .unwritableDirectory(let path, let reason):
            "TensorBoard: cannot write event files in \(path): \(reason)"
        case .fileExists(let path):
            "TensorBoard: the event file \(path) already exists"
        case .writeFailed(let path, let reason):
            "TensorBoard: writing \(path) failed: \(reason)"
        case .closed(let path):
            "TensorBoard: the writer for \(path) is closed"
        case .unreadableFile(let path, let reason):
            "TensorBoard: cannot read \(path): \(reason)"
        case .truncatedRecord(let offset, let needed, let available):
            "TensorBoard: the record at byte \(offset) needs \(needed) bytes, but only \(available) remain"
        case .lengthChecksumMismatch(let offset, let stored, let computed):
            "TensorBoard: the record at byte \(offset) has length CRC \(hex(stored)), expected \(hex(computed))"
        case .dataChecksumMismatch(let offset, let stored, let computed):
            "TensorBoard: the record at byte \(offset) has data CRC \(hex(stored)), expected \(hex(computed))"
        case .malformedEvent(let offset, let reason):
            "TensorBoard: the record at byte \(offset) is not a valid Event: \(reason)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
