/// Tensor data in the binary tensor data extension: elements little-endian and packed in
/// row-major order; BYTES elements each a 4-byte little-endian length and then its bytes.
enum BinaryTensorCoding {
    /// The `count` elements in `bytes`.
    /// - Throws: `InferenceError.badRequest` when the bytes are not `count` elements of `datatype`.
    static func decode(_ bytes: ArraySlice<UInt8>, datatype: TensorDatatype, count: Int, name: String) throws(InferenceError)
        -> TensorData {
        guard let size = datatype.elementSize else { return try decodeStrings(bytes, count: count, name: name) }
        guard bytes.count == count * size else {
            throw .badRequest("input '\(name)': \(bytes.count) binary bytes are not \(count) \(datatype.rawValue) elements")
        }
        var values: [Double] = []
        values.reserveCapacity(count)
        var position = bytes.startIndex
        for _ in 0..<count {
            var bits: UInt64 = 0
            for byte in 0..<size { bits |= UInt64(bytes[position + byte]) << (8 * UInt64(byte)) }
            position += size
            values.append(value(bits: bits, datatype: datatype))
        }
        return .numbers(values)
    }

    private static func value(bits: UInt64, datatype: TensorDatatype) -> Double {
        switch datatype {
        case .bool: bits == 0 ? 0 : 1
        case .uint8, .uint16, .uint32, .uint64: Double(bits)
        case .int8: Double(Int8(truncatingIfNeeded: bits))
        case .int16: Double(Int16(truncatingIfNeeded: bits))
        case .int32: Double(Int32(truncatingIfNeeded: bits))
        case .int64: Double(Int64(bitPattern: bits))
        case .fp16: Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .fp32: Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .fp64: Double(bitPattern: bits)
        case .bytes: preconditionFailure("BinaryTensorCoding: BYTES elements have no fixed size")
        }
    }

    private static func decodeStrings(_ bytes: ArraySlice<UInt8>, count: Int, name: String) throws(InferenceError) -> TensorData {
        var strings: [String] = []
        var position = bytes.startIndex
        while position < bytes.endIndex {
            guard bytes.endIndex - position >= 4 else { throw .badRequest("input '\(name)': BYTES data ends inside a length") }
            var length = 0
            for byte in 0..<4 { length |= Int(bytes[position + byte]) << (8 * byte) }
            position += 4
            guard bytes.endIndex - position >= length else {
                throw .badRequest("input '\(name)': a BYTES element of \(length) bytes runs past the data")
            }
            strings.append(String(decoding: bytes[position..<position + length], as: UTF8.self))
            position += length
            guard strings.count <= count else { break }
        }
        guard strings.count == count, position == bytes.endIndex else {
            throw .badRequest("input '\(name)': the binary data holds \(strings.count) BYTES elements, the shape \(count)")
        }
        return .strings(strings)
    }

    /// The binary form of `data` as `datatype` (FP32, FP64, the integer types or BYTES).
    static func encode(_ data: TensorData, datatype: TensorDatatype) -> [UInt8] {
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        switch data {
        case .strings(let strings):
            for string in strings {
                let utf8 = Array(string.utf8)
                append(UInt32(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        case .numbers(let values):
            for value in values {
                switch datatype {
                case .fp32: append(Float(value).bitPattern)
                case .fp64: append(value.bitPattern)
                case .fp16: append(Float16(value).bitPattern)
                case .bool, .uint8: append(UInt8(value))
                case .int8: append(Int8(value))
                case .uint16: append(UInt16(value))
                case .int16: append(Int16(value))
                case .uint32: append(UInt32(value))
                case .int32: append(Int32(value))
                case .uint64: append(UInt64(value))
                // Int64.max as a Double is 2^63, one past it.
                case .int64: append(value >= 0x1p63 ? Int64.max : Int64(value))
                case .bytes: preconditionFailure("BinaryTensorCoding.encode: numbers as BYTES")
                }
            }
        }
        return bytes
    }
}
