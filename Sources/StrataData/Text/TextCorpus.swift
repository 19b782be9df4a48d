import Foundation

/// Why a text corpus could not be read, or a text not encoded: the message names the path or
/// the character.
public struct TextCorpusError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(description: String) { self.description = description }
}

/// Plain text read from files, for language models.
public enum TextCorpus {
    /// The text of one file, or of every plain file in a directory (skipping `*.dat` indexes and
    /// `*.u8` duplicates, as in the fortunes package), joined with newlines. With
    /// `fortuneSeparators`, lines holding only `%` (between fortunes) are dropped. Hidden files
    /// and subdirectories are skipped; invalid UTF-8 becomes U+FFFD replacement characters.
    /// - Throws: `TextCorpusError` when the path does not exist, cannot be read, or is a
    ///   directory without text files.
    public static func read(from url: URL, fortuneSeparators: Bool = false) throws(TextCorpusError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TextCorpusError(description: "\(url.path) does not exist")
        }
        var files = [url]
        if isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
            } catch {
                throw TextCorpusError(description: "cannot list \(url.path): \(error.localizedDescription)")
            }
            files = names.filter { !$0.hasSuffix(".dat") && !$0.hasSuffix(".u8") && !$0.hasPrefix(".") }
                .map { url.appendingPathComponent($0) }
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false }
        }
        var parts: [String] = []
        for file in files {
            let data: Data
            do {
                data = try Data(contentsOf: file)
            } catch {
                throw TextCorpusError(description: "cannot read \(file.path): \(error.localizedDescription)")
            }
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
