import Foundation

/// The one-cycle policy (Smith & Topin, 2019; PyTorch's OneCycleLR with cosine annealing and two
/// phases), per step: from `maximum / divisionFactor` up to `maximum` over the first
/// `warmupFraction` of `totalSteps`, then down to `initial / finalDivisionFactor`.
public struct OneCycle: LearningRateSchedule {
    public var maximum: Double
    public var totalSteps: Int
    public var warmupFraction: Double
    public var divisionFactor: Double
    public var finalDivisionFactor: Double

    public init(maximum: Double, totalSteps: Int, warmupFraction: Double = 0.3, divisionFactor: Double = 25,
                finalDivisionFactor: Double = 1e4) {
        precondition(totalSteps > 1, "OneCycle: totalSteps must be at least 2, got \(totalSteps)")
        self.maximum = maximum
        self.totalSteps = totalSteps
        self.warmupFraction = warmupFraction
        self.divisionFactor = divisionFactor
        self.finalDivisionFactor = finalDivisionFactor
    }

    public func learningRate(at index: Int) -> Double {
        let initial = maximum / divisionFactor
        let final = initial / finalDivisionFactor
        let peak = Double(warmupFraction * Double(totalSteps)) - 1
        let end = Double(totalSteps - 1)
        let step = Double(index)
        func cosine(_ start: Double, _ stop: Double, _ fraction: Double) -> Double {
            stop + (start - stop) / 2 * (1 + cos(Double.pi * fraction))
        }
        if step <= peak {
            return cosine(initial, maximum, step / peak)
        }
        return cosine(maximum, final, (step - peak) / (end - peak))
    }
}
