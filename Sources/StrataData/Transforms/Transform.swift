import Strata

/// A preparation step for a batch of images `[N, C, H, W]`, random ones seeded by the
/// generator they are handed.
///
/// Transforms compose as an array, applied in order with one generator:
/// `[RandomCrop(...), RandomHorizontalFlip()](batch, generator: generator)`.
public protocol Transform: Sendable {
    /// batch: `[N, C, H, W]` float32; returns `[N, C, H', W']` float32.
    func callAsFunction(_ batch: Tensor, generator: RandomGenerator) -> Tensor
}

extension Array where Element == any Transform {
    /// Applies each transform in order, drawing from one generator.
    public func callAsFunction(_ batch: Tensor, generator: RandomGenerator) -> Tensor {
        reduce(batch) { result, transform in transform(result, generator: generator) }
    }
}

/// Traps unless `batch` is a float32 `[N, C, H, W]` image batch.
func requireImageBatch(_ batch: Tensor, _ name: String) {
    precondition(batch.rank == 4 && batch.dtype == .float32,
                 "\(name): expects a float32 [N, C, H, W] batch, got \(batch.dtype) \(batch.shape)")
}
