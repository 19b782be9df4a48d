import Strata
import StrataNN
import StrataOptimizers
import Testing

// Fidelity against PyTorch: every expected number here comes from
// Fixtures/OptimizerFixtures.swift, written by Tools/make_optimizer_fixtures.py.

// MARK: - The fixture model

/// nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)) with the generator's initial weights.
func fixtureModel() -> Sequential {
    var model = Sequential {
        Linear(inputSize: 4, outputSize: 8)
        Tanh()
        Linear(inputSize: 8, outputSize: 3)
    }
    try! model.loadStateDictionary(tensors(OptimizerFixtures.initialParameters, shapedLike: model))
    return model
}

/// Flat fixture values as tensors with the shapes of `model`'s parameters at the same paths.
func tensors(_ values: [String: [Float]], shapedLike model: Sequential) -> [ParameterPath: Tensor] {
    let shapes = model.stateDictionary().mapValues(\.shape)
    return Dictionary(uniqueKeysWithValues: values.map { path, scalars in
        (ParameterPath(path)!, Tensor(scalars, shape: shapes[ParameterPath(path)!]!))
    })
}

let fixtureInputs = Tensor(OptimizerFixtures.inputs, shape: [8, 4])
let fixtureTargets = Tensor(OptimizerFixtures.targets, shape: [8, 3])

func fixtureLossAndGradients(_ model: Sequential) -> (loss: Tensor, gradients: [ParameterPath: Tensor]) {
    let (loss, gradients) = valueAndGradient(at: model) { model in meanSquaredError(model(fixtureInputs), fixtureTargets) }
    return (loss, gradients)
}

/// Trains `model` full-batch for `steps` steps, calling `snapshot(step, model)` after each.
func train(_ model: inout Sequential, with optimizer: inout Optimizer, steps: Int,
           snapshot: (Int, Sequential) -> Void = { _, _ in }) {
    for step in 1...steps {
        let (_, gradients) = fixtureLossAndGradients(model)
        optimizer.update(&model, along: gradients)
        snapshot(step, model)
    }
}

/// Checks `actual` against `expected` element by element: |a - e| <= relative * |e| + absolute.
/// The absolute floor covers elements that PyTorch's float32 arithmetic leaves near zero.
func expectClose(_ actual: [Float], _ expected: [Float], relative: Double = 1e-5, absolute: Double = 1e-6,
                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worst: (index: Int, excess: Double)? = nil
    for index in actual.indices {
        let actualValue = Double(actual[index]), expectedValue = Double(expected[index])
        let excess = abs(actualValue - expectedValue) - (relative * abs(expectedValue) + absolute)
        if excess > 0 && excess > (worst?.excess ?? 0) { worst = (index, excess) }
    }
    if let worst {
        Issue.record("\(what): element \(worst.index) is \(actual[worst.index]), expected \(expected[worst.index])",
                     sourceLocation: sourceLocation)
    }
}

func expectParameters(of model: Sequential, match expected: [String: [Float]], _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    let actual = model.stateDictionary()
    #expect(Set(actual.keys.map(\.description)) == Set(expected.keys), sourceLocation: sourceLocation)
    for (path, values) in expected.sorted(by: { $0.key < $1.key }) {
        guard let tensor = actual[ParameterPath(path)!] else { continue }
        expectClose(tensor.scalars(as: Float.self), values, "\(what) \(path)", sourceLocation: sourceLocation)
    }
}

@Test func fixtureModelLossAndGradientsMatchPyTorch() {
    let (loss, gradients) = fixtureLossAndGradients(fixtureModel())
    expectClose(loss.scalars(as: Float.self), [OptimizerFixtures.initialLoss], "loss")
    #expect(Set(gradients.keys.map(\.description)) == Set(OptimizerFixtures.initialGradients.keys))
    for (path, expected) in OptimizerFixtures.initialGradients {
        expectClose(gradients[ParameterPath(path)!]!.scalars(as: Float.self), expected, "gradient \(path)")
    }
}

// MARK: - Rule trajectories

struct TrajectoryCase: Sendable, CustomTestStringConvertible {
    var name: String
    var rule: any OptimizerRule
    var trajectory: OptimizerTrajectory
    var testDescription: String { name }
}

// Each rule with the options of the torch.optim call named in the fixture's comment.
let trajectoryCases: [TrajectoryCase] = [
    TrajectoryCase(name: "sgdPlain", rule: SGD(), trajectory: OptimizerFixtures.sgdPlain),
    TrajectoryCase(name: "sgdMomentumDampening", rule: SGD(momentum: 0.9, dampening: 0.1),
                   trajectory: OptimizerFixtures.sgdMomentumDampening),
    TrajectoryCase(name: "sgdNesterov", rule: SGD(momentum: 0.9, nesterov: true), trajectory: OptimizerFixtures.sgdNesterov),
    TrajectoryCase(name: "sgdMomentumWeightDecay", rule: SGD(momentum: 0.9), trajectory: OptimizerFixtures.sgdMomentumWeightDecay),
    TrajectoryCase(name: "adagradPlain", rule: Adagrad(), trajectory: OptimizerFixtures.adagradPlain),
    TrajectoryCase(name: "adagradDecayAndInitialAccumulator",
                   rule: Adagrad(learningRateDecay: 0.05, initialAccumulatorValue: 0.1),
                   trajectory: OptimizerFixtures.adagradDecayAndInitialAccumulator),
    TrajectoryCase(name: "rmspropPlain", rule: RMSprop(), trajectory: OptimizerFixtures.rmspropPlain),
    TrajectoryCase(name: "rmspropCentered", rule: RMSprop(alpha: 0.9, centered: true), trajectory: OptimizerFixtures.rmspropCentered),
    TrajectoryCase(name: "rmspropMomentum", rule: RMSprop(momentum: 0.8), trajectory: OptimizerFixtures.rmspropMomentum),
    TrajectoryCase(name: "rmspropCenteredMomentumWeightDecay",
                   rule: RMSprop(alpha: 0.95, epsilon: 1e-6, momentum: 0.5, centered: true),
                   trajectory: OptimizerFixtures.rmspropCenteredMomentumWeightDecay),
    TrajectoryCase(name: "adamPlain", rule: Adam(), trajectory: OptimizerFixtures.adamPlain),
    TrajectoryCase(name: "adamAMSGrad", rule: Adam(beta1: 0.8, beta2: 0.99, amsgrad: true), trajectory: OptimizerFixtures.adamAMSGrad),
    TrajectoryCase(name: "adamWeightDecay", rule: Adam(), trajectory: OptimizerFixtures.adamWeightDecay),
    TrajectoryCase(name: "adamW", rule: AdamW(), trajectory: OptimizerFixtures.adamW),
    TrajectoryCase(name: "adamWAMSGrad", rule: AdamW(amsgrad: true), trajectory: OptimizerFixtures.adamWAMSGrad),
    TrajectoryCase(name: "adadeltaPlain", rule: Adadelta(), trajectory: OptimizerFixtures.adadeltaPlain),
    TrajectoryCase(name: "adadeltaWeightDecay", rule: Adadelta(rho: 0.8, epsilon: 1e-5),
                   trajectory: OptimizerFixtures.adadeltaWeightDecay),
]

@Test(arguments: trajectoryCases)
func ruleFollowsThePyTorchTrajectory(_ testCase: TrajectoryCase) {
    var model = fixtureModel()
    var optimizer = Optimizer(testCase.rule, learningRate: testCase.trajectory.learningRate,
                              weightDecay: testCase.trajectory.weightDecay)
    train(&model, with: &optimizer, steps: OptimizerFixtures.trainingSteps) { step, model in
        if let expected = testCase.trajectory.snapshots[step] {
            expectParameters(of: model, match: expected, "\(testCase.name) step \(step)")
        }
    }
    #expect(optimizer.stepCount == OptimizerFixtures.trainingSteps)
}

// MARK: - Parameter groups

@Test func perGroupLearningRateAndWeightDecayMatchPyTorchGroups() {
    // PyTorch: layer 0 in a group with lr 0.1 and weight decay 0.01, layer 2 at the defaults.
    var model = fixtureModel()
    var optimizer = Optimizer(SGD(momentum: 0.9), learningRate: 0.02,
                              groups: [.prefix("0.", learningRate: 0.1, weightDecay: 0.01)])
    train(&model, with: &optimizer, steps: OptimizerFixtures.trainingSteps) { step, model in
        if let expected = OptimizerFixtures.groupsSGDMomentum.snapshots[step] {
            expectParameters(of: model, match: expected, "groups step \(step)")
        }
    }
}

@Test func frozenGroupNeverChangesWhileTheRestTrainsLikePyTorch() {
    var model = fixtureModel()
    let initial = model.stateDictionary()
    var optimizer = Optimizer(Adam(), learningRate: 0.02, groups: [.prefix("2.", isFrozen: true)])
    train(&model, with: &optimizer, steps: OptimizerFixtures.trainingSteps) { step, model in
        for path: ParameterPath in ["2.weight", "2.bias"] {
            #expect(model.stateDictionary()[path]!.scalars(as: Float.self) == initial[path]!.scalars(as: Float.self))
        }
        if let expected = OptimizerFixtures.groupsAdamFrozenSecondLayer.snapshots[step] {
            expectParameters(of: model, match: expected, "frozen step \(step)")
        }
    }
    // A frozen parameter costs nothing: no state is kept for it.
    #expect(optimizer.state.keys.sorted() == ["0.bias", "0.weight"])
}

@Test func firstMatchingGroupWins() {
    // Two groups both match "0.weight"; the first (lr 0) leaves it unchanged, so the second
    // (lr 1) applies only to the rest of layer 0. Hand check: SGD moves by lr * gradient.
    var parameters: [ParameterPath: Tensor] = ["0.weight": Tensor([1.0] as [Double]), "0.bias": Tensor([1.0] as [Double])]
    var optimizer = Optimizer(SGD(), learningRate: 0.5, groups: [
        ParameterGroup("weights", learningRate: 0) { $0.description.hasSuffix("weight") },
        .prefix("0.", learningRate: 1),
    ])
    optimizer.update(&parameters, along: ["0.weight": Tensor([0.25] as [Double]), "0.bias": Tensor([0.25] as [Double])])
    #expect(parameters["0.weight"]!.scalars(as: Double.self) == [1.0])
    #expect(parameters["0.bias"]!.scalars(as: Double.self) == [0.75])
}

// MARK: - Save and resume

struct ResumeCase: Sendable, CustomTestStringConvertible {
    var name: String
    var rule: any OptimizerRule
    var weightDecay: Double = 0
    var testDescription: String { name }
}

let resumeCases: [ResumeCase] = [
    ResumeCase(name: "Adam", rule: Adam()),
    ResumeCase(name: "AdamW AMSGrad", rule: AdamW(amsgrad: true), weightDecay: 0.1),
    ResumeCase(name: "SGD momentum", rule: SGD(momentum: 0.9)),
    ResumeCase(name: "SGD Nesterov", rule: SGD(momentum: 0.9, nesterov: true), weightDecay: 0.01),
    ResumeCase(name: "RMSprop centered momentum", rule: RMSprop(momentum: 0.5, centered: true)),
    ResumeCase(name: "Adagrad with decay", rule: Adagrad(learningRateDecay: 0.05)),
    ResumeCase(name: "Adadelta", rule: Adadelta()),
    ResumeCase(name: "FTRL-proximal", rule: FTRLProximal(l1Strength: 0.01, l2Strength: 0.1)),
]

@Test(arguments: resumeCases)
func exportImportResumeEqualsUninterruptedTrainingExactly(_ testCase: ResumeCase) throws {
    let learningRate = 0.01
    var uninterrupted = fixtureModel()
    var straight = Optimizer(testCase.rule, learningRate: learningRate, weightDecay: testCase.weightDecay)
    train(&uninterrupted, with: &straight, steps: 20)

    var resumed = fixtureModel()
    var first = Optimizer(testCase.rule, learningRate: learningRate, weightDecay: testCase.weightDecay)
    train(&resumed, with: &first, steps: 10)
    let saved = first.exportState()
    // The original keeps training first: the exported tensors must be values it cannot disturb.
    var continued = resumed
    train(&continued, with: &first, steps: 10)
    var second = Optimizer(testCase.rule, learningRate: learningRate, weightDecay: testCase.weightDecay)
    try second.importState(saved)
    #expect(second.stepCount == 10)
    train(&resumed, with: &second, steps: 10)

    #expect(second.stepCount == 20)
    let expected = uninterrupted.stateDictionary()
    for (name, model) in [("resumed", resumed), ("continued", continued)] {
        for (path, tensor) in model.stateDictionary() {
            // Bit for bit: the restored state must be the very state an uninterrupted run holds.
            #expect(tensor.scalars(as: Float.self) == expected[path]!.scalars(as: Float.self), "\(name) \(path)")
        }
    }
}

@Test func exportStateUsesPathsAndSlotNames() {
    var model = fixtureModel()
    var optimizer = Optimizer(Adam(), learningRate: 0.01)
    train(&model, with: &optimizer, steps: 1)
    let keys = optimizer.exportState().keys.sorted()
    // Adam's PyTorch slot names, per parameter path, plus the step count.
    var expected = ["step_count"]
    for path in ["0.bias", "0.weight", "2.bias", "2.weight"] {
        expected += ["exp_avg", "exp_avg_sq", "step"].map { "state.\(path).\($0)" }
    }
    #expect(keys == expected.sorted())
}

@Test(arguments: [
    ("missing step_count", [String: Tensor]()),
    ("float step_count", ["step_count": Tensor(3.0)]),
    ("step_count of two elements", ["step_count": Tensor([Int64(1), 2])]),
    ("key outside state.", ["step_count": Tensor(Int64(1)), "momentum.0.weight.exp_avg": Tensor([1.0])]),
    ("key without a slot", ["step_count": Tensor(Int64(1)), "state.weight": Tensor([1.0])]),
    ("key with an empty path", ["step_count": Tensor(Int64(1)), "state..exp_avg": Tensor([1.0])]),
])
func importingMalformedStateThrowsAndChangesNothing(_ name: String, _ saved: [String: Tensor]) {
    var model = fixtureModel()
    var optimizer = Optimizer(SGD(momentum: 0.9), learningRate: 0.01)
    train(&model, with: &optimizer, steps: 2)
    let before = optimizer.exportState()
    #expect(throws: OptimizerStateError.self, "\(name)") { try optimizer.importState(saved) }
    #expect(optimizer.stepCount == 2)
    let after = optimizer.exportState()
    #expect(after.keys.sorted() == before.keys.sorted())
    for (key, tensor) in before {
        #expect(after[key]!.scalars(as: Double.self) == tensor.scalars(as: Double.self), "\(key)")
    }
}

// MARK: - Gradient clipping

@Test func clipGradientNormMatchesPyTorch() {
    let model = fixtureModel()
    var gradients = tensors(OptimizerFixtures.initialGradients, shapedLike: model)
    let total = clipGradientNorm(&gradients, maxNorm: OptimizerFixtures.clipMaximumNorm)
    // Strata sums in float64, PyTorch in float32.
    expectClose([Float(total)], [OptimizerFixtures.clipTotalNorm], "total norm")
    for (path, expected) in OptimizerFixtures.normClippedGradients {
        expectClose(gradients[ParameterPath(path)!]!.scalars(as: Float.self), expected, "clipped \(path)")
    }
}

@Test func clipGradientNormLeavesSmallGradientsAlone() {
    let model = fixtureModel()
    let original = tensors(OptimizerFixtures.initialGradients, shapedLike: model)
    var gradients = original
    // The fixture's total norm is above 0.05 but far below 100: factor 100 / norm > 1 is not applied.
    _ = clipGradientNorm(&gradients, maxNorm: 100)
    for (path, tensor) in original {
        #expect(gradients[path]!.scalars(as: Float.self) == tensor.scalars(as: Float.self))
    }
}

@Test func clipGradientValuesMatchesPyTorchExactly() {
    let model = fixtureModel()
    var gradients = tensors(OptimizerFixtures.initialGradients, shapedLike: model)
    clipGradientValues(&gradients, limit: OptimizerFixtures.clipValueLimit)
    for (path, expected) in OptimizerFixtures.valueClippedGradients {
        // Clamping only selects values (the limit rounds to the same float32), so it is exact.
        #expect(gradients[ParameterPath(path)!]!.scalars(as: Float.self) == expected, "\(path)")
    }
}

// MARK: - Schedules and clipping driving training

/// Trains like a user loop: rate from `schedule` before each step, gradients clipped first.
func trainScheduled(_ rule: any OptimizerRule, schedule: any LearningRateSchedule, maxNorm: Double?,
                    matching trajectory: OptimizerTrajectory, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    var model = fixtureModel()
    var optimizer = Optimizer(rule, learningRate: schedule.learningRate(at: 0))
    for step in 1...OptimizerFixtures.trainingSteps {
        // PyTorch's scheduler.step() after step k sets the rate for step k + 1: index k - 1 here.
        optimizer.learningRate = schedule.learningRate(at: step - 1)
        var (_, gradients) = fixtureLossAndGradients(model)
        if let maxNorm { clipGradientNorm(&gradients, maxNorm: maxNorm) }
        optimizer.update(&model, along: gradients)
        if let expected = trajectory.snapshots[step] {
            expectParameters(of: model, match: expected, "\(what) step \(step)", sourceLocation: sourceLocation)
        }
    }
}

@Test func adamUnderCosineAnnealingWithClippingMatchesPyTorch() {
    // Adam(lr=0.05), CosineAnnealingLR(T_max=20, eta_min=0.001), clip_grad_norm_(max_norm=0.05).
    trainScheduled(Adam(), schedule: CosineAnnealing(baseLearningRate: 0.05, period: 20, minimum: 0.001), maxNorm: 0.05,
                   matching: OptimizerFixtures.adamCosineScheduleClipped, "Adam cosine clipped")
}

@Test func nesterovUnderOneCycleMatchesPyTorch() {
    // SGD(lr=0.1, momentum=0.9, nesterov=True), OneCycleLR(max_lr=0.3, total_steps=20, cycle_momentum=False).
    trainScheduled(SGD(momentum: 0.9, nesterov: true), schedule: OneCycle(maximum: 0.3, totalSteps: 20), maxNorm: nil,
                   matching: OptimizerFixtures.sgdNesterovOneCycle, "Nesterov one-cycle")
}
