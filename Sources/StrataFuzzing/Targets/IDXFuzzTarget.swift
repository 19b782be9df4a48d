import Foundation
import Strata
import StrataData

/// The Fashion-MNIST path of `strata train/evaluate/predict`: an images and a labels IDX file,
/// plain or gzip, -> `IDXFile.parse` -> `FashionMNIST.dataset` (the checks of
/// `FashionMNIST.requirements`) -> scaled by 1/255 as `DatasetSource` does. Each case mutates one
/// of the two files and keeps the other valid; the gzip seeds are mutated either as compressed
/// bytes or before compression (so that their contents, not only their framing, vary).
///
/// Independent check of an accepted pair: at least one image, inputs `[N, 1, 28, 28]` of finite
/// values in [0, 1], one label in 0...9 per image.
public struct IDXFuzzTarget: FuzzTarget {
    public let name = "idx"
    public let isText = false
    public let seeds: [[UInt8]]
    /// Per seed: whether it is the labels file, and whether the case gzips the mutated bytes.
    private let roles: [(labels: Bool, compressAfterMutation: Bool)]
    private let images: [UInt8], labels: [UInt8]

    public init() {
        // Three images whose pixels run 0...255 and their labels 0, 7, 9.
        let count = 3
        images = Self.idx(dimensions: [count, 28, 28], bytes: (0..<(count * 784)).map { UInt8(truncatingIfNeeded: $0 * 31) })
        labels = Self.idx(dimensions: [count], bytes: [0, 7, 9])
        let compressed = { (bytes: [UInt8]) in [UInt8](Gzip.compress(Data(bytes))) }
        seeds = [images, labels, compressed(images), compressed(labels), images, labels]
        roles = [(false, false), (true, false), (false, false), (true, false), (false, true), (true, true)]
    }

    /// An unsigned-byte IDX file: magic, rank, big-endian dimensions, data.
    static func idx(dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        var data: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for dimension in dimensions { withUnsafeBytes(of: UInt32(dimension).bigEndian) { data += $0 } }
        return data + bytes
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        let role = roles[seed]
        let file = role.compressAfterMutation ? [UInt8](Gzip.compress(Data(input))) : input
        do {
            let parsedImages = try IDXFile.parse(Data(role.labels ? images : file))
            let parsedLabels = try IDXFile.parse(Data(role.labels ? file : labels))
            let dataset = try FashionMNIST.dataset(images: parsedImages, labels: parsedLabels).normalized(scale: 255)
            return check(dataset)
        } catch {
            return classify(error, typed: [IDXError.self, ImageDataError.self])
        }
    }

    private func check(_ dataset: TensorDataset) -> FuzzOutcome {
        let count = dataset.count
        guard count > 0 else { return .silentAcceptance("no images") }
        guard dataset.inputs.shape == [count, 1, 28, 28] else { return .silentAcceptance("images \(dataset.inputs.shape)") }
        if let value = dataset.inputs.cast(to: .float64).scalars(as: Double.self).first(where: { !($0 >= 0 && $0 <= 1) }) {
            return .silentAcceptance("a scaled pixel is \(value)")
        }
        let labels = dataset.labels.scalars(as: Int64.self)
        guard labels.count == count else { return .silentAcceptance("\(labels.count) labels for \(count) images") }
        if let label = labels.first(where: { !(0...9).contains($0) }) { return .silentAcceptance("label \(label)") }
        return .accepted
    }
}
