import Foundation
import Strata

/// The non-smooth part of an objective that proximal gradient descent handles exactly.
public enum ProximalRegularizer: Sendable {
    /// `strength * Σ|w|` (the lasso): soft-thresholding, which sets small weights exactly to 0.
    case l1(strength: Double)
    /// `strength * Σ_rows ||w_row||_2` (group lasso over slices along axis 0): a whole row
    /// shrinks toward 0 together, and vanishes when its norm is below `lr * strength`.
    case groupL1(strength: Double)
    /// The constraint `low <= w <= high`: projection onto the box.
    case box(low: Double, high: Double)
}

/// Proximal gradient descent (ISTA; Beck & Teboulle, 2009): a gradient step on the smooth loss
/// followed by the proximal operator of the regularizer,
///
///     w = prox_{lr R}(w - lr * g)
///
/// so L1-regularized problems reach exact zeros. With `accelerated` it is FISTA: the model holds
/// the extrapolated point `y = x + (t_{k-1} - 1) / t_k * (x - x_prev)` at which the next gradient
/// is taken, and the iterate `x` itself is kept in the state slot `iterate`.
public struct ProximalGradient: OptimizerRule {
    public var regularizer: ProximalRegularizer
    public var accelerated: Bool

    public init(_ regularizer: ProximalRegularizer, accelerated: Bool = false) {
        self.regularizer = regularizer
        self.accelerated = accelerated
    }

    public var stateSlots: [StateSlot] { accelerated ? [StateSlot("iterate"), StateSlot("momentum_t", .scalar)] : [] }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        let iterate = proximal(parameter - gradient * context.learningRate, learningRate: context.learningRate)
        guard accelerated else { return iterate }
        let previous = state["iterate"] ?? parameter
        let t = state["momentum_t"]?.scalar(as: Double.self) ?? 1
        let nextT = (1 + (1 + 4 * t * t).squareRoot()) / 2
        state["iterate"] = iterate
        state["momentum_t"] = Tensor(nextT)
        return iterate + (iterate - previous) * ((t - 1) / nextT)
    }

    /// The proximal operator of `learningRate * regularizer` at `w`.
    public func proximal(_ w: Tensor, learningRate: Double) -> Tensor {
        switch regularizer {
        case .l1(let strength):
            return sign(w) * relu(abs(w) - learningRate * strength)
        case .groupL1(let strength):
            let axes = Array(1..<max(w.rank, 1))
            let norms = w.rank > 1 ? sqrt(square(w).sum(alongAxes: axes, keepDims: true)) : abs(w)
            // max(0, 1 - lr λ / ||w_row||), with an all-zero row staying zero.
            let scale = relu(1 - learningRate * strength / maximum(norms, Tensor(1e-30, dtype: w.dtype)))
            return w * scale
        case .box(let low, let high):
            return minimum(maximum(w, Tensor(low, dtype: w.dtype)), Tensor(high, dtype: w.dtype))
        }
    }
}
