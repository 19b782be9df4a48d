import Foundation
import Strata

/// Adam (Kingma & Ba, 2015) as PyTorch's `torch.optim.Adam`, with the AMSGrad variant
/// (Reddi, Kale & Kumar, 2018); `decoupled` gives AdamW (Loshchilov & Hutter, 2019), which
/// shrinks the weights by `lr * weightDecay` instead of adding decay to the gradient.
///
///     m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2          (t counts steps from 1)
///     v' = amsgrad ? max(v', v) : v
///     w = w - lr / (1 - b1^t) * m / (sqrt(v') / sqrt(1 - b2^t) + eps)
///
/// A moment whose magnitude falls below the smallest normal number of its dtype is stored as +0
/// (PyTorch keeps it). A parameter whose gradient stays zero, such as a dead ReLU unit's weight,
/// otherwise keeps `m` at a few subnormal units forever (`b1 m` rounds back to `m` there), and
/// every operation on a subnormal takes a microcode path some hundred times slower on x86: a
/// tenth of the moments of strata train's mlp did this and made Adam's step 2.6 times slower.
/// Flushing moves a parameter by less than `stepSize * 1.2e-38 / eps` (about 1e-32 at the
/// defaults) per step, below a float32 parameter's resolution unless it is itself that small.
///
/// Defaults (with learning rate 1e-3): betas 0.9 and 0.999, eps 1e-8, no AMSGrad. The rule
/// written with tensor ops is the specification; where the current backend offers a fused Adam
/// kernel (`FusedKernels.adamUpdate`: the CPU backend's one pass for float32) the step runs as
/// that kernel, which rounds exactly like the tensor ops.
public struct Adam: OptimizerRule {
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var amsgrad: Bool
    public var decoupled: Bool

    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, amsgrad: Bool = false,
                decoupled: Bool = false) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas must be in [0, 1), got \(beta1), \(beta2)")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.decoupled = decoupled
    }

    public var decouplesWeightDecay: Bool { decoupled }

    public var stateSlots: [StateSlot] {
        [StateSlot("step", .stepCounter), StateSlot("exp_avg"), StateSlot("exp_avg_sq")]
            + (amsgrad ? [StateSlot("max_exp_avg_sq")] : [])
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        var result = parameter
        step(&result, gradient: gradient, state: &state, context: context)
        return result
    }

    public func step(_ parameter: inout Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) {
        if let kernel = Backends.current.fusedKernels.adamUpdate, kernel.supports(parameter: parameter, gradient: gradient) {
            fusedStep(kernel, &parameter, gradient: gradient, state: &state, context: context)
        } else {
            parameter = plainUpdate(parameter, gradient: gradient, state: &state, context: context)
        }
    }

    /// The rule written with tensor ops: the specification the fused kernel is tested against.
    private func plainUpdate(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        let step = Double(state.incrementStep())
        let start = decoupled ? parameter * (1 - context.learningRate * context.weightDecay) : parameter
        let zeros = { Tensor.zeros(parameter.shape, dtype: parameter.dtype) }
        let m = flushingSubnormals((state["exp_avg"] ?? zeros()) * beta1 + gradient * (1 - beta1))
        let v = flushingSubnormals((state["exp_avg_sq"] ?? zeros()) * beta2 + gradient * gradient * (1 - beta2))
        state["exp_avg"] = m
        state["exp_avg_sq"] = v
        var second = v
        if amsgrad {
            second = maximum(state["max_exp_avg_sq"] ?? zeros(), v)
            state["max_exp_avg_sq"] = second
        }
        let correction1 = 1 - Foundation.pow(beta1, step)
        let correction2 = 1 - Foundation.pow(beta2, step)
        let denominator = sqrt(second) / correction2.squareRoot() + epsilon
        return start - m / denominator * (context.learningRate / correction1)
    }

    /// `x` with its subnormal values (float32 or float64) replaced by +0.
    private func flushingSubnormals(_ x: Tensor) -> Tensor {
        let smallestNormal: Double
        switch x.dtype {
        case .float32: smallestNormal = Double(Float.leastNormalMagnitude)
        case .float64: smallestNormal = Double.leastNormalMagnitude
        default: return x
        }
        return select(abs(x) .< smallestNormal, Tensor.zeros([], dtype: x.dtype), x)
    }

    /// The same step as `plainUpdate` through the backend's fused kernel, in place where the
    /// parameter's and the moments' buffers are not shared (the moments leave `state` meanwhile).
    private func fusedStep(_ kernel: any AdamUpdateKernel, _ parameter: inout Tensor, gradient: Tensor,
                           state: inout [String: Tensor], context: UpdateContext) {
        let step = Double(state.incrementStep())
        let (shape, dtype) = (parameter.shape, parameter.dtype)
        let zeros = { Tensor.zeros(shape, dtype: dtype) }
        var (firstIndex, secondIndex, maximumIndex): ([String: Tensor].Index?, [String: Tensor].Index?, [String: Tensor].Index?)
        var moments = AdamMoments(first: state.takeSlot("exp_avg", index: &firstIndex) ?? zeros(),
                                  second: state.takeSlot("exp_avg_sq", index: &secondIndex) ?? zeros(),
                                  maximumSecond: amsgrad ? (state.takeSlot("max_exp_avg_sq", index: &maximumIndex) ?? zeros()) : nil)
        let settings = AdamStepSettings(
            beta1: beta1, beta2: beta2, stepSize: context.learningRate / (1 - Foundation.pow(beta1, step)),
            biasCorrection2SquareRoot: (1 - Foundation.pow(beta2, step)).squareRoot(), epsilon: epsilon,
            decayFactor: decoupled ? 1 - context.learningRate * context.weightDecay : 1)
        kernel.updateInPlace(&parameter, gradient: gradient, moments: &moments, settings: settings)
        if let firstIndex, let secondIndex, !amsgrad || maximumIndex != nil {
            state.putSlot(moments.first, at: firstIndex)
            state.putSlot(moments.second, at: secondIndex)
            if let maximumIndex, let maximum = moments.maximumSecond { state.putSlot(maximum, at: maximumIndex) }
        } else {
            // A first step (or a partial imported state): inserting may move the other entries.
            state["exp_avg"] = moments.first
            state["exp_avg_sq"] = moments.second
            if let maximum = moments.maximumSecond { state["max_exp_avg_sq"] = maximum }
        }
    }
}

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019); use with the optimizer's
/// weight decay (PyTorch's default for AdamW is 0.01).
public func AdamW(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, amsgrad: Bool = false) -> Adam {
    Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, decoupled: true)
}
