import StrataData
import Testing

// Expected pixels: Pillow 12's `resize(size, BILINEAR, reducing_gap=None)` of flower-rgb.png
// (Tools/make_image_fixtures.py). Pillow rounds fixed-point sums (22 fractional bits); Strata
// sums in Double, so a sum that lands within 2^-22 of a half can round the other way: allow 1.

@Test("Bilinear resize matches Pillow's, antialiased when shrinking",
      arguments: [("flower-shrunk-17x11", 17, 11), ("flower-enlarged-61x45", 61, 45)])
func resizeMatchesPillow(name: String, width: Int, height: Int) throws {
    let image = try Image(contentsOf: ImageFixtures.url("flower-rgb.png"))
    let resized = image.resized(width: width, height: height)
    #expect(ImageFixtures.maximumDifference(resized, try ImageFixtures.expected(name)) <= 1)
}

@Test("Resizing to the same size and a full-size crop return the image unchanged")
func identityResize() throws {
    let image = try Image(contentsOf: ImageFixtures.url("flower-gray.png"))
    #expect(image.resized(width: image.width, height: image.height) == image)
    #expect(image.cropped(left: 0, top: 0, width: image.width, height: image.height) == image)
}

@Test("Resize and center crop: the shorter side becomes the size, the centered square is kept")
func resizeAndCenterCrop() {
    // A 6 x 2 gray image whose column c is 10 c. Shorter side 2 -> 1, so width 6 -> 3 (scale 2,
    // triangle widened to support 2). Output column 1 is centered on input coordinate 3.0 and
    // reads columns 1...4 (centers 1.5 ... 4.5) with weights 1 - |d| / 2 = 1/4, 3/4, 3/4, 1/4,
    // normalized to 1/8, 3/8, 3/8, 1/8: (10 + 60 + 90 + 40) / 8 = 25. The crop keeps column 1.
    let pixels = (0..<2).flatMap { _ in (0..<6).map { UInt8($0 * 10) } }
    let image = Image(width: 6, height: 2, channels: 1, pixels: pixels)
    let square = image.resizedAndCenterCropped(to: 1)
    #expect(square.width == 1 && square.height == 1)
    #expect(square.pixels == [25])
    let cropped = image.cropped(left: 2, top: 1, width: 3, height: 1)
    #expect(cropped.pixels == [20, 30, 40])
}
