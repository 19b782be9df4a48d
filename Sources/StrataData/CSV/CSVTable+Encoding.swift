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
        let numbers = try numbers(of: name)
        let present = numbers.compactMap { $0 }
        let mean = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        let filler = fill ?? mean
        let imputedRows = numbers.indices.filter { numbers[$0] == nil }
        let values = Tensor(numbers.map { Float($0 ?? filler) }, shape: [rowCount])
        return ImputedColumn(values: values, fill: filler, imputedRows: imputedRows)
    }

    /// The numbers of a column, nil where its cell is missing: a numeric column's values as
    /// parsed and checked when the table was read; a categorical column's cells parsed now, by
    /// the same rules.
    /// - Throws: `notNumeric` when a present cell is not a number (a categorical column),
    ///   `nonFiniteValue` for NaN or an infinity unless the table was read with `nonFinite: .missing`.
    public func numbers(of name: String) throws(CSVError) -> [Double?] {
        let index = try columnIndex(name)
        if let numbers = parsedNumbers(at: index) { return numbers }
        return try Self.parse(column: index, named: name, of: rows, missingMarkers: missingMarkers, nonFinite: nonFinite)
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
