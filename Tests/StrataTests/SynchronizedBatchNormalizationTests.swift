import Strata
import Testing

// Synchronized batch normalization in a world of one: its sums over ranks return their input,
// so it must compute what `batchNormTraining`'s composite computes, with float64 gradients that
// match central finite differences. Across two ranks the same check runs under mpirun
// (strata-mpi-check sync-batch-norm-gradient, StrataDistributedTests).

/// A world of one: every sum over ranks is the tensor itself; counts the calls.
private final class OneRank: CrossProcessSum, @unchecked Sendable {
    var calls = 0
    func sum(_ tensor: Tensor) -> Tensor {
        calls += 1
        return tensor
    }
}

@Suite struct SynchronizedBatchNormalizationTests {
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    @Test(arguments: [[5, 3], [4, 3, 5], [3, 2, 4, 5]])
    func gradientsMatchFiniteDifferences(shape: [Int]) {
        let channels = shape[1]
        let x = randomInput(shape, seed: 11)
        let weight = randomInput([channels], low: 0.5, high: 1.5, seed: 12)
        let bias = randomInput([channels], seed: 13)
        checkGradients(at: [x, weight, bias]) {
            synchronizedBatchNormTraining($0[0], weight: $0[1], bias: $0[2], across: OneRank()).output
        }
    }

    /// Output and statistics equal the composite's in float64 to rounding (the two sum in a
    /// different order: Σx / n against mean, so 1e-12 relative), and the gradients too.
    @Test func aWorldOfOneIsPlainBatchNormalization() {
        let x = randomInput([6, 4, 3, 3], seed: 14)
        let weight = randomInput([4], low: 0.5, high: 1.5, seed: 15)
        let bias = randomInput([4], seed: 16)
        let summation = OneRank()
        let synchronized = synchronizedBatchNormTraining(x, weight: weight, bias: bias, across: summation)
        let plain = withBackend(Self.composite) { batchNormTraining(x, weight: weight, bias: bias) }
        #expect(synchronized.count == 6 * 9)
        #expect(summation.calls == 2, "one sum for [Σx, count], one for Σ(x - mean)²")
        for (a, b) in [(synchronized.output, plain.output), (synchronized.mean, plain.mean), (synchronized.variance, plain.variance)] {
            #expect(a.shape == b.shape)
            for (p, q) in zip(a.scalars(as: Double.self), b.scalars(as: Double.self)) {
                #expect(abs(p - q) <= 1e-12 * max(abs(p), abs(q), 1), "\(p) vs \(q)")
            }
        }
        let g1 = valueAndGradient(at: [x, weight, bias]) {
            weightedSum(synchronizedBatchNormTraining($0[0], weight: $0[1], bias: $0[2], across: OneRank()).output)
        }.gradients
        let g2 = withBackend(Self.composite) {
            valueAndGradient(at: [x, weight, bias]) { weightedSum(batchNormTraining($0[0], weight: $0[1], bias: $0[2]).output) }
        }.gradients
        for (a, b) in zip(g1, g2) {
            for (p, q) in zip(a.scalars(as: Double.self), b.scalars(as: Double.self)) {
                #expect(abs(p - q) <= 1e-10 * max(abs(p), abs(q), 1), "\(p) vs \(q)")
            }
        }
    }

    /// The pullback of a sum over ranks: with weight w it returns sum(w g) / w, in a world of one g.
    @Test func theSumsPullbackIsTheWeightedSumOfTheRanksGradients() {
        let x = randomInput([3], seed: 17)
        let summation = OneRank()
        let gradient = valueAndGradient(at: x) { ($0.summed(across: summation, weight: 3) * Tensor([1.0, 2.0, 3.0])).sum() }.gradient
        #expect(gradient.scalars(as: Double.self) == [1, 2, 3])
        #expect(summation.calls == 2)
    }
}
