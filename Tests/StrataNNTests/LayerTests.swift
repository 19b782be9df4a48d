import Foundation
import Strata
import StrataNN
import Testing

// Dropout's randomness and the layers' default initializations. Statistical checks use tensors
// of tens of thousands of elements and a fixed seed, so they are deterministic; each tolerance is
// several standard errors of the estimate, worked out beside it.

/// Mean and (population) standard deviation of all elements.
func moments(_ tensor: Tensor) -> (mean: Double, standardDeviation: Double) {
    let values = tensor.scalars(as: Double.self)
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
}

// MARK: - Dropout

@Test func dropoutZeroesOrScalesByTheInverseKeepProbability() {
    let probability = 0.25
    let dropout = Dropout(probability: probability, generator: RandomGenerator(seed: 5))
    let count = 10_000
    let output = dropout(Tensor.ones([count])).scalars(as: Float.self)
    // Inverted dropout: survivors are divided by the keep probability 0.75.
    let scaled = Float(1 / (1 - probability))
    #expect(output.allSatisfy { $0 == 0 || $0 == scaled })
    // The dropped fraction estimates 0.25 with standard error sqrt(0.25 * 0.75 / 10_000) ≈ 0.0043;
    // 0.02 is more than four of them.
    let dropped = Double(output.filter { $0 == 0 }.count) / Double(count)
    #expect(Swift.abs(dropped - probability) < 0.02)
}

@Test func dropoutMasksAreReproducibleBySeedAndFreshOnEachCall() {
    let input = Tensor.ones([64])
    let first = Dropout(probability: 0.5, generator: RandomGenerator(seed: 11))
    let again = Dropout(probability: 0.5, generator: RandomGenerator(seed: 11))
    let other = Dropout(probability: 0.5, generator: RandomGenerator(seed: 12))
    let mask = first(input).scalars(as: Float.self)
    #expect(mask == again(input).scalars(as: Float.self))
    #expect(mask != other(input).scalars(as: Float.self))
    // The generator advances, so the next batch gets a new mask (2^-64 odds of a repeat).
    #expect(mask != first(input).scalars(as: Float.self))
    // Without its own generator, dropout draws from the task's generator.
    let fromTask = withRandomGenerator(RandomGenerator(seed: 11)) { Dropout(probability: 0.5)(input) }
    #expect(fromTask.scalars(as: Float.self) == mask)
}

@Test func dropoutGradientFollowsItsMask() {
    let dropout = Dropout(probability: 0.5, generator: RandomGenerator(seed: 3))
    let input = Tensor.full([32], value: 3)
    var output = input
    let slope = gradient(at: input) { x in
        output = dropout(x)
        return output.sum()
    }
    // d(x * mask * 2)/dx = mask * 2 = output / x.
    #expect(slope.scalars(as: Float.self) == output.scalars(as: Float.self).map { $0 / 3 })
}

@Test func dropoutIsTheIdentityInInferenceAndAtProbabilityZero() {
    let input = Tensor.normal([4, 5], generator: RandomGenerator(seed: 1))
    let dropout = Dropout(probability: 0.9)
    #expect(withTrainingMode(false) { dropout(input) }.scalars(as: Float.self) == input.scalars(as: Float.self))
    #expect(Dropout(probability: 0)(input).scalars(as: Float.self) == input.scalars(as: Float.self))
}

// MARK: - Default initialization

@Test func linearInitializesLikePyTorch() {
    // PyTorch: kaiming_uniform_(a=sqrt(5)) gives bound gain * sqrt(3 / fanIn) with
    // gain = sqrt(2 / (1 + 5)), i.e. 1 / sqrt(fanIn); the bias is uniform in the same bound.
    let layer = Linear(inputSize: 400, outputSize: 250, generator: RandomGenerator(seed: 1))
    let bound = 1 / 400.0.squareRoot()
    let weights = layer.weight.scalars(as: Float.self)
    #expect(weights.allSatisfy { Swift.abs(Double($0)) <= bound })
    #expect(layer.bias!.scalars(as: Float.self).allSatisfy { Swift.abs(Double($0)) <= bound })
    // A uniform on ±b has std b / sqrt(3); over 100,000 draws the sample std is within 1%
    // (its relative standard error is about sqrt(0.8 / 100_000) ≈ 0.3%), the mean within
    // 5 standard errors (b / sqrt(3) / sqrt(100_000) ≈ 0.0029 b).
    let (mean, standardDeviation) = moments(layer.weight)
    #expect(Swift.abs(standardDeviation / (bound / 3.0.squareRoot()) - 1) < 0.01)
    #expect(Swift.abs(mean) < 0.015 * bound)
    // The bound is reached: the draws span the interval, not a narrower one.
    #expect(weights.map { Swift.abs(Double($0)) }.max()! > 0.99 * bound)
}

@Test func embeddingInitializesFromAStandardNormalWithAZeroPaddingRow() {
    let table = Embedding(count: 1000, embeddingSize: 32, paddingIndex: -1, generator: RandomGenerator(seed: 4))
    #expect(table.paddingIndex == 999)  // a negative index counts from the end, as in PyTorch
    let rows = table.weight.scalars(as: Float.self)
    #expect(rows.suffix(32).allSatisfy { $0 == 0 })
    // 31,968 N(0, 1) draws: the mean's standard error is 0.0056 and the std's 0.004, so 0.03
    // is over five of either.
    let (mean, standardDeviation) = moments(table.weight[0..<999])
    #expect(Swift.abs(mean) < 0.03)
    #expect(Swift.abs(standardDeviation - 1) < 0.03)
}

@Test func normalizationLayersStartAsTheIdentityMap() {
    // PyTorch: weight ones, bias zeros, running mean 0, running variance 1, no batches tracked.
    let batchNorm = BatchNorm2d(featureCount: 3).stateDictionary()
    #expect(batchNorm["weight"]!.scalars(as: Float.self) == [1, 1, 1])
    #expect(batchNorm["bias"]!.scalars(as: Float.self) == [0, 0, 0])
    #expect(batchNorm["running_mean"]!.scalars(as: Float.self) == [0, 0, 0])
    #expect(batchNorm["running_var"]!.scalars(as: Float.self) == [1, 1, 1])
    #expect(batchNorm["num_batches_tracked"]!.scalars(as: Int64.self) == [0])
    let layerNorm = LayerNorm(normalizedShape: [2, 2])
    #expect(layerNorm.weight!.scalars(as: Float.self) == [1, 1, 1, 1])
    #expect(layerNorm.bias!.scalars(as: Float.self) == [0, 0, 0, 0])
}

@Test func theSameGeneratorSeedGivesTheSameLayer() {
    let first = Linear(inputSize: 6, outputSize: 4, generator: RandomGenerator(seed: 8))
    let second = Linear(inputSize: 6, outputSize: 4, generator: RandomGenerator(seed: 8))
    #expect(first.weight.scalars(as: Float.self) == second.weight.scalars(as: Float.self))
    #expect(first.bias!.scalars(as: Float.self) == second.bias!.scalars(as: Float.self))
}
