import CZlib
import Foundation
import Strata

/// Why an image could not be written.
public struct PNGError: Error, CustomStringConvertible {
    public let description: String
}

/// Writes 8-bit grayscale PNG images (ISO/IEC 15948): signature, IHDR, one zlib-compressed IDAT
/// of unfiltered scanlines, IEND, each chunk with its CRC-32.
public enum PNG {
    /// The PNG bytes of `image`, a `[height, width]` tensor with values in [0, 1] (clamped).
    public static func encodeGrayscale(_ image: Tensor) throws -> Data {
        guard image.rank == 2, image.shape[0] > 0, image.shape[1] > 0 else {
            throw PNGError(description: "PNG: the image must be a non-empty [height, width] tensor, got \(image.shape)")
        }
        let (height, width) = (image.shape[0], image.shape[1])
        let values = image.cast(to: .float64).scalars(as: Double.self)
        var scanlines = [UInt8]()
        scanlines.reserveCapacity(height * (width + 1))
        for row in 0..<height {
            scanlines.append(0)  // filter type 0: the row as it is
            for column in 0..<width {
                let value = values[row * width + column]
                scanlines.append(UInt8((min(max(value.isNaN ? 0 : value, 0), 1) * 255).rounded()))
            }
        }
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 0, 0, 0, 0])  // bit depth 8, grayscale, deflate, no filter, no interlace
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", try deflate(scanlines), to: &png)
        appendChunk("IEND", Data(), to: &png)
        return png
    }

    /// Writes `image` (see `encodeGrayscale`) to `url` atomically: a temporary file renamed into place.
    public static func writeGrayscale(_ image: Tensor, to url: URL) throws {
        let data = try encodeGrayscale(image)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw PNGError(description: "PNG: cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    private static func deflate(_ bytes: [UInt8]) throws -> Data {
        var size = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&output, &size, bytes, uLong(bytes.count), Z_BEST_COMPRESSION)
        guard status == Z_OK else { throw PNGError(description: "PNG: zlib compression failed with status \(status)") }
        return Data(output[0..<Int(size)])
    }

    private static func appendChunk(_ type: String, _ data: Data, to png: inout Data) {
        png.appendBigEndian(UInt32(data.count))
        var body = Data(type.utf8)
        body.append(data)
        png.append(body)
        let checksum = body.withUnsafeBytes { crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt(body.count)) }
        png.appendBigEndian(UInt32(checksum))
    }
}

extension Data {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }
}
