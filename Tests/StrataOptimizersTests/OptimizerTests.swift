import Strata
import StrataNN
import StrataOptimizers
import Testing

@Test func plainSGDStepsAgainstTheGradient() {
    // w = 1, gradient 0.5, lr 0.1: w becomes 1 - 0.1 * 0.5 = 0.95.
    var parameters: [ParameterPath: Tensor] = ["w": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(), learningRate: 0.1)
    optimizer.update(&parameters, along: ["w": Tensor([0.5] as [Double])])
    #expect(parameters["w"]!.scalars(as: Double.self) == [0.95])
    #expect(optimizer.stepCount == 1)
}

@Test func groupLearningRatesFollowTheSchedule() {
    // Base rate 0.1 halved by a schedule to 0.05: a group at 0.4 moves to 0.2, as PyTorch scales groups.
    var parameters: [ParameterPath: Tensor] = ["a": Tensor([1.0] as [Double]), "b": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(), learningRate: 0.1, groups: [.prefix("b", learningRate: 0.4)])
    optimizer.learningRate = 0.05
    optimizer.update(&parameters, along: ["a": Tensor([1.0] as [Double]), "b": Tensor([1.0] as [Double])])
    #expect(parameters["a"]!.scalars(as: Double.self) == [0.95])
    #expect(parameters["b"]!.scalars(as: Double.self) == [0.8])
}

@Test func importStateRejectsSlotsThatDoNotFitTheModel() throws {
    var parameters: [ParameterPath: Tensor] = ["w": Tensor.zeros([3], dtype: .float64)]
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

@Test func aGroupCanRunItsOwnRule() {
    // "wide.w" = [0.3, -1] by proximal gradient (lr 0.5, L1 0.4): w - 0.5 g = [0.25, -1.5], then
    // soft-thresholding by 0.5 * 0.4 = 0.2 gives [0.05, -1.3]. "deep" keeps momentum SGD (lr 0.1):
    // 1 - 0.1 * 1 = 0.9, with a momentum buffer that the proximal rule never gets.
    var parameters: [ParameterPath: Tensor] = ["wide.w": Tensor([0.3, -1] as [Double]), "deep": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(momentum: 0.9), learningRate: 0.1, groups: [
        .prefix("wide.", learningRate: 0.5, rule: ProximalGradient(.l1(strength: 0.4))),
    ])
    optimizer.update(&parameters, along: ["wide.w": Tensor([0.1, 1] as [Double]), "deep": Tensor([1.0] as [Double])])
    let wide = parameters["wide.w"]!.scalars(as: Double.self)
    #expect(abs(wide[0] - 0.05) < 1e-12 && abs(wide[1] + 1.3) < 1e-12)
    #expect(parameters["deep"]!.scalars(as: Double.self) == [0.9])
    #expect(optimizer.state["deep"]?["momentum_buffer"] != nil)
    #expect(optimizer.state["wide.w"]?.isEmpty ?? true)
    // A second step shrinks the small weight past zero: exactly 0, not a tiny negative.
    optimizer.update(&parameters, along: ["wide.w": Tensor([0.0, 0] as [Double]), "deep": Tensor([0.0] as [Double])])
    #expect(parameters["wide.w"]!.scalars(as: Double.self)[0] == 0)
}
