import Strata
import StrataData
import Testing

private func numbered(_ count: Int) -> TensorDataset {
    TensorDataset(inputs: Tensor((0..<count).map { Float($0) }, shape: [count, 1]),
                  labels: Tensor((0..<count).map(Int64.init)))
}

private func members(_ subset: DatasetSubset<TensorDataset>) -> [Int64] {
    subset.batch(at: Array(0..<subset.count)).labels.scalars(as: Int64.self)
}

@Test func validationSplitsAreDisjointCoveringAndSeeded() {
    let dataset = numbered(103)
    let (training, validation) = split(dataset, validationFraction: 0.2, seed: 8)
    // 0.8 * 103 = 82.4 rounds to 82 training samples; validation takes the other 21.
    #expect(training.count == 82 && validation.count == 21)
    let trainingMembers = Set(members(training))
    let validationMembers = Set(members(validation))
    #expect(trainingMembers.isDisjoint(with: validationMembers))
    #expect(trainingMembers.union(validationMembers) == Set((0..<103).map(Int64.init)))
    // Inputs stay with their labels through the subset.
    let batch = validation.batch(at: [3, 0])
    #expect(batch.inputs.scalars(as: Float.self) == batch.labels.scalars(as: Int64.self).map { Float($0) })
    // The same seed gives the same split, another seed another.
    #expect(split(dataset, validationFraction: 0.2, seed: 8).validation.indices == validation.indices)
    #expect(split(dataset, validationFraction: 0.2, seed: 9).validation.indices != validation.indices)
}

@Test func fractionSplitsRoundCumulativeBoundaries() {
    let parts = split(numbered(10), fractions: [0.35, 0.35, 0.3], seed: 1)
    // Boundaries round(3.5) = 4 and round(7.0) = 7: sizes 4, 3, 3.
    #expect(parts.map(\.count) == [4, 3, 3])
    #expect(parts.flatMap(\.indices).sorted() == Array(0..<10))
    #expect(split(numbered(5), fractions: [1], seed: 1)[0].count == 5)
    #expect(split(numbered(5), validationFraction: 0, seed: 1).validation.count == 0)
}

@Test func loadersRunOverSubsets() {
    let (training, _) = split(numbered(10), validationFraction: 0.3, seed: 2)
    let loader = DataLoader(training, batchSize: 3, shuffle: true, seed: 2)
    let seen = loader.flatMap { $0.labels.scalars(as: Int64.self) }
    #expect(seen.sorted() == training.indices.map(Int64.init).sorted())
    #expect(loader.count == 3)
}
