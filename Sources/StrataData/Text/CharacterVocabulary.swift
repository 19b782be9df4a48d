import Strata

/// The distinct characters of a text, numbered in sorted order (so the numbering does not depend
/// on where each character first appears, nor on hashing).
public struct CharacterVocabulary: Sendable, Equatable {
    /// The characters, by index.
    public let characters: [Character]
    private let indices: [Character: Int]

    /// The vocabulary of every distinct character (extended grapheme cluster) in `text`, sorted
    /// by their Unicode scalar values, lexicographically: "e" < "e\u{301}" (e, combining acute) < "f".
    public init(of text: String) {
        characters = Array(Set(text)).sorted {
            $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) { $0.value < $1.value }
        }
        indices = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
    }

    /// The number of characters.
    public var count: Int { characters.count }

    /// The index of each character of `text`: int64 `[text.count]`.
    /// - Throws: `TextCorpusError` naming the first character that is not in the vocabulary.
    public func encode(_ text: String) throws(TextCorpusError) -> Tensor {
        var codes: [Int64] = []
        codes.reserveCapacity(text.count)
        for character in text {
            guard let index = indices[character] else {
                throw TextCorpusError(description: "character \(character.debugDescription) is not in the vocabulary")
            }
            codes.append(Int64(index))
        }
        return Tensor(codes, shape: [codes.count])
    }

    /// The text of `codes`, each in `0..<count`.
    public func decode(_ codes: [Int]) -> String {
        String(codes.map { code in
            precondition(characters.indices.contains(code), "CharacterVocabulary.decode: code \(code) is not in 0..<\(count)")
            return characters[code]
        })
    }
}
