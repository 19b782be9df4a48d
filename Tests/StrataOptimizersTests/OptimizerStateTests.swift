import Strata
import StrataOptimizers
import Testing

/// Every rule with the settings that give it its largest set of slots.
private let rules: [(String, any OptimizerRule)] = [
    ("SGD with momentum", SGD(momentum: 0.9)),
    ("Adagrad", Adagrad()),
    ("RMSprop centered with momentum", RMSprop(momentum: 0.5, centered: true)),
    ("Adam with AMSGrad", Adam(amsgrad: true)),
    ("AdamW", AdamW()),
    ("Adadelta", Adadelta()),
    ("FTRL-proximal", FTRLProximal(l1Strength: 0.1)),
    ("FISTA", ProximalGradient(.l1(strength: 0.1), accelerated: true)),
]

/// Two steps of `rule` on `w` (3 elements) and `b` (a scalar), and the exported state.
private func twoSteps(_ rule: any OptimizerRule) -> (parameters: [ParameterPath: Tensor], saved: [String: Tensor]) {
    var parameters: [ParameterPath: Tensor] = ["w": Tensor([0.5, -1, 2] as [Double]), "b": Tensor([0.25] as [Double])]
    var optimizer = Optimizer(rule, learningRate: 0.1)
    for _ in 0..<2 {
        optimizer.update(&parameters, along: ["w": Tensor([0.1, -0.2, 0.3] as [Double]), "b": Tensor([1.0] as [Double])])
    }
    return (parameters, optimizer.exportState())
}

@Test(arguments: rules)
func everyRuleDeclaresTheSlotsItKeeps(_ name: String, _ rule: any OptimizerRule) throws {
    let (parameters, saved) = twoSteps(rule)
    let slots = saved.keys.filter { $0.hasPrefix("state.w.") }.map { String($0.dropFirst("state.w.".count)) }
    #expect(Set(slots) == Set(rule.stateSlots.map(\.name)), "\(name)")
    var restored = Optimizer(rule, learningRate: 0.1)
    try restored.importState(saved, for: parameters)
    #expect(restored.stepCount == 2)
}

@Test(arguments: rules)
func aMissingSlotIsNamed(_ name: String, _ rule: any OptimizerRule) throws {
    let (parameters, saved) = twoSteps(rule)
    for slot in rule.stateSlots {
        var damaged = saved
        damaged["state.w.\(slot.name)"] = nil
        var optimizer = Optimizer(rule, learningRate: 0.1)
        #expect(throws: OptimizerStateError.missingSlot(path: "w", slot: slot.name), "\(name)") {
            try optimizer.importState(damaged, for: parameters)
        }
        #expect(optimizer.stepCount == 0)
    }
    // A parameter whose whole state was deleted would restart its statistics from zero.
    let damaged = saved.filter { !$0.key.hasPrefix("state.b.") }
    var optimizer = Optimizer(rule, learningRate: 0.1)
    #expect(throws: OptimizerStateError.missingSlot(path: "b", slot: rule.stateSlots[0].name), "\(name)") {
        try optimizer.importState(damaged, for: parameters)
    }
}

@Test func aFrozenParameterNeedsNoStateAndStatelessRulesNone() throws {
    let (parameters, saved) = twoSteps(Adam())
    var frozen = Optimizer(Adam(), learningRate: 0.1)
    try frozen.freeze("b", in: parameters)
    try frozen.importState(saved.filter { !$0.key.hasPrefix("state.b.") }, for: parameters)
    let plain = twoSteps(SGD())
    var sgd = Optimizer(SGD(), learningRate: 0.1)
    try sgd.importState(plain.saved, for: plain.parameters)
    #expect(plain.saved.keys.sorted() == ["step_count"])
}

@Test func slotsOfTheWrongFormOrRangeAreNamed() {
    let (parameters, saved) = twoSteps(Adam())
    func importing(_ changes: [String: Tensor?], rule: any OptimizerRule = Adam()) throws(OptimizerStateError) {
        var damaged = saved
        for (key, value) in changes { damaged[key] = value }
        var optimizer = Optimizer(rule, learningRate: 0.1)
        try optimizer.importState(damaged, for: parameters)
    }
    #expect(throws: OptimizerStateError.mismatchedSlot(path: "w", slot: "exp_avg", shape: [4], dtype: .float64,
                                                        expected: "[3] float64, as the parameter")) {
        try importing(["state.w.exp_avg": Tensor.zeros([4], dtype: .float64)])
    }
    #expect(throws: OptimizerStateError.mismatchedSlot(path: "w", slot: "step", shape: [], dtype: .float64,
                                                        expected: "an int64 scalar")) {
        try importing(["state.w.step": Tensor(2.0)])
    }
    // Two updates: each parameter's step is 2, never past step_count.
    #expect(throws: OptimizerStateError.slotOutOfRange(path: "w", slot: "step", value: "3", allowed: "1...2 (step_count)")) {
        try importing(["state.w.step": Tensor(Int64(3))])
    }
    #expect(throws: OptimizerStateError.slotOutOfRange(path: "w", slot: "step", value: "0", allowed: "1...2 (step_count)")) {
        try importing(["state.w.step": Tensor(Int64(0))])
    }
    #expect(throws: OptimizerStateError.unexpectedSlot(path: "w", slot: "momentum_buffer")) {
        try importing(["state.w.momentum_buffer": Tensor.zeros([3], dtype: .float64)])
    }
    // Adam's state is not plain SGD's.
    #expect(throws: OptimizerStateError.unexpectedSlot(path: "b", slot: "exp_avg")) { try importing([:], rule: SGD()) }
    #expect(throws: OptimizerStateError.notAParameter(path: "other")) {
        try importing(["state.other.exp_avg": Tensor.zeros([3], dtype: .float64)])
    }
    #expect(throws: OptimizerStateError.malformedStepCount("is \(Int64.max), outside 0...\(Optimizer.maximumStepCount)")) {
        try importing(["step_count": Tensor(Int64.max)])
    }
    #expect(throws: OptimizerStateError.malformedStepCount("is -1, outside 0...\(Optimizer.maximumStepCount)")) {
        try importing(["step_count": Tensor(Int64(-1))])
    }
}

@Test func fistaMomentumMustBeAFiniteScalar() {
    let rule = ProximalGradient(.l1(strength: 0.1), accelerated: true)
    let (parameters, saved) = twoSteps(rule)
    var damaged = saved
    damaged["state.w.momentum_t"] = Tensor(Double.nan)
    var optimizer = Optimizer(rule, learningRate: 0.1)
    #expect(throws: OptimizerStateError.slotOutOfRange(path: "w", slot: "momentum_t", value: "nan", allowed: "the finite numbers")) {
        try optimizer.importState(damaged, for: parameters)
    }
}
