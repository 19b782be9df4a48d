import Foundation
import StrataCLI

/// The models in a model repository directory: one folder per model, named for it, holding
/// numbered version folders (`1`, `2`...), each holding a `model.safetensors` written by
/// `strata train` (its `model` metadata says which model it is).
///
/// ```
/// models/
///   fashion/1/model.safetensors
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

    /// The file a version folder holds.
    public static let weightsFileName = "model.safetensors"

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
                let weights = (folder as NSString).appendingPathComponent("\(version)/\(Self.weightsFileName)")
                do {
                    entries.append(Entry(name: name, version: version, model: try Self.load(weights: weights)))
                } catch {
                    failures.append(Failure(name: name, version: version, reason: error.description))
                }
            }
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
