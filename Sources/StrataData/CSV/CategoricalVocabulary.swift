/// A mapping from category labels to indices, with one bucket for missing values and one for
/// labels not seen when it was built.
///
/// Index 0 is missing, 1 unknown, and the categories follow from 2 in sorted order (so the
/// encoding does not depend on row order). Build it from training rows only, so validation
/// labels absent from training land in the unknown bucket as they would in deployment.
public struct CategoricalVocabulary: Sendable, Equatable {
    public static let missingIndex = 0
    public static let unknownIndex = 1

    /// The known categories; category `categories[i]` has index `i + 2`.
    public let categories: [String]
    private let indices: [String: Int]

    /// The categories seen at least `minimumCount` times among `values` (`nil` is missing and
    /// not a category); rarer ones go to the unknown bucket.
    public init(_ values: some Sequence<String?>, minimumCount: Int = 1) {
        precondition(minimumCount >= 1, "CategoricalVocabulary: minimumCount must be at least 1, got \(minimumCount)")
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        categories = counts.filter { $0.value >= minimumCount }.keys.sorted()
        indices = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($0.element, $0.offset + 2) })
    }

    /// The number of indices, buckets included: `categories.count + 2`.
    public var count: Int { categories.count + 2 }

    /// The index of `value`: `missingIndex` for nil, `unknownIndex` for a label it lacks.
    public func index(of value: String?) -> Int {
        guard let value else { return Self.missingIndex }
        return indices[value] ?? Self.unknownIndex
    }

    /// The label at `index`, or nil for the two buckets.
    public func category(at index: Int) -> String? {
        precondition((0..<count).contains(index), "CategoricalVocabulary: index \(index) is outside 0..<\(count)")
        return index < 2 ? nil : categories[index - 2]
    }
}
