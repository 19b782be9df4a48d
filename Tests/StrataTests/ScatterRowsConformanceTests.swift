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

/// Rows of every width around the short-row paths (a width-1 wide weight, a few-wide embedding,
/// the kernel from 16 elements on): the row gather (float32 and int32, 4-byte rows by a load and
/// a store) and the row scatter against the reference.
@Test(arguments: [1, 3, 15, 16, 17])
func rowGatherAndScatterOfShortRowsAgreeWithTheReference(width: Int) {
    let generator = RandomGenerator(seed: 22)
    let indices = Tensor([8, 0, 8, 3, 0, 0, 5] as [Int64])
    let index = indices.reshaped(to: [7, 1]).expanded(to: [7, width])
    let table = Tensor.normal([9, width], generator: generator)
    let source = Tensor.normal([7, width], generator: generator)
    for x in [table, (table * 100).cast(to: .int32)] {
        let fast = CPUBackend.shared.gather(x, axis: 0, index: index)
        let expected = ReferenceBackend().gather(x, axis: 0, index: index)
        #expect(fast.cast(to: .float64).scalars(as: Double.self) == expected.cast(to: .float64).scalars(as: Double.self))
    }
    let fast = CPUBackend.shared.scatterAdd(table, axis: 0, index: index, source: source)
    let expected = ReferenceBackend().scatterAdd(table, axis: 0, index: index, source: source)
    #expect(fast.maximumMismatch(from: expected, relativeTolerance: 1e-6, absoluteTolerance: 1e-6) == nil)
}
