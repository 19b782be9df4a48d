import Foundation
import StrataData
import Testing

/// A fresh directory holding `files` (name -> bytes), removed after `body`.
private func withFiles<Result>(_ files: [String: Data], _ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-text-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
    return try body(directory)
}

@Test func aFileIsReadAsItsText() throws {
    try withFiles(["one.txt": Data("héllo\nworld\n".utf8)]) { directory in
        let text = try TextCorpus.read(from: directory.appendingPathComponent("one.txt"))
        #expect(text == "héllo\nworld\n")
    }
}

@Test func aDirectoryJoinsItsPlainFilesInNameOrderSkippingIndexes() throws {
    // As in Debian's fortunes package: `art` and `art.dat` (strfile's index), `art.u8` (a UTF-8
    // duplicate); hidden files and subdirectories are skipped too.
    let files = ["b": Data("second".utf8), "a": Data("first".utf8), "a.dat": Data([0, 1, 2]),
                 "a.u8": Data("duplicate".utf8), ".hidden": Data("hidden".utf8)]
    try withFiles(files) { directory in
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: false)
        let text = try TextCorpus.read(from: directory)
        #expect(text == "first\nsecond")
    }
}

@Test func fortuneSeparatorsAreDropped() throws {
    let fortunes = "A penny saved.\n%\nIs a penny.\n%\n"
    try withFiles(["f": Data(fortunes.utf8)]) { directory in
        let file = directory.appendingPathComponent("f")
        let separated = try TextCorpus.read(from: file, fortuneSeparators: true)
        #expect(separated == "A penny saved.\nIs a penny.\n")
        let plain = try TextCorpus.read(from: file)
        #expect(plain == fortunes)
    }
}

@Test func invalidUTF8BecomesReplacementCharacters() throws {
    try withFiles(["bad": Data([0x61, 0xFF, 0x62])]) { directory in
        let text = try TextCorpus.read(from: directory.appendingPathComponent("bad"))
        #expect(text == "a\u{FFFD}b")
    }
}

@Test func missingPathsAndEmptyDirectoriesThrow() throws {
    try withFiles([:]) { directory in
        #expect(throws: TextCorpusError.self) { try TextCorpus.read(from: directory.appendingPathComponent("absent")) }
        #expect(throws: TextCorpusError.self) { try TextCorpus.read(from: directory) }
        // Only index files: nothing to read either.
        try Data([0]).write(to: directory.appendingPathComponent("x.dat"))
        #expect(throws: TextCorpusError.self) { try TextCorpus.read(from: directory) }
    }
}
