import Strata
import StrataData
import Testing

/// A batch `[n, c, h, w]` whose value at each position is distinct (its flat index + 1), so any
/// moved or zeroed value shows.
private func numberedBatch(_ shape: [Int]) -> Tensor {
    Tensor((0..<shape.reduce(1, *)).map { Float($0 + 1) }, shape: shape)
}

@Test func normalizeStandardizesEachChannel() {
    // Channel 0 holds 1...4, channel 1 holds 5...8 (one sample, 2 x 2 images).
    let batch = numberedBatch([1, 2, 2, 2])
    let normalized = Normalize(mean: [2, 6], standardDeviation: [0.5, 2])(batch, generator: RandomGenerator(seed: 0))
    #expect(normalized.shape == [1, 2, 2, 2])
    // (x - 2) / 0.5 on 1...4 and (x - 6) / 2 on 5...8, computed by hand.
    #expect(normalized.scalars(as: Float.self) == [-2, 0, 2, 4, -0.5, 0, 0.5, 1])
}

@Test func cropWithoutPaddingToTheInputSizeIsTheIdentity() {
    let batch = numberedBatch([3, 2, 4, 5])
    let cropped = RandomCrop(height: 4, width: 5)(batch, generator: RandomGenerator(seed: 3))
    #expect(cropped.shape == [3, 2, 4, 5])
    #expect(cropped.scalars(as: Float.self) == batch.scalars(as: Float.self))
}

@Test func paddedCropsAreShiftedWindowsWithZeroBorders() {
    let batch = numberedBatch([8, 1, 3, 3])
    let input = batch.scalars(as: Float.self)
    let crop = RandomCrop(height: 3, width: 3, padding: 1)
    let cropped = crop(batch, generator: RandomGenerator(seed: 5))
    #expect(cropped.shape == [8, 1, 3, 3])
    let output = cropped.scalars(as: Float.self)
    var shifts = Set<[Int]>()
    for sample in 0..<8 {
        let window = Array(output[9 * sample..<9 * sample + 9])
        let image = Array(input[9 * sample..<9 * sample + 9])
        // Find the shift (dy, dx) in -1...1 that explains the window: a shifted copy, zeros outside.
        let match = (-1...1).flatMap { dy in (-1...1).map { dx in [dy, dx] } }.first { shift in
            (0..<9).allSatisfy { position in
                let (row, column) = (position / 3 + shift[0], position % 3 + shift[1])
                let expected: Float = (0..<3).contains(row) && (0..<3).contains(column) ? image[row * 3 + column] : 0
                return window[position] == expected
            }
        }
        #expect(match != nil, "sample \(sample): \(window)")
        if let match { shifts.insert(match) }
    }
    // Eight samples over nine shifts: the positions vary.
    #expect(shifts.count > 1)
    // A smaller crop has the requested shape.
    #expect(RandomCrop(height: 2, width: 1, padding: 2)(batch, generator: RandomGenerator(seed: 5)).shape == [8, 1, 2, 1])
}

@Test func flippingTwiceWithTheSameDrawsIsTheIdentity() {
    let batch = numberedBatch([16, 2, 3, 4])
    let flip = RandomHorizontalFlip()
    let flips = flip.flips(count: 16, generator: RandomGenerator(seed: 9))
    #expect(flips.contains(true) && flips.contains(false))
    let once = flip(batch, generator: RandomGenerator(seed: 9))
    #expect(once.shape == batch.shape)
    let input = batch.scalars(as: Float.self)
    let output = once.scalars(as: Float.self)
    for sample in 0..<16 {
        for row in 0..<6 {
            let start = (sample * 6 + row) * 4
            let expected = flips[sample] ? Array(input[start..<start + 4].reversed()) : Array(input[start..<start + 4])
            #expect(Array(output[start..<start + 4]) == expected)
        }
    }
    // The same seed flips the same samples again, which restores them.
    let twice = flip(once, generator: RandomGenerator(seed: 9))
    #expect(twice.scalars(as: Float.self) == input)
    // Probabilities 0 and 1 never and always flip.
    #expect(RandomHorizontalFlip(probability: 0)(batch, generator: RandomGenerator(seed: 1)).scalars(as: Float.self) == input)
    #expect(RandomHorizontalFlip(probability: 1).flips(count: 5, generator: RandomGenerator(seed: 1)) == Array(repeating: true, count: 5))
}

@Test func gaussianNoiseHasTheRequestedSpread() {
    let batch = Tensor.zeros([4, 3, 16, 16])
    let noisy = GaussianNoise(standardDeviation: 0.1)(batch, generator: RandomGenerator(seed: 2))
    #expect(noisy.shape == batch.shape)
    let values = noisy.scalars(as: Float.self).map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    // 3,072 draws: the sample mean's standard error is 0.1 / sqrt(3072) ≈ 0.0018 and the sample
    // deviation's about 0.1 / sqrt(2 * 3072) ≈ 0.0013, so these bounds are 5 of them.
    #expect(abs(mean) < 0.01)
    #expect(abs(deviation - 0.1) < 0.007)
    #expect(GaussianNoise(standardDeviation: 0)(batch, generator: RandomGenerator(seed: 2)).scalars(as: Float.self)
            == batch.scalars(as: Float.self))
}

@Test func composedTransformsApplyInOrderAndReproduceBySeed() {
    let batch = numberedBatch([6, 3, 8, 8])
    let transforms: [any Transform] = [
        RandomCrop(height: 6, width: 6, padding: 2), RandomHorizontalFlip(),
        GaussianNoise(standardDeviation: 0.5), Normalize(mean: [1, 2, 3], standardDeviation: [1, 2, 4]),
    ]
    let first = transforms(batch, generator: RandomGenerator(seed: 11))
    #expect(first.shape == [6, 3, 6, 6])
    #expect(first.scalars(as: Float.self) == transforms(batch, generator: RandomGenerator(seed: 11)).scalars(as: Float.self))
    #expect(first.scalars(as: Float.self) != transforms(batch, generator: RandomGenerator(seed: 12)).scalars(as: Float.self))
    // Applying them one by one on one generator is the same thing.
    let generator = RandomGenerator(seed: 11)
    var stepwise = batch
    for transform in transforms { stepwise = transform(stepwise, generator: generator) }
    #expect(stepwise.scalars(as: Float.self) == first.scalars(as: Float.self))
    #expect([any Transform]()(batch, generator: generator).scalars(as: Float.self) == batch.scalars(as: Float.self))
}
