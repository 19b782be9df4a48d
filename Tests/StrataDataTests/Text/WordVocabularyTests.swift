import Strata
import StrataData
import Testing

@Test func wordVocabularyRanksByFrequencyAndMapsUnknownWords() {
    // "the" x3, "cat" x2, "sat" x1, "on" x1: ranked by count, then alphabetically.
    let vocabulary = WordVocabulary(of: "The cat sat. The cat, on THE mat!", maximumSize: 3)
    #expect(vocabulary.words == ["<pad>", "<unk>", "the", "cat", "mat"])
    // "dog" and "on" fall outside the top three: unknown (1).
    #expect(vocabulary.encode("the dog on the mat").scalars(as: Int64.self) == [2, 1, 1, 2, 4])
    #expect(vocabulary.decode([2, 3, 1]) == "the cat <unk>")
    #expect(WordVocabulary.tokens(of: "Don't stop-now, 42x") == ["don't", "stop", "now", "42x"])
}

@Test func wordVocabularyHonoursMinimumCountsCaseAndEmptyInputs() {
    // Counts in "b a B c b a b": b x3, a x2, B x1 and c x1 when case is kept (lowercased, b x4).
    let text = "b a B c b a b"
    #expect(WordVocabulary(of: text, minimumCount: 2).words == ["<pad>", "<unk>", "b", "a"])
    let cased = WordVocabulary(of: text, lowercase: false)
    // Ties (B and c, once each) rank by the words themselves: "B" < "c" in Unicode order.
    #expect(cased.words == ["<pad>", "<unk>", "b", "a", "B", "c"])
    #expect(cased.encode("B b C").scalars(as: Int64.self) == [4, 2, 1])
    // Lowercased: b x4, a x2, c x1, and the input is lowercased too ("C" is "c").
    #expect(WordVocabulary(of: text).encode("B b C").scalars(as: Int64.self) == [2, 2, 4])

    let empty = WordVocabulary(of: "", maximumSize: 5)
    #expect(empty.words == ["<pad>", "<unk>"] && empty.count == 2)
    #expect(empty.encode("").shape == [0])
    #expect(WordVocabulary(of: text, maximumSize: 0).words == ["<pad>", "<unk>"])
    // Codes outside the vocabulary decode as the unknown marker; padding decodes as itself.
    #expect(cased.decode([0, 2, 99, -1]) == "<pad> b <unk> <unk>")
    #expect(WordVocabulary.paddingIndex == 0 && WordVocabulary.unknownIndex == 1)
}
