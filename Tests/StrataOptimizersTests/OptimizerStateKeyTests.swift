import Strata
import StrataOptimizers
import Testing

@Test func stateKeysKeepTheCheckpointFormat() throws {
    // The format every checkpoint so far was written in: `state.<path>.<slot>` and `step_count`.
    let key = OptimizerStateKey.slot(path: "layer1.0.conv1.weight", name: "exp_avg_sq")
    #expect(key.description == "state.layer1.0.conv1.weight.exp_avg_sq")
    #expect(try OptimizerStateKey(parsing: key.description) == key)
    #expect(OptimizerStateKey.stepCount.description == "step_count")
    #expect(try OptimizerStateKey(parsing: "step_count") == .stepCount)
    // The last dot ends the path: slot names hold none.
    #expect(try OptimizerStateKey(parsing: "state.w.step") == .slot(path: "w", name: "step"))
}

@Test func everyExportedKeyParsesBackToItsPathAndSlot() throws {
    var parameters: [ParameterPath: Tensor] = ["0.weight": Tensor([1.0, 2.0] as [Double]), "fc.bias": Tensor([3.0] as [Double])]
    var optimizer = Optimizer(Adam(), learningRate: 0.1)
    optimizer.update(&parameters, along: ["0.weight": Tensor([0.5, 0.5] as [Double]), "fc.bias": Tensor([1.0] as [Double])])
    for key in optimizer.exportState().keys {
        switch try OptimizerStateKey(parsing: key) {
        case .stepCount: #expect(key == "step_count")
        case .slot(let path, let slot): #expect(optimizer.state[path]?[slot] != nil, "\(key)")
        }
    }
}

@Test func malformedStateKeysAreUnexpected() {
    for key in ["state.", "state.w", "state..exp_avg", "state.w.", "state.a..b.exp_avg", "exp_avg", "state_w.exp_avg", "step"] {
        #expect(throws: OptimizerStateError.unexpectedKey(key), "\(key)") { try OptimizerStateKey(parsing: key) }
    }
}
