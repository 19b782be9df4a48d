import Strata
import StrataData
import Testing

@Test func vocabularyReservesMissingAndUnknownBuckets() {
    let vocabulary = CategoricalVocabulary(["red", nil, "blue", "red", "green"])
    // Categories sorted from index 2: blue 2, green 3, red 4.
    #expect(vocabulary.categories == ["blue", "green", "red"])
    #expect(vocabulary.count == 5)
    #expect(vocabulary.index(of: nil) == CategoricalVocabulary.missingIndex)
    #expect(vocabulary.index(of: "purple") == CategoricalVocabulary.unknownIndex)
    #expect(vocabulary.index(of: "blue") == 2 && vocabulary.index(of: "red") == 4)
    #expect(vocabulary.category(at: 0) == nil && vocabulary.category(at: 1) == nil)
    #expect(vocabulary.category(at: 3) == "green")
    // Rare labels go to the unknown bucket.
    let frequent = CategoricalVocabulary(["a", "a", "b"], minimumCount: 2)
    #expect(frequent.categories == ["a"] && frequent.index(of: "b") == CategoricalVocabulary.unknownIndex)
    // Row order does not change the encoding.
    #expect(CategoricalVocabulary(["green", "red", "blue"]) == CategoricalVocabulary(["blue", "green", "red"]))
}

@Test func categoricalColumnsEncodeValidationRowsWithTheTrainingVocabulary() throws {
    let table = try CSVTable(text: "city\nOslo\nRome\n?\nOslo\nParis\nNA\n")
    let training = table.selecting(rows: [0, 1, 2, 3])
    let validation = table.selecting(rows: [4, 5])
    let vocabulary = try training.vocabulary(for: "city")
    #expect(vocabulary.categories == ["Oslo", "Rome"])
    let encoded = try training.categoricalColumn("city", vocabulary: vocabulary)
    #expect(encoded.dtype == .int64 && encoded.shape == [4])
    #expect(encoded.scalars(as: Int64.self) == [2, 3, 0, 2])
    // Paris was not in training: unknown (1); NA is missing (0).
    #expect(try validation.categoricalColumn("city", vocabulary: vocabulary).scalars(as: Int64.self) == [1, 0])
    #expect(throws: CSVError.unknownColumn("town", available: ["city"])) {
        try table.categoricalColumn("town", vocabulary: vocabulary)
    }
}
