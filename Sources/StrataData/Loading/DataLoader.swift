import Foundation
import Strata

/// Mini-batches of a dataset for one epoch: shuffled by seed and epoch, optionally transformed,
/// and prepared ahead while the caller computes on the current one (`prefetchMode`).
///
/// Yields `(inputs: [B, ...], labels: [B, ...])` with B = `batchSize` (the last batch smaller
/// unless `dropLast`). Everything random depends only on `(seed, epoch)`: the order is
/// `permutation` with `RandomGenerator(seed: seed, counter: epoch * count)`, i.e. epoch e
/// continues the stream exactly where a generator used for epochs 0..<e would be; batch b's
/// transforms draw from their own generator seeded by a hash of `(seed, epoch, b)`. So two
/// loaders with the same settings yield identical batches, with or without prefetching.
///
///     var loader = DataLoader(training, batchSize: 64, shuffle: true, seed: 1,
///                             transforms: [RandomCrop(height: 28, width: 28, padding: 2)])
///     for epoch in 0..<10 {
///         loader.epoch = epoch
///         for (inputs, labels) in loader { ... }
///     }
public struct DataLoader<Source: Dataset>: Sequence, Sendable {
    public let dataset: Source
    public let batchSize: Int
    /// Defaults: in order, keep the last small batch, seed 0, epoch 0, no transforms, one batch
    /// prefetched.
    public var shuffle: Bool
    public var dropLast: Bool
    public var seed: UInt64
    public var epoch: Int
    /// Applied in order to each batch's inputs (not its labels).
    public var transforms: [any Transform]
    /// How many batches are prepared ahead (one at most by idle workers); 0 prepares each on
    /// demand.
    public var prefetchCount: Int
    /// Who prepares them; `.automatic` by default.
    public var prefetchMode = PrefetchMode.automatic
    /// This process's rank and the number of ranks in data-parallel training (`sharded`); 0 of 1
    /// by default.
    public private(set) var shardRank = 0
    public private(set) var shardCount = 1

    public init(_ dataset: Source, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0,
                epoch: Int = 0, transforms: [any Transform] = [], prefetchCount: Int = 1) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        precondition(prefetchCount >= 0, "DataLoader: prefetchCount must be >= 0, got \(prefetchCount)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.epoch = epoch
        self.transforms = transforms
        self.prefetchCount = prefetchCount
    }

    /// The number of batches in an epoch (global batches, when sharded).
    public var count: Int {
        let tail = dataset.count % batchSize
        // A sharded epoch drops a last batch too small to give every rank a sample.
        return dropLast || (tail > 0 && tail < shardCount) ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// This loader as rank `rank` of `size` sees it in data-parallel training (DistributedSampler
    /// semantics, without its padding): the epoch's order and its global batches of `batchSize`
    /// are the same on every rank, and each global batch is split into contiguous per-rank parts
    /// (`shardRange`), so every sample is seen once per epoch by exactly one rank. The last batch
    /// is split the same way, unevenly when it must (gradients are weighted by each rank's
    /// samples, so that stays exact); when it has fewer samples than there are ranks it is
    /// dropped (at most `size - 1` samples an epoch). A rank's transforms draw from its own
    /// stream, seeded by (seed, epoch, batch, rank).
    public func sharded(rank: Int, of size: Int) -> DataLoader {
        precondition(size >= 1 && (0..<size).contains(rank), "DataLoader.sharded: rank \(rank) outside a world of \(size)")
        precondition(batchSize >= size, "DataLoader.sharded: the global batch of \(batchSize) cannot give each of \(size) ranks a sample")
        var loader = self
        (loader.shardRank, loader.shardCount) = (rank, size)
        return loader
    }

    /// The sample order of the current epoch.
    public var order: [Int] {
        shuffle ? shuffledOrder(count: dataset.count, seed: seed, epoch: epoch) : Array(0..<dataset.count)
    }

    /// Batch `index` of the current epoch, given that epoch's `order`.
    func batch(_ index: Int, order: [Int]) -> (inputs: Tensor, labels: Tensor) {
        transformed(dataset.batch(at: indices(ofBatch: index, order: order)), index: index)
    }

    /// The samples of batch `index` (this rank's part of it, when sharded).
    func indices(ofBatch index: Int, order: [Int]) -> [Int] {
        let indices = Array(order[index * batchSize..<Swift.min((index + 1) * batchSize, order.count)])
        guard shardCount > 1 else { return indices }
        return Array(indices[shardRange(count: indices.count, rank: shardRank, size: shardCount)])
    }

    /// Starts gathering batch `index` as idle-time work of the pool; nil when the dataset's
    /// samples are not rows of tensors (`Dataset.sampleRows(at:)`).
    func startGathering(_ index: Int, order: [Int]) -> IdleTimeRowGather? {
        dataset.sampleRows(at: indices(ofBatch: index, order: order)).map { samples in
            IdleTimeRowGather(rows: samples.rows, of: [samples.inputs, samples.labels])
        }
    }

    /// Batch `index` from its gathered samples: `batch`'s result.
    func transformed(_ samples: (inputs: Tensor, labels: Tensor), index: Int) -> (inputs: Tensor, labels: Tensor) {
        var batch = samples
        if !transforms.isEmpty {
            var stream = Self.mix(Self.mix(Self.mix(seed) ^ UInt64(epoch)) ^ UInt64(index))
            if shardCount > 1 { stream = Self.mix(stream ^ UInt64(shardRank)) }
            let generator = RandomGenerator(seed: stream)
            batch.inputs = transforms(batch.inputs, generator: generator)
        }
        return batch
    }

    /// The SplitMix64 finalizer (Steele et al. 2014), to derive independent seeds.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public func makeIterator() -> Iterator { Iterator(loader: self) }

    /// Walks one epoch. Prefetching on a thread, the thread prepares batches ahead and stops
    /// when the iterator is dropped; by idle workers, `next()` finishes the gather of the batch
    /// it returns (its transforms run then, on the caller) and starts the next one's.
    public struct Iterator: IteratorProtocol {
        private let loader: DataLoader
        private let order: [Int]
        private let batchCount: Int
        private var position = 0
        private let prefetcher: Prefetcher?
        private let gathersInIdleTime: Bool
        /// The gather of batch `position` under way, when the workers prepare it.
        private var gathering: IdleTimeRowGather?

        init(loader: DataLoader) {
            self.loader = loader
            order = loader.order
            batchCount = loader.count
            let prefetches = loader.prefetchCount > 0 && batchCount > 0
            let onThread = loader.prefetchMode == .thread
                || (loader.prefetchMode == .automatic && parallelThreadCount < ProcessInfo.processInfo.activeProcessorCount)
            prefetcher = prefetches && onThread ? Prefetcher(loader: loader, order: order, batchCount: batchCount) : nil
            // A dataset whose samples are not rows of tensors makes each batch on demand.
            gathering = prefetches && !onThread ? loader.startGathering(0, order: order) : nil
            gathersInIdleTime = gathering != nil
        }

        public mutating func next() -> (inputs: Tensor, labels: Tensor)? {
            if let prefetcher { return prefetcher.buffer.take() }
            guard position < batchCount else { return nil }
            defer { position += 1 }
            guard gathersInIdleTime else { return loader.batch(position, order: order) }
            let batch = gathering.map { gathered in
                let tensors = gathered.finish()
                return loader.transformed((tensors[0], tensors[1]), index: position)
            } ?? loader.batch(position, order: order)
            gathering = position + 1 < batchCount ? loader.startGathering(position + 1, order: order) : nil
            return batch
        }
    }

    /// Owns the producer thread's buffer; cancelling it on deinit lets the thread end.
    private final class Prefetcher: Sendable {
        let buffer: PrefetchBuffer<(inputs: Tensor, labels: Tensor)>

        init(loader: DataLoader, order: [Int], batchCount: Int) {
            let buffer = PrefetchBuffer<(inputs: Tensor, labels: Tensor)>(capacity: loader.prefetchCount)
            self.buffer = buffer
            // The batches are made on this thread alone, so the training step keeps the pool.
            let thread = Thread {
                withoutThreadPool {
                    for index in 0..<batchCount {
                        guard buffer.put(loader.batch(index, order: order)) else { return }
                    }
                    buffer.finish()
                }
            }
            thread.name = "DataLoader prefetch"
            thread.start()
        }

        deinit { buffer.cancel() }
    }
}

/// Who prepares a `DataLoader`'s batches ahead.
public enum PrefetchMode: Sendable {
    /// A thread of the loader's own, up to `prefetchCount` batches ahead.
    case thread
    /// The thread pool's workers, while they wait between the parallel loops of the caller's
    /// step, a few kilobytes at a time (`IdleTimeRowGather`), one batch ahead; transforms run
    /// on the caller. For datasets whose samples are rows of tensors
    /// (`Dataset.sampleRows(at:)`); other datasets' batches are made on demand.
    case idleWorkers
    /// `.thread` when a processor is left beside the pool (`parallelThreadCount`, e.g. under
    /// `STRATA_NUM_THREADS=1`), else `.idleWorkers`. When the pool has a thread on every
    /// processor and spins between its loops, a thread of the loader's own can only run in the
    /// place of one of them, mid-step, while the other waits for it at the loop's end: on two
    /// cores that cost `strata train --model mlp` several times the gather's own time.
    case automatic
}

/// The sample order of epoch `epoch` of `count` samples shuffled by `seed`: `permutation` with
/// `RandomGenerator(seed: seed, counter: epoch * count)`, so epoch e continues the random stream
/// where epochs 0..<e left it. `DataLoader` and the tabular trainer shuffle this way.
public func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    precondition(epoch >= 0, "shuffledOrder: epoch must be >= 0, got \(epoch)")
    let generator = RandomGenerator(seed: seed, counter: UInt64(epoch) &* UInt64(count))
    return permutation(count, generator: generator)
}
