import Strata

/// A numeric column with its missing cells filled in.
public struct ImputedColumn: Sendable {
    /// float32 `[rowCount]`.
    public let values: Tensor
    /// The value missing cells received: the mean of the present values, or the given fill.
    public let fill: Double
    /// The rows whose cell was missing and now holds `fill`.
    public let imputedRows: [Int]
}

extension CSVTable {
    /// A numeric column as a float32 tensor `[rowCount]`, missing cells replaced by `fill`, or
    /// by the mean of the column's present values when `fill` is nil (0 when none is present).
    ///
    /// Pass the training table's mean as `fill` for validation rows, so that no statistic leaks
    /// from them. Throws `notNumeric` when a present cell is not a number (a categorical column).
    public func numericColumn(_ name: String, fill: Double? = nil) throws(CSVError) -> ImputedColumn {
        let column = try columnIndex(name)
        var numbers: [Double?] = []
        for (row, cells) in rows.enumerated() {
            let text = cells[column]
            if missingMarkers.contains(text) {
                numbers.append(nil)
            } else if let number = Self.number(text) {
                numbers.append(number)
            } else {
                throw .notNumeric(column: name, row: row, value: text)
            }
        }
        let present = numbers.compactMap { $0 }
        let mean = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        let filler = fill ?? mean
        let imputedRows = numbers.indices.filter { numbers[$0] == nil }
        let values = Tensor(numbers.map { Float($0 ?? filler) }, shape: [rowCount])
        return ImputedColumn(values: values, fill: filler, imputedRows: imputedRows)
    }

    /// A vocabulary of a column's present values (any kind: numeric codes are labels too).
    public func vocabulary(for name: String) throws(CSVError) -> CategoricalVocabulary {
        CategoricalVocabulary(try values(of: name))
    }

    /// A column encoded through `vocabulary` as int64 `[rowCount]`: missing cells are
    /// `CategoricalVocabulary.missingIndex` (0), values it lacks `unknownIndex` (1).
    public func categoricalColumn(_ name: String, vocabulary: CategoricalVocabulary) throws(CSVError) -> Tensor {
        let values = try values(of: name)
        return Tensor(values.map { Int64(vocabulary.index(of: $0)) }, shape: [rowCount])
    }
}
