import Strata

private func checkShapes(_ name: String, _ prediction: Tensor, _ target: Tensor) {
    precondition(prediction.shape == target.shape,
                 "\(name): prediction \(prediction.shape) and target \(target.shape) differ")
}

/// Mean squared error: `(prediction - target)^2`, reduced.
public func meanSquaredError(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    checkShapes("meanSquaredError", prediction, target)
    return square(prediction - target).reduced(reduction)
}

/// Mean absolute error: `|prediction - target|`, reduced.
public func l1Loss(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    checkShapes("l1Loss", prediction, target)
    return abs(prediction - target).reduced(reduction)
}

/// Smooth L1 (Girshick, 2015): `0.5 d^2 / beta` where `|d| < beta`, else `|d| - 0.5 beta`.
public func smoothL1Loss(_ prediction: Tensor, _ target: Tensor, beta: Double = 1, reduction: LossReduction = .mean) -> Tensor {
    checkShapes("smoothL1Loss", prediction, target)
    let difference = abs(prediction - target)
    guard beta > 0 else { return difference.reduced(reduction) }
    return select(difference .< beta, square(difference) * (0.5 / beta), difference - 0.5 * beta).reduced(reduction)
}

/// Huber loss (Huber, 1964): `0.5 d^2` where `|d| < delta`, else `delta (|d| - 0.5 delta)`.
public func huberLoss(_ prediction: Tensor, _ target: Tensor, delta: Double = 1, reduction: LossReduction = .mean) -> Tensor {
    checkShapes("huberLoss", prediction, target)
    let difference = abs(prediction - target)
    return select(difference .< delta, square(difference) * 0.5, (difference - 0.5 * delta) * delta).reduced(reduction)
}

/// Binary cross-entropy of probabilities in [0, 1]: `-(t log p + (1 - t) log(1 - p))`, with each
/// log clamped at -100 as in PyTorch; optional per-element `weights`.
public func binaryCrossEntropy(probabilities: Tensor, targets: Tensor, weights: Tensor? = nil,
                               reduction: LossReduction = .mean) -> Tensor {
    checkShapes("binaryCrossEntropy", probabilities, targets)
    let floor = probabilities.scalarLikeValue(-100)
    // log(0) is replaced before it is taken: its pullback 1/x at 0 would turn the clamp's zero
    // gradient into 0 * inf = NaN for probabilities of exactly 0 or 1 (a saturated sigmoid).
    func clampedLog(_ x: Tensor) -> Tensor {
        let positive = x .> 0
        return select(positive, maximum(log(select(positive, x, x.filled(1))), floor), floor.expanded(to: x.shape))
    }
    let logP = clampedLog(probabilities)
    let logNotP = clampedLog(1 - probabilities)
    var loss = -(targets * logP + (1 - targets) * logNotP)
    if let weights { loss = loss * weights }
    return loss.reduced(reduction)
}

/// Binary cross-entropy from logits, stable for large |x|: `softplus(x) - t x`
/// (`sigmoidCrossEntropy`, a fused kernel where the backend offers one), or with
/// `positiveWeight` p: `(1 - t) x + (1 + (p - 1) t) softplus(-x)` (PyTorch's BCEWithLogits).
public func binaryCrossEntropy(logits: Tensor, targets: Tensor, weights: Tensor? = nil, positiveWeight: Tensor? = nil,
                               reduction: LossReduction = .mean) -> Tensor {
    checkShapes("binaryCrossEntropy", logits, targets)
    var loss: Tensor
    if let positiveWeight {
        loss = (1 - targets) * logits + (1 + (positiveWeight - 1) * targets) * softplus(-logits)
    } else {
        loss = sigmoidCrossEntropy(logits: logits, targets: targets)
    }
    if let weights { loss = loss * weights }
    return loss.reduced(reduction)
}

extension Tensor {
    func scalarLikeValue(_ value: Double) -> Tensor { Tensor(value, dtype: dtype) }
}
