import Strata
import StrataData
import Testing

@Test func characterVocabularyNumbersCharactersInScalarOrder() throws {
    let vocabulary = CharacterVocabulary(of: "banana bread\n")
    // Sorted by scalar value: "\n" (10) < " " (32) < "a" < "b" < "d" < "e" < "n" < "r".
    #expect(vocabulary.characters == ["\n", " ", "a", "b", "d", "e", "n", "r"])
    #expect(vocabulary.count == 8)
    let codes = try vocabulary.encode("bread")
    #expect(codes.dtype == .int64 && codes.shape == [5])
    #expect(codes.scalars(as: Int64.self) == [3, 7, 5, 2, 4])
    #expect(vocabulary.decode(codes.scalars(as: Int64.self).map(Int.init)) == "bread")
    let empty = try vocabulary.encode("")
    #expect(empty.shape == [0])
    #expect(CharacterVocabulary(of: "nab") == CharacterVocabulary(of: "banana"))
}

@Test func characterVocabularyOrdersClustersThatShareAFirstScalar() throws {
    // "e\u{301}" (e + combining acute) is one Character whose first scalar is "e": it sorts after
    // "e" by its second scalar, whatever order Set iterates in.
    let text = "fe\u{301}e"
    let vocabulary = CharacterVocabulary(of: text)
    #expect(vocabulary.characters == ["e", "e\u{301}", "f"])
    #expect(vocabulary.decode(try vocabulary.encode(text).scalars(as: Int64.self).map(Int.init)) == text)
}

@Test func unknownCharactersThrowNamingTheCharacter() {
    let vocabulary = CharacterVocabulary(of: "abc")
    #expect(throws: TextCorpusError.self) { try vocabulary.encode("abz") }
    do {
        _ = try vocabulary.encode("abz")
    } catch {
        #expect(error.description.contains("\"z\""))
    }
}
