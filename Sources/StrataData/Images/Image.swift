import CStrataImage
import Foundation

/// A decoded 8-bit image: `height` rows of `width` pixels of `channels` bytes (1 gray, 3 RGB),
/// row-major, channels interleaved (`[height, width, channels]`).
///
/// Decoding uses Debian's libpng and libjpeg-turbo through the `CStrataImage` shim: PNG palette
/// images become RGB, gray below 8 bits is scaled to 8, 16-bit samples keep their high byte,
/// alpha is dropped (as Pillow's `convert("RGB")`); JPEG grayscale stays gray and YCbCr becomes
/// RGB. Corrupt, truncated, empty and non-image files throw `ImageError` naming the file.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (gray) or 3 (RGB).
    public let channels: Int
    /// `height * width * channels` bytes.
    public let pixels: [UInt8]

    /// Refuses images wider or taller than this (2^14), before allocating their pixels.
    public static let maximumSide = 1 << 14
    /// Refuses images of more pixels than this (2^26, 64 megapixels: 192 MiB as RGB).
    public static let maximumPixelCount = 1 << 26

    /// An image of `pixels` (`[height, width, channels]` bytes); traps on a size that does not
    /// match or a channel count other than 1 or 3 (a programmer error).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "Image: needs a positive size and 1 or 3 channels, got \(width) x \(height) x \(channels)")
        precondition(pixels.count == width * height * channels,
                     "Image: \(width) x \(height) x \(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The image in the file at `url`, its format told by its first bytes (not its name).
    /// - Throws: `ImageError` naming the file.
    public init(contentsOf url: URL) throws(ImageError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(decoding: data, path: url.path)
    }

    /// The image encoded in `data` (PNG or JPEG); `path` names it in errors.
    /// - Throws: `ImageError`.
    public init(decoding data: Data, path: String) throws(ImageError) {
        guard !data.isEmpty else { throw .empty(path: path) }
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let format: String
        if data.starts(with: pngSignature) {
            format = "PNG"
        } else if data.starts(with: [0xFF, 0xD8, 0xFF]) {  // SOI and the first marker's 0xFF
            format = "JPEG"
        } else {
            throw .notAnImage(path: path)
        }
        var decoded = strata_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            let base = bytes.bindMemory(to: UInt8.self).baseAddress!
            return format == "PNG"
                ? strata_decode_png(base, bytes.count, UInt32(Self.maximumSide), UInt64(Self.maximumPixelCount),
                                    &decoded, &message, message.count)
                : strata_decode_jpeg(base, bytes.count, UInt32(Self.maximumSide), UInt64(Self.maximumPixelCount),
                                     &decoded, &message, message.count)
        }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case STRATA_IMAGE_OK: break
        case STRATA_IMAGE_TOO_LARGE: throw .tooLarge(path: path, reason: reason)
        case STRATA_IMAGE_UNSUPPORTED: throw .unsupported(path: path, reason: reason)
        case STRATA_IMAGE_OUT_OF_MEMORY: throw .tooLarge(path: path, reason: reason.isEmpty ? "out of memory" : reason)
        default: throw .corrupt(path: path, format: format, reason: reason.isEmpty ? "libpng/libjpeg error" : reason)
        }
        defer { strata_image_free(&decoded) }
        let (width, height, channels) = (Int(decoded.width), Int(decoded.height), Int(decoded.channels))
        let pixels = Array(UnsafeBufferPointer(start: decoded.pixels, count: width * height * channels))
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// This image with `channels` channels: gray repeated into R, G and B, or RGB reduced to
    /// ITU-R 601-2 luma `L = (299 R + 587 G + 114 B) / 1000` rounded (Pillow's `convert("L")`).
    public func converted(toChannels target: Int) -> Image {
        precondition(target == 1 || target == 3, "Image.converted: 1 or 3 channels, got \(target)")
        if target == channels { return self }
        let count = width * height
        if target == 3 {
            var rgb = [UInt8](repeating: 0, count: count * 3)
            for index in 0..<count {
                rgb[3 * index] = pixels[index]
                rgb[3 * index + 1] = pixels[index]
                rgb[3 * index + 2] = pixels[index]
            }
            return Image(width: width, height: height, channels: 3, pixels: rgb)
        }
        var gray = [UInt8](repeating: 0, count: count)
        for index in 0..<count {
            // Pillow's fixed-point form of the same weights: (19595 R + 38470 G + 7471 B + 2^15) >> 16.
            let red = UInt32(pixels[3 * index]), green = UInt32(pixels[3 * index + 1]), blue = UInt32(pixels[3 * index + 2])
            gray[index] = UInt8((19595 * red + 38470 * green + 7471 * blue + 0x8000) >> 16)
        }
        return Image(width: width, height: height, channels: 1, pixels: gray)
    }
}
