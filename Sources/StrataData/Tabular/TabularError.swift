/// Why a table could not be described, fitted or encoded for a tabular model.
public enum TabularError: Error, Equatable, CustomStringConvertible {
    /// A CSV-level problem (unreadable file, unknown column, a numeric column with text).
    case csv(CSVError)
    /// The table has no data rows to fit on.
    case noRows
    /// The target column holds other than two distinct labels among its present values.
    case targetNotBinary(column: String, labels: [String])
    /// A row has no target value.
    case missingTarget(column: String, row: Int)
    /// A row's target is neither of the two labels the encoder was fitted with.
    case unknownTargetLabel(column: String, row: Int, value: String)
    /// A column is named twice among the features, or the target is also a feature.
    case duplicateFeature(String)
    /// A cross names fewer than two columns, or a column that is not a feature.
    case invalidCross(String)
    /// A setting out of its range (hash buckets, numeric buckets).
    case invalidSetting(String)
    /// A numeric value that leaves float32's range once standardized by the training statistics.
    case valueOutOfRange(column: String, row: Int, value: Double)
    /// A saved encoder that cannot be decoded.
    case unreadableEncoder(String)
    /// A saved encoder with a field out of range or at odds with its schema (`field` names it,
    /// as `bucketBoundaries[2]`).
    case invalidEncoder(field: String, reason: String)

    public var description: String {
        switch self {
        case .csv(let error): error.description
        case .noRows: "tabular: the table has no data rows"
        case .targetNotBinary(let column, let labels):
            "tabular: target \"\(column)\" must hold exactly two labels, found \(labels.count): "
                + labels.prefix(6).map { "\"\($0)\"" }.joined(separator: ", ") + (labels.count > 6 ? ", ..." : "")
        case .missingTarget(let column, let row): "tabular: row \(row) has no value in target \"\(column)\""
        case .unknownTargetLabel(let column, let row, let value):
            "tabular: row \(row) of target \"\(column)\" holds \"\(value)\", not one of the two fitted labels"
        case .duplicateFeature(let name): "tabular: column \"\(name)\" is listed twice (or is the target)"
        case .invalidCross(let reason): "tabular: bad cross: \(reason)"
        case .invalidSetting(let reason): "tabular: \(reason)"
        case .valueOutOfRange(let column, let row, let value):
            "tabular: row \(row) of numeric column \"\(column)\" holds \(value), beyond float32's range once standardized"
        case .unreadableEncoder(let reason): "tabular: cannot decode the saved encoder: \(reason)"
        case .invalidEncoder(let field, let reason): "tabular: the saved encoder's \(field) \(reason)"
        }
    }
}
