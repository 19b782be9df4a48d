import Strata

/// Words of a text, split on whitespace and punctuation, numbered by frequency (ties by word),
/// with index 0 for padding and 1 for words outside the vocabulary.
public struct WordVocabulary: Sendable, Equatable {
    public static let paddingIndex = 0
    public static let unknownIndex = 1

    /// The words by index; the first two are the padding and unknown markers.
    public let words: [String]
    private let indices: [String: Int]

    /// The `maximumSize` most frequent words of `text` (all of them when nil) that occur at
    /// least `minimumCount` times, lowercased when `lowercase`.
    public init(of text: String, maximumSize: Int? = nil, minimumCount: Int = 1, lowercase: Bool = true) {
        var counts: [String: Int] = [:]
        for word in Self.tokens(of: text, lowercase: lowercase) { counts[word, default: 0] += 1 }
        var ranked = counts.filter { $0.value >= minimumCount }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if let maximumSize { ranked = Array(ranked.prefix(max(maximumSize, 0))) }
        words = ["<pad>", "<unk>"] + ranked.map(\.key)
        indices = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
        self.lowercase = lowercase
    }

    private let lowercase: Bool

    public var count: Int { words.count }

    /// Words are runs of letters, digits and apostrophes; every other character separates them.
    public static func tokens(of text: String, lowercase: Bool = true) -> [String] {
        let source = lowercase ? text.lowercased() : text
        return source.split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }

    /// The index of each word of `text` (int64 `[words]`); unknown words map to `unknownIndex`.
    public func encode(_ text: String) -> Tensor {
        Tensor(Self.tokens(of: text, lowercase: lowercase).map { Int64(indices[$0] ?? Self.unknownIndex) })
    }

    public func decode(_ codes: [Int]) -> String {
        codes.map { words.indices.contains($0) ? words[$0] : words[Self.unknownIndex] }.joined(separator: " ")
    }
}
