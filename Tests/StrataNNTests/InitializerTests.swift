import Strata
import StrataNN
import Testing

// Each initializer's bounds and statistics on a few tens of thousands of draws with a fixed seed.
// Expected standard deviations are the formulas in PyTorch's torch.nn.init; tolerances are
// several standard errors, worked out beside each check (`moments` is in LayerTests.swift).

@Test func gainsMatchPyTorchCalculateGain() {
    // torch.nn.init.calculate_gain: linear 1, sigmoid 1, tanh 5/3 (1.6666666666666667),
    // relu sqrt(2) (1.4142135623730951), selu 3/4, leaky_relu(0.2) sqrt(2 / 1.04) (1.3867504905630728).
    #expect(Nonlinearity.linear.gain == 1)
    #expect(Nonlinearity.sigmoid.gain == 1)
    #expect(Nonlinearity.tanh.gain == 1.6666666666666667)
    #expect(Nonlinearity.relu.gain == 1.4142135623730951)
    #expect(Nonlinearity.selu.gain == 0.75)
    #expect(Swift.abs(Nonlinearity.leakyReLU(negativeSlope: 0.2).gain - 1.3867504905630728) < 1e-15)
}

@Test func fansCountTheReceptiveField() {
    // torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(8, 4, 3, 3)) == (36, 72)
    #expect(Initializer.fans([8, 4, 3, 3]) == (fanIn: 36, fanOut: 72))
    #expect(Initializer.fans([10, 20]) == (fanIn: 20, fanOut: 10))
}

/// Checks bounds (when given), mean and standard deviation of `rule` on a [rows, columns] draw.
private func expectStatistics(_ rule: Initializer, shape: [Int], mean expectedMean: Double,
                              standardDeviation expectedStandardDeviation: Double, bound: Double? = nil,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let tensor = rule.tensor(shape, generator: RandomGenerator(seed: 17))
    #expect(tensor.shape == shape, sourceLocation: sourceLocation)
    #expect(tensor.dtype == .float32, sourceLocation: sourceLocation)
    let count = Double(tensor.scalarCount)
    if let bound {
        #expect(tensor.scalars(as: Float.self).allSatisfy { Swift.abs(Double($0)) <= bound }, sourceLocation: sourceLocation)
    }
    let (mean, standardDeviation) = moments(tensor)
    // Mean: 5 standard errors (σ / sqrt(n)). Std: relative standard error is at most
    // sqrt(1 / (2n)) for a normal and smaller for a uniform; allow 5 of those.
    #expect(Swift.abs(mean - expectedMean) < 5 * expectedStandardDeviation / count.squareRoot(),
            "mean \(mean)", sourceLocation: sourceLocation)
    #expect(Swift.abs(standardDeviation / expectedStandardDeviation - 1) < 5 / (2 * count).squareRoot(),
            "std \(standardDeviation)", sourceLocation: sourceLocation)
}

@Test func xavierInitializersFollowGlorotAndBengio() {
    // fanIn 300, fanOut 200: uniform bound sqrt(6 / 500), std sqrt(2 / 500) for both forms.
    let shape = [200, 300]
    expectStatistics(.xavierUniform(), shape: shape, mean: 0, standardDeviation: (2.0 / 500).squareRoot(),
                     bound: (6.0 / 500).squareRoot())
    expectStatistics(.xavierUniform(gain: 2), shape: shape, mean: 0, standardDeviation: 2 * (2.0 / 500).squareRoot(),
                     bound: 2 * (6.0 / 500).squareRoot())
    expectStatistics(.xavierNormal(), shape: shape, mean: 0, standardDeviation: (2.0 / 500).squareRoot())
}

@Test func kaimingInitializersFollowHe() {
    // std = gain / sqrt(fan); fan is fanIn 300 or fanOut 200; gain sqrt(2 / (1 + a^2)) by default.
    let shape = [200, 300]
    expectStatistics(.kaimingUniform(), shape: shape, mean: 0, standardDeviation: (2.0 / 300).squareRoot(),
                     bound: (6.0 / 300).squareRoot())
    expectStatistics(.kaimingUniform(a: 5.0.squareRoot()), shape: shape, mean: 0,
                     standardDeviation: (1.0 / 3 / 300).squareRoot(), bound: 1 / 300.0.squareRoot())
    expectStatistics(.kaimingNormal(mode: .fanOut), shape: shape, mean: 0, standardDeviation: (2.0 / 200).squareRoot())
    expectStatistics(.kaimingNormal(nonlinearity: .tanh), shape: shape, mean: 0,
                     standardDeviation: 5.0 / 3 / 300.0.squareRoot())
}

@Test func plainInitializersHaveTheirParameters() {
    // Uniform on [-2, 3]: mean 0.5, std 5 / sqrt(12).
    expectStatistics(.uniform(low: -2, high: 3), shape: [200, 300], mean: 0.5, standardDeviation: 5 / 12.0.squareRoot())
    let uniform = Initializer.uniform(low: -2, high: 3).tensor([1000], generator: RandomGenerator(seed: 1))
    #expect(uniform.scalars(as: Float.self).allSatisfy { $0 >= -2 && $0 < 3 })
    expectStatistics(.normal(mean: 1, standardDeviation: 2), shape: [200, 300], mean: 1, standardDeviation: 2)
    #expect(Initializer.constant(0.25).tensor([3, 2]).scalars(as: Float.self) == Array(repeating: 0.25, count: 6))
    #expect(Initializer.constant(1).tensor([2], dtype: .float64).dtype == .float64)
}

/// `lhs · rhs^T` in float64, for orthogonality checks.
private func gram(_ matrix: Tensor) -> Tensor {
    let rows = matrix.cast(to: .float64)
    return matmul(rows, rows.transposed())
}

@Test func orthogonalRowsOrColumnsAreOrthonormal() {
    // Wide [4, 6]: the rows are orthonormal, W W^T = I.
    let wide = Initializer.orthogonal().tensor([4, 6], generator: RandomGenerator(seed: 2))
    #expect(gram(wide).isApproximatelyEqual(to: Tensor.eye(4, dtype: .float64), relativeTolerance: 0, absoluteTolerance: 1e-6))
    // Tall [6, 4]: the columns are, W^T W = I.
    let tall = Initializer.orthogonal().tensor([6, 4], generator: RandomGenerator(seed: 2))
    #expect(gram(tall.transposed()).isApproximatelyEqual(to: Tensor.eye(4, dtype: .float64), relativeTolerance: 0,
                                                         absoluteTolerance: 1e-6))
    // Square with gain 2: W W^T = 4 I.
    let square = Initializer.orthogonal(gain: 2).tensor([5, 5], generator: RandomGenerator(seed: 3))
    #expect(gram(square).isApproximatelyEqual(to: Tensor.eye(5, dtype: .float64) * 4, relativeTolerance: 0,
                                              absoluteTolerance: 1e-5))
    // A convolution kernel [3, 2, 2, 2] is flattened to [3, 8] first, as in PyTorch.
    let kernel = Initializer.orthogonal().tensor([3, 2, 2, 2], generator: RandomGenerator(seed: 4))
    #expect(kernel.shape == [3, 2, 2, 2])
    #expect(gram(kernel.reshaped(to: [3, 8])).isApproximatelyEqual(to: Tensor.eye(3, dtype: .float64), relativeTolerance: 0,
                                                                   absoluteTolerance: 1e-6))
}
