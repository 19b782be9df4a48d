import ArgumentParser
import Foundation
import StrataData

/// The `strata train` flags for an image folder (`--dataset DIR` of class folders).
public struct ImageFolderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Resize the shorter side to N pixels and keep the centered N x N square (default 28).",
                               valueName: "N"))
    var imageSize: Int?
    @Option(help: "1 (gray) or 3 (RGB); default 3 when any training image is in color, else 1.")
    var channels: Int?
    @Option(help: ArgumentHelp("Without DIR/train and DIR/test: the share of each class tested (default 0.2), chosen by --seed.",
                               valueName: "FRACTION"))
    var testFraction: Double?
    @Flag(help: "Leave out corrupt, truncated, empty or non-image files (and count them) instead of stopping.")
    var skipBadImages = false
    @Flag(help: "Augment: mirror training images left-right at random.")
    var flip = false
    @Option(help: ArgumentHelp("Augment: pad training images by N pixels and crop them back at a random position.",
                               valueName: "N"))
    var cropPadding: Int?

    /// The flags unset (ArgumentParser fills them in).
    public init() {}

    /// Whether any of these flags was given.
    var isUsed: Bool {
        imageSize != nil || channels != nil || testFraction != nil || skipBadImages || flip || cropPadding != nil
    }

    var settings: ImageFolderSettings {
        let defaults = ImageFolderSettings()
        return ImageFolderSettings(imageSize: imageSize ?? defaults.imageSize, channels: channels,
                                   testFraction: testFraction ?? defaults.testFraction, skipBadImages: skipBadImages,
                                   flip: flip, cropPadding: cropPadding ?? defaults.cropPadding)
    }

    /// Checks the flags: they need an image folder and an image model, and valid values.
    func validate(dataset: String, model: ModelName) throws {
        guard ImageFolder.isImageFolder(URL(fileURLWithPath: dataset)) else {
            if isUsed {
                throw ValidationError("--image-size, --channels, --test-fraction, --skip-bad-images, --flip and --crop-padding "
                                      + "apply to an image folder (--dataset DIR holding class folders), not \(dataset)")
            }
            return
        }
        guard !model.runTask.readsTables else { throw ValidationError("wide-deep trains on a CSV table, not an image folder") }
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }
}
