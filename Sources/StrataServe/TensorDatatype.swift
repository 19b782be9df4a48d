/// The tensor element types of the Open Inference Protocol, by their protocol names.
public enum TensorDatatype: String, Sendable, CaseIterable, Codable {
    case bool = "BOOL"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", fp32 = "FP32", fp64 = "FP64"
    /// Strings (bytes), sent in JSON as strings and in binary as a 4-byte little-endian length
    /// before each element's bytes.
    case bytes = "BYTES"

    /// The size of one element in the binary tensor data extension; nil for BYTES, whose
    /// elements carry their own lengths.
    public var elementSize: Int? {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: nil
        }
    }
}
