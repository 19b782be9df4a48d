/// A feature made of the joint values of several columns (Cheng et al.'s cross-product
/// transformation, e.g. education x occupation): one wide weight per combination.
public struct FeatureCross: Codable, Sendable, Equatable {
    /// The columns crossed, in order; numeric ones enter through their quantile bucket.
    public var columns: [String]
    /// nil: one bucket per combination seen in training (plus missing and unknown); otherwise
    /// combinations are hashed into this many buckets with `StableHash` (collisions allowed).
    public var hashBuckets: Int?

    public init(_ columns: [String], hashBuckets: Int? = nil) {
        self.columns = columns
        self.hashBuckets = hashBuckets
    }

    /// Parses `a:b[:c...]` (explicit) or `a:b@BUCKETS` (hashed), as the CLI's `--cross` takes it.
    public init(parsing text: String) throws(TabularError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .invalidCross("\"\(text)\" has more than one @") }
        var buckets: Int?
        if parts.count == 2 {
            guard let count = Int(parts[1]), count > 0 else {
                throw .invalidCross("\"\(text)\": the bucket count after @ must be a positive integer")
            }
            buckets = count
        }
        let columns = parts[0].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard columns.count >= 2, !columns.contains(where: \.isEmpty) else {
            throw .invalidCross("\"\(text)\" must name at least two columns, as a:b")
        }
        self.init(columns, hashBuckets: buckets)
    }

    /// `a:b` or `a:b@BUCKETS`, the form `init(parsing:)` reads.
    public var name: String { columns.joined(separator: ":") + (hashBuckets.map { "@\($0)" } ?? "") }
}

/// What each column of a table means to a tabular model: the binary target, the numeric and
/// categorical features, the crosses, and how numeric columns enter the wide part.
public struct TabularSchema: Codable, Sendable, Equatable {
    public var target: String
    /// Standardized for the deep part; bucketized by training quantiles for the wide part.
    public var numeric: [String]
    /// Embedded in the deep part; one-hot (as indices) in the wide part.
    public var categorical: [String]
    public var crosses: [FeatureCross]
    /// Quantile buckets per numeric column in the wide part; 0 keeps numeric columns out of it.
    public var numericBuckets: Int
    /// The target label counted as positive; nil takes the later of the two in sorted order
    /// (`>50K` over `<=50K`, `1` over `0`).
    public var positiveLabel: String?

    public init(target: String, numeric: [String], categorical: [String], crosses: [FeatureCross] = [],
                numericBuckets: Int = 10, positiveLabel: String? = nil) {
        self.target = target
        self.numeric = numeric
        self.categorical = categorical
        self.crosses = crosses
        self.numericBuckets = numericBuckets
        self.positiveLabel = positiveLabel
    }

    /// Every column of `table` but the target and `excluded`, numeric or categorical as the
    /// table inferred or was told when it was read (`CSVTable(columnKinds:)`).
    public static func inferred(from table: CSVTable, target: String, crosses: [FeatureCross] = [],
                                excluding excluded: [String] = [], numericBuckets: Int = 10,
                                positiveLabel: String? = nil) throws(TabularError) -> TabularSchema {
        do {
            _ = try table.columnIndex(target)
            for name in excluded { _ = try table.columnIndex(name) }
        } catch {
            throw .csv(error)
        }
        let left = Set(excluded + [target])
        let features = zip(table.columnNames, table.columnKinds).filter { !left.contains($0.0) }
        let schema = TabularSchema(target: target, numeric: features.filter { $0.1 == .numeric }.map(\.0),
                                   categorical: features.filter { $0.1 == .categorical }.map(\.0), crosses: crosses,
                                   numericBuckets: numericBuckets, positiveLabel: positiveLabel)
        try schema.validate(against: table)
        return schema
    }

    /// Checks that every named column exists, none is named twice, crosses name features and
    /// settings are in range.
    public func validate(against table: CSVTable) throws(TabularError) {
        do {
            for name in [target] + numeric + categorical + crosses.flatMap(\.columns) { _ = try table.columnIndex(name) }
        } catch {
            throw .csv(error)
        }
        try validate()
    }

    /// The most buckets of one hashed cross: 2^24, as `TabularEncoder.maximumIDCount`.
    public static let maximumHashBuckets = 1 << 24

    /// The checks of `validate(against:)` that need no table: no column named twice, crosses
    /// of features with 1...`maximumHashBuckets` buckets, settings in range.
    public func validate() throws(TabularError) {
        var seen: Set<String> = [target]
        for name in numeric + categorical where !seen.insert(name).inserted { throw .duplicateFeature(name) }
        let features = Set(numeric + categorical)
        for cross in crosses {
            guard cross.columns.count >= 2 else { throw .invalidCross("\(cross.name) must name at least two columns") }
            if let column = cross.columns.first(where: { !features.contains($0) }) {
                throw .invalidCross("\(cross.name): \"\(column)\" is not a feature column")
            }
            if let buckets = cross.hashBuckets, !(1...Self.maximumHashBuckets).contains(buckets) {
                throw .invalidCross("\(cross.name): the bucket count must be in 1...\(Self.maximumHashBuckets)")
            }
            if numericBuckets == 0, let column = cross.columns.first(where: { numeric.contains($0) }) {
                throw .invalidCross("\(cross.name): numeric \"\(column)\" can be crossed only with numericBuckets > 0")
            }
        }
        guard (0...Self.maximumHashBuckets).contains(numericBuckets) else {
            throw .invalidSetting("numericBuckets must be in 0...\(Self.maximumHashBuckets), got \(numericBuckets)")
        }
    }
}
