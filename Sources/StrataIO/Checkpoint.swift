import Foundation
import Strata

/// A training checkpoint: named sections of tensors (`model`, `optimizer`, ...) and string
/// metadata (epoch, step, random generator seed and position, ...), stored as one safetensors
/// file.
///
/// Each tensor is saved under `<section>/<name>` ("model/0.weight",
/// "optimizer/state.0.weight.exp_avg"); the metadata holds the caller's pairs plus
/// `checkpoint.format` and `checkpoint.sections` (the section names, comma-separated, so an
/// empty section survives). StrataIO knows nothing of models or optimizers: pass it
/// `model.stateDictionary()` and `optimizer.exportState()`, and hand the sections back to
/// `loadStateDictionary` and `importState(_:for:)`.
///
///     var checkpoint = Checkpoint(metadata: ["epoch": "3", "rng.seed": "\(generator.seed)"])
///     checkpoint["model"] = model.stateDictionary()
///     checkpoint["optimizer"] = optimizer.exportState()
///     try checkpoint.write(to: url)
///     let restored = try Checkpoint.read(contentsOf: url)
///     try model.loadStateDictionary(restored.section("model"))
///
/// Exact resumption also needs the data order to be reproducible: see the resume test in
/// Tests/StrataIOTests/CheckpointResumeTests.swift, which draws each epoch's shuffle from
/// counters of the seed's stream fixed by the epoch number.
public struct Checkpoint: Sendable {
    /// The version written in `checkpoint.format`.
    public static let format = "strata-checkpoint-1"
    /// Metadata keys starting with this prefix belong to the format, not the caller.
    public static let reservedPrefix = "checkpoint."
    static let formatKey = "checkpoint.format"
    static let sectionsKey = "checkpoint.sections"

    /// The tensors of each section, keyed by section name, then by name within the section.
    public var sections: [String: [String: Tensor]]
    /// The caller's metadata (without the reserved `checkpoint.` keys).
    public var metadata: [String: String]

    public init(sections: [String: [String: Tensor]] = [:], metadata: [String: String] = [:]) {
        self.sections = [:]
        self.metadata = [:]
        for (name, tensors) in sections { self[name] = tensors }
        for (key, value) in metadata { setMetadata(value, for: key) }
    }

    /// The tensors of section `name`, nil when absent. A section name is non-empty, holds only
    /// letters, digits, `_`, `-` and `.` (the keys' `/` and the list's `,` are separators).
    public subscript(name: String) -> [String: Tensor]? {
        get { sections[name] }
        set {
            precondition(Self.isValidSectionName(name),
                         "Checkpoint: section name '\(name)' must be non-empty letters, digits, '_', '-' or '.'")
            sections[name] = newValue
        }
    }

    /// Sets a metadata value; `key` must not start with the reserved `checkpoint.` prefix.
    public mutating func setMetadata(_ value: String, for key: String) {
        precondition(!key.hasPrefix(Self.reservedPrefix), "Checkpoint: metadata key '\(key)' uses the reserved prefix 'checkpoint.'")
        metadata[key] = value
    }

    /// The tensors of section `name`; throws `missingSection` when the file had none.
    public func section(_ name: String) throws(CheckpointError) -> [String: Tensor] {
        guard let tensors = sections[name] else { throw .missingSection(name) }
        return tensors
    }

    /// The metadata value for `key` parsed as `T` (`Int`, `UInt64`, `Double`, `String`, ...);
    /// throws when it is absent or does not parse.
    public func metadata<T: LosslessStringConvertible>(_ key: String, as type: T.Type = T.self) throws(CheckpointError) -> T {
        guard let text = metadata[key] else { throw .missingMetadata(key) }
        guard let value = T(text) else { throw .invalidMetadata(key: key, value: text, expected: "\(T.self)") }
        return value
    }

    /// Writes the checkpoint to `url` atomically: the bytes go to a temporary file in the same
    /// directory, which is then renamed over `url`, so a crash mid-write leaves the previous
    /// checkpoint intact and a reader never sees half a file.
    public func write(to url: URL) throws {
        try encoded().write(to: url, options: .atomic)
    }

    /// The checkpoint as safetensors bytes (see `write`).
    public func encoded() throws -> Data {
        var tensors: [String: Tensor] = [:]
        for (name, section) in sections {
            for (key, tensor) in section { tensors["\(name)/\(key)"] = tensor }
        }
        var header = metadata
        header[Self.formatKey] = Self.format
        header[Self.sectionsKey] = sections.keys.sorted().joined(separator: ",")
        return try Safetensors.encode(tensors, metadata: header)
    }

    /// The checkpoint in the file at `url`; throws `CheckpointError` when the file cannot be
    /// read, is not a valid safetensors file, or is not a well-formed checkpoint.
    public static func read(contentsOf url: URL) throws(CheckpointError) -> Checkpoint {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        return try decode(data)
    }

    /// The checkpoint held by safetensors bytes (see `read`).
    public static func decode(_ data: Data) throws(CheckpointError) -> Checkpoint {
        let file: (tensors: [String: Tensor], metadata: [String: String])
        do {
            file = try Safetensors.parse(data)
        } catch {
            throw .malformedFile(error)
        }
        guard let format = file.metadata[formatKey] else { throw .notACheckpoint }
        guard format == Self.format else { throw .unsupportedFormat(format) }
        let listed = file.metadata[sectionsKey].map { $0.split(separator: ",").map(String.init) } ?? []
        var checkpoint = Checkpoint()
        for name in listed {
            guard isValidSectionName(name) else { throw .unexpectedKey(name) }
            checkpoint.sections[name] = [:]
        }
        for (key, tensor) in file.tensors {
            guard let slash = key.firstIndex(of: "/"), checkpoint.sections[String(key[..<slash])] != nil else {
                throw .unexpectedKey(key)
            }
            checkpoint.sections[String(key[..<slash]), default: [:]][String(key[key.index(after: slash)...])] = tensor
        }
        checkpoint.metadata = file.metadata.filter { !$0.key.hasPrefix(reservedPrefix) }
        return checkpoint
    }

    static func isValidSectionName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)
        }
    }
}
