import Strata
import Testing

/// Embedding bags (sums of table rows per example) against hand-computed sums and central finite
/// differences: the backward pass must scatter-add into exactly the rows looked up.
@Suite struct EmbeddingBagTests {
    // Table rows r0..r3 = [1, 2], [3, 4], [5, 6], [7, 8].
    let table = Tensor([1, 2, 3, 4, 5, 6, 7, 8] as [Double], shape: [4, 2])

    @Test func sumsAndMeansOfVariableLengthBags() {
        // Bags {r2, r2, r0}, {} and {r3}; weights scale each row before the sum.
        let indices = Tensor([2, 2, 0, 3] as [Int64])
        let sums = table.embeddingBag(indices: indices, offsets: [0, 3, 3])
        #expect(sums.scalars(as: Double.self) == [11, 14, 0, 0, 7, 8])
        let means = table.embeddingBag(indices: indices, offsets: [0, 3, 3], mode: .mean)
        #expect(means.scalars(as: Double.self) == [11.0 / 3, 14.0 / 3, 0, 0, 7, 8])
        let weighted = table.embeddingBag(indices: indices, offsets: [0, 3, 3], weights: Tensor([1, 0.5, 2, -1] as [Double]))
        // 1.5 r2 + 2 r0 = [7.5 + 2, 9 + 4]; -r3.
        #expect(weighted.scalars(as: Double.self) == [9.5, 13, 0, 0, -7, -8])
    }

    @Test func fixedCountBagsEqualTheVariableLengthForm() {
        let indices = Tensor([1, 3, 1, 0, 2, 2] as [Int32], shape: [3, 2])
        let fixed = table.embeddingBag(indices: indices)
        #expect(fixed.scalars(as: Double.self) == [10, 12, 4, 6, 10, 12])
        #expect(fixed.scalars(as: Double.self)
                == table.embeddingBag(indices: indices.reshaped(to: [-1]), offsets: [0, 2, 4]).scalars(as: Double.self))
        #expect(table.embeddingBag(indices: indices, mode: .mean).scalars(as: Double.self) == [5, 6, 2, 3, 5, 6])
    }

    @Test func gradientsReachTheLookedUpRowsAndTheWeights() {
        // Repeated indices (2 twice in bag 0), an empty bag, an unused row (1), and per-index weights.
        let indices = Tensor([2, 2, 0, 3, 0] as [Int64])
        checkGradients(at: [randomInput([4, 3], seed: 61), randomInput([5], seed: 62)]) { inputs in
            inputs[0].embeddingBag(indices: indices, offsets: [0, 3, 3, 4], weights: inputs[1])
        }
        checkGradient(at: randomInput([4, 3], seed: 63)) { table in
            table.embeddingBag(indices: indices, offsets: [0, 3, 3, 4], mode: .mean)
        }
        checkGradients(at: [randomInput([4, 3], seed: 64), randomInput([2, 3], seed: 65)]) { inputs in
            inputs[0].embeddingBag(indices: Tensor([3, 3, 0, 1, 1, 1] as [Int64], shape: [2, 3]), weights: inputs[1])
        }
    }

    @Test func theTableGradientIsAScatterAddOfTheOutputGradient() {
        // d(sum of bag outputs * g)/d table[row] = sum over positions holding row of g[bag].
        let indices = Tensor([2, 2, 0] as [Int64], shape: [1, 3])
        let (_, gradient) = valueAndGradient(at: table) { table in table.embeddingBag(indices: indices).sum() }
        #expect(gradient.scalars(as: Double.self) == [1, 1, 0, 0, 2, 2, 0, 0])
    }
}
