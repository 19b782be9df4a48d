import Strata
import StrataNN
import StrataOptimizers
import Testing

@Test func plainSGDStepsAgainstTheGradient() {
    // w = 1, gradient 0.5, lr 0.1: w becomes 1 - 0.1 * 0.5 = 0.95.
    var parameters = ["w": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(), learningRate: 0.1)
    optimizer.update(&parameters, along: ["w": Tensor([0.5] as [Double])])
    #expect(parameters["w"]!.scalars(as: Double.self) == [0.95])
    #expect(optimizer.stepCount == 1)
}

@Test func groupLearningRatesFollowTheSchedule() {
    // Base rate 0.1 halved by a schedule to 0.05: a group at 0.4 moves to 0.2, as PyTorch scales groups.
    var parameters = ["a": Tensor([1.0] as [Double]), "b": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(), learningRate: 0.1, groups: [.prefix("b", learningRate: 0.4)])
    optimizer.learningRate = 0.05
    optimizer.update(&parameters, along: ["a": Tensor([1.0] as [Double]), "b": Tensor([1.0] as [Double])])
    #expect(parameters["a"]!.scalars(as: Double.self) == [0.95])
    #expect(parameters["b"]!.scalars(as: Double.self) == [0.8])
}

@Test func importStateRejectsSlotsThatDoNotFitTheModel() throws {
    var parameters = ["w": Tensor.zeros([3], dtype: .float64)]
    var optimizer = Optimizer(SGD(momentum: 0.9), learningRate: 0.1)
    optimizer.update(&parameters, along: ["w": Tensor.ones([3], dtype: .float64)])
    var saved = optimizer.exportState()
    var fresh = Optimizer(SGD(momentum: 0.9), learningRate: 0.1)
    try fresh.importState(saved, for: parameters)
    #expect(fresh.stepCount == 1)
    saved["state.w.momentum_buffer"] = Tensor.zeros([4], dtype: .float64)
    var other = Optimizer(SGD(momentum: 0.9), learningRate: 0.1)
    #expect(throws: OptimizerStateError.self) { try other.importState(saved, for: parameters) }
    #expect(other.stepCount == 0)
    saved["state.w.momentum_buffer"] = Tensor.zeros([3], dtype: .float64)
    saved["state.missing.momentum_buffer"] = Tensor.zeros([3], dtype: .float64)
    #expect(throws: OptimizerStateError.self) { try other.importState(saved, for: parameters) }
}
