/// Why a safetensors file could not be read or written. Every malformed input ends here, never
/// in a crash or an out-of-bounds read.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case fileTooShort(byteCount: Int)
    /// The header length exceeds the 100 MB cap of the reference implementation.
    case headerTooLarge(length: UInt64)
    /// The header length runs past the end of the file.
    case headerPastEndOfFile(length: UInt64, available: Int)
    /// The header is not UTF-8 JSON.
    case invalidJSON(String)
    /// The header is JSON but not an object.
    case headerNotAnObject(kind: String)
    /// Two entries share a name.
    case duplicateName(String)
    /// An entry lacks `dtype`, `shape` or `data_offsets`, or one of its fields has the wrong type.
    case invalidEntry(name: String, reason: String)
    /// The dtype is not one Strata reads (F32, F64, F16, BF16, I32, I64, BOOL).
    case unsupportedDType(name: String, dtype: String)
    /// A dimension is negative or not an integer.
    case invalidShape(name: String, reason: String)
    /// The element count or byte size of a shape does not fit in an `Int`.
    case shapeOverflow(name: String, shape: String)
    /// `data_offsets` is not `[begin, end]` with `0 <= begin <= end`.
    case invalidOffsets(name: String, reason: String)
    /// A tensor's bytes end past the data section.
    case offsetsOutOfBounds(name: String, end: Int, dataByteCount: Int)
    /// A tensor's bytes start before the previous tensor's bytes end.
    case overlappingTensors(name: String, previous: String)
    /// Bytes between two tensors (or before the first) belong to no tensor.
    case gapBeforeTensor(name: String, expectedBegin: Int, begin: Int)
    /// The data section is longer than the tensors it holds.
    case trailingData(used: Int, dataByteCount: Int)
    /// The byte range of a tensor does not match its shape times its dtype size.
    case sizeMismatch(name: String, expected: Int, actual: Int)
    /// `__metadata__` is not an object of strings to strings.
    case invalidMetadata(String)
    /// A tensor to write is named `__metadata__`, the key the format reserves.
    case reservedName

    public var description: String {
        switch self {
        case .fileTooShort(let byteCount):
            "safetensors: the file has \(byteCount) bytes, fewer than the 8-byte header length"
        case .headerTooLarge(let length):
            "safetensors: header length \(length) exceeds the 100 MB limit"
        case .headerPastEndOfFile(let length, let available):
            "safetensors: header length \(length) is larger than the \(available) bytes after it"
        case .invalidJSON(let reason):
            "safetensors: the header is not valid JSON: \(reason)"
        case .headerNotAnObject(let kind):
            "safetensors: the header must be a JSON object, got \(kind)"
        case .duplicateName(let name):
            "safetensors: the header names tensor '\(name)' twice"
        case .invalidEntry(let name, let reason):
            "safetensors: tensor '\(name)': \(reason)"
        case .unsupportedDType(let name, let dtype):
            "safetensors: tensor '\(name)' has dtype \(dtype); Strata reads F32, F64, F16, BF16 (as float32), I32, I64 and BOOL"
        case .invalidShape(let name, let reason):
            "safetensors: tensor '\(name)': invalid shape: \(reason)"
        case .shapeOverflow(let name, let shape):
            "safetensors: tensor '\(name)': the byte size of shape \(shape) overflows"
        case .invalidOffsets(let name, let reason):
            "safetensors: tensor '\(name)': invalid data_offsets: \(reason)"
        case .offsetsOutOfBounds(let name, let end, let dataByteCount):
            "safetensors: tensor '\(name)' ends at byte \(end), past the \(dataByteCount)-byte data section"
        case .overlappingTensors(let name, let previous):
            "safetensors: tensor '\(name)' overlaps tensor '\(previous)'"
        case .gapBeforeTensor(let name, let expectedBegin, let begin):
            "safetensors: tensor '\(name)' begins at byte \(begin), leaving bytes from \(expectedBegin) unused"
        case .trailingData(let used, let dataByteCount):
            "safetensors: the tensors cover \(used) of the \(dataByteCount) data bytes"
        case .sizeMismatch(let name, let expected, let actual):
            "safetensors: tensor '\(name)' spans \(actual) bytes, but its shape and dtype need \(expected)"
        case .invalidMetadata(let reason):
            "safetensors: __metadata__ \(reason)"
        case .reservedName:
            "safetensors: no tensor may be named __metadata__"
        }
    }
}
