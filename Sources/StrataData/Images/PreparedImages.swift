import Foundation
import Strata

/// The images of one split decoded, resized and center-cropped to `size` x `size`, in one
/// channel count, with their labels: what `ImageFolder.prepare` returns and a `TensorDataset`
/// is made from.
public struct PreparedImages: Sendable {
    /// The side of every image.
    public let size: Int
    /// 1 (gray) or 3 (RGB).
    public let channels: Int
    /// `count` images of `[size, size, channels]` bytes, one after another.
    public let pixels: [UInt8]
    public let labels: [Int]
    /// The files that could not be used and were left out (with `skipBadImages`), in file order.
    public let skipped: [ImageError]

    /// The number of images.
    public var count: Int { labels.count }

    /// The mean and standard deviation of each channel over every pixel of every image, values
    /// scaled to [0, 1] (torchvision's `Normalize` statistics); a constant channel gets a
    /// standard deviation of 1, so normalizing only centers it.
    public func channelStatistics() -> (mean: [Double], standardDeviation: [Double]) {
        var sums = [Double](repeating: 0, count: channels), squares = [Double](repeating: 0, count: channels)
        // Integer sums per channel are exact; 2^63 / 255^2 pixels is far past any folder.
        var integerSums = [Int](repeating: 0, count: channels), integerSquares = [Int](repeating: 0, count: channels)
        for (index, value) in pixels.enumerated() {
            let channel = index % channels
            integerSums[channel] += Int(value)
            integerSquares[channel] += Int(value) * Int(value)
        }
        let valuesPerChannel = Double(pixels.count / max(channels, 1))
        for channel in 0..<channels {
            sums[channel] = Double(integerSums[channel]) / 255
            squares[channel] = Double(integerSquares[channel]) / (255 * 255)
        }
        let mean = sums.map { $0 / valuesPerChannel }
        let deviation = (0..<channels).map { channel in
            let variance = max(squares[channel] / valuesPerChannel - mean[channel] * mean[channel], 0)
            return variance > 1e-12 ? variance.squareRoot() : 1
        }
        return (mean, deviation)
    }

    /// The images as float32 `[count, channels, size, size]`, `(pixel / 255 - mean[c]) /
    /// standardDeviation[c]`, and their labels as int64 `[count]`.
    public func dataset(mean: [Double], standardDeviation: [Double]) -> TensorDataset {
        precondition(mean.count == channels && standardDeviation.count == channels,
                     "PreparedImages.dataset: \(channels) channels but \(mean.count) means, \(standardDeviation.count) deviations")
        let plane = size * size
        let scale = standardDeviation.map { 1 / (255 * $0) }
        let shift = zip(mean, standardDeviation).map { $0 / $1 }
        var values = [Float](repeating: 0, count: pixels.count)
        for image in 0..<count {
            let base = image * plane * channels
            for position in 0..<plane {
                for channel in 0..<channels {
                    let value = Double(pixels[base + position * channels + channel]) * scale[channel] - shift[channel]
                    values[base + channel * plane + position] = Float(value)
                }
            }
        }
        return TensorDataset(inputs: Tensor(values, shape: [count, channels, size, size]),
                             labels: Tensor(labels.map(Int64.init), shape: [count]))
    }

    init(size: Int, channels: Int, pixels: [UInt8], labels: [Int], skipped: [ImageError]) {
        self.size = size
        self.channels = channels
        self.pixels = pixels
        self.labels = labels
        self.skipped = skipped
    }
}

extension ImageFolder {
    /// Decodes `samples` (on Strata's thread pool), resizes each so its shorter side is `size`
    /// and keeps the centered square (`Image.resizedAndCenterCropped`), and converts all to
    /// `channels` (nil: 3 when any image is in color, else 1).
    /// - Throws: `ImageFolderError.badImage` for the first file (in order) that cannot be
    ///   decoded, unless `skipBadImages`, which leaves such files out and lists them in
    ///   `skipped`; `.noUsableImages` when none is left.
    public static func prepare(_ samples: [Sample], size: Int, channels: Int?,
                               skipBadImages: Bool = false) throws(ImageFolderError) -> PreparedImages {
        precondition(size > 0, "ImageFolder.prepare: size must be positive, got \(size)")
        precondition(channels == nil || channels == 1 || channels == 3, "ImageFolder.prepare: 1 or 3 channels, got \(channels!)")
        var results = [Result<Image, ImageError>?](repeating: nil, count: samples.count)
        results.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots
            parallelChunks(of: samples.count, minimumChunk: 8) { range in
                for index in range {
                    slots[index] = Result { () throws(ImageError) in
                        try Image(contentsOf: samples[index].url).resizedAndCenterCropped(to: size)
                    }
                }
            }
        }
        var images: [Image] = [], labels: [Int] = [], skipped: [ImageError] = []
        for (sample, result) in zip(samples, results) {
            switch result! {
            case .success(let image):
                images.append(image)
                labels.append(sample.label)
            case .failure(let error):
                guard skipBadImages else { throw .badImage(error) }
                skipped.append(error)
            }
        }
        guard !images.isEmpty else {
            throw .noUsableImages(path: samples.first?.url.deletingLastPathComponent().path ?? "", skipped: skipped.count)
        }
        let target = channels ?? (images.contains { $0.channels == 3 } ? 3 : 1)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(images.count * size * size * target)
        for image in images { pixels += image.converted(toChannels: target).pixels }
        return PreparedImages(size: size, channels: target, pixels: pixels, labels: labels, skipped: skipped)
    }
}
