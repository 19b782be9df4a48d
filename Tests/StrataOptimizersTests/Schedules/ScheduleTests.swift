import StrataOptimizers
import Testing

// Learning-rate schedules against PyTorch's schedulers: the expected sequences come from
// Fixtures/OptimizerFixtures.swift, written by Tools/make_optimizer_fixtures.py (the
// scheduler call is given beside each case below).

/// Relative 1e-12: Strata evaluates closed forms where PyTorch mostly recurses epoch to epoch,
/// so the two differ by accumulated rounding only.
func expectRates(_ actual: [Double], _ expected: [Double], _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (epoch, (rate, reference)) in zip(actual, expected).enumerated() where abs(rate - reference) > 1e-12 * abs(reference) {
        Issue.record("\(what): epoch \(epoch) rate \(rate), PyTorch \(reference)", sourceLocation: sourceLocation)
    }
}

struct ScheduleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var schedule: any LearningRateSchedule
    var expected: [Double]
    var testDescription: String { name }
}

let scheduleCases: [ScheduleCase] = [
    // StepLR(step_size=7, gamma=0.5) from lr 0.1
    ScheduleCase(name: "StepLR", schedule: StepDecay(baseLearningRate: 0.1, stepSize: 7, gamma: 0.5),
                 expected: OptimizerFixtures.stepLR),
    // MultiStepLR(milestones=[5, 12, 20], gamma=0.3)
    ScheduleCase(name: "MultiStepLR", schedule: MultiStepDecay(baseLearningRate: 0.1, milestones: [12, 5, 20], gamma: 0.3),
                 expected: OptimizerFixtures.multiStepLR),
    // ExponentialLR(gamma=0.9)
    ScheduleCase(name: "ExponentialLR", schedule: ExponentialDecay(baseLearningRate: 0.1, gamma: 0.9),
                 expected: OptimizerFixtures.exponentialLR),
    // CosineAnnealingLR(T_max=12, eta_min=0.001), 30 epochs: past T_max it rises again.
    ScheduleCase(name: "CosineAnnealingLR", schedule: CosineAnnealing(baseLearningRate: 0.1, period: 12, minimum: 0.001),
                 expected: OptimizerFixtures.cosineAnnealingLR),
    // CosineAnnealingWarmRestarts(T_0=3, T_mult=2, eta_min=0.0005): restarts at epochs 3, 9 and 21.
    ScheduleCase(name: "CosineAnnealingWarmRestarts",
                 schedule: CosineAnnealing(baseLearningRate: 0.1, period: 3, minimum: 0.0005, restartPeriodMultiplier: 2),
                 expected: OptimizerFixtures.cosineAnnealingWarmRestarts),
    // CosineAnnealingWarmRestarts(T_0=7): T_mult 1, a restart every 7 epochs.
    ScheduleCase(name: "CosineAnnealingWarmRestarts fixed period",
                 schedule: CosineAnnealing(baseLearningRate: 0.1, period: 7, restartPeriodMultiplier: 1),
                 expected: OptimizerFixtures.cosineAnnealingWarmRestartsFixedPeriod),
    // MultiStepLR(milestones=[4, 4, 10], gamma=0.5): the repeated milestone halves twice.
    ScheduleCase(name: "MultiStepLR repeated milestone",
                 schedule: MultiStepDecay(baseLearningRate: 0.1, milestones: [4, 4, 10], gamma: 0.5),
                 expected: OptimizerFixtures.multiStepLRRepeatedMilestone),
    // LinearLR(start_factor=1.0, end_factor=0.2, total_iters=10): a linear decay.
    ScheduleCase(name: "LinearLR decreasing", schedule: LinearWarmup(baseLearningRate: 0.1, startFactor: 1, endFactor: 0.2, length: 10),
                 expected: OptimizerFixtures.linearLRDecreasing),
    // LinearLR(start_factor=0.25, end_factor=1.0, total_iters=8)
    ScheduleCase(name: "LinearLR", schedule: LinearWarmup(baseLearningRate: 0.1, startFactor: 0.25, endFactor: 1, length: 8),
                 expected: OptimizerFixtures.linearLR),
    // SequentialLR([LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=25, eta_min=0.002)], milestones=[5])
    ScheduleCase(name: "SequentialLR",
                 schedule: SequentialSchedule([
                     LinearWarmup(baseLearningRate: 0.1, startFactor: 0.1, length: 5),
                     CosineAnnealing(baseLearningRate: 0.1, period: 25, minimum: 0.002),
                 ], milestones: [5]),
                 expected: OptimizerFixtures.sequentialLinearThenCosine),
    // OneCycleLR(max_lr=0.5, total_steps=30, cycle_momentum=False), other options at defaults.
    ScheduleCase(name: "OneCycleLR", schedule: OneCycle(maximum: 0.5, totalSteps: 30), expected: OptimizerFixtures.oneCycleLR),
    // OneCycleLR(max_lr=2.0, total_steps=30, pct_start=0.2, div_factor=10, final_div_factor=100, cycle_momentum=False)
    ScheduleCase(name: "OneCycleLR short warm-up",
                 schedule: OneCycle(maximum: 2, totalSteps: 30, warmupFraction: 0.2, divisionFactor: 10, finalDivisionFactor: 100),
                 expected: OptimizerFixtures.oneCycleLRShortWarmup),
]

@Test(arguments: scheduleCases)
func scheduleMatchesPyTorch(_ testCase: ScheduleCase) {
    let rates = testCase.expected.indices.map { testCase.schedule.learningRate(at: $0) }
    expectRates(rates, testCase.expected, testCase.name)
}

@Test func reduceOnPlateauMinimizingMatchesPyTorch() {
    // ReduceLROnPlateau(mode="min", factor=0.5, patience=2, threshold=1e-2, cooldown=1, min_lr=0.004)
    var schedule = ReduceOnPlateau(learningRate: 0.1, mode: .minimize, factor: 0.5, patience: 2, threshold: 1e-2,
                                   cooldown: 1, minimumLearningRate: 0.004)
    let rates = OptimizerFixtures.plateauMetrics.map { schedule.step(metric: $0) }
    expectRates(rates, OptimizerFixtures.reduceLROnPlateauMin, "min")
}

@Test func reduceOnPlateauMaximizingMatchesPyTorch() {
    // ReduceLROnPlateau(mode="max", factor=0.3, patience=1, threshold=1e-3) fed the negated metrics reversed.
    var schedule = ReduceOnPlateau(learningRate: 0.1, mode: .maximize, factor: 0.3, patience: 1, threshold: 1e-3)
    let metrics = OptimizerFixtures.plateauMetrics.reversed().map { -$0 }
    let rates = metrics.map { schedule.step(metric: $0) }
    expectRates(rates, OptimizerFixtures.reduceLROnPlateauMax, "max")
}

@Test func reduceOnPlateauIgnoresReductionsBelowPyTorchsEpsilon() {
    // ReduceLROnPlateau(mode="min", factor=0.5, patience=0, min_lr=0.1 - 5e-9): every reduction
    // would be 5e-9 < eps 1e-8, so PyTorch keeps 0.1 throughout.
    var schedule = ReduceOnPlateau(learningRate: 0.1, factor: 0.5, patience: 0, minimumLearningRate: 0.1 - 5e-9)
    let rates = OptimizerFixtures.plateauMetrics.map { schedule.step(metric: $0) }
    expectRates(rates, OptimizerFixtures.reduceLROnPlateauTinyReduction, "tiny reductions")
}
