import Foundation

/// BERT's WordPiece tokenizer (Devlin et al., 2019) as Hugging Face's `BertTokenizer` and
/// `BertTokenizerFast` apply it for uncased models:
///
/// 1. cleanup: NUL, U+FFFD and control characters (other than tab, newline, return) removed,
///    every whitespace character a space;
/// 2. CJK ideographs surrounded by spaces;
/// 3. lower-casing and accent stripping (NFD, then combining marks, category Mn, dropped);
/// 4. split on whitespace and around each punctuation character (ASCII symbols and Unicode P*);
/// 5. WordPiece: greedy longest-match-first against the vocabulary, continuations prefixed
///    `##`; a word longer than 100 scalars, or one that cannot be covered, is `[UNK]`.
///
/// `encode` adds `[CLS]` and `[SEP]` and truncates to `maximumLength` tokens.
public struct BertTokenizer: Sendable {
    /// Token to id, from `vocab.txt` (one token a line, the line number its id).
    public let vocabulary: [String: Int]
    public let lowercases: Bool
    public let unknownID, classID, separatorID, paddingID: Int
    /// Longer words become `[UNK]` without being split (Hugging Face's `max_input_chars_per_word`).
    public var maximumWordLength = 100

    /// A tokenizer over `vocab.txt`'s contents. Throws `BertTokenizerError.missingToken` when a
    /// special token is absent.
    public init(vocabularyText: String, lowercases: Bool = true) throws(BertTokenizerError) {
        var vocabulary: [String: Int] = [:]
        for (index, line) in vocabularyText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if !token.isEmpty, vocabulary[token] == nil { vocabulary[token] = index }
        }
        func id(_ token: String) throws(BertTokenizerError) -> Int {
            guard let id = vocabulary[token] else { throw .missingToken(token) }
            return id
        }
        self.vocabulary = vocabulary
        self.lowercases = lowercases
        unknownID = try id("[UNK]")
        classID = try id("[CLS]")
        separatorID = try id("[SEP]")
        paddingID = try id("[PAD]")
    }

    /// Reads `vocab.txt`.
    public init(vocabularyFile url: URL, lowercases: Bool = true) throws {
        try self.init(vocabularyText: String(contentsOf: url, encoding: .utf8), lowercases: lowercases)
    }

    /// `[CLS] tokens [SEP]`, the tokens cut so that the whole is at most `maximumLength` ids.
    public func encode(_ text: String, maximumLength: Int = 256) -> [Int] {
        precondition(maximumLength >= 2, "BertTokenizer: maximumLength \(maximumLength) leaves no room for [CLS] and [SEP]")
        let ids = tokenize(text).map { vocabulary[$0] ?? unknownID }
        return [classID] + ids.prefix(maximumLength - 2) + [separatorID]
    }

    /// The WordPiece tokens of `text`, without special tokens.
    public func tokenize(_ text: String) -> [String] {
        basicTokens(text).flatMap(wordPieces)
    }

    /// Steps 1 to 4: cleaned, lower-cased, accent-stripped words and punctuation marks.
    public func basicTokens(_ text: String) -> [String] {
        var spaced = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                spaced.append(" ")
            } else if Self.isCJK(scalar) {
                spaced.append(contentsOf: [" ", scalar, " "])
            } else {
                spaced.append(scalar)
            }
        }
        var tokens: [String] = []
        for word in String(spaced).split(separator: " ") {
            var normalized = String(word)
            if lowercases {
                normalized = normalized.lowercased().decomposedStringWithCanonicalMapping
                normalized = String(String.UnicodeScalarView(normalized.unicodeScalars.filter {
                    $0.properties.generalCategory != .nonspacingMark
                }))
            }
            var current = String.UnicodeScalarView()
            for scalar in normalized.unicodeScalars {
                if Self.isPunctuation(scalar) {
                    if !current.isEmpty { tokens.append(String(current)) }
                    current = String.UnicodeScalarView()
                    tokens.append(String(scalar))
                } else {
                    current.append(scalar)
                }
            }
            if !current.isEmpty { tokens.append(String(current)) }
        }
        return tokens
    }

    /// Step 5 for one word: greedy longest match, or `[UNK]`.
    public func wordPieces(_ word: String) -> [String] {
        let scalars = Array(word.unicodeScalars)
        guard scalars.count <= maximumWordLength else { return ["[UNK]"] }
        var pieces: [String] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: String?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if vocabulary[piece] != nil {
                    found = piece
                    break
                }
                end -= 1
            }
            guard let found else { return ["[UNK]"] }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        [" ", "\t", "\n", "\r"].contains(scalar) || scalar.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if ["\t", "\n", "\r"].contains(scalar) { return false }
        let category = scalar.properties.generalCategory
        return category == .control || category == .format
    }

    /// ASCII non-letters-or-digits count as punctuation (`$`, `^`, `` ` ``), as BERT's code says.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT's tokenizer spaces out (not Hiragana, Katakana or Hangul).
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        let ranges: [ClosedRange<UInt32>] = [0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
                                             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F]
        return ranges.contains { $0.contains(scalar.value) }
    }
}

/// Why a BERT vocabulary could not be used.
public enum BertTokenizerError: Error, Equatable, CustomStringConvertible {
    /// The vocabulary lacks a special token (`[UNK]`, `[CLS]`, `[SEP]` or `[PAD]`).
    case missingToken(String)

    public var description: String {
        switch self {
        case .missingToken(let token): "the vocabulary has no \(token) token"
        }
    }
}
