import Foundation
import Strata
import StrataData
import Testing

@Test func quotedFieldsHoldDelimitersQuotesAndNewlines() throws {
    // RFC 4180 section 2, rules 5-7: quotes around fields, "" for a quote, line breaks inside.
    let text = "name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\r\nplain,\"two\nlines\"\r\n"
    let table = try CSVTable(text: text)
    #expect(table.columnNames == ["name", "note"])
    #expect(table.rows == [["Smith, J", "said \"hi\""], ["plain", "two\nlines"]])
    #expect(table.columnKinds == [.categorical, .categorical])
}

@Test func lineEndingsBlankLinesAndTheLastLine() throws {
    // LF, CRLF and a lone CR all end a record; blank lines are skipped; no final newline needed.
    let table = try CSVTable(text: "a,b\n1,2\r\n\n3,4\r5,6")
    #expect(table.rows == [["1", "2"], ["3", "4"], ["5", "6"]])
    // A trailing delimiter is one more (empty) field, and an empty quoted field is a field.
    let trailing = try CSVTable(text: "a,b\n1,\n\"\",2\n")
    #expect(trailing.rows == [["1", ""], ["", "2"]])
}

@Test func otherDelimitersAndLenientQuotes() throws {
    let table = try CSVTable(text: "x;y\n1,5;\"a;b\"\n", delimiter: ";")
    #expect(table.rows == [["1,5", "a;b"]])
    // A quote inside an unquoted field is data, as in Python's csv module.
    #expect(try CSVTable(text: "x\n5\"1\n").rows == [["5\"1"]])
    #expect(try CSVTable(text: "x\ttab\n1\t2\n", delimiter: "\t").columnNames == ["x", "tab"])
}

@Test func missingValuesAreTrackedPerCell() throws {
    let table = try CSVTable(text: "age,city\n30,Oslo\n?,NA\n,Rome\n40,\n")
    #expect(try table.values(of: "age") == ["30", nil, nil, "40"])
    #expect(try table.values(of: "city") == ["Oslo", nil, "Rome", nil])
    #expect(try table.isMissing(row: 1, column: "age"))
    #expect(try !table.isMissing(row: 0, column: "city"))
    // Markers are configurable: "-" marks missing and "NA" is now a value.
    let custom = try CSVTable(text: "v\n-\nNA\n", missingMarkers: ["-"])
    #expect(try custom.values(of: "v") == [nil, "NA"])
}

@Test func kindsAreInferredOrGiven() throws {
    let text = "n,mixed,empty,spaced,code\n1.5,1,,  2 ,7\n-2e3,x,?, 3,8\nNA,2,NA,4,9\n"
    let table = try CSVTable(text: text)
    // n: numbers and a missing cell; mixed: "x" is no number; empty: nothing to call numeric;
    // spaced: surrounding spaces are ignored when parsing.
    #expect(table.columnKinds == [.numeric, .categorical, .categorical, .numeric, .numeric])
    let given = try CSVTable(text: text, columnKinds: ["code": .categorical, "empty": .numeric])
    #expect(try given.kind(of: "code") == .categorical)
    #expect(try given.kind(of: "empty") == .numeric)
    #expect(try given.kind(of: "n") == .numeric)
}

@Test func numericColumnsFillMissingCellsWithTheMean() throws {
    let table = try CSVTable(text: "x,y\n1,?\nNA,?\n4,?\n7,?\n")
    let x = try table.numericColumn("x")
    // Mean of the present values (1 + 4 + 7) / 3 = 4.
    #expect(x.fill == 4)
    #expect(x.imputedRows == [1])
    #expect(x.values.dtype == .float32 && x.values.shape == [4])
    #expect(x.values.scalars(as: Float.self) == [1, 4, 4, 7])
    // A given fill (e.g. the training mean) replaces the column's own.
    #expect(try table.numericColumn("x", fill: 10).values.scalars(as: Float.self) == [1, 10, 4, 7])
    // A column with no values at all is filled with 0.
    let y = try table.numericColumn("y")
    #expect(y.fill == 0 && y.imputedRows == [0, 1, 2, 3])
    #expect(y.values.scalars(as: Float.self) == [0, 0, 0, 0])
}

@Test func selectingRowsKeepsTheSchema() throws {
    let table = try CSVTable(text: "x,c\n1,a\n2,b\n3,a\n")
    let part = table.selecting(rows: [2, 0])
    #expect(part.rows == [["3", "a"], ["1", "a"]])
    #expect(part.columnNames == table.columnNames && part.columnKinds == table.columnKinds)
    #expect(part.rowCount == 2)
}

@Test func everyCSVErrorIsThrownNotTrapped() throws {
    #expect(throws: CSVError.empty) { try CSVTable(text: "") }
    #expect(throws: CSVError.empty) { try CSVTable(text: "\n\r\n") }
    #expect(throws: CSVError.duplicateColumn("a")) { try CSVTable(text: "a,b,a\n1,2,3\n") }
    // Line 4 (1-based, header on line 1, the blank line counted) has 3 fields for 2 columns.
    #expect(throws: CSVError.raggedRow(line: 4, expectedFields: 2, foundFields: 3)) {
        try CSVTable(text: "a,b\n1,2\n\n1,2,3\n")
    }
    #expect(throws: CSVError.raggedRow(line: 2, expectedFields: 2, foundFields: 1)) { try CSVTable(text: "a,b\n1\n") }
    // The quote opens on line 3 and runs to the end of the text.
    #expect(throws: CSVError.unterminatedQuote(line: 3)) { try CSVTable(text: "a\n1\n\"open\n2\n") }
    #expect(throws: CSVError.unknownColumn("z", available: ["a"])) { try CSVTable(text: "a\n1\n", columnKinds: ["z": .numeric]) }
    #expect(throws: CSVError.notNumeric(column: "a", row: 1, value: "x")) {
        try CSVTable(text: "a\n1\nx\n", columnKinds: ["a": .numeric])
    }
    let table = try CSVTable(text: "a,b\n1,x\n")
    #expect(throws: CSVError.unknownColumn("c", available: ["a", "b"])) { try table.values(of: "c") }
    #expect(throws: CSVError.unknownColumn("c", available: ["a", "b"])) { try table.numericColumn("c") }
    #expect(throws: CSVError.notNumeric(column: "b", row: 0, value: "x")) { try table.numericColumn("b") }
    let missing = URL(fileURLWithPath: "/nonexistent/strata/table.csv")
    #expect {
        try CSVTable(contentsOf: missing)
    } throws: { error in
        guard case .unreadableFile(let path, _) = error as? CSVError else { return false }
        return path == missing.path
    }
    #expect(CSVError.raggedRow(line: 4, expectedFields: 2, foundFields: 3).description
            == "CSV: line 4 has 3 fields but the header has 2")
}

@Test func filesAreReadAndNonUTF8IsRejected() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let good = directory.appendingPathComponent("good.csv")
    try Data("a,b\n1,\"x,y\"\n".utf8).write(to: good)
    #expect(try CSVTable(contentsOf: good).rows == [["1", "x,y"]])
    // 0xFF never occurs in UTF-8.
    let bad = directory.appendingPathComponent("bad.csv")
    try Data([0x61, 0x0A, 0xFF, 0x0A]).write(to: bad)
    #expect(throws: CSVError.unreadableFile(path: bad.path, reason: "not UTF-8 text")) { try CSVTable(contentsOf: bad) }
}
