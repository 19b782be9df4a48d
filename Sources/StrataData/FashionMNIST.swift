import Foundation
import Strata

/// Fashion-MNIST (Xiao et al., 2017): 60,000 training and 10,000 test images of 28x28 clothing
/// items in 10 classes, in the IDX format.
public enum FashionMNIST {
    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The class names, by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Pixel statistics of the training set after dividing by 255.
    public static let mean = 0.2860, standardDeviation = 0.3530

    /// What every split must hold for the models of 28x28 images: at least one image, each
    /// 28x28 with pixels in 0...255, and one label in 0...9 per image.
    public static let requirements = ImageDataRequirements(imageShape: [28, 28], classCount: classNames.count)

    public enum Split: String, Sendable { case train, test }

    /// Why the dataset could not be loaded.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// An IDX file of the dataset whose contents break `requirements`.
    public struct InvalidFile: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let problem: ImageDataError

        public init(path: String, problem: ImageDataError) {
            self.path = path
            self.problem = problem
        }

        public var description: String { "Fashion-MNIST: \(path): \(problem)" }
    }

    /// Images `[count, 1, 28, 28]` (int32 pixels 0...255) and labels `[count]` (int64), from
    /// `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` in `directory`.
    /// - Throws: `LoadError` when a file is missing, `IDXError` when one is unreadable or
    ///   malformed, `InvalidFile` when its contents break `requirements`.
    public static func load(_ split: Split, directory: URL = defaultDirectory) throws -> TensorDataset {
        let prefix = split == .train ? "train" : "t10k"
        func locate(_ name: String) throws -> URL {
            for candidate in [name + ".gz", name] {
                let url = directory.appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
            throw LoadError(description: """
                Fashion-MNIST: \(name)(.gz) is not in \(directory.path). \
                Install it with `apt-get install -y dataset-fashion-mnist` or pass the directory holding the IDX files.
                """)
        }
        let imagesURL = try locate("\(prefix)-images-idx3-ubyte")
        let labelsURL = try locate("\(prefix)-labels-idx1-ubyte")
        let images = try IDXFile.read(contentsOf: imagesURL)
        let labels = try IDXFile.read(contentsOf: labelsURL)
        do {
            return try dataset(images: images, labels: labels)
        } catch {
            // Label problems belong to the labels file, the rest to the images file.
            let labelProblem = switch error {
            case .wrongLabelShape, .labelOutOfRange, .nonIntegerLabel: true
            default: false
            }
            throw InvalidFile(path: (labelProblem ? labelsURL : imagesURL).path, problem: error)
        }
    }

    /// A split from decoded IDX tensors (images `[count, 28, 28]`, labels `[count]`), checked
    /// against `requirements`: images `[count, 1, 28, 28]` (their dtype kept), labels int64.
    /// - Throws: `ImageDataError` naming the first problem.
    public static func dataset(images: Tensor, labels: Tensor) throws(ImageDataError) -> TensorDataset {
        try requirements.validate(images: images, labels: labels)
        return TensorDataset(inputs: images.reshaped(to: [images.shape[0], 1, images.shape[1], images.shape[2]]),
                             labels: labels.cast(to: .int64))
    }
}
