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
