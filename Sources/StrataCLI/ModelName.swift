import ArgumentParser
import Strata
import StrataNN

/// The models `strata` can build: five image models (for 28x28 single-channel images in 10
/// classes by default; an image folder sets the channels, size and classes), and the tabular
/// `wide-deep`, whose sizes come from the CSV it is trained on (see `TabularRunTask`).
public enum ModelName: String, CaseIterable, Codable, Sendable, ExpressibleByArgument {
    /// Flatten, 784 -> 256 + ReLU, 256 -> 10.
    case mlp
    /// `LeNet()`.
    case lenet
    /// `ResNet.small()`.
    case resnet
    /// `SmallGoogLeNet()`.
    case inception
    /// `ResNet.resnet18()`, torchvision's ResNet-18 (ImageNet stem), for RGB images of 32 pixels
    /// or more.
    case resnet18
    /// `WideDeep` over a CSV table, built by `TabularRunTask`.
    case wideDeep = "wide-deep"

    /// The models of 28x28 images, which `makeModel` builds.
    public static let imageModels: [ModelName] = [.mlp, .lenet, .resnet, .inception, .resnet18]

    /// A freshly initialized image model with `classes` outputs (default 10) for
    /// `[batch, channels, imageSize, imageSize]` inputs (default 1 x 28 x 28) whose weights are
    /// drawn from `seed`; its head (`headPattern`) is the final linear layer.
    /// - Throws: `CLIError.unsupported` for `wide-deep`, which needs its table.
    public func makeModel(seed: UInt64, classes: Int = 10, channels: Int = 1, imageSize: Int = 28) throws(CLIError)
        -> any HeadReplaceable {
        let generator = RandomGenerator(seed: seed)
        switch self {
        case .mlp:
            return Sequential {
                Flatten()
                Linear(inputSize: channels * imageSize * imageSize, outputSize: 256, generator: generator)
                ReLU()
                Linear(inputSize: 256, outputSize: classes, generator: generator)
            }
        case .lenet: return LeNet(inChannels: channels, classes: classes, imageSize: imageSize, generator: generator)
        case .resnet: return ResNet.small(inChannels: channels, classes: classes, generator: generator)
        case .inception: return SmallGoogLeNet(inChannels: channels, classes: classes, generator: generator)
        case .resnet18: return ResNet.resnet18(inChannels: channels, classes: classes, generator: generator)
        case .wideDeep:
            throw .unsupported("wide-deep is a tabular model: train it with --dataset FILE.csv --target COLUMN; "
                               + "evaluate and predict read its table from the CSV and its encoder from the weights")
        }
    }

    /// The shape of one input batch of `batch` images.
    public static func inputShape(batch: Int) -> [Int] { [batch, 1, 28, 28] }
}
