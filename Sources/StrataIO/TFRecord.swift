import Foundation

/// TFRecord framing, the container of TensorBoard event files
/// (`tensorflow/core/lib/io/record_writer.cc`): each record is
///
///     uint64 length (little-endian) | uint32 masked CRC-32C of the length bytes
///     data[length]                  | uint32 masked CRC-32C of the data
public enum TFRecord {
    /// Bytes of framing around each record: 8 (length) + 4 + 4 (the two CRCs).
    public static let overhead = 16

    /// `data` framed as one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var record = [UInt8]()
        record.reserveCapacity(data.count + overhead)
        let length = littleEndianBytes(UInt64(data.count))
        record += length
        record += littleEndianBytes(CRC32C.maskedChecksum(length))
        record += data
        record += littleEndianBytes(CRC32C.maskedChecksum(data))
        return record
    }

    /// The records of `bytes` with their start offsets, each checked against both CRCs.
    /// Throws `TensorBoardError` on a truncated record or a checksum mismatch.
    public static func records(in bytes: [UInt8]) throws(TensorBoardError) -> [(offset: Int, data: ArraySlice<UInt8>)] {
        var result: [(offset: Int, data: ArraySlice<UInt8>)] = []
        var offset = 0
        while offset < bytes.count {
            let available = bytes.count - offset
            guard available >= 12 else {
                throw .truncatedRecord(offset: offset, needed: 12, available: available)
            }
            let lengthBytes = bytes[offset..<(offset + 8)]
            let storedLengthCRC = readLittleEndianUInt32(bytes, at: offset + 8)
            let computedLengthCRC = CRC32C.maskedChecksum(lengthBytes)
            guard storedLengthCRC == computedLengthCRC else {
                throw .lengthChecksumMismatch(offset: offset, stored: storedLengthCRC, computed: computedLengthCRC)
            }
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            // Compare in UInt64 so a huge length cannot overflow `Int` arithmetic.
            guard available >= 16, length <= UInt64(available - 16) else {
                throw .truncatedRecord(
                    offset: offset, needed: length > UInt64(Int.max - 16) ? Int.max : Int(length) + 16,
                    available: available)
            }
            let dataStart = offset + 12
            let dataEnd = dataStart + Int(length)
            let data = bytes[dataStart..<dataEnd]
            let storedDataCRC = readLittleEndianUInt32(bytes, at: dataEnd)
            let computedDataCRC = CRC32C.maskedChecksum(data)
            guard storedDataCRC == computedDataCRC else {
                throw .dataChecksumMismatch(offset: offset, stored: storedDataCRC, computed: computedDataCRC)
            }
            result.append((offset, data))
            offset = dataEnd + 4
        }
        return result
    }

    private static func littleEndianBytes<Value: FixedWidthInteger>(_ value: Value) -> [UInt8] {
        (0..<(Value.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func readLittleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << ($1 * 8) }
    }
}
