import Foundation
import StrataCLI

/// The models in a model repository directory: one folder per model, named for it, holding
/// numbered version folders (`1`, `2`...), each holding either a `model.safetensors` written by
/// `strata train` (its `model` metadata says which model it is) or a `model.onnx` (an ONNX
/// graph, from `strata export` or another framework's exporter; see `ONNXServedModel`).
///
/// ```
/// models/
///   fashion/1/model.safetensors
///   fashion-onnx/1/model.onnx
///   adult/1/model.safetensors
/// ```
/// A version that cannot be loaded is reported in `failures` and the others are served.
public struct ModelRepository: Sendable {
    /// One loaded model version.
    public struct Entry: Sendable {
        public var name: String
        public var version: String
        public var model: any ServedModel
    }

    /// A model version that could not be loaded, and why.
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var version: String?
        public var reason: String

        public var description: String { "model '\(name)'" + (version.map { " version \($0)" } ?? "") + ": \(reason)" }
    }

    /// The file a version folder holds: a Strata model...
    public static let weightsFileName = "model.safetensors"
    /// ...or an ONNX graph.
    public static let onnxFileName = "model.onnx"

    public private(set) var entries: [Entry] = []
    public private(set) var failures: [Failure] = []

    /// Models given directly (tests, embedding).
    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Loads every model version under `directory`.
    /// - Throws: `CLIError.unreadableFile` when the directory itself cannot be listed; a bad
    ///   model folder is a `Failure`, not an error.
    public init(directory: String) throws(CLIError) {
        let files = FileManager.default
        let names: [String]
        do {
            names = try files.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw .unreadableFile(path: directory, reason: "not a readable model repository directory")
        }
        for name in names {
            let folder = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let versions = ((try? files.contentsOfDirectory(atPath: folder)) ?? []).filter { UInt64($0) != nil }
                .sorted { UInt64($0)! < UInt64($1)! }
            guard !versions.isEmpty else {
                failures.append(Failure(name: name, version: nil, reason: "no numbered version folder (\(name)/1/\(Self.weightsFileName))"))
                continue
            }
            for version in versions {
                do {
                    entries.append(Entry(name: name, version: version,
                                         model: try Self.load(version: (folder as NSString).appendingPathComponent(version))))
                } catch {
                    failures.append(Failure(name: name, version: version, reason: error.description))
                }
            }
        }
    }

    /// The model in a version folder: its `model.safetensors` or its `model.onnx`.
    /// - Throws: `CLIError` when the folder holds neither or both, or the file cannot be loaded.
    public static func load(version folder: String) throws(CLIError) -> any ServedModel {
        let weights = (folder as NSString).appendingPathComponent(weightsFileName)
        let onnx = (folder as NSString).appendingPathComponent(onnxFileName)
        switch (FileManager.default.fileExists(atPath: weights), FileManager.default.fileExists(atPath: onnx)) {
        case (true, false): return try load(weights: weights)
        case (false, true): return try ONNXServedModel(contentsOf: onnx)
        case (true, true):
            throw .unreadableFile(path: folder, reason: "holds both \(weightsFileName) and \(onnxFileName); a version is one model")
        case (false, false): throw .unreadableFile(path: folder, reason: "holds no \(weightsFileName) or \(onnxFileName)")
        }
    }

    /// The model in a weights file, chosen by its `model` metadata.
    /// - Throws: `CLIError` for a missing, corrupt or unknown model.
    public static func load(weights: String) throws(CLIError) -> any ServedModel {
        let metadata = try WeightsFile.read(weights).metadata
        guard let modelName = metadata["model"] else {
            throw .unreadableFile(path: weights, reason: "no 'model' metadata; serve the model.safetensors that `strata train` writes")
        }
        guard let name = ModelName(rawValue: modelName) else {
            throw .unreadableFile(path: weights, reason: "unknown model '\(modelName)' in its metadata")
        }
        return name == .wideDeep ? try WideDeepModel(weights: weights) : try ImageClassifierModel(weights: weights, name: name)
    }

    /// The version of `name` asked for, or its highest version.
    public func entry(_ name: String, version: String? = nil) -> Entry? {
        let versions = entries.filter { $0.name == name }
        if let version { return versions.first { $0.version == version } }
        return versions.last
    }

    /// The versions of `name`, lowest first.
    public func versions(of name: String) -> [String] {
        entries.filter { $0.name == name }.map(\.version)
    }
}
