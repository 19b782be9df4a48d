import Foundation

/// A learning rate as a function of the epoch (or step) index, counted from 0, in closed form,
/// so that resuming at any index needs no replay. Set `optimizer.learningRate` from it before
/// each epoch (or step).
///
///     let schedule = CosineAnnealing(baseLearningRate: 0.1, period: 50)
///     for epoch in 0..<50 { optimizer.learningRate = schedule.learningRate(at: epoch); ... }
public protocol LearningRateSchedule: Sendable {
    func learningRate(at index: Int) -> Double
}

/// Multiplies the rate by `gamma` every `stepSize` epochs (PyTorch's StepLR).
public struct StepDecay: LearningRateSchedule {
    public var baseLearningRate: Double
    public var stepSize: Int
    public var gamma: Double

    public init(baseLearningRate: Double, stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize > 0, "StepDecay: stepSize must be positive, got \(stepSize)")
        self.baseLearningRate = baseLearningRate
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func learningRate(at index: Int) -> Double {
        baseLearningRate * pow(gamma, Double(index / stepSize))
    }
}

/// Multiplies the rate by `gamma` at each milestone (PyTorch's MultiStepLR).
public struct MultiStepDecay: LearningRateSchedule {
    public var baseLearningRate: Double
    public var milestones: [Int]
    public var gamma: Double

    public init(baseLearningRate: Double, milestones: [Int], gamma: Double = 0.1) {
        self.baseLearningRate = baseLearningRate
        self.milestones = milestones.sorted()
        self.gamma = gamma
    }

    public func learningRate(at index: Int) -> Double {
        baseLearningRate * pow(gamma, Double(milestones.filter { $0 <= index }.count))
    }
}

/// Multiplies the rate by `gamma` every epoch (PyTorch's ExponentialLR).
public struct ExponentialDecay: LearningRateSchedule {
    public var baseLearningRate: Double
    public var gamma: Double

    public init(baseLearningRate: Double, gamma: Double) {
        self.baseLearningRate = baseLearningRate
        self.gamma = gamma
    }

    public func learningRate(at index: Int) -> Double {
        baseLearningRate * pow(gamma, Double(index))
    }
}

/// Cosine annealing from the base rate to `minimum` over `period` epochs (Loshchilov & Hutter,
/// 2017; PyTorch's CosineAnnealingLR in closed form). With `restartPeriodMultiplier` set it
/// restarts, each period `multiplier` times longer than the last (CosineAnnealingWarmRestarts).
public struct CosineAnnealing: LearningRateSchedule {
    public var baseLearningRate: Double
    public var period: Int
    public var minimum: Double
    public var restartPeriodMultiplier: Int?

    public init(baseLearningRate: Double, period: Int, minimum: Double = 0, restartPeriodMultiplier: Int? = nil) {
        precondition(period > 0, "CosineAnnealing: period must be positive, got \(period)")
        precondition(restartPeriodMultiplier.map { $0 >= 1 } ?? true, "CosineAnnealing: the restart multiplier must be >= 1")
        self.baseLearningRate = baseLearningRate
        self.period = period
        self.minimum = minimum
        self.restartPeriodMultiplier = restartPeriodMultiplier
    }

    public func learningRate(at index: Int) -> Double {
        var position = index, length = period
        if let multiplier = restartPeriodMultiplier {
            while position >= length {
                position -= length
                length *= multiplier
            }
        } else if position > period {
            // Past the period PyTorch's closed form keeps following the cosine.
            return minimum + (baseLearningRate - minimum) * (1 + cos(Double.pi * Double(position) / Double(period))) / 2
        }
        return minimum + (baseLearningRate - minimum) * (1 + cos(Double.pi * Double(position) / Double(length))) / 2
    }
}

/// A linear ramp of the rate's factor from `startFactor` to `endFactor` over `length` epochs,
/// then constant (PyTorch's LinearLR): the usual warm-up.
public struct LinearWarmup: LearningRateSchedule {
    public var baseLearningRate: Double
    public var startFactor: Double
    public var endFactor: Double
    public var length: Int

    public init(baseLearningRate: Double, startFactor: Double = 1.0 / 3, endFactor: Double = 1, length: Int = 5) {
        precondition(length > 0, "LinearWarmup: length must be positive, got \(length)")
        self.baseLearningRate = baseLearningRate
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.length = length
    }

    public func learningRate(at index: Int) -> Double {
        let progress = Double(min(index, length)) / Double(length)
        return baseLearningRate * (startFactor + (endFactor - startFactor) * progress)
    }
}

/// Schedules one after another: `schedules[i]` runs from `milestones[i - 1]` with its index
/// restarted at 0 (PyTorch's SequentialLR), e.g. warm-up then cosine annealing.
public struct SequentialSchedule: LearningRateSchedule {
    public var schedules: [any LearningRateSchedule]
    public var milestones: [Int]

    public init(_ schedules: [any LearningRateSchedule], milestones: [Int]) {
        precondition(schedules.count == milestones.count + 1,
                     "SequentialSchedule: \(schedules.count) schedules need \(schedules.count - 1) milestones, got \(milestones.count)")
        self.schedules = schedules
        self.milestones = milestones
    }

    public func learningRate(at index: Int) -> Double {
        let stage = milestones.filter { $0 <= index }.count
        let start = stage == 0 ? 0 : milestones[stage - 1]
        return schedules[stage].learningRate(at: index - start)
    }
}
