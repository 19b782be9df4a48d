import Foundation
import Strata

/// How a CSV column's values are read.
public enum CSVColumnKind: Sendable, Equatable {
    /// Every non-missing value is a number (Swift's `Double(_:)`, surrounding spaces ignored).
    case numeric
    /// Values are labels, encoded through a `CategoricalVocabulary`.
    case categorical
}

/// A CSV table held as text cells: a header of column names, data rows, a kind per column and
/// which cells are missing.
///
/// Parsing follows RFC 4180 (see `CSVRecordReader`); every row must have as many fields as the
/// header. A cell is missing when its whole text is one of `missingMarkers` (default: empty,
/// `?`, `NA`). Kinds are inferred: numeric when every non-missing value parses as a number,
/// otherwise categorical; `columnKinds` overrides the inference per column name.
public struct CSVTable: Sendable {
    public let columnNames: [String]
    /// One kind per column, in header order.
    public let columnKinds: [CSVColumnKind]
    /// The text of each cell, `rows[row][column]`, missing cells included as written.
    public let rows: [[String]]
    public let missingMarkers: Set<String>

    /// Parses CSV text whose first record is the header.
    public init(text: String, delimiter: Unicode.Scalar = ",", missingMarkers: Set<String> = ["", "?", "NA"],
                columnKinds: [String: CSVColumnKind] = [:]) throws(CSVError) {
        let records = try CSVRecordReader.records(in: text, delimiter: delimiter)
        guard let header = records.first else { throw .empty }
        var seen = Set<String>()
        for name in header.fields where !seen.insert(name).inserted { throw .duplicateColumn(name) }
        for record in records.dropFirst() where record.fields.count != header.fields.count {
            throw .raggedRow(line: record.line, expectedFields: header.fields.count, foundFields: record.fields.count)
        }
        for name in columnKinds.keys where !seen.contains(name) {
            throw .unknownColumn(name, available: header.fields)
        }
        let rows = records.dropFirst().map(\.fields)
        var kinds: [CSVColumnKind] = []
        for (column, name) in header.fields.enumerated() {
            let present = rows.lazy.map { $0[column] }.filter { !missingMarkers.contains($0) }
            if let given = columnKinds[name] {
                if given == .numeric, let row = rows.firstIndex(where: {
                    !missingMarkers.contains($0[column]) && Self.number($0[column]) == nil
                }) {
                    throw .notNumeric(column: name, row: row, value: rows[row][column])
                }
                kinds.append(given)
            } else {
                // A column with no values at all has nothing to say it is numeric.
                let numeric = !present.isEmpty && present.allSatisfy { Self.number($0) != nil }
                kinds.append(numeric ? .numeric : .categorical)
            }
        }
        self.columnNames = header.fields
        self.columnKinds = kinds
        self.rows = rows
        self.missingMarkers = missingMarkers
    }

    /// Reads and parses a UTF-8 CSV file.
    public init(contentsOf url: URL, delimiter: Unicode.Scalar = ",", missingMarkers: Set<String> = ["", "?", "NA"],
                columnKinds: [String: CSVColumnKind] = [:]) throws(CSVError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: url.path, reason: "not UTF-8 text")
        }
        try self.init(text: text, delimiter: delimiter, missingMarkers: missingMarkers, columnKinds: columnKinds)
    }

    private init(columnNames: [String], columnKinds: [CSVColumnKind], rows: [[String]], missingMarkers: Set<String>) {
        self.columnNames = columnNames
        self.columnKinds = columnKinds
        self.rows = rows
        self.missingMarkers = missingMarkers
    }

    /// The number of data rows (the header is not counted).
    public var rowCount: Int { rows.count }

    /// The position of a column in the header.
    public func columnIndex(_ name: String) throws(CSVError) -> Int {
        guard let index = columnNames.firstIndex(of: name) else { throw .unknownColumn(name, available: columnNames) }
        return index
    }

    /// The kind a column was inferred or declared as.
    public func kind(of column: String) throws(CSVError) -> CSVColumnKind {
        columnKinds[try columnIndex(column)]
    }

    /// Whether the cell at `row`, `column` is missing.
    public func isMissing(row: Int, column: String) throws(CSVError) -> Bool {
        precondition(rows.indices.contains(row), "CSVTable: row \(row) is outside 0..<\(rowCount)")
        return missingMarkers.contains(rows[row][try columnIndex(column)])
    }

    /// A column's cells, `nil` where missing.
    public func values(of column: String) throws(CSVError) -> [String?] {
        let index = try columnIndex(column)
        return rows.map { missingMarkers.contains($0[index]) ? nil : $0[index] }
    }

    /// The rows at `indices`, in that order, keeping the header, kinds and markers (e.g. the
    /// training part of a split, so that vocabularies and means come from it alone).
    public func selecting(rows indices: [Int]) -> CSVTable {
        for index in indices {
            precondition(rows.indices.contains(index), "CSVTable: row \(index) is outside 0..<\(rowCount)")
        }
        return CSVTable(columnNames: columnNames, columnKinds: columnKinds, rows: indices.map { rows[$0] },
                        missingMarkers: missingMarkers)
    }

    /// Parses a cell as a number, ignoring surrounding spaces and tabs.
    static func number(_ text: String) -> Double? {
        Double(text.trimmingCharacters(in: .whitespaces))
    }
}
