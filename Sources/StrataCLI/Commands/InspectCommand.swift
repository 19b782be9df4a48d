import ArgumentParser
import Foundation
import Strata
import StrataIO

/// `strata inspect FILE`: the tensors (name, dtype, shape) and metadata of a safetensors file.
public struct InspectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "List the tensors and metadata of a safetensors file, or the graph of an ONNX model.")

    @Argument(help: "A .safetensors file (weights or a checkpoint) or a .onnx model.")
    var file: String

    public init() {}

    public func run() throws {
        print(try report())
    }

    /// The listing: one line per tensor sorted by name, its element count, then the metadata.
    /// - Throws: `CLIError.unreadableFile` when the file is missing or not valid safetensors.
    public func report() throws(CLIError) -> String {
        if ONNXClassifier.isONNX(file) { return try ONNXClassifier.report(file) }
        let contents = try WeightsFile.read(file)
        let names = contents.tensors.keys.sorted()
        let nameWidth = max(4, names.map(\.count).max() ?? 0)
        var lines = ["name".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  dtype    shape"]
        var total = 0
        for name in names {
            let tensor = contents.tensors[name]!
            total += tensor.scalarCount
            lines.append(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                         + tensor.dtype.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0) + "  \(tensor.shape)")
        }
        lines.append("\(names.count) tensors, \(total) elements")
        if !contents.metadata.isEmpty {
            lines.append("metadata:")
            for key in contents.metadata.keys.sorted() { lines.append("  \(key): \(contents.metadata[key]!)") }
        }
        return lines.joined(separator: "\n")
    }
}
