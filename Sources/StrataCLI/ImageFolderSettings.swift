import StrataData

/// How `strata train` reads an image folder (`--dataset DIR` holding class folders), saved in
/// `settings.json` so that `strata resume` prepares the same images.
public struct ImageFolderSettings: Codable, Sendable, Equatable {
    /// The side of the square the images are resized and center-cropped to (`--image-size`).
    public var imageSize: Int
    /// 1 (gray) or 3 (RGB); nil takes 3 when any training image is in color (`--channels`).
    public var channels: Int?
    /// The share of each class that becomes test images when the folder has no `train/` and
    /// `test/` (`--test-fraction`).
    public var testFraction: Double
    /// Leave out files that are not decodable images instead of stopping (`--skip-bad-images`).
    public var skipBadImages: Bool
    /// Mirror training images left-right with probability 1/2 (`--flip`).
    public var flip: Bool
    /// Pad training images by this many pixels and crop them back at a random position
    /// (`--crop-padding`); 0 does not crop.
    public var cropPadding: Int

    /// The defaults are `strata train`'s: 28 pixels, channels from the images, a fifth tested,
    /// no skipping, no augmentation.
    public init(imageSize: Int = 28, channels: Int? = nil, testFraction: Double = 0.2, skipBadImages: Bool = false,
                flip: Bool = false, cropPadding: Int = 0) {
        self.imageSize = imageSize
        self.channels = channels
        self.testFraction = testFraction
        self.skipBadImages = skipBadImages
        self.flip = flip
        self.cropPadding = cropPadding
    }

    /// The augmentation of training batches (after normalization, so padding is the mean color).
    public var transforms: [any Transform] {
        var transforms: [any Transform] = []
        if cropPadding > 0 { transforms.append(RandomCrop(height: imageSize, width: imageSize, padding: cropPadding)) }
        if flip { transforms.append(RandomHorizontalFlip()) }
        return transforms
    }

    /// - Throws: `CLIError.invalidSetting` naming the flag of the first bad value.
    public func validate() throws(CLIError) {
        guard (4...Image.maximumSide).contains(imageSize) else {
            throw .invalidSetting("--image-size must be in 4...\(Image.maximumSide), got \(imageSize)")
        }
        if let channels, channels != 1 && channels != 3 {
            throw .invalidSetting("--channels must be 1 (gray) or 3 (RGB), got \(channels)")
        }
        guard testFraction > 0 && testFraction < 1 else {
            throw .invalidSetting("--test-fraction must be between 0 and 1, got \(testFraction)")
        }
        guard cropPadding >= 0 && cropPadding <= imageSize else {
            throw .invalidSetting("--crop-padding must be in 0...\(imageSize) (the image size), got \(cropPadding)")
        }
    }
}
