import Foundation
import Strata

/// Turns CSV rows into the tensors of a Wide & Deep model, with every statistic fitted on
/// training rows only.
///
/// - Categorical columns: a `CategoricalVocabulary` each (0 missing, 1 unknown, categories from
///   2), so a validation label absent from training lands in the unknown bucket.
/// - Numeric columns: standardized by the training mean and (population) standard deviation,
///   missing cells becoming 0 (the mean); and, for the wide part, bucketized at the training
///   quantiles (bucket 0 missing, then one per interval).
/// - Crosses: a vocabulary of the training combinations, or `StableHash` buckets.
///
/// The wide part sees one index per field (categorical columns, numeric buckets, crosses), each
/// field offset into one shared id space of `wideFeatureCount` ids, so a row is a fixed-count
/// bag of ids for `EmbeddingBag`. The encoder is `Codable`: saved beside a model, it encodes
/// later rows exactly as it encoded the training rows.
public struct TabularEncoder: Codable, Sendable, Equatable {
    public let schema: TabularSchema
    /// The two target labels, negative then positive.
    public let labels: [String]
    /// The categories of each categorical column (`CategoricalVocabulary.categories`).
    public let categories: [[String]]
    public let means: [Double]
    /// Standard deviations of the numeric columns, 1 where a column is constant.
    public let standardDeviations: [Double]
    /// Per numeric column, the sorted distinct cut points of its wide buckets.
    public let bucketBoundaries: [[Double]]
    /// Per cross, the combinations seen in training, or nil for a hashed cross.
    public private(set) var crossCombinations: [[String]?]

    /// Fits the encoder on `table` (the training rows).
    public init(fitting table: CSVTable, schema: TabularSchema) throws(TabularError) {
        try schema.validate(against: table)
        guard table.rowCount > 0 else { throw .noRows }
        self.schema = schema
        let targets = try Self.cells(table, schema.target)
        let distinct = Set(targets.compactMap { $0 }).sorted()
        guard distinct.count == 2 else { throw .targetNotBinary(column: schema.target, labels: distinct) }
        if let positive = schema.positiveLabel {
            guard distinct.contains(positive) else { throw .targetNotBinary(column: schema.target, labels: distinct + [positive]) }
            labels = distinct.filter { $0 != positive } + [positive]
        } else {
            labels = distinct
        }
        var categories: [[String]] = []
        for name in schema.categorical { categories.append(CategoricalVocabulary(try Self.cells(table, name)).categories) }
        self.categories = categories
        var (means, deviations, boundaries) = ([Double](), [Double](), [[Double]]())
        for name in schema.numeric {
            let present = try Self.numbers(table, name).compactMap { $0 }
            let (mean, deviation) = Self.meanAndDeviation(present)
            means.append(mean)
            deviations.append(deviation)
            boundaries.append(Self.quantileBoundaries(present, buckets: schema.numericBuckets))
        }
        (self.means, standardDeviations, bucketBoundaries) = (means, deviations, boundaries)
        // The crosses need the fields above: fit them through a partly built encoder.
        crossCombinations = schema.crosses.map { _ in nil }
        var combinations: [[String]?] = []
        for cross in schema.crosses {
            guard cross.hashBuckets == nil else { combinations.append(nil); continue }
            let keys = try crossKeys(table, cross)
            combinations.append(CategoricalVocabulary(keys).categories)
        }
        crossCombinations = combinations
    }

    /// The number of ids in each categorical column (categories and the two buckets).
    public var categoryCounts: [Int] { categories.map { $0.count + 2 } }

    /// The sizes of the wide fields: categorical columns, numeric buckets (when
    /// `numericBuckets > 0`), then crosses.
    public var wideFieldSizes: [Int] {
        let numeric = schema.numericBuckets > 0 ? bucketBoundaries.map { $0.count + 2 } : []
        let crosses = zip(schema.crosses, crossCombinations).map { cross, combinations in
            cross.hashBuckets ?? (combinations!.count + 2)
        }
        return categoryCounts + numeric + crosses
    }

    /// The size of the wide id space (the rows of the wide `EmbeddingBag`).
    public var wideFeatureCount: Int { wideFieldSizes.reduce(0, +) }

    /// The rows of `table` as tensors; `labels` is nil when `includeLabels` is false (rows to
    /// predict, which may lack the target column).
    public func encode(_ table: CSVTable, includeLabels: Bool = true) throws(TabularError) -> TabularData {
        let rows = table.rowCount
        var numeric = [Float](repeating: 0, count: rows * schema.numeric.count)
        var categorical = [Int64](repeating: 0, count: rows * schema.categorical.count)
        let fieldSizes = wideFieldSizes
        let fieldCount = fieldSizes.count
        var wide = [Int64](repeating: 0, count: rows * fieldCount)
        var fieldOffset = 0
        var field = 0
        func setWide(_ ids: [Int]) {
            for row in 0..<rows { wide[row * fieldCount + field] = Int64(fieldOffset + ids[row]) }
            fieldOffset += fieldSizes[field]
            field += 1
        }
        for (column, name) in schema.categorical.enumerated() {
            let vocabulary = CategoricalVocabulary(categories[column])
            let ids = try Self.cells(table, name).map { vocabulary.index(of: $0) }
            for row in 0..<rows { categorical[row * schema.categorical.count + column] = Int64(ids[row]) }
            setWide(ids)
        }
        var numericBuckets: [[Int]] = []
        for (column, name) in schema.numeric.enumerated() {
            let values = try Self.numbers(table, name)
            for row in 0..<rows {
                guard let value = values[row] else { continue }
                // A finite value can still leave float32's range once standardized (1e300 in a
                // column whose training values are all 0): a typed error, not an infinite input.
                let standardized = Float((value - means[column]) / standardDeviations[column])
                guard standardized.isFinite else { throw .valueOutOfRange(column: name, row: row, value: value) }
                numeric[row * schema.numeric.count + column] = standardized
            }
            numericBuckets.append(values.map { $0.map { bucket(of: $0, column: column) } ?? 0 })
        }
        if schema.numericBuckets > 0 { numericBuckets.forEach(setWide) }
        for (index, cross) in schema.crosses.enumerated() {
            let keys = try crossKeys(table, cross)
            if let buckets = cross.hashBuckets {
                setWide(keys.map { StableHash.bucket(of: $0 ?? Self.missingToken, count: buckets) })
            } else {
                let vocabulary = CategoricalVocabulary(crossCombinations[index]!)
                setWide(keys.map { vocabulary.index(of: $0) })
            }
        }
        var targets: Tensor?
        if includeLabels {
            var values = [Float](repeating: 0, count: rows)
            for (row, cell) in try Self.cells(table, schema.target).enumerated() {
                guard let cell else { throw .missingTarget(column: schema.target, row: row) }
                guard let label = labels.firstIndex(of: cell) else {
                    throw .unknownTargetLabel(column: schema.target, row: row, value: cell)
                }
                values[row] = Float(label)
            }
            targets = Tensor(values, shape: [rows])
        }
        return TabularData(numeric: Tensor(numeric, shape: [rows, schema.numeric.count]),
                           categorical: Tensor(categorical, shape: [rows, schema.categorical.count]),
                           wide: Tensor(wide, shape: [rows, fieldCount]), labels: targets)
    }

    /// The encoder as JSON, to be saved beside (or inside) a model's weights.
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field is a string, number or array of them: encoding cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// An encoder saved by `jsonString()`, checked by `validate()`.
    public init(jsonString: String) throws(TabularError) {
        do {
            self = try JSONDecoder().decode(TabularEncoder.self, from: Data(jsonString.utf8))
        } catch {
            throw .unreadableEncoder(String(describing: error))
        }
        try validate()
    }

    // MARK: - Cells

    /// What a missing component of a hashed cross contributes to its key.
    static let missingToken = "\u{0}"

    /// The mean and (population) standard deviation of `values`, 1 for a constant column; both
    /// (0, 1) without values. Finite values too large to sum or square directly are scaled by
    /// their largest magnitude M first; then |mean| <= M and the deviation <= M, so both are finite.
    static func meanAndDeviation(_ values: [Double]) -> (mean: Double, deviation: Double) {
        guard !values.isEmpty else { return (0, 1) }
        let count = Double(values.count)
        var mean = values.reduce(0, +) / count
        var variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        var scale = 1.0
        if !mean.isFinite || !variance.isFinite {
            scale = values.reduce(0) { max($0, abs($1)) }
            mean = values.reduce(0) { $0 + $1 / scale } / count
            variance = values.reduce(0) { $0 + ($1 / scale - mean) * ($1 / scale - mean) } / count
        }
        return (mean * scale, variance > 0 ? variance.squareRoot() * scale : 1)
    }

    /// The wide bucket of a numeric value: 1 + the number of boundaries at or below it.
    func bucket(of value: Double, column: Int) -> Int {
        let boundaries = bucketBoundaries[column]
        var (low, high) = (0, boundaries.count)
        while low < high {
            let middle = (low + high) / 2
            if boundaries[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return 1 + low
    }

    /// Each row's cross key: the columns' tokens joined by U+001F; nil for an explicit cross
    /// when a component is missing (a hashed cross hashes a placeholder instead).
    private func crossKeys(_ table: CSVTable, _ cross: FeatureCross) throws(TabularError) -> [String?] {
        var tokens: [[String?]] = []
        for name in cross.columns {
            if let column = schema.numeric.firstIndex(of: name) {
                tokens.append(try Self.numbers(table, name).map { $0.map { "#\(bucket(of: $0, column: column))" } })
            } else {
                tokens.append(try Self.cells(table, name))
            }
        }
        return (0..<table.rowCount).map { row in
            let parts = tokens.map { $0[row] }
            if cross.hashBuckets == nil && parts.contains(nil) { return nil }
            return parts.map { $0 ?? Self.missingToken }.joined(separator: "\u{1F}")
        }
    }

    /// The cells of a column, nil where missing.
    static func cells(_ table: CSVTable, _ name: String) throws(TabularError) -> [String?] {
        do { return try table.values(of: name) } catch { throw .csv(error) }
    }

    /// The numbers of a numeric column, nil where missing.
    static func numbers(_ table: CSVTable, _ name: String) throws(TabularError) -> [Double?] {
        do { return try table.numbers(of: name) } catch { throw .csv(error) }
    }

    /// The distinct values at the `q / buckets` quantiles (q = 1..<buckets) of `values`: the
    /// lower order statistic at position `q * n / buckets` of the sorted values.
    static func quantileBoundaries(_ values: [Double], buckets: Int) -> [Double] {
        guard buckets > 1, !values.isEmpty else { return [] }
        let sorted = values.sorted()
        var boundaries: [Double] = []
        for q in 1..<buckets {
            let value = sorted[q * sorted.count / buckets]
            if boundaries.last != value { boundaries.append(value) }
        }
        return boundaries
    }
}
