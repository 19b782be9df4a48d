import CZlib
import Foundation
import StrataData
import Testing

// Expected pixels: Pillow 12's decode of each fixture (numpy's high byte for the 16-bit ones),
// written by Tools/make_image_fixtures.py from crops of scikit-learn's china.jpg and flower.jpg.

@Test("PNG variants decode to Pillow's 8-bit gray or RGB pixels exactly",
      arguments: ["flower-rgb.png", "flower-gray.png", "flower-rgba.png", "flower-gray-alpha.png",
                  "flower-palette.png", "flower-1bit.png", "flower-rgb16.png", "flower-gray16.png"])
func pngMatchesPillow(name: String) throws {
    let image = try Image(contentsOf: ImageFixtures.url(name))
    let expected = try ImageFixtures.expected(name)
    #expect(image == expected)
}

// Pillow bundles its own libjpeg-turbo (a newer release than Debian's); both use the integer
// IDCT and fancy upsampling, which give the same bytes, so the comparison is exact.
@Test("JPEG gray, color and progressive decode to Pillow's pixels",
      arguments: ["china-rgb.jpg", "china-gray.jpg", "flower-progressive.jpg"])
func jpegMatchesPillow(name: String) throws {
    let image = try Image(contentsOf: ImageFixtures.url(name))
    let expected = try ImageFixtures.expected(name)
    #expect(ImageFixtures.maximumDifference(image, expected) == 0)
}

@Test("RGB to gray is Pillow's convert(\"L\"); gray to RGB repeats the value")
func channelConversion() throws {
    let rgb = try Image(contentsOf: ImageFixtures.url("flower-rgb.png"))
    #expect(rgb.converted(toChannels: 1) == (try ImageFixtures.expected("flower-gray.png")))
    let gray = Image(width: 2, height: 1, channels: 1, pixels: [7, 200])
    #expect(gray.converted(toChannels: 3).pixels == [7, 7, 7, 200, 200, 200])
}

@Test("Zero-byte, non-image, truncated and corrupt files throw one-line errors naming the file")
func badFilesThrow() throws {
    let png = try Data(contentsOf: ImageFixtures.url("flower-rgb.png"))
    let jpeg = try Data(contentsOf: ImageFixtures.url("china-rgb.jpg"))
    func failure(_ data: Data) -> ImageError? {
        do {
            _ = try Image(decoding: data, path: "cat/x.img")
            return nil
        } catch {
            return error
        }
    }
    #expect(failure(Data()) == .empty(path: "cat/x.img"))
    #expect(failure(Data("hello, not an image\n".utf8)) == .notAnImage(path: "cat/x.img"))
    var corruptPNG = png
    corruptPNG[40] ^= 0xFF  // inside IHDR's data, so its CRC no longer matches
    var corruptJPEG = jpeg
    corruptJPEG.replaceSubrange(2..<40, with: [UInt8](repeating: 0xFF, count: 38))  // the markers after SOI
    for (data, format) in [(png.prefix(png.count / 2), "PNG"), (png.prefix(12), "PNG"), (corruptPNG, "PNG"),
                           (jpeg.prefix(jpeg.count / 2), "JPEG"), (jpeg.prefix(4), "JPEG"), (corruptJPEG, "JPEG")] {
        let error = try #require(failure(Data(data)))
        guard case .corrupt(let path, let reported, let reason) = error else {
            Issue.record("expected a corrupt \(format) error, got \(error)")
            continue
        }
        #expect(path == "cat/x.img" && reported == format && !reason.isEmpty)
        #expect(!error.description.contains("\n") && error.description.contains("cat/x.img"))
    }
}

@Test("Sizes past the limit are refused from the header, before the pixels are allocated")
func oversizedImagesAreRefused() throws {
    // A JPEG whose frame header (SOF0, no checksum) is rewritten to declare 20000 rows.
    var jpeg = try Data(contentsOf: ImageFixtures.url("china-gray.jpg"))
    let marker = try #require((0..<(jpeg.count - 8)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
    // SOF0: FF C0, length (2), precision (1), height (2), width (2).
    jpeg[marker + 5] = 0x4E
    jpeg[marker + 6] = 0x20  // height 20000
    #expect(throws: ImageError.self) { try Image(decoding: jpeg, path: "big.jpg") }
    do {
        _ = try Image(decoding: jpeg, path: "big.jpg")
    } catch {
        guard case .tooLarge(let path, let reason) = error else { Issue.record("expected tooLarge, got \(error)"); return }
        #expect(path == "big.jpg" && reason.contains("48x20000"))
    }
}

@Test("A PNG header declaring 20000 x 30 pixels is refused before its rows are read")
func oversizedPNGIsRefused() throws {
    var png = try [UInt8](Data(contentsOf: ImageFixtures.url("flower-gray.png")))
    // IHDR's data starts at byte 16 (8-byte signature, 4-byte length, "IHDR"): width first.
    png.replaceSubrange(16..<20, with: [0x00, 0x00, 0x4E, 0x20])  // 20000
    let crc = pngCRC(Array(png[12..<29]))  // "IHDR" and its 13 bytes of data
    png.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)])
    do {
        _ = try Image(decoding: Data(png), path: "wide.png")
        Issue.record("a 20000-pixel-wide PNG decoded")
    } catch {
        guard case .tooLarge(let path, let reason) = error else { Issue.record("expected tooLarge, got \(error)"); return }
        #expect(path == "wide.png" && reason.contains("20000x30"))
    }
}

@Test("A CMYK JPEG is a typed unsupported-image error")
func cmykJPEGIsUnsupported() throws {
    let url = try ImageFixtures.url("flower-cmyk.jpg")
    do {
        _ = try Image(contentsOf: url)
        Issue.record("a CMYK JPEG decoded")
    } catch {
        guard case .unsupported = error else { Issue.record("expected unsupported, got \(error)"); return }
    }
}

/// PNG's chunk CRC-32 (ISO 3309), by zlib as the PNG writer computes it.
private func pngCRC(_ bytes: [UInt8]) -> UInt32 { UInt32(crc32(0, bytes, uInt(bytes.count))) }

@Test("A missing file is an unreadable-file error")
func missingFile() {
    #expect(throws: ImageError.self) { try Image(contentsOf: URL(fileURLWithPath: "/nonexistent/strata/x.png")) }
}
