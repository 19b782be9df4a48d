import Strata
import Testing

/// The oneDNN and C paths of the CPU backend against the reference loops, over geometries that
/// exercise stride, asymmetric padding, dilation and groups.
@Suite("Conformance: convolution and pooling")
struct ConvolutionConformanceTests {
    static let geometries: [(input: [Int], weight: [Int], geometry: ConvolutionGeometry)] = [
        ([2, 3, 9, 8], [4, 3, 3, 3], ConvolutionGeometry()),
        ([3, 4, 11, 10], [6, 4, 3, 2], ConvolutionGeometry(strideHeight: 2, strideWidth: 3, padTop: 1, padBottom: 1, padLeft: 2, padRight: 2)),
        ([2, 4, 12, 12], [4, 2, 3, 3], ConvolutionGeometry(padTop: 2, padBottom: 2, padLeft: 2, padRight: 2, dilationHeight: 2, dilationWidth: 2, groups: 2)),
        ([1, 6, 7, 7], [6, 1, 3, 3], ConvolutionGeometry(padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, groups: 6)),
        ([5, 2, 8, 9], [3, 2, 4, 4], ConvolutionGeometry(strideHeight: 2, strideWidth: 2, padTop: 1, padBottom: 2, padLeft: 1, padRight: 2)),
        ([2, 3, 28, 28], [8, 3, 5, 5], ConvolutionGeometry(padTop: 2, padBottom: 2, padLeft: 2, padRight: 2)),
    ]

    func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String) {
        let mismatch = actual.maximumMismatch(from: expected, relativeTolerance: 1e-4, absoluteTolerance: 1e-4)
        #expect(mismatch == nil, "\(what): \(String(describing: mismatch))")
    }

    @Test(arguments: 0..<geometries.count)
    func convolutionPassesAgree(case index: Int) {
        let (inputShape, weightShape, geometry) = Self.geometries[index]
        let generator = RandomGenerator(seed: UInt64(index))
        let x = Tensor.normal(inputShape, generator: generator)
        let weight = Tensor.normal(weightShape, generator: generator)
        let reference = ReferenceBackend(), cpu = CPUBackend.shared
        let expected = reference.convolution(x, weight, geometry: geometry)
        expectClose(cpu.convolution(x, weight, geometry: geometry), expected, "forward")
        let gradient = Tensor.normal(expected.shape, generator: generator)
        expectClose(cpu.convolutionBackwardInput(gradient, weight, inputShape: inputShape, geometry: geometry),
                    reference.convolutionBackwardInput(gradient, weight, inputShape: inputShape, geometry: geometry), "backward input")
        expectClose(cpu.convolutionBackwardWeight(x, gradient, weightShape: weightShape, geometry: geometry),
                    reference.convolutionBackwardWeight(x, gradient, weightShape: weightShape, geometry: geometry), "backward weight")
    }

    static let pools: [(input: [Int], geometry: PoolingGeometry)] = [
        ([2, 3, 8, 8], PoolingGeometry(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)),
        ([2, 2, 9, 7], PoolingGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1)),
        ([1, 2, 10, 11], PoolingGeometry(kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 3, padHeight: 1, padWidth: 1,
                                         ceilMode: true, countIncludePad: false)),
        ([1, 3, 9, 9], PoolingGeometry(kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padHeight: 1, padWidth: 1,
                                       dilationHeight: 2, dilationWidth: 2)),
    ]

    @Test(arguments: 0..<pools.count)
    func poolingAgrees(case index: Int) {
        let (inputShape, geometry) = Self.pools[index]
        let x = Tensor.normal(inputShape, generator: RandomGenerator(seed: 40 + UInt64(index)))
        let reference = ReferenceBackend(), cpu = CPUBackend.shared
        let (values, indices) = cpu.maxPool(x, geometry: geometry)
        let (expectedValues, expectedIndices) = reference.maxPool(x, geometry: geometry)
        #expect(values.scalars(as: Float.self) == expectedValues.scalars(as: Float.self))
        #expect(indices.scalars(as: Int64.self) == expectedIndices.scalars(as: Int64.self))
        // Average pooling has no dilation (as in PyTorch).
        guard geometry.dilationHeight == 1 && geometry.dilationWidth == 1 else { return }
        let average = cpu.averagePool(x, geometry: geometry)
        expectClose(average, reference.averagePool(x, geometry: geometry), "average")
        let gradient = Tensor.normal(average.shape, generator: RandomGenerator(seed: 50))
        expectClose(cpu.averagePoolBackward(gradient, inputShape: inputShape, geometry: geometry),
                    reference.averagePoolBackward(gradient, inputShape: inputShape, geometry: geometry), "average backward")
    }
}
