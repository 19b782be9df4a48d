import CZlib
import Foundation
import Strata
import StrataIO
import Testing

/// Splits a PNG into (type, data) chunks, checking each CRC-32 on the way.
func chunks(of png: Data) -> [(String, [UInt8])] {
    let bytes = [UInt8](png)
    var result: [(String, [UInt8])] = []
    var position = 8
    while position + 12 <= bytes.count {
        let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
        let body = Array(bytes[(position + 4)..<(position + 8 + length)])
        let stored = bytes[(position + 8 + length)..<(position + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(UInt32(crc32(0, body, uInt(body.count))) == stored, "CRC of chunk \(String(decoding: body.prefix(4), as: UTF8.self))")
        result.append((String(decoding: body.prefix(4), as: UTF8.self), Array(body.dropFirst(4))))
        position += 12 + length
    }
    return result
}

@Test func grayscalePNGHasTheStandardLayoutAndPixels() throws {
    // A 2x3 image: 0, 0.5, 1 / 1, 0.25, -3 (clamped to 0) -> bytes 0, 128, 255 / 255, 64, 0.
    let image = Tensor([[0, 0.5, 1], [1, 0.25, -3]] as [[Float]])
    let png = try PNG.encodeGrayscale(image)
    #expect([UInt8](png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let parts = chunks(of: png)
    #expect(parts.map(\.0) == ["IHDR", "IDAT", "IEND"])
    // Width 3, height 2, bit depth 8, color type 0 (grayscale), deflate, no filter, no interlace.
    #expect(parts[0].1 == [0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0])
    var inflated = [UInt8](repeating: 0, count: 64)
    var size = uLong(inflated.count)
    let compressed = parts[1].1
    #expect(uncompress(&inflated, &size, compressed, uLong(compressed.count)) == Z_OK)
    // Each scanline starts with filter byte 0.
    #expect(Array(inflated[0..<Int(size)]) == [0, 0, 128, 255, 0, 255, 64, 0])
}

@Test func pngRejectsAnImageThatIsNotTwoDimensional() {
    #expect(throws: PNGError.self) { try PNG.encodeGrayscale(Tensor.zeros([2, 2, 2])) }
}
