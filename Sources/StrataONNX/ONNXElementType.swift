import Strata

/// The element types of ONNX's `TensorProto.DataType` that Strata has a dtype for.
enum ONNXElementType {
    static let float: Int32 = 1, uint8: Int32 = 2, int8: Int32 = 3, int32: Int32 = 6, int64: Int32 = 7
    static let string: Int32 = 8, bool: Int32 = 9, float16: Int32 = 10, double: Int32 = 11

    /// Strata's dtype for ONNX element type `code`, or nil when Strata has none.
    static func dtype(_ code: Int32) -> DType? {
        switch code {
        case float: .float32
        case double: .float64
        case int32: .int32
        case int64: .int64
        case bool: .bool
        default: nil
        }
    }

    /// ONNX's element type for `dtype`.
    static func code(_ dtype: DType) -> Int32 {
        switch dtype {
        case .float32: float
        case .float64: double
        case .int32: int32
        case .int64: int64
        case .bool: bool
        }
    }

    /// ONNX's name of element type `code` ("FLOAT", "UINT8"), for messages.
    static func name(_ code: Int32) -> String {
        let names = [1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
                     9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
                     15: "COMPLEX128", 16: "BFLOAT16"]
        return names[Int(code)] ?? "type \(code)"
    }
}

/// Bounds that keep a hostile file from asking for absurd amounts of memory.
public enum ONNXLimits {
    /// The most elements one tensor may hold (2^31, 8 GiB of float32).
    public static let maximumElementCount = 1 << 31
    /// The most dimensions one tensor may have.
    public static let maximumRank = 16

    /// The element count of `dims`, or nil when a dimension is negative, the rank too large, or
    /// the count past `maximumElementCount`.
    static func elementCount(_ dims: [Int]) -> Int? {
        guard dims.count <= maximumRank else { return nil }
        var count = 1
        for dim in dims {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= maximumElementCount else { return nil }
            count = product
        }
        return count
    }
}
