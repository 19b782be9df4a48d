import Strata

/// Partitions `dataset` into disjoint random subsets with the given fractions of its samples.
///
/// The samples are shuffled by `permutation` with `RandomGenerator(seed: seed)`, then cut at the
/// rounded cumulative fractions, so the same seed always gives the same parts and every sample
/// lands in exactly one. `fractions` must be non-negative and sum to 1.
public func split<Base: Dataset>(_ dataset: Base, fractions: [Double], seed: UInt64) -> [DatasetSubset<Base>] {
    splitIndices(count: dataset.count, fractions: fractions, seed: seed).map { DatasetSubset(base: dataset, indices: $0) }
}

/// The positions `0..<count` partitioned as `split(_:fractions:seed:)` partitions a dataset's
/// samples: shuffled by `permutation` with `RandomGenerator(seed: seed)`, then cut at the
/// rounded cumulative fractions (for tables and other collections that are not a `Dataset`).
public func splitIndices(count: Int, fractions: [Double], seed: UInt64) -> [[Int]] {
    precondition(!fractions.isEmpty && fractions.allSatisfy { $0 >= 0 },
                 "split: fractions must be non-empty and non-negative, got \(fractions)")
    precondition(abs(fractions.reduce(0, +) - 1) < 1e-9, "split: fractions \(fractions) do not sum to 1")
    let order = permutation(count, generator: RandomGenerator(seed: seed))
    var parts: [[Int]] = []
    var start = 0
    var cumulative = 0.0
    for (part, fraction) in fractions.enumerated() {
        cumulative += fraction
        // Rounding the cumulative boundary (not each size) keeps the sizes summing to count.
        let end = part == fractions.count - 1 ? count : Int((cumulative * Double(count)).rounded())
        parts.append(Array(order[start..<end]))
        start = end
    }
    return parts
}

/// Splits `dataset` into training and validation parts, `validationFraction` of the samples
/// (rounded) going to validation. The same seed gives the same parts.
public func split<Base: Dataset>(_ dataset: Base, validationFraction: Double, seed: UInt64)
    -> (training: DatasetSubset<Base>, validation: DatasetSubset<Base>) {
    precondition((0...1).contains(validationFraction), "split: validationFraction \(validationFraction) is outside [0, 1]")
    let parts = split(dataset, fractions: [1 - validationFraction, validationFraction], seed: seed)
    return (parts[0], parts[1])
}

/// The positions `0..<count` split into the `count - validationCount` kept for training and the
/// `validationCount` held out, each part in ascending order: a seeded `splitIndices` cut at the
/// exact count.
public func holdOutIndices(count: Int, validationCount: Int, seed: UInt64) -> (training: [Int], validation: [Int]) {
    precondition((0...count).contains(validationCount), "holdOutIndices: cannot hold out \(validationCount) of \(count)")
    guard validationCount > 0 else { return (Array(0..<count), []) }
    let kept = Double(count - validationCount) / Double(count)
    let parts = splitIndices(count: count, fractions: [kept, 1 - kept], seed: seed)
    return (parts[0].sorted(), parts[1].sorted())
}

extension TensorDataset {
    /// The samples split by `holdOutIndices` into those kept for training and the
    /// `validationCount` held out for validation, each part in the dataset's order.
    public func holdingOut(_ validationCount: Int, seed: UInt64) -> (training: TensorDataset, validation: TensorDataset) {
        let parts = holdOutIndices(count: count, validationCount: validationCount, seed: seed)
        func subset(_ indices: [Int]) -> TensorDataset {
            let selected = samples(at: Tensor(indices.map(Int64.init), shape: [indices.count]))
            return TensorDataset(inputs: selected.inputs, labels: selected.labels)
        }
        return (subset(parts.training), subset(parts.validation))
    }
}
