import Strata
import StrataData
import Testing

/// Ten samples whose input row i is [i, 10 i] and whose label is i, so any batch shows which
/// samples it holds and that inputs stayed with their labels.
private func numbered(_ count: Int = 10) -> TensorDataset {
    let inputs = (0..<count).flatMap { [Float($0), Float(10 * $0)] }
    return TensorDataset(inputs: Tensor(inputs, shape: [count, 2]), labels: Tensor((0..<count).map(Int64.init)))
}

private func labels(_ batches: [(inputs: Tensor, labels: Tensor)]) -> [[Int64]] {
    batches.map { $0.labels.scalars(as: Int64.self) }
}

/// Checks that every input row still belongs to its label.
private func expectRowsMatchLabels(_ batches: [(inputs: Tensor, labels: Tensor)],
                                   sourceLocation: SourceLocation = #_sourceLocation) {
    for batch in batches {
        let expected = batch.labels.scalars(as: Int64.self).flatMap { [Float($0), Float(10 * $0)] }
        #expect(batch.inputs.scalars(as: Float.self) == expected, sourceLocation: sourceLocation)
        #expect(batch.inputs.shape == [batch.labels.shape[0], 2], sourceLocation: sourceLocation)
    }
}

@Test func batchesInOrderKeepTheLastSmallBatchUnlessDropped() {
    let dataset = numbered()
    #expect(dataset.count == 10)
    let batches = dataset.batches(size: 4)
    #expect(labels(batches) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    expectRowsMatchLabels(batches)
    #expect(labels(dataset.batches(size: 4, dropLast: true)) == [[0, 1, 2, 3], [4, 5, 6, 7]])
    // An exact multiple has nothing to drop.
    #expect(dataset.batches(size: 5, dropLast: true).count == 2)
    // A batch larger than the dataset: one short batch, or none when dropped.
    #expect(labels(dataset.batches(size: 32)) == [Array(0..<10)])
    #expect(dataset.batches(size: 32, dropLast: true).isEmpty)
}

@Test func shuffledBatchesFollowTheSeededPermutation() {
    let dataset = numbered()
    let order = permutation(10, generator: RandomGenerator(seed: 7)).map(Int64.init)
    let batches = dataset.batches(size: 4, shuffle: true, generator: RandomGenerator(seed: 7))
    #expect(labels(batches) == [Array(order[0..<4]), Array(order[4..<8]), Array(order[8..<10])])
    expectRowsMatchLabels(batches)
    // The same seed again gives the same epoch; another seed a different one.
    #expect(labels(dataset.batches(size: 4, shuffle: true, generator: RandomGenerator(seed: 7))) == labels(batches))
    #expect(labels(dataset.batches(size: 4, shuffle: true, generator: RandomGenerator(seed: 8))) != labels(batches))
    // One generator across epochs gives a new order each time.
    let generator = RandomGenerator(seed: 7)
    let first = labels(dataset.batches(size: 10, shuffle: true, generator: generator))
    let second = labels(dataset.batches(size: 10, shuffle: true, generator: generator))
    #expect(first != second)
    // dropLast drops the tail of the shuffled order.
    let dropped = dataset.batches(size: 4, shuffle: true, dropLast: true, generator: RandomGenerator(seed: 7))
    #expect(labels(dropped) == [Array(order[0..<4]), Array(order[4..<8])])
}

@Test func permutationIsAPermutationAndUniform() {
    #expect(permutation(0, generator: RandomGenerator(seed: 1)) == [])
    #expect(permutation(1, generator: RandomGenerator(seed: 1)) == [0])
    let order = permutation(50, generator: RandomGenerator(seed: 1))
    #expect(order.sorted() == Array(0..<50))
    #expect(order != Array(0..<50))
    // All 6 orders of 3 elements over 6,000 seeds: each expects 1000 with standard deviation
    // sqrt(6000 * 1/6 * 5/6) ≈ 29, so ±150 is five of them.
    var counts: [[Int]: Int] = [:]
    for seed in 0..<6000 { counts[permutation(3, generator: RandomGenerator(seed: UInt64(seed))), default: 0] += 1 }
    #expect(counts.count == 6)
    #expect(counts.values.allSatisfy { (850...1150).contains($0) }, "\(counts)")
}

@Test func normalizedScalesThenStandardizes() {
    let pixels = TensorDataset(inputs: Tensor([0, 255, 51, 127] as [Int32], shape: [2, 2]), labels: Tensor([3, 4] as [Int64]))
    let normalized = pixels.normalized(scale: 255, mean: 0.5, standardDeviation: 0.25)
    #expect(normalized.inputs.dtype == .float32)
    #expect(normalized.inputs.shape == [2, 2])
    // (x / 255 - 0.5) / 0.25: 0 -> -2, 255 -> 2, 51 -> (0.2 - 0.5) * 4 = -1.2, 127 -> (127/255 - 0.5) * 4.
    let expected = Tensor([-2, 2, -1.2, Float((127.0 / 255 - 0.5) * 4)] as [Float], shape: [2, 2])
    #expect(normalized.inputs.isApproximatelyEqual(to: expected, relativeTolerance: 1e-6, absoluteTolerance: 1e-6))
    #expect(normalized.labels.scalars(as: Int64.self) == [3, 4])
    // The defaults leave values alone, only converting them.
    #expect(pixels.normalized().inputs.scalars(as: Float.self) == [0, 255, 51, 127])
}

@Test func samplesAtPicksRowsInTheGivenOrder() {
    let picked = numbered().samples(at: Tensor([7, 2, 7] as [Int64]))
    #expect(picked.labels.scalars(as: Int64.self) == [7, 2, 7])
    #expect(picked.inputs.scalars(as: Float.self) == [7, 70, 2, 20, 7, 70])
}
