import Foundation
import Strata
import StrataCLI
import StrataIO

/// The `strata predict --input FILE.npy` path: `PredictInput.images(in:format:path:)`, which
/// parses with `NPYFile`, checks the shape and the pixels (`PredictInput.requirements`) and
/// scales them.
///
/// Independent check of an accepted file: float32 images `[N, 1, 28, 28]` with N >= 1, every
/// value finite in [0, 1].
public struct NPYFuzzTarget: FuzzTarget {
    public let name = "npy"
    public let isText = false
    public let seeds: [[UInt8]]

    public init() {
        let pixels = (0..<784).map { Double(($0 * 37) % 256) }
        seeds = [
            Self.npy(descr: "|u1", shape: [1, 784], data: pixels.map { UInt8($0) }),
            Self.npy(descr: "<f4", shape: [1, 28, 28], data: pixels.flatMap { Self.bytes(Float($0).bitPattern) }),
            Self.npy(descr: "<f8", shape: [1, 1, 28, 28], data: pixels.flatMap { Self.bytes($0.bitPattern) }, version: 2),
        ]
    }

    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// An NPY file as NumPy writes it: magic, version, header length, the header dictionary
    /// padded with spaces and a newline to a multiple of 64 bytes, then the data.
    static func npy(descr: String, shape: [Int], data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = header.utf8.count
        let lengthBytes: [UInt8] = version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
                                                : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), 0, 0]
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + lengthBytes + Array(header.utf8) + data
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        predictInputOutcome(input, format: .npy)
    }
}
