/// Why CSV text or a CSV file could not be read or queried.
///
/// Lines are 1-based and count physical lines, so a quoted field with embedded newlines moves
/// the lines after it down; rows are 0-based data rows (the header is not a row).
public enum CSVError: Error, Equatable, CustomStringConvertible {
    case unreadableFile(path: String, reason: String)
    /// The text holds no header line.
    case empty
    case duplicateColumn(String)
    /// A record with a different number of fields than the header.
    case raggedRow(line: Int, expectedFields: Int, foundFields: Int)
    /// A quoted field that starts on `line` and never closes.
    case unterminatedQuote(line: Int)
    case unknownColumn(String, available: [String])
    /// A non-missing cell of a column declared numeric that does not parse as a number.
    case notNumeric(column: String, row: Int, value: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "CSV: cannot read \(path): \(reason)"
        case .empty: "CSV: no header line"
        case .duplicateColumn(let name): "CSV: column \"\(name)\" appears twice in the header"
        case .raggedRow(let line, let expected, let found):
            "CSV: line \(line) has \(found) fields but the header has \(expected)"
        case .unterminatedQuote(let line): "CSV: the quoted field starting on line \(line) is never closed"
        case .unknownColumn(let name, let available):
            "CSV: no column \"\(name)\"; columns are \(available.map { "\"\($0)\"" }.joined(separator: ", "))"
        case .notNumeric(let column, let row, let value):
            "CSV: column \"\(column)\" is numeric but row \(row) holds \"\(value)\""
        }
    }
}
