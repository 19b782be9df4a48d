import Strata
import Testing

// The CPU backend's shortcuts must give exactly the values of the paths they bypass:
// dense binary operands skip the strided loop, and large buffers are reused after being freed.
// add/subtract/multiply/divide/maximum/minimum are single IEEE operations, so the reference
// backend and the strided path must agree bit for bit.

private let exactOperations: [(String, @Sendable (Tensor, Tensor) -> Tensor)] = [
    ("add", { $0 + $1 }), ("subtract", { $0 - $1 }), ("multiply", { $0 * $1 }), ("divide", { $0 / $1 }),
    ("maximum", { maximum($0, $1) }), ("minimum", { minimum($0, $1) }),
]

@Test(arguments: [[4], [3, 5], [2, 3, 7], [70_000], [300, 200]])
func denseBinaryMatchesReferenceAndStridedPath(shape: [Int]) {
    let generator = RandomGenerator(seed: 7)
    let a = Tensor.uniform(shape, low: -3, high: 3, generator: generator)
    // A row broadcast over `a` (strided runs, outer stride 0) and the same values made dense.
    let row = Tensor.uniform([shape.last!], low: 0.5, high: 3, generator: generator)
    let broadcastRow = row.expanded(to: shape)
    let denseRow = broadcastRow.contiguous()
    for (name, op) in exactOperations {
        let fast = op(a, denseRow).scalars(as: Float.self)
        let reference = withBackend(ReferenceBackend()) { op(a, denseRow) }.scalars(as: Float.self)
        #expect(fast == reference, "\(name) \(shape)")
        #expect(op(a, broadcastRow).scalars(as: Float.self) == fast, "\(name) \(shape) strided")
    }
}

@Test func reusedLargeBuffersHoldFreshResults() {
    // 2M float32 = 8 MiB, above the 4 MiB threshold of the large-buffer cache.
    let count = 2 * 1024 * 1024
    let a = Tensor.uniform([count], low: -1, high: 1, generator: RandomGenerator(seed: 1))
    let b = Tensor.uniform([count], low: -1, high: 1, generator: RandomGenerator(seed: 2))
    let expected = withBackend(ReferenceBackend()) { a + b }.scalars(as: Float.self)
    for _ in 0..<3 {
        // Each round frees its result, so the next one is written into a reused buffer.
        #expect((a + b).scalars(as: Float.self) == expected)
        #expect(relu(a - b).scalars(as: Float.self) == withBackend(ReferenceBackend()) { relu(a - b) }.scalars(as: Float.self))
    }
}
