import Foundation
import Strata
import StrataNN
import Testing

// Logits of a 6-token vocabulary with distinct values; their order, largest first, is 3, 0, 5, 1, 4, 2.
private let logits = Tensor([1.5, 0.2, -2.0, 3.0, -0.5, 1.0] as [Float], shape: [6])

@Test func temperatureZeroIsTheArgmaxAndTheLimitOfSmallTemperatures() {
    let rows = Tensor([1.5, 0.2, -2.0, 3.0, -0.5, 1.0, 0, 4, 2, -1, 3.9, 0] as [Float], shape: [2, 6])
    #expect(TokenSampler(temperature: 0).sample(rows) == [3, 1])
    #expect(TokenSampler(temperature: 0).probabilities(logits) == [[0, 0, 0, 1, 0, 0]])
    // At temperature 0.01 the runner-up's probability is exp(-(3.0 - 1.5) / 0.01) = exp(-150) < 1e-65:
    // every draw is the argmax. The second row's runner-up (3.9) is only 0.1 below its maximum, so
    // the batch is drawn at 0.001: exp(-0.1 / 0.001) = exp(-100) per draw.
    let generator = RandomGenerator(seed: 1)
    for _ in 0..<200 {
        #expect(TokenSampler(temperature: 0.01).sample(logits, generator: generator) == [3])
        #expect(TokenSampler(temperature: 0.001).sample(rows, generator: generator) == [3, 1])
    }
    let cold = TokenSampler(temperature: 1e-3).probabilities(logits)[0]
    #expect(abs(cold[3] - 1) < 1e-12 && cold.enumerated().allSatisfy { $0.offset == 3 || $0.element < 1e-12 })
}

@Test func probabilitiesAreTheSoftmaxOfTheScaledLogits() {
    // softmax(logits / 2), by hand from the definition.
    let values = logits.scalars(as: Double.self)
    let weights = values.map { exp($0 / 2) }
    let expected = weights.map { $0 / weights.reduce(0, +) }
    let actual = TokenSampler(temperature: 2).probabilities(logits)[0]
    #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    // Top-3 keeps tokens 3, 0, 5 and renormalizes among them.
    let kept = [3, 0, 5].map { weights[$0] }.reduce(0, +)
    let top3 = TokenSampler(temperature: 2, topK: 3).probabilities(logits)[0]
    for index in 0..<6 {
        let expected = [3, 0, 5].contains(index) ? weights[index] / kept : 0
        #expect(abs(top3[index] - expected) < 1e-6, "token \(index)")
    }
}

@Test func drawsFollowTheDistribution() {
    // 20,000 draws at temperature 1: each count is within 5 standard deviations
    // (sqrt(n p (1 - p)) <= 71) of n p; a wrong inverse CDF would move some by hundreds.
    let sampler = TokenSampler()
    let batch = logits.reshaped(to: [1, 6]).expanded(to: [20_000, 6])
    let draws = sampler.sample(batch, generator: RandomGenerator(seed: 4))
    let probabilities = sampler.probabilities(logits)[0]
    for index in 0..<6 {
        let count = Double(draws.count(where: { $0 == index }))
        let expected = 20_000 * probabilities[index]
        let standardDeviation = (expected * (1 - probabilities[index])).squareRoot()
        #expect(abs(count - expected) <= 5 * standardDeviation + 1, "token \(index): \(count) vs \(expected)")
    }
}

@Test func topKNeverDrawsOutsideTheKLargest() {
    // A hot temperature flattens the distribution, so without the filter every token would show up.
    let batch = logits.reshaped(to: [1, 6]).expanded(to: [5_000, 6])
    let generator = RandomGenerator(seed: 9)
    for (k, allowed) in [(1, Set([3])), (2, [3, 0]), (3, [3, 0, 5]), (6, Set(0..<6))] {
        let draws = TokenSampler(temperature: 10, topK: k).sample(batch, generator: generator)
        #expect(Set(draws) == allowed, "top-\(k)")
    }
    // Ties with the k-th largest logit stay in.
    let tied = Tensor([2, 1, 2, 0] as [Float], shape: [4])
    #expect(TokenSampler(topK: 1).probabilities(tied)[0].map { $0 > 0 } == [true, false, true, false])
}

@Test func aSeededGeneratorReproducesTheDraws() {
    let sampler = TokenSampler(temperature: 0.8, topK: 4)
    let batch = Tensor.normal([50, 6], generator: RandomGenerator(seed: 2))
    let first = sampler.sample(batch, generator: RandomGenerator(seed: 11))
    #expect(sampler.sample(batch, generator: RandomGenerator(seed: 11)) == first)
    #expect(sampler.sample(batch, generator: RandomGenerator(seed: 12)) != first)
    // One uniform number per row: a sequence of single-row draws equals one batched draw.
    let generator = RandomGenerator(seed: 11)
    let oneByOne = (0..<50).flatMap { sampler.sample(batch[$0..<($0 + 1)], generator: generator) }
    #expect(oneByOne == first)
}
