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

    public enum Split: String, Sendable { case train, test }

    /// Why the dataset could not be loaded.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Images `[count, 1, 28, 28]` (int32 pixels 0...255) and labels `[count]` (int64), from
    /// `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]` in `directory`.
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
        let images = try IDXFile.read(contentsOf: locate("\(prefix)-images-idx3-ubyte"))
        let labels = try IDXFile.read(contentsOf: locate("\(prefix)-labels-idx1-ubyte"))
        guard images.rank == 3, labels.rank == 1, images.shape[0] == labels.shape[0] else {
            throw LoadError(description: "Fashion-MNIST: images \(images.shape) and labels \(labels.shape) do not match")
        }
        return TensorDataset(inputs: images.reshaped(to: [images.shape[0], 1, images.shape[1], images.shape[2]]),
                             labels: labels.cast(to: .int64))
    }
}
