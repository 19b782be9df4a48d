/// The few protobuf wire-format pieces the TensorBoard `Event` message needs, written by hand so
/// StrataIO needs no protobuf dependency. Reference: https://protobuf.dev/programming-guides/encoding/
enum ProtobufWireType: UInt8 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// Appends protobuf fields to a byte buffer.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func appendDouble(field: Int, _ value: Double) {
        appendKey(field: field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    mutating func appendFloat(field: Int, _ value: Float) {
        appendKey(field: field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// An `int64` field: negative values take ten bytes, as the sign extends to 64 bits.
    mutating func appendInt64(field: Int, _ value: Int64) {
        appendKey(field: field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    mutating func appendBytes(field: Int, _ value: [UInt8]) {
        appendKey(field: field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    mutating func appendString(field: Int, _ value: String) {
        appendBytes(field: field, Array(value.utf8))
    }

    private mutating func appendKey(field: Int, _ wireType: ProtobufWireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    private mutating func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
        for index in 0..<(Value.bitWidth / 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8)))
        }
    }
}

/// One decoded field: its number and its payload.
enum ProtobufField {
    case varint(UInt64)
    case fixed64(UInt64)
    case lengthDelimited(ArraySlice<UInt8>)
    case fixed32(UInt32)
}

/// Reads protobuf fields from a byte slice; every read is bounds-checked and throws a reason.
struct ProtobufReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    /// The next field number and payload. Groups (wire types 3 and 4) are deprecated and rejected.
    mutating func nextField() throws(ProtobufDecodingError) -> (number: Int, value: ProtobufField) {
        let key = try readVarint()
        let number = key >> 3
        guard number > 0, number <= 536_870_911 else { throw ProtobufDecodingError("field number \(number) is out of range") }
        switch ProtobufWireType(rawValue: UInt8(key & 7)) {
        case .varint:
            return (Int(number), .varint(try readVarint()))
        case .fixed64:
            return (Int(number), .fixed64(try readLittleEndian(byteCount: 8)))
        case .fixed32:
            return (Int(number), .fixed32(UInt32(try readLittleEndian(byteCount: 4))))
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(bytes.endIndex - position) else {
                throw ProtobufDecodingError("field \(number) claims \(length) bytes, \(bytes.endIndex - position) remain")
            }
            let start = position
            position += Int(length)
            return (Int(number), .lengthDelimited(bytes[start..<position]))
        case nil:
            throw ProtobufDecodingError("field \(number) has unsupported wire type \(key & 7)")
        }
    }

    private mutating func readVarint() throws(ProtobufDecodingError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<10 {
            guard position < bytes.endIndex else { throw ProtobufDecodingError("a varint runs past the end") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << (index * 7)
            if byte < 0x80 { return value }
        }
        throw ProtobufDecodingError("a varint is longer than 10 bytes")
    }

    private mutating func readLittleEndian(byteCount: Int) throws(ProtobufDecodingError) -> UInt64 {
        guard bytes.endIndex - position >= byteCount else {
            throw ProtobufDecodingError("a \(byteCount)-byte field runs past the end")
        }
        var value: UInt64 = 0
        for index in 0..<byteCount {
            value |= UInt64(bytes[position + index]) << (index * 8)
        }
        position += byteCount
        return value
    }
}

/// Why a protobuf message could not be decoded; wrapped into `TensorBoardError.malformedEvent`.
struct ProtobufDecodingError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
