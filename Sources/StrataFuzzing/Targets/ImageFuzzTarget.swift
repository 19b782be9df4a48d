import Foundation
import StrataData

/// The image files of `strata train --dataset DIR` and `strata predict --input a.jpg`: PNG and
/// JPEG decoded by `Image(decoding:path:)` (libpng and libjpeg-turbo behind the CStrataImage
/// shim), then converted to the model's channels and resized and center-cropped to its input,
/// as `ImageFolder.prepare` does.
///
/// Independent check of an accepted file: a size of 1...`Image.maximumSide` on each side and at
/// most `Image.maximumPixelCount` pixels, 1 or 3 channels, a pixel buffer of exactly
/// `height * width * channels` bytes, and a 28 x 28 result of 28 * 28 * channels bytes.
public struct ImageFuzzTarget: FuzzTarget {
    public let name = "image"
    public let isText = false
    public let seeds: [[UInt8]] = ImageFuzzSeeds.files.map(\.bytes)

    public init() {}

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        let image: Image
        do {
            image = try Image(decoding: Data(input), path: "fuzz-\(seed)")
        } catch {
            return classify(error, typed: [ImageError.self])
        }
        let sides = 1...Image.maximumSide
        guard sides.contains(image.width), sides.contains(image.height), image.width * image.height <= Image.maximumPixelCount,
              [1, 3].contains(image.channels), image.pixels.count == image.width * image.height * image.channels else {
            return .silentAcceptance("\(image.width) x \(image.height) x \(image.channels), \(image.pixels.count) bytes")
        }
        for channels in [1, 3] {
            let prepared = image.converted(toChannels: channels).resizedAndCenterCropped(to: 28)
            guard prepared.width == 28, prepared.height == 28, prepared.pixels.count == 28 * 28 * channels else {
                return .silentAcceptance("prepared as \(prepared.width) x \(prepared.height) x \(prepared.channels)")
            }
        }
        return .accepted
    }
}
