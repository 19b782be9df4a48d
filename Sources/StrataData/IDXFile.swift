import Foundation
import Strata

/// Why an IDX file could not be read.
public enum IDXError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case truncated(expectedBytes: Int, actualBytes: Int)
    case badMagic(String)
    case unsupportedType(UInt8)
    case decompression(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "IDX: cannot read \(path): \(reason)"
        case .truncated(let expected, let actual): "IDX: truncated file: needs \(expected) bytes, has \(actual)"
        case .badMagic(let detail): "IDX: not an IDX file: \(detail)"
        case .unsupportedType(let code): "IDX: unsupported element type 0x\(String(code, radix: 16))"
        case .decompression(let message): "IDX: \(message)"
        }
    }
}

/// The IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed: two zero bytes, a type
/// byte (0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E
/// float64), a rank byte, one big-endian uint32 per dimension, then the row-major data
/// (big-endian for multi-byte types).
public enum IDXFile {
    /// Reads a file into a tensor: uint8/int8/int16/int32 become int32, float32 and float64 stay.
    public static func read(contentsOf url: URL) throws -> Tensor {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw IDXError.unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        return try parse(data)
    }

    /// Parses IDX bytes (gzip-compressed or not).
    public static func parse(_ bytes: Data) throws -> Tensor {
        let data: Data
        if Gzip.isCompressed(bytes) {
            do { data = try Gzip.decompress(bytes) } catch { throw IDXError.decompression(error.description) }
        } else {
            data = bytes
        }
        let raw = [UInt8](data)
        guard raw.count >= 4 else { throw IDXError.truncated(expectedBytes: 4, actualBytes: raw.count) }
        guard raw[0] == 0, raw[1] == 0 else {
            throw IDXError.badMagic("the first two bytes are \(raw[0]), \(raw[1]) instead of 0, 0")
        }
        let typeCode = raw[2]
        let rank = Int(raw[3])
        let elementSize: Int
        switch typeCode {
        case 0x08, 0x09: elementSize = 1
        case 0x0B: elementSize = 2
        case 0x0C, 0x0D: elementSize = 4
        case 0x0E: elementSize = 8
        default: throw IDXError.unsupportedType(typeCode)
        }
        let headerSize = 4 + 4 * rank
        guard raw.count >= headerSize else { throw IDXError.truncated(expectedBytes: headerSize, actualBytes: raw.count) }
        var shape: [Int] = []
        for axis in 0..<rank {
            let p = 4 + 4 * axis
            shape.append(Int(raw[p]) << 24 | Int(raw[p + 1]) << 16 | Int(raw[p + 2]) << 8 | Int(raw[p + 3]))
        }
        // Multiply with overflow checks: a lying header must not wrap around to a small size. The
        // span (zero dimensions counted as one) bounds the strides too, which [0, 2^31, 2^31]
        // would overflow although it holds no element.
        var count = 1, span = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            let (spanned, spanOverflow) = span.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow, !spanOverflow, spanned <= Int(Int32.max) * 16 else {
                throw IDXError.badMagic("dimensions \(shape) are implausibly large")
            }
            (count, span) = (product, spanned)
        }
        let needed = headerSize + count * elementSize
        guard raw.count >= needed else { throw IDXError.truncated(expectedBytes: needed, actualBytes: raw.count) }
        func bigEndian(_ p: Int, _ width: Int) -> UInt64 {
            var value: UInt64 = 0
            for byte in raw[p..<(p + width)] { value = value << 8 | UInt64(byte) }
            return value
        }
        switch typeCode {
        case 0x08:
            return Tensor(raw[headerSize..<needed].map { Int32($0) }, shape: shape)
        case 0x09:
            return Tensor(raw[headerSize..<needed].map { Int32(Int8(bitPattern: $0)) }, shape: shape)
        case 0x0B:
            return Tensor((0..<count).map { Int32(Int16(truncatingIfNeeded: bigEndian(headerSize + 2 * $0, 2))) }, shape: shape)
        case 0x0C:
            return Tensor((0..<count).map { Int32(truncatingIfNeeded: bigEndian(headerSize + 4 * $0, 4)) }, shape: shape)
        case 0x0D:
            return Tensor((0..<count).map { Float(bitPattern: UInt32(bigEndian(headerSize + 4 * $0, 4))) }, shape: shape)
        default:
            return Tensor((0..<count).map { Double(bitPattern: bigEndian(headerSize + 8 * $0, 8)) }, shape: shape)
        }
    }
}
