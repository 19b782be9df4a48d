import Strata
import StrataData
import Testing

/// `count` one-pixel images whose value and label are both the sample number, so any batch
/// shows which samples it holds.
private func numberedImages(_ count: Int) -> TensorDataset {
    TensorDataset(inputs: Tensor((0..<count).map { Float($0) }, shape: [count, 1, 1, 1]),
                  labels: Tensor((0..<count).map(Int64.init)))
}

private func labels<Source: Dataset>(_ loader: DataLoader<Source>) -> [[Int64]] {
    loader.map { $0.labels.scalars(as: Int64.self) }
}

@Test func inOrderBatchesKeepOrDropTheLastSmallBatch() {
    let dataset = numberedImages(10)
    let loader = DataLoader(dataset, batchSize: 4)
    #expect(loader.count == 3)
    #expect(labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    for batch in loader {
        #expect(batch.inputs.shape == [batch.labels.shape[0], 1, 1, 1])
        #expect(batch.inputs.scalars(as: Float.self) == batch.labels.scalars(as: Int64.self).map { Float($0) })
    }
    let dropping = DataLoader(dataset, batchSize: 4, dropLast: true)
    #expect(dropping.count == 2)
    #expect(labels(dropping) == [[0, 1, 2, 3], [4, 5, 6, 7]])
    #expect(DataLoader(dataset, batchSize: 5, dropLast: true).count == 2)
    #expect(labels(DataLoader(dataset, batchSize: 32, dropLast: true)).isEmpty)
    #expect(labels(DataLoader(numberedImages(0), batchSize: 3)).isEmpty)
}

@Test func shuffledOrderDependsOnlyOnSeedAndEpoch() {
    let dataset = numberedImages(12)
    var loader = DataLoader(dataset, batchSize: 5, shuffle: true, seed: 4)
    let epoch0 = labels(loader)
    #expect(epoch0.map(\.count) == [5, 5, 2])
    #expect(epoch0.flatMap { $0 }.sorted() == Array(0..<12))
    // Epoch 0 is the seed's permutation; epoch e continues one generator over the earlier epochs.
    #expect(epoch0.flatMap { $0 } == permutation(12, generator: RandomGenerator(seed: 4)).map(Int64.init))
    loader.epoch = 2
    let epoch2 = labels(loader)
    let generator = RandomGenerator(seed: 4)
    _ = permutation(12, generator: generator)
    _ = permutation(12, generator: generator)
    #expect(epoch2.flatMap { $0 } == permutation(12, generator: generator).map(Int64.init))
    #expect(epoch2 != epoch0)
    // A second loader, or the same one iterated again, repeats the epoch exactly.
    #expect(labels(loader) == epoch2)
    #expect(labels(DataLoader(dataset, batchSize: 5, shuffle: true, seed: 4, epoch: 2)) == epoch2)
    #expect(labels(DataLoader(dataset, batchSize: 5, shuffle: true, seed: 5, epoch: 2)) != epoch2)
    // dropLast drops the tail of the shuffled order.
    let dropped = labels(DataLoader(dataset, batchSize: 5, shuffle: true, dropLast: true, seed: 4))
    #expect(dropped == Array(epoch0.prefix(2)))
}

@Test func prefetchingYieldsTheSameBatchesAsPreparingOnDemand() {
    let dataset = TensorDataset(inputs: Tensor((0..<(37 * 3 * 4 * 4)).map { Float($0 % 17) }, shape: [37, 3, 4, 4]),
                                labels: Tensor((0..<37).map(Int64.init)))
    let transforms: [any Transform] = [RandomCrop(height: 4, width: 4, padding: 1), RandomHorizontalFlip(),
                                       GaussianNoise(standardDeviation: 0.1)]
    let settings: [(count: Int, mode: PrefetchMode)] = [(1, .thread), (3, .thread), (1, .idleWorkers), (2, .idleWorkers),
                                                         (1, .automatic)]
    for (prefetchCount, mode) in settings {
        for epoch in 0..<2 {
            let onDemand = DataLoader(dataset, batchSize: 8, shuffle: true, seed: 21, epoch: epoch,
                                      transforms: transforms, prefetchCount: 0)
            var prefetched = DataLoader(dataset, batchSize: 8, shuffle: true, seed: 21, epoch: epoch,
                                        transforms: transforms, prefetchCount: prefetchCount)
            prefetched.prefetchMode = mode
            let expected = Array(onDemand)
            let actual = Array(prefetched)
            #expect(actual.count == 5 && expected.count == 5)
            for (a, b) in zip(actual, expected) {
                #expect(a.labels.scalars(as: Int64.self) == b.labels.scalars(as: Int64.self))
                #expect(a.inputs.shape == [a.labels.shape[0], 3, 4, 4])
                #expect(a.inputs.scalars(as: Float.self) == b.inputs.scalars(as: Float.self))
            }
        }
    }
}

@Test func transformsChangeInputsByEpochButNotLabels() {
    let dataset = TensorDataset(inputs: Tensor.zeros([6, 1, 2, 2]), labels: Tensor((0..<6).map(Int64.init)))
    let noisy = DataLoader(dataset, batchSize: 3, transforms: [GaussianNoise(standardDeviation: 1)])
    var later = noisy
    later.epoch = 1
    let first = noisy.map { $0.inputs.scalars(as: Float.self) }
    #expect(first == noisy.map { $0.inputs.scalars(as: Float.self) })
    #expect(first != later.map { $0.inputs.scalars(as: Float.self) })
    // Batches of one epoch draw differently from one another.
    #expect(first[0] != first[1])
    #expect(labels(noisy) == [[0, 1, 2], [3, 4, 5]])
}

@Test func stoppingEarlyReleasesThePrefetchThread() {
    // Leaving the loop after one batch drops the iterator, which cancels the producer blocked on
    // a full buffer; a leaked producer would keep the process from finishing cleanly.
    let loader = DataLoader(numberedImages(100), batchSize: 2, prefetchCount: 2)
    for _ in 0..<20 {
        var iterator = loader.makeIterator()
        #expect(iterator.next()?.labels.scalars(as: Int64.self) == [0, 1])
    }
}

/// Samples made one by one rather than rows of tensors: `sampleRows(at:)` keeps its nil default.
private struct ComputedSamples: Dataset {
    var count: Int { 23 }

    func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        (Tensor(indices.map { Float($0) * 0.5 }, shape: [indices.count, 1]), Tensor(indices.map(Int64.init)))
    }
}

@Test func idleWorkersGatherSubsetsAndShardsAndMakeOtherDatasetsOnDemand() {
    // A subset maps its rows through to the tensors' rows; a shard gathers its own part.
    let subset = DatasetSubset(base: numberedImages(40), indices: (0..<40).map { $0 * 7 % 40 })
    for rank in 0..<3 {
        let plain = DataLoader(subset, batchSize: 7, shuffle: true, seed: 2, prefetchCount: 0).sharded(rank: rank, of: 3)
        var idle = plain
        idle.prefetchCount = 1
        idle.prefetchMode = .idleWorkers
        #expect(labels(idle) == labels(plain))
        #expect(idle.map { $0.inputs.scalars(as: Float.self) } == plain.map { $0.inputs.scalars(as: Float.self) })
    }
    #expect(subset.sampleRows(at: [1, 2])?.rows == [7, 14])
    var computed = DataLoader(ComputedSamples(), batchSize: 5, shuffle: true, seed: 3)
    computed.prefetchMode = .idleWorkers
    #expect(labels(computed) == labels(DataLoader(ComputedSamples(), batchSize: 5, shuffle: true, seed: 3, prefetchCount: 0)))
    #expect(labels(computed).flatMap { $0 }.sorted() == (0..<23).map(Int64.init))
}

@Test func stoppingEarlyLeavesNoGatherBehind() {
    // An iterator dropped after one batch leaves the next batch's gather offered; a later one
    // replaces the offer and every batch still comes out whole.
    var loader = DataLoader(numberedImages(100), batchSize: 2)
    loader.prefetchMode = .idleWorkers
    for _ in 0..<20 {
        var iterator = loader.makeIterator()
        #expect(iterator.next()?.labels.scalars(as: Int64.self) == [0, 1])
    }
    let expected: [[Int64]] = (0..<50).map { (pair: Int) -> [Int64] in [Int64(2 * pair), Int64(2 * pair + 1)] }
    #expect(labels(loader) == expected)
}
