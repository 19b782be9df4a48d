import Strata
import StrataData
import Testing

/// 30 samples, sample i of class i % 5 with input [i]: inputs show which samples were kept.
private func fiveClasses() -> TensorDataset {
    TensorDataset(inputs: Tensor((0..<30).map(Float.init), shape: [30, 1]), labels: Tensor((0..<30).map { Int64($0 % 5) }))
}

@Test func selectingClassesRelabelsByPositionAndKeepsTheOriginalOrder() {
    let selected = fiveClasses().selectingClasses([4, 1])
    // Classes 4 and 1 are samples 1, 4, 6, 9, ...; class 4 becomes label 0, class 1 label 1.
    #expect(selected.inputs.scalars(as: Float.self) == [1, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 29])
    #expect(selected.labels.scalars(as: Int64.self) == [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
}

@Test func aPerClassLimitKeepsASeededSampleOfEachClass() {
    let dataset = fiveClasses()
    let selected = dataset.selectingClasses([0, 2, 3], limitPerClass: 2, seed: 7)
    #expect(selected.count == 6)
    let inputs = selected.inputs.scalars(as: Float.self).map(Int.init)
    let labels = selected.labels.scalars(as: Int64.self)
    #expect(inputs == inputs.sorted())
    for (input, label) in zip(inputs, labels) { #expect([0, 2, 3][Int(label)] == input % 5) }
    #expect(labels.sorted() == [0, 0, 1, 1, 2, 2])
    // The same seed keeps the same samples, another seed (almost surely) others.
    #expect(dataset.selectingClasses([0, 2, 3], limitPerClass: 2, seed: 7).inputs.scalars(as: Float.self)
                == selected.inputs.scalars(as: Float.self))
    #expect(dataset.selectingClasses([0, 2, 3], limitPerClass: 2, seed: 8).inputs.scalars(as: Float.self)
                != selected.inputs.scalars(as: Float.self))
    // A limit above a class's size keeps the whole class.
    #expect(dataset.selectingClasses([3], limitPerClass: 100).count == 6)
}
