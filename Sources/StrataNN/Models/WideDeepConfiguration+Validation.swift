/// Why a `WideDeepConfiguration` (typically read from a weights file) cannot build a model.
public enum WideDeepConfigurationError: Error, Equatable, CustomStringConvertible {
    /// A count or width outside its range (`field` names the entry, as `categoryCounts[1]`).
    case sizeOutOfRange(field: String, value: Int, allowed: ClosedRange<Int>)
    /// One embedding width per categorical column is needed.
    case mismatchedEmbeddingSizes(embeddingSizes: Int, categoryCounts: Int)
    /// The deep part has neither categorical nor numeric columns.
    case noDeepInputs
    /// Dropout outside `[0, 1)`.
    case dropoutOutOfRange(Double)
    /// The model would hold more than `WideDeepConfiguration.maximumParameterCount` parameters.
    case tooManyParameters(maximum: Int)

    public var description: String {
        switch self {
        case .sizeOutOfRange(let field, let value, let allowed):
            "wide-deep configuration: \(field) is \(value), outside \(allowed.lowerBound)...\(allowed.upperBound)"
        case .mismatchedEmbeddingSizes(let embeddingSizes, let categoryCounts):
            "wide-deep configuration: \(embeddingSizes) embedding sizes for \(categoryCounts) categorical columns"
        case .noDeepInputs: "wide-deep configuration: the deep part has no categorical or numeric columns"
        case .dropoutOutOfRange(let dropout): "wide-deep configuration: dropout \(dropout) is outside [0, 1)"
        case .tooManyParameters(let maximum): "wide-deep configuration: the model would have more than \(maximum) parameters"
        }
    }
}

extension WideDeepConfiguration {
    /// The most ids of one table (wide or a column's embedding): 2^24, beyond any vocabulary a CSV
    /// file gives, so that a corrupt count fails before a huge allocation.
    public static let maximumRowCount = 1 << 24
    /// The widest embedding, hidden layer or numeric input: 2^16.
    public static let maximumWidth = 1 << 16
    /// The most parameters a configuration may build: 2^28, 1 GiB of float32.
    public static let maximumParameterCount = 1 << 28

    /// Checks every size before anything is allocated: counts and widths in range, one embedding
    /// width per categorical column, inputs for each part it builds, dropout in `[0, 1)`, and at
    /// most `maximumParameterCount` parameters in all.
    /// - Throws: `WideDeepConfigurationError` naming the first problem.
    public func validate() throws(WideDeepConfigurationError) {
        let usesWide = parts != .deep, usesDeep = parts != .wide
        func check(_ field: String, _ value: Int, _ allowed: ClosedRange<Int>) throws(WideDeepConfigurationError) {
            guard allowed.contains(value) else { throw .sizeOutOfRange(field: field, value: value, allowed: allowed) }
        }
        try check("wideFeatureCount", wideFeatureCount, (usesWide ? 1 : 0)...Self.maximumRowCount)
        try check("numericCount", numericCount, 0...Self.maximumWidth)
        for (index, count) in categoryCounts.enumerated() {
            try check("categoryCounts[\(index)]", count, 1...Self.maximumRowCount)
        }
        guard embeddingSizes.count == categoryCounts.count else {
            throw .mismatchedEmbeddingSizes(embeddingSizes: embeddingSizes.count, categoryCounts: categoryCounts.count)
        }
        for (index, size) in embeddingSizes.enumerated() { try check("embeddingSizes[\(index)]", size, 1...Self.maximumWidth) }
        for (index, size) in hiddenSizes.enumerated() { try check("hiddenSizes[\(index)]", size, 1...Self.maximumWidth) }
        guard (0..<1).contains(dropout) else { throw .dropoutOutOfRange(dropout) }
        // Every term below is at most 2^28 * 2^16 = 2^44 and is added to a total kept under
        // 2^28, so nothing overflows; the count stops at the first term past the maximum.
        var total = 1 + (usesWide ? wideFeatureCount : 0)
        func add(_ count: Int) throws(WideDeepConfigurationError) {
            total += count
            guard total <= Self.maximumParameterCount else { throw .tooManyParameters(maximum: Self.maximumParameterCount) }
        }
        guard usesDeep else { return }
        var width = numericCount
        for (count, size) in zip(categoryCounts, embeddingSizes) {
            try add(count * size)
            width += size
            guard width <= Self.maximumParameterCount else { throw .tooManyParameters(maximum: Self.maximumParameterCount) }
        }
        guard width > 0 else { throw .noDeepInputs }
        for hidden in hiddenSizes {
            try add(width * hidden + hidden)
            width = hidden
        }
        try add(width)
    }
}
