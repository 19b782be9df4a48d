import ArgumentParser
import Strata
import StrataNN

/// The models `strata` can build, all for 28x28 single-channel images in 10 classes.
public enum ModelName: String, CaseIterable, Codable, Sendable, ExpressibleByArgument {
    /// Flatten, 784 -> 256 + ReLU, 256 -> 10.
    case mlp
    /// `LeNet()`.
    case lenet
    /// `ResNet.small()`.
    case resnet
    /// `SmallGoogLeNet()`.
    case inception

    /// A freshly initialized model with `classes` outputs (default 10) whose weights are drawn
    /// from `seed`; its head (`headPattern`) is the final linear layer.
    public func makeModel(seed: UInt64, classes: Int = 10) -> any HeadReplaceable {
        let generator = RandomGenerator(seed: seed)
        switch self {
        case .mlp:
            return Sequential {
                Flatten()
                Linear(inputSize: 28 * 28, outputSize: 256, generator: generator)
                ReLU()
                Linear(inputSize: 256, outputSize: classes, generator: generator)
            }
        case .lenet: return LeNet(classes: classes, generator: generator)
        case .resnet: return ResNet.small(classes: classes, generator: generator)
        case .inception: return SmallGoogLeNet(classes: classes, generator: generator)
        }
    }

    /// The shape of one input batch of `batch` images.
    public static func inputShape(batch: Int) -> [Int] { [batch, 1, 28, 28] }
}
