import Foundation
import Strata

/// The distinct characters of a text, numbered in sorted order (so the numbering does not depend
/// on where each character first appears).
public struct CharacterVocabulary: Sendable, Equatable {
    /// The characters, by index.
    public let characters: [Character]
    private let indices: [Character: Int]

    /// The vocabulary of every distinct character in `text`, sorted by Unicode scalar value.
    public init(of text: String) {
        characters = Array(Set(text)).sorted { $0.unicodeScalars.first!.value < $1.unicodeScalars.first!.value }
        indices = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
    }

    public var count: Int { characters.count }

    /// The index of each character of `text` (int64 `[count]`); unknown characters throw.
    public func encode(_ text: String) throws -> Tensor {
        var codes: [Int64] = []
        codes.reserveCapacity(text.count)
        for character in text {
            guard let index = indices[character] else {
                throw TextCorpusError(description: "character \(character.debugDescription) is not in the vocabulary")
            }
            codes.append(Int64(index))
        }
        return Tensor(codes)
    }

    public func decode(_ codes: [Int]) -> String {
        String(codes.map { characters[$0] })
    }
}

/// Why a text corpus could not be read.
public struct TextCorpusError: Error, CustomStringConvertible {
    public let description: String
}

/// Plain text read from files, for character-level language models.
public enum TextCorpus {
    /// The text of one file, or of every plain file in a directory (skipping `*.dat` indexes and
    /// `*.u8` duplicates, as in the fortunes package), joined with newlines. With
    /// `fortuneSeparators`, lines holding only `%` (between fortunes) are dropped.
    public static func read(from url: URL, fortuneSeparators: Bool = false) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TextCorpusError(description: "\(url.path) does not exist")
        }
        var files = [url]
        if isDirectory.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            files = names.filter { !$0.hasSuffix(".dat") && !$0.hasSuffix(".u8") && !$0.hasPrefix(".") }
                .map { url.appendingPathComponent($0) }
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false }
        }
        var parts: [String] = []
        for file in files {
            let data = try Data(contentsOf: file)
            // Invalid UTF-8 becomes replacement characters rather than losing the whole file.
            var text = String(decoding: data, as: UTF8.self)
            if fortuneSeparators {
                text = text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0 != "%" }.joined(separator: "\n")
            }
            parts.append(text)
        }
        guard !parts.isEmpty else { throw TextCorpusError(description: "no text files in \(url.path)") }
        return parts.joined(separator: "\n")
    }
}
