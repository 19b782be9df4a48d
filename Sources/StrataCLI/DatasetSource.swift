import Foundation
import Strata
import StrataData

/// Where images come from: `fashion-mnist` (Debian's `dataset-fashion-mnist` install) or a
/// directory holding the four Fashion-MNIST IDX files (plain or gzip).
public struct DatasetSource: Codable, Sendable, Equatable {
    /// The argument as given: `fashion-mnist` or a path.
    public var argument: String

    public init(_ argument: String) { self.argument = argument }

    public var directory: URL {
        argument == "fashion-mnist" ? FashionMNIST.defaultDirectory : URL(fileURLWithPath: argument)
    }

    /// The split with pixels scaled to [0, 1] (as the shared benchmarks), cut to its first
    /// `limit` images when given.
    /// - Throws: `CLIError.datasetNotFound` when a file is missing, `.unreadableFile` when one is corrupt.
    public func load(_ split: FashionMNIST.Split, limit: Int? = nil) throws(CLIError) -> TensorDataset {
        let dataset: TensorDataset
        do {
            dataset = try FashionMNIST.load(split, directory: directory).normalized(scale: 255)
        } catch let error as FashionMNIST.LoadError {
            throw .datasetNotFound(error.description)
        } catch {
            throw .unreadableFile(path: directory.path, reason: FileProblem(error).description)
        }
        guard let limit, limit < dataset.count else { return dataset }
        return TensorDataset(inputs: dataset.inputs[0..<limit], labels: dataset.labels[0..<limit])
    }
}
