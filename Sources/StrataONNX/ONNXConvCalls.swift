import Foundation
import Strata

/// The calls of a model's fused Conv chains (`ONNXOperators.ConvCall` and the MaxPool's
/// geometry), read from their nodes' attributes and checked once per chain and input signature,
/// so that repeated inference goes from one convolution to the next without parsing attributes.
/// A chain keeps the call of its last signature; inputs of another shape or type work theirs
/// out again (and replace it).
final class ONNXConvCalls: @unchecked Sendable {
    /// What a chain's call depends on besides its nodes: the shapes and types of its tensors.
    struct Signature: Equatable {
        let input: [Int], dtype: DType
        let weight: [Int], weightType: DType
        let bias: [Int]?, biasType: DType?
        let residual: [Int]?, residualType: DType?
    }

    private struct Entry {
        let signature: Signature
        let call: ONNXOperators.ConvCall
        let pool: PoolingGeometry?
    }

    private let lock = NSLock()
    private var entries: [Int: Entry] = [:]

    /// The call kept for the chain starting at node `chain`, when it was worked out for `signature`.
    func call(chain: Int, _ signature: Signature) -> (ONNXOperators.ConvCall, PoolingGeometry?)? {
        guard let entry = lock.withLock({ entries[chain] }), entry.signature == signature else { return nil }
        return (entry.call, entry.pool)
    }

    /// Keeps `call` and `pool` for the chain starting at node `chain` on inputs of `signature`.
    func keep(_ call: ONNXOperators.ConvCall, pool: PoolingGeometry?, chain: Int, _ signature: Signature) {
        lock.withLock { entries[chain] = Entry(signature: signature, call: call, pool: pool) }
    }
}
