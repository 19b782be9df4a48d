import Foundation
import Strata
import StrataData

/// An image folder's splits prepared for a model (`strata train --dataset DIR`): decoded,
/// resized and center-cropped, normalized by the training split's channel statistics.
struct ImageFolderData {
    var training: TensorDataset
    var test: TensorDataset
    /// The channels, size, classes and normalization, saved with the weights.
    var input: ImageInput
    /// Files left out by `--skip-bad-images`, training and test together.
    var skipped: [ImageError]

    /// A line for the run's output: the image geometry, classes and skipped files.
    var summary: String {
        let channels = input.channels == 1 ? "gray" : "RGB"
        var line = "\(input.classNames.count) classes, \(channels) \(input.imageSize)x\(input.imageSize)"
        if !skipped.isEmpty { line += ", \(skipped.count) bad image file\(skipped.count == 1 ? "" : "s") skipped" }
        return line + "\n"
    }

    /// Reads the folder at `path` as `settings` say; `limit` keeps a seeded choice of that many
    /// files of each split (before decoding).
    /// - Throws: `CLIError.imageData` for a bad layout or (without `skipBadImages`) a bad image.
    static func load(_ path: String, settings: ImageFolderSettings, seed: UInt64, limit: Int?) throws(CLIError)
        -> ImageFolderData {
        do {
            let folder = try ImageFolder(directory: URL(fileURLWithPath: path), testFraction: settings.testFraction, seed: seed)
            let training = try ImageFolder.prepare(choose(limit, of: folder.training, seed: seed), size: settings.imageSize,
                                                   channels: settings.channels, skipBadImages: settings.skipBadImages)
            let (mean, deviation) = training.channelStatistics()
            let input = ImageInput(channels: training.channels, imageSize: settings.imageSize, classNames: folder.classNames,
                                   mean: mean, standardDeviation: deviation,
                                   testFraction: folder.hasSplitFolders ? nil : settings.testFraction,
                                   splitSeed: folder.hasSplitFolders ? nil : seed)
            let test = try ImageFolder.prepare(choose(limit, of: folder.test, seed: seed), size: settings.imageSize,
                                               channels: training.channels, skipBadImages: settings.skipBadImages)
            return ImageFolderData(training: training.dataset(mean: mean, standardDeviation: deviation),
                                   test: test.dataset(mean: mean, standardDeviation: deviation),
                                   input: input, skipped: training.skipped + test.skipped)
        } catch {
            throw .imageData(error.description)
        }
    }

    /// The test split of the folder at `path` prepared for a model trained with `input`: the
    /// same split of one folder (by the saved fraction and seed), or `test/`, whose class folders
    /// are matched to the model's classes by name.
    /// - Throws: `CLIError.imageData` for a bad layout, a class the model does not know, or a bad image.
    static func loadTest(_ path: String, input: ImageInput, limit: Int?,
                         skipBadImages: Bool) throws(CLIError) -> (test: TensorDataset, skipped: [ImageError]) {
        do {
            let folder = try ImageFolder(directory: URL(fileURLWithPath: path), testFraction: input.testFraction ?? 0.2,
                                         seed: input.splitSeed ?? 0)
            var samples: [ImageFolder.Sample] = []
            for sample in folder.test {
                let name = folder.classNames[sample.label]
                guard let label = input.classNames.firstIndex(of: name) else {
                    throw CLIError.imageData("the class \(name) of \(path) is not one of the model's classes "
                                             + input.classNames.joined(separator: ", "))
                }
                samples.append(ImageFolder.Sample(url: sample.url, label: label))
            }
            let test = try ImageFolder.prepare(choose(limit, of: samples, seed: input.splitSeed ?? 0), size: input.imageSize,
                                               channels: input.channels, skipBadImages: skipBadImages)
            return (test.dataset(mean: input.mean, standardDeviation: input.standardDeviation), test.skipped)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .imageData(String(describing: error))
        }
    }

    /// A seeded choice of `limit` samples, kept in folder order; all of them without a limit.
    private static func choose(_ limit: Int?, of samples: [ImageFolder.Sample], seed: UInt64) -> [ImageFolder.Sample] {
        guard let limit, limit < samples.count else { return samples }
        let chosen = permutation(samples.count, generator: RandomGenerator(seed: seed)).prefix(limit).sorted()
        return chosen.map { samples[$0] }
    }
}
