import Foundation
import Strata

/// How a CSV column's values are read.
public enum CSVColumnKind: Sendable, Equatable {
    /// Every non-missing value is a number (Swift's `Double(_:)`, surrounding spaces ignored).
    case numeric
    /// Values are labels, encoded through a `CategoricalVocabulary`.
    case categorical
}

/// What reading a numeric column does with a cell that parses to NaN or an infinity (`nan`,
/// `inf`, `Infinity`, or a number beyond Double's range such as `1e999`).
public enum NonFiniteNumbers: String, Codable, Sendable, Equatable, CaseIterable {
    /// Throw `CSVError.nonFiniteValue` naming the row and column (the default).
    case reject
    /// Treat the cell as missing, as if it held a missing marker.
    case missing
}

/// A CSV table held as text cells: a header of column names, data rows, a kind per column and
/// which cells are missing.
///
/// Parsing follows RFC 4180 (see `CSVRecordReader`); every row must have as many fields as the
/// header. A cell is missing when its whole text is one of `missingMarkers` (default: empty,
/// `?`, `NA`). Kinds are inferred: numeric when every non-missing value parses as a number,
/// otherwise categorical; `columnKinds` overrides the inference per column name.
///
/// Numeric columns are parsed once, when the table is read, and every value is checked there:
/// a value that is NaN or infinite is rejected (`CSVError.nonFiniteValue`) or, with
/// `nonFinite: .missing`, read as a missing cell. Column names are found through a dictionary,
/// so a header of a million columns costs no more per lookup than one of ten.
public struct CSVTable: Sendable {
    public let columnNames: [String]
    /// One kind per column, in header order.
    public let columnKinds: [CSVColumnKind]
    /// The text of each cell, `rows[row][column]`, missing cells included as written.
    public let rows: [[String]]
    public let missingMarkers: Set<String>
    /// How non-finite numbers were handled when the table was read.
    public let nonFinite: NonFiniteNumbers
    /// Each column's position in the header.
    private let positions: [String: Int]
    /// The parsed values of each numeric column by position (nil where missing), empty for
    /// categorical columns.
    private let parsedNumbers: [[Double?]]

    /// Parses CSV text whose first record is the header.
    /// - Throws: `CSVError` for malformed text, a duplicate or unknown column, a non-number in a
    ///   column declared numeric, and (unless `nonFinite` is `.missing`) a NaN or infinite value
    ///   in a numeric column.
    public init(text: String, delimiter: Unicode.Scalar = ",", missingMarkers: Set<String> = ["", "?", "NA"],
                columnKinds: [String: CSVColumnKind] = [:], nonFinite: NonFiniteNumbers = .reject) throws(CSVError) {
        let records = try CSVRecordReader.records(in: text, delimiter: delimiter)
        guard let header = records.first else { throw .empty }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(header.fields.count)
        for (position, name) in header.fields.enumerated() where positions.updateValue(position, forKey: name) != nil {
            throw .duplicateColumn(name)
        }
        for record in records.dropFirst() where record.fields.count != header.fields.count {
            throw .raggedRow(line: record.line, expectedFields: header.fields.count, foundFields: record.fields.count)
        }
        for name in columnKinds.keys.sorted() where positions[name] == nil {
            throw .unknownColumn(name, available: header.fields)
        }
        let rows = records.dropFirst().map(\.fields)
        var kinds: [CSVColumnKind] = []
        var parsed: [[Double?]] = []
        for (column, name) in header.fields.enumerated() {
            let kind: CSVColumnKind
            if let given = columnKinds[name] {
                kind = given
            } else {
                // A column with no values at all has nothing to say it is numeric; NaN and
                // infinities count as numbers here, so that they are rejected (or read as
                // missing) below instead of turning the column categorical.
                let present = rows.lazy.map { $0[column] }.filter { !missingMarkers.contains($0) }
                kind = !present.isEmpty && present.allSatisfy { Self.number($0) != nil } ? .numeric : .categorical
            }
            kinds.append(kind)
            parsed.append(kind == .numeric
                ? try Self.parse(column: column, named: name, of: rows, missingMarkers: missingMarkers, nonFinite: nonFinite)
                : [])
        }
        self.columnNames = header.fields
        self.columnKinds = kinds
        self.rows = rows
        self.missingMarkers = missingMarkers
        self.nonFinite = nonFinite
        self.positions = positions
        self.parsedNumbers = parsed
    }

    /// Reads and parses a UTF-8 CSV file.
    public init(contentsOf url: URL, delimiter: Unicode.Scalar = ",", missingMarkers: Set<String> = ["", "?", "NA"],
                columnKinds: [String: CSVColumnKind] = [:], nonFinite: NonFiniteNumbers = .reject) throws(CSVError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: url.path, reason: "not UTF-8 text")
        }
        try self.init(text: text, delimiter: delimiter, missingMarkers: missingMarkers, columnKinds: columnKinds,
                      nonFinite: nonFinite)
    }

    /// The same columns over other rows (see `selecting(rows:)`).
    private init(_ table: CSVTable, rows indices: [Int]) {
        columnNames = table.columnNames
        columnKinds = table.columnKinds
        rows = indices.map { table.rows[$0] }
        missingMarkers = table.missingMarkers
        nonFinite = table.nonFinite
        positions = table.positions
        parsedNumbers = table.parsedNumbers.map { numbers in numbers.isEmpty ? [] : indices.map { numbers[$0] } }
    }

    /// The number of data rows (the header is not counted).
    public var rowCount: Int { rows.count }

    /// The position of a column in the header.
    public func columnIndex(_ name: String) throws(CSVError) -> Int {
        guard let index = positions[name] else { throw .unknownColumn(name, available: columnNames) }
        return index
    }

    /// The kind a column was inferred or declared as.
    public func kind(of column: String) throws(CSVError) -> CSVColumnKind {
        columnKinds[try columnIndex(column)]
    }

    /// Whether the cell at `row`, `column` is missing.
    public func isMissing(row: Int, column: String) throws(CSVError) -> Bool {
        precondition(rows.indices.contains(row), "CSVTable: row \(row) is outside 0..<\(rowCount)")
        let index = try columnIndex(column)
        if columnKinds[index] == .numeric { return parsedNumbers[index][row] == nil }
        return missingMarkers.contains(rows[row][index])
    }

    /// A column's cells, `nil` where missing (in a numeric column read with `nonFinite: .missing`,
    /// also where the value is not finite).
    public func values(of column: String) throws(CSVError) -> [String?] {
        let index = try columnIndex(column)
        if columnKinds[index] == .numeric {
            return zip(rows, parsedNumbers[index]).map { row, number in number == nil ? nil : row[index] }
        }
        return rows.map { missingMarkers.contains($0[index]) ? nil : $0[index] }
    }

    /// The parsed values of a numeric column (nil where missing), or nil for a categorical one.
    func parsedNumbers(at index: Int) -> [Double?]? {
        columnKinds[index] == .numeric ? parsedNumbers[index] : nil
    }

    /// The rows at `indices`, in that order, keeping the header, kinds and markers (e.g. the
    /// training part of a split, so that vocabularies and means come from it alone).
    public func selecting(rows indices: [Int]) -> CSVTable {
        for index in indices {
            precondition(rows.indices.contains(index), "CSVTable: row \(index) is outside 0..<\(rowCount)")
        }
        return CSVTable(self, rows: indices)
    }

    /// Parses a cell as a number, ignoring surrounding spaces and tabs. NaN and infinities parse
    /// too (`nan`, `inf`, `1e999`): `parse(column:...)` decides what becomes of them.
    static func number(_ text: String) -> Double? {
        Double(text.trimmingCharacters(in: .whitespaces))
    }

    /// The values of one column as numbers, nil where missing: the one place where cells of a
    /// numeric column are checked.
    /// - Throws: `notNumeric` for a present cell that is no number, `nonFiniteValue` for one that
    ///   is NaN or infinite unless `nonFinite` is `.missing`.
    static func parse(column: Int, named name: String, of rows: [[String]], missingMarkers: Set<String>,
                      nonFinite: NonFiniteNumbers) throws(CSVError) -> [Double?] {
        var numbers: [Double?] = []
        numbers.reserveCapacity(rows.count)
        for (row, fields) in rows.enumerated() {
            let cell = fields[column]
            guard !missingMarkers.contains(cell) else { numbers.append(nil); continue }
            guard let number = number(cell) else { throw .notNumeric(column: name, row: row, value: cell) }
            guard number.isFinite else {
                if nonFinite == .reject { throw .nonFiniteValue(row: row, column: name, value: cell) }
                numbers.append(nil)
                continue
            }
            numbers.append(number)
        }
        return numbers
    }
}
