import Foundation
import StrataData
import Testing

/// The image fixtures of Fixtures/Images and the pixels Pillow decoded from them
/// (Tools/make_image_fixtures.py).
enum ImageFixtures {
    struct Shape: Decodable {
        var width: Int
        var height: Int
        var channels: Int
    }

    static func directory() throws -> URL {
        try #require(Bundle.module.url(forResource: "Images", withExtension: nil))
    }

    static func url(_ name: String) throws -> URL {
        try directory().appendingPathComponent(name)
    }

    /// Pillow's decode of fixture `name` (or its resize, for names without an extension).
    static func expected(_ name: String) throws -> Image {
        let index = try JSONDecoder().decode([String: Shape].self,
                                             from: Data(contentsOf: url("expected.json")))
        let shape = try #require(index[name], "no expected pixels for \(name)")
        let bytes = try [UInt8](Data(contentsOf: url(name + ".expected")))
        return Image(width: shape.width, height: shape.height, channels: shape.channels, pixels: bytes)
    }

    /// The largest difference between two images' pixels, which must have the same shape.
    static func maximumDifference(_ a: Image, _ b: Image) -> Int {
        #expect(a.width == b.width && a.height == b.height && a.channels == b.channels,
                "\(a.width) x \(a.height) x \(a.channels) != \(b.width) x \(b.height) x \(b.channels)")
        guard a.pixels.count == b.pixels.count else { return .max }
        return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }
}
