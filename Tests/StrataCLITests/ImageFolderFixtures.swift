import CZlib
import Foundation
import Strata
import StrataData
import StrataIO

/// Writes the synthetic Fashion-MNIST (`writeSyntheticFashionMNIST`) as an image folder of PNGs
/// by Strata's own PNG writer: `DIR/train/<class>/<i>.png` and `DIR/test/<class>/<i>.png`, class
/// folders named by Fashion-MNIST's class names with `/` made `-` ("T-shirt-top").
func writeSyntheticFashionMNISTFolder(trainingCount: Int, testCount: Int) throws -> URL {
    let idx = try writeSyntheticFashionMNIST(count: max(trainingCount, testCount))
    defer { try? FileManager.default.removeItem(at: idx) }
    let root = temporaryDirectory()
    for (split, name, count) in [(FashionMNIST.Split.train, "train", trainingCount), (.test, "test", testCount)] {
        let dataset = try FashionMNIST.load(split, directory: idx).normalized(scale: 255)
        let labels = dataset.labels.scalars(as: Int64.self)
        for index in 0..<count {
            let folder = root.appendingPathComponent(name).appendingPathComponent(folderName(ofClass: Int(labels[index])))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try PNG.writeGrayscale(dataset.inputs[index..<(index + 1)].reshaped(to: [28, 28]), to: folder.appendingPathComponent("\(index).png"))
        }
    }
    return root
}

/// The folder of Fashion-MNIST class `label`.
func folderName(ofClass label: Int) -> String {
    FashionMNIST.classNames[label].replacingOccurrences(of: "/", with: "-")
}

/// An 8-bit RGB PNG of `width` x `height` pixels (`pixels` row-major, RGB interleaved), its
/// image data in stored (uncompressed) deflate blocks, so no compressor is needed: RFC 1950's
/// zlib header and Adler-32, RFC 1951's stored blocks, PNG's CRC-32 chunks.
func rgbPNG(width: Int, height: Int, pixels: [UInt8]) -> Data {
    precondition(pixels.count == width * height * 3)
    var scanlines: [UInt8] = []
    for row in 0..<height { scanlines += [0] + pixels[(row * width * 3)..<((row + 1) * width * 3)] }
    var zlib: [UInt8] = [0x78, 0x01]
    var start = 0
    repeat {
        let end = min(start + 65535, scanlines.count)
        let length = UInt16(end - start)
        zlib += [end == scanlines.count ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        zlib += scanlines[start..<end]
        start = end
    } while start < scanlines.count
    var (a, b): (UInt32, UInt32) = (1, 0)
    for byte in scanlines { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    zlib += bigEndian((b << 16) | a)
    var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    header += [8, 2, 0, 0, 0]  // 8 bits, RGB, deflate, no filter, no interlace
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    for (type, body) in [("IHDR", header), ("IDAT", zlib), ("IEND", [])] {
        let typed = Array(type.utf8) + body
        png += bigEndian(UInt32(body.count)) + typed + bigEndian(pngCRC(typed))
    }
    return Data(png)
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// PNG's chunk CRC-32 (ISO 3309), by zlib as the PNG writer computes it.
private func pngCRC(_ bytes: [UInt8]) -> UInt32 { UInt32(crc32(0, bytes, uInt(bytes.count))) }
