import Foundation
import Strata
import StrataData
import Testing

// Issue 20: values read from a CSV file are checked once, when the table is read.

@Test(arguments: ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", String(repeating: "9", count: 400)])
func nonFiniteNumbersAreATypedErrorNamingRowAndColumn(_ cell: String) {
    // Rows are 0-based data rows: the fourth data line is row 3.
    let text = "age,city\n30,Oslo\n41,Rome\n52,Oslo\n\(cell),Rome\n"
    #expect(throws: CSVError.nonFiniteValue(row: 3, column: "age", value: cell)) { try CSVTable(text: text) }
    // A column declared numeric is checked the same way.
    #expect(throws: CSVError.nonFiniteValue(row: 3, column: "age", value: cell)) {
        try CSVTable(text: text, columnKinds: ["age": .numeric])
    }
}

@Test func nonFiniteNumbersCanBeReadAsMissing() throws {
    let table = try CSVTable(text: "age,city\n30,Oslo\nnan,Rome\n1e999,?\n60,Oslo\n", nonFinite: .missing)
    #expect(try table.kind(of: "age") == .numeric)
    #expect(try table.values(of: "age") == ["30", nil, nil, "60"])
    #expect(try table.isMissing(row: 1, column: "age"))
    #expect(try table.numbers(of: "age") == [30, nil, nil, 60])
    // The mean of the finite values, (30 + 60) / 2, fills both.
    let column = try table.numericColumn("age")
    #expect(column.fill == 45 && column.imputedRows == [1, 2])
    // A selection keeps the parsed values of its rows.
    #expect(try table.selecting(rows: [2, 0]).numbers(of: "age") == [nil, 30])
}

@Test func aCategoricalColumnReadAsNumbersIsCheckedToo() throws {
    let table = try CSVTable(text: "code\n7\ninf\n", columnKinds: ["code": .categorical])
    #expect(throws: CSVError.nonFiniteValue(row: 1, column: "code", value: "inf")) { try table.numbers(of: "code") }
}

@Test func unknownColumnErrorsListAFewDozenNames() {
    let names = (0..<1_000).map { "c\($0)" }
    let error = CSVError.unknownColumn("target", available: names)
    #expect(error.description.hasSuffix("\"c29\", ... and 970 more"))
    #expect(!error.description.contains("\"c30\""))
    // A short header is listed whole.
    #expect(CSVError.unknownColumn("z", available: ["a", "b"]).description == "CSV: no column \"z\"; columns are \"a\", \"b\"")
}

// The limit is generous for a machine shared by several builds; a quadratic lookup (40,000
// columns took 15 s) would need far longer for 100,000.
@Test(.timeLimit(.minutes(3)))
func aHeaderOfManyColumnsIsReadAndLookedUpInLinearTime() throws {
    let count = 100_000
    let header = (0..<count).map { "c\($0)" }
    let text = header.joined(separator: ",") + "\n" + Array(repeating: "1", count: count).joined(separator: ",") + "\n"
    let table = try CSVTable(text: text)
    #expect(try table.columnIndex("c99999") == 99_999)
    let schema = TabularSchema(target: "c0", numeric: Array(header.dropFirst()), categorical: [])
    try schema.validate(against: table)
    let inferred = try TabularSchema.inferred(from: table, target: "c0", excluding: ["c1", "c2"])
    #expect(inferred.numeric.count == count - 3)
    // A missing target names a few dozen columns, not all of them.
    #expect {
        try TabularSchema.inferred(from: table, target: "income")
    } throws: { error in
        let message = (error as? TabularError)?.description ?? ""
        return message.count < 1_000 && message.hasSuffix("... and \(count - CSVError.listedNameLimit) more")
    }
}
