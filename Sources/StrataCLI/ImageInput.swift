import Foundation
import Strata
import StrataData
import StrataIO

/// What an image classifier takes and what its outputs mean, saved as JSON in its weights'
/// metadata (key `image-input`) by a run on an image folder, so that `evaluate` and `predict`
/// prepare images exactly as training did.
public struct ImageInput: Codable, Sendable, Equatable {
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    /// Images are resized and center-cropped to `imageSize` x `imageSize`.
    public var imageSize: Int
    /// The class of each output, in order (the training folder's class names).
    public var classNames: [String]
    /// Per-channel mean and standard deviation of the training images (values in [0, 1]):
    /// inputs are `(pixel / 255 - mean) / standardDeviation`.
    public var mean: [Double]
    public var standardDeviation: [Double]
    /// The share of each class tested and the seed of the split, when training split one folder
    /// (nil for a folder with `train/` and `test/`).
    public var testFraction: Double?
    public var splitSeed: UInt64?

    /// The weights' metadata key.
    public static let metadataKey = "image-input"

    /// Fashion-MNIST's input, for weights without the key: 1 x 28 x 28, pixels scaled to [0, 1]
    /// (as `strata train` on the IDX files), its ten class names.
    public static let fashionMNIST = ImageInput(channels: 1, imageSize: 28, classNames: FashionMNIST.classNames,
                                                mean: [0], standardDeviation: [1])

    /// The input of a model trained on `classNames`; `testFraction` and `splitSeed` only for a
    /// folder split by seed.
    public init(channels: Int, imageSize: Int, classNames: [String], mean: [Double], standardDeviation: [Double],
                testFraction: Double? = nil, splitSeed: UInt64? = nil) {
        self.channels = channels
        self.imageSize = imageSize
        self.classNames = classNames
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.testFraction = testFraction
        self.splitSeed = splitSeed
    }

    /// The JSON stored under `metadataKey`.
    var metadataValue: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding plain numbers, strings and arrays cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// The input saved in the weights at `path`; nil when they carry none (Fashion-MNIST
    /// weights, or a checkpoint, whose metadata is the trainer's).
    /// - Throws: `CLIError.unreadableFile` for an unreadable file or malformed metadata.
    public static func read(fromWeights path: String) throws(CLIError) -> ImageInput? {
        let metadata = try WeightsFile.read(path).metadata
        guard let json = metadata[metadataKey] else { return nil }
        do {
            let input = try JSONDecoder().decode(ImageInput.self, from: Data(json.utf8))
            // Sizes bounded before any model or image buffer is allocated from them.
            guard [1, 3].contains(input.channels), (4...Image.maximumSide).contains(input.imageSize), !input.classNames.isEmpty,
                  input.classNames.count <= TrainingSettings.maximumHeadClasses,
                  input.mean.count == input.channels, input.standardDeviation.count == input.channels,
                  input.mean.allSatisfy(\.isFinite), input.standardDeviation.allSatisfy({ $0 > 0 && $0.isFinite }),
                  input.testFraction.map({ $0 > 0 && $0 < 1 }) ?? true else {
                throw CLIError.unreadableFile(path: path, reason: "inconsistent \(metadataKey) metadata: \(json)")
            }
            return input
        } catch let error as CLIError {
            throw error
        } catch {
            throw .unreadableFile(path: path, reason: "malformed \(metadataKey) metadata: \(error)")
        }
    }

    /// The images in `paths` prepared for the model: decoded, resized and center-cropped,
    /// converted to `channels` and normalized, as float32 `[paths.count, channels, imageSize, imageSize]`.
    /// - Throws: `CLIError.imageData` naming the first file that is not a usable image.
    func tensor(ofImages paths: [String]) throws(CLIError) -> Tensor {
        let samples = paths.map { ImageFolder.Sample(url: URL(fileURLWithPath: $0), label: 0) }
        let prepared: PreparedImages
        do {
            prepared = try ImageFolder.prepare(samples, size: imageSize, channels: channels)
        } catch {
            throw .imageData(error.description)
        }
        return prepared.dataset(mean: mean, standardDeviation: standardDeviation).inputs
    }
}
