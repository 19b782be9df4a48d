import Foundation

/// Why an NPY file was refused.
public enum NPYError: Error, Equatable, CustomStringConvertible {
    /// The file does not start with `\x93NUMPY`.
    case badMagic
    /// A format version other than 1.0 or 2.0.
    case unsupportedVersion(major: UInt8, minor: UInt8)
    /// The file ends before its header or data does.
    case truncated(expectedBytes: Int, foundBytes: Int)
    /// The header dictionary is not the `{'descr': ..., 'fortran_order': ..., 'shape': (...)}` NumPy writes.
    case malformedHeader(String)
    /// A dtype other than little-endian float32 (`<f4`), float64 (`<f8`) or uint8 (`|u1`).
    case unsupportedDType(String)
    /// `fortran_order: True`.
    case fortranOrder
    /// Bytes after the data.
    case trailingBytes(Int)
    /// A shape whose element count (zero dimensions counted as one) overflows or passes
    /// `NPYFile.maximumElementCount`.
    case tooLarge(shape: [Int])

    public var description: String {
        switch self {
        case .badMagic: "not an NPY file (no \\x93NUMPY magic)"
        case .unsupportedVersion(let major, let minor): "unsupported NPY version \(major).\(minor) (1.0 and 2.0 are read)"
        case .truncated(let expected, let found): "truncated NPY file: expected \(expected) bytes, found \(found)"
        case .malformedHeader(let reason): "malformed NPY header: \(reason)"
        case .unsupportedDType(let descr): "unsupported NPY dtype '\(descr)' (<f4, <f8 and |u1 are read)"
        case .fortranOrder: "Fortran-order NPY arrays are not supported (save a C-order array)"
        case .trailingBytes(let count): "\(count) bytes after the NPY array's data"
        case .tooLarge(let shape): "NPY shape \(shape) holds more than \(NPYFile.maximumElementCount) elements"
        }
    }
}

/// A strict reader for NumPy's `.npy` format, versions 1.0 and 2.0: little-endian float32,
/// float64 or uint8 arrays in C order.
public enum NPYFile {
    public struct Array: Equatable, Sendable {
        public var shape: [Int]
        /// The elements as Double, in C order.
        public var values: [Double]
    }

    /// The most elements an array may hold: 2^31 (16 GiB of float64), far above any image batch.
    public static let maximumElementCount = 1 << 31

    /// Parses the bytes of an `.npy` file.
    /// - Throws: `NPYError` for anything but a well-formed array of a supported dtype whose data
    ///   fills the file exactly.
    public static func parse(_ data: Data) throws(NPYError) -> Array {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 6, Swift.Array(bytes[0..<6]) == magic else { throw .badMagic }
        guard bytes.count >= 8 else { throw .truncated(expectedBytes: 8, foundBytes: bytes.count) }
        let (major, minor) = (bytes[6], bytes[7])
        let headerStart: Int, headerLength: Int
        switch (major, minor) {
        case (1, 0):
            guard bytes.count >= 10 else { throw .truncated(expectedBytes: 10, foundBytes: bytes.count) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case (2, 0):
            guard bytes.count >= 12 else { throw .truncated(expectedBytes: 12, foundBytes: bytes.count) }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default: throw .unsupportedVersion(major: major, minor: minor)
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else { throw .truncated(expectedBytes: dataStart, foundBytes: bytes.count) }
        guard let header = String(bytes: bytes[headerStart..<dataStart], encoding: .ascii) else {
            throw .malformedHeader("not ASCII")
        }
        let (descr, fortran, shape) = try parseHeader(header)
        if fortran { throw .fortranOrder }
        let width: Int
        switch descr {
        case "<f4": width = 4
        case "<f8": width = 8
        case "|u1", "<u1": width = 1
        default: throw .unsupportedDType(descr)
        }
        // Multiply with overflow checks: a lying header must not trap or wrap around to a small size.
        // Zero dimensions count as one in the span, so that (0, 2^40, 2^40), which holds nothing,
        // cannot overflow the strides of a tensor made from it either.
        var count = 1, span = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            let (spanned, spanOverflow) = span.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow, !spanOverflow, spanned <= maximumElementCount else { throw .tooLarge(shape: shape) }
            (count, span) = (product, spanned)
        }
        let expected = dataStart + count * width
        guard bytes.count >= expected else { throw .truncated(expectedBytes: expected, foundBytes: bytes.count) }
        guard bytes.count == expected else { throw .trailingBytes(bytes.count - expected) }
        var values = [Double](repeating: 0, count: count)
        for index in 0..<count {
            let offset = dataStart + index * width
            switch width {
            case 1: values[index] = Double(bytes[offset])
            case 4:
                let bits = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
                values[index] = Double(Float(bitPattern: bits))
            default:
                let bits = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
                values[index] = Double(bitPattern: bits)
            }
        }
        return Array(shape: shape, values: values)
    }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` (keys in any order).
    static func parseHeader(_ text: String) throws(NPYError) -> (descr: String, fortran: Bool, shape: [Int]) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else { throw .malformedHeader("not a dictionary: \(trimmed)") }
        func value(of key: String) throws(NPYError) -> Substring {
            guard let range = trimmed.range(of: "'\(key)':") else { throw .malformedHeader("no '\(key)' key") }
            return trimmed[range.upperBound...].drop { $0 == " " }
        }
        let descrText = try value(of: "descr")
        guard descrText.first == "'", let end = descrText.dropFirst().firstIndex(of: "'") else {
            throw .malformedHeader("'descr' is not a string")
        }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
        let fortranText = try value(of: "fortran_order")
        let fortran: Bool
        if fortranText.hasPrefix("False") { fortran = false } else if fortranText.hasPrefix("True") { fortran = true } else {
            throw .malformedHeader("'fortran_order' is not True or False")
        }
        let shapeText = try value(of: "shape")
        guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw .malformedHeader("'shape' is not a tuple")
        }
        let inner = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let dimension = Int(item), dimension >= 0 else { throw .malformedHeader("bad dimension '\(item)' in shape") }
            shape.append(dimension)
        }
        return (descr, fortran, shape)
    }
}
