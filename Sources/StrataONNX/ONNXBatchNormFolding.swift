import Foundation
import Strata

/// BatchNormalization folded into the Conv before it, for inference: with
/// `factor = scale / sqrt(variance + epsilon)` per output channel, `bn(conv(x, W) + b)` equals
/// `conv(x, W * factor) + (b - mean) * factor + shift` (the batch norm's inference formula applied
/// to the convolution's output, which is linear in W and b).
///
/// The folded weights are cached per chain, keyed by the storage identities of the tensors they
/// came from and keeping those tensors alive, so a model with changed initializers (fine-tuned,
/// or a copy with others assigned) folds again, and repeated inference folds once.
final class ONNXBatchNormFolding: @unchecked Sendable {
    private struct Entry {
        let sources: [TensorStorageIdentity]
        let kept: [Tensor]
        let weight: Tensor, bias: Tensor
    }

    private let lock = NSLock()
    private var entries: [Int: Entry] = [:]

    /// The folded weight and bias of the chain starting at node `chain`, or nil when the batch
    /// norm does not fit (its checks then fail with typed errors when it runs as a node).
    func folded(chain: Int, norm: ONNXNode, weight: Tensor, bias: Tensor?, statistics: [Tensor]) throws(ONNXError) -> (Tensor, Tensor)? {
        let sources = [weight] + (bias.map { [$0] } ?? []) + statistics
        let identities = sources.map(\.storageIdentity)
        if let entry = lock.withLock({ entries[chain] }), entry.sources == identities { return (entry.weight, entry.bias) }
        try norm.checkAttributes(["epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"])
        let channels = weight.shape[0]
        guard try norm.int("training_mode", default: 0) == 0, try norm.int("spatial", default: 1) == 1,
              weight.dtype.isFloatingPoint, statistics.count == 4,
              statistics.allSatisfy({ $0.shape == [channels] && $0.dtype.isFloatingPoint }),
              bias.map({ $0.shape == [channels] && $0.dtype == weight.dtype }) ?? true
        else { return nil }
        let epsilon = try norm.float("epsilon", default: 1e-5)
        let (scale, shift, mean, variance) = (statistics[0], statistics[1], statistics[2], statistics[3])
        let folded: (Tensor, Tensor) = withoutGradients {
            let cast = { (t: Tensor) in t.dtype == weight.dtype ? t : t.cast(to: weight.dtype) }
            let factor = cast(scale) * rsqrt(cast(variance) + epsilon)
            let foldedWeight = weight * factor.reshaped(to: [channels, 1, 1, 1])
            let centered = (bias ?? Tensor.zeros([channels], dtype: weight.dtype)) - cast(mean)
            return (foldedWeight.contiguous(), centered * factor + cast(shift))
        }
        lock.withLock { entries[chain] = Entry(sources: identities, kept: sources, weight: folded.0, bias: folded.1) }
        return folded
    }
}
