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
    /// A cell of a numeric column that parses to NaN or an infinity (`nan`, `inf`, `1e999`).
    case nonFiniteValue(row: Int, column: String, value: String)

    /// How many names an error lists before "... and N more".
    public static let listedNameLimit = 30

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "CSV: cannot read \(path): \(reason)"
        case .empty: "CSV: no header line"
        case .duplicateColumn(let name): "CSV: column \"\(Self.shortened(name))\" appears twice in the header"
        case .raggedRow(let line, let expected, let found):
            "CSV: line \(line) has \(found) fields but the header has \(expected)"
        case .unterminatedQuote(let line): "CSV: the quoted field starting on line \(line) is never closed"
        case .unknownColumn(let name, let available):
            "CSV: no column \"\(Self.shortened(name))\"; columns are \(Self.list(available))"
        case .notNumeric(let column, let row, let value):
            "CSV: column \"\(Self.shortened(column))\" is numeric but row \(row) holds \"\(Self.shortened(value))\""
        case .nonFiniteValue(let row, let column, let value):
            "CSV: row \(row) of numeric column \"\(Self.shortened(column))\" holds \"\(Self.shortened(value))\", which is not a finite number"
        }
    }

    /// The first `listedNameLimit` names, quoted, then "... and N more".
    public static func list(_ names: [String]) -> String {
        let listed = names.prefix(listedNameLimit).map { "\"\(shortened($0))\"" }.joined(separator: ", ")
        return names.count > listedNameLimit ? listed + ", ... and \(names.count - listedNameLimit) more" : listed
    }

    /// A cell or name cut to 60 characters, so that one 400-digit cell cannot fill a screen.
    static func shortened(_ text: String) -> String {
        text.count > 60 ? text.prefix(57) + "..." : text
    }
}
