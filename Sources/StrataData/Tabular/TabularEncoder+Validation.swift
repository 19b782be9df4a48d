extension TabularEncoder {
    /// The most ids of the wide id space and of one categorical column: 2^24, so that a corrupt
    /// saved encoder fails before a model of that size is allocated.
    public static let maximumIDCount = 1 << 24

    /// Checks a decoded encoder before it encodes anything: its schema (`TabularSchema.validate()`);
    /// one entry per column in every field; two distinct labels; distinct categories and cross
    /// combinations; finite means and finite positive standard deviations; bucket boundaries
    /// strictly increasing, finite and fewer than `numericBuckets`; at most `maximumIDCount` ids
    /// per column and in the wide id space.
    /// - Throws: `TabularError.invalidEncoder` naming the field, or the schema's error.
    public func validate() throws(TabularError) {
        try schema.validate()
        func count(_ field: String, _ values: [some Any], _ expected: Int, _ what: String) throws(TabularError) {
            guard values.count == expected else {
                throw .invalidEncoder(field: field, reason: "has \(values.count) entries for \(expected) \(what)")
            }
        }
        try count("labels", labels, 2, "target labels")
        try count("categories", categories, schema.categorical.count, "categorical columns")
        try count("means", means, schema.numeric.count, "numeric columns")
        try count("standardDeviations", standardDeviations, schema.numeric.count, "numeric columns")
        try count("bucketBoundaries", bucketBoundaries, schema.numeric.count, "numeric columns")
        try count("crossCombinations", crossCombinations, schema.crosses.count, "crosses")
        guard labels[0] != labels[1] else { throw .invalidEncoder(field: "labels", reason: "holds \"\(labels[0])\" twice") }
        for (index, column) in categories.enumerated() {
            try Self.checkVocabulary(column, field: "categories[\(index)]")
        }
        for (index, (mean, deviation)) in zip(means, standardDeviations).enumerated() {
            guard mean.isFinite else { throw .invalidEncoder(field: "means[\(index)]", reason: "is \(mean), not finite") }
            guard deviation.isFinite, deviation > 0 else {
                throw .invalidEncoder(field: "standardDeviations[\(index)]", reason: "is \(deviation), not finite and positive")
            }
        }
        for (index, boundaries) in bucketBoundaries.enumerated() {
            let field = "bucketBoundaries[\(index)]"
            guard boundaries.allSatisfy(\.isFinite), zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw .invalidEncoder(field: field, reason: "must be finite and strictly increasing")
            }
            // Quantile buckets: at most numericBuckets - 1 cut points, none without buckets.
            guard boundaries.count <= max(0, schema.numericBuckets - 1) else {
                throw .invalidEncoder(field: field, reason: "has \(boundaries.count) cut points for \(schema.numericBuckets) buckets")
            }
        }
        for (index, (cross, combinations)) in zip(schema.crosses, crossCombinations).enumerated() {
            let field = "crossCombinations[\(index)]"
            switch (cross.hashBuckets, combinations) {
            case (nil, nil): throw .invalidEncoder(field: field, reason: "is missing for the explicit cross \(cross.name)")
            case (.some, .some): throw .invalidEncoder(field: field, reason: "must be null for the hashed cross \(cross.name)")
            case (nil, let combinations?): try Self.checkVocabulary(combinations, field: field)
            case (.some, nil): break
            }
        }
        // Each field is at most 2^24 + 2 ids (checked above), so the running sum cannot overflow.
        var total = 0
        for size in wideFieldSizes {
            total += size
            guard total <= Self.maximumIDCount else {
                throw .invalidEncoder(field: "wideFeatureCount", reason: "exceeds \(Self.maximumIDCount) ids")
            }
        }
    }

    /// The known labels of a `CategoricalVocabulary`: distinct, and with the two buckets at most
    /// `maximumIDCount` ids.
    private static func checkVocabulary(_ labels: [String], field: String) throws(TabularError) {
        guard labels.count + 2 <= maximumIDCount else {
            throw .invalidEncoder(field: field, reason: "has \(labels.count) labels, more than \(maximumIDCount - 2)")
        }
        guard Set(labels).count == labels.count else { throw .invalidEncoder(field: field, reason: "holds a label twice") }
    }
}
