import Strata
import Testing

/// The CPU backend's whole-slice scatterAdd (the adjoint of indexSelect, used by embedding
/// gradients) against the reference, with repeated indices, along the first and a middle axis.
@Test(arguments: [0, 1])
func scatterAddOfWholeSlicesAgreesWithTheReference(axis: Int) {
    let generator = RandomGenerator(seed: 21)
    let baseShape = [5, 6, 7]
    let indices = Tensor([4, 0, 4, 2, 0, 0] as [Int64])
    var indexShape = [1, 1, 1]
    indexShape[axis] = indices.shape[0]
    var sourceShape = baseShape
    sourceShape[axis] = indices.shape[0]
    let index = indices.reshaped(to: indexShape).expanded(to: sourceShape)
    let base = Tensor.normal(baseShape, generator: generator)
    let source = Tensor.normal(sourceShape, generator: generator)
    let fast = CPUBackend.shared.scatterAdd(base, axis: axis, index: index, source: source)
    let expected = ReferenceBackend().scatterAdd(base, axis: axis, index: index, source: source)
    #expect(fast.maximumMismatch(from: expected, relativeTolerance: 1e-6, absoluteTolerance: 1e-6) == nil)
}
