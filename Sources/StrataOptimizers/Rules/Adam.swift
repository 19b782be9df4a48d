import CStrataKernels
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
/// Defaults (with learning rate 1e-3): betas 0.9 and 0.999, eps 1e-8, no AMSGrad. Float32
/// parameters are updated by one fused C pass (`fused`) that rounds exactly like the tensor ops.
public struct Adam: OptimizerRule {
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var amsgrad: Bool
    public var decoupled: Bool
    /// Use the single-pass kernel for float32 (on by default; off gives the op-by-op rule).
    public var fused = true

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
        if fused && parameter.dtype == .float32 && gradient.dtype == .float32 {
            return fusedUpdate(parameter, gradient: gradient, state: &state, context: context)
        }
        return plainUpdate(parameter, gradient: gradient, state: &state, context: context)
    }

    /// The rule written with tensor ops: the specification the fused kernel is tested against.
    private func plainUpdate(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        let step = Double(state.incrementStep())
        let start = decoupled ? parameter * (1 - context.learningRate * context.weightDecay) : parameter
        let zeros = { Tensor.zeros(parameter.shape, dtype: parameter.dtype) }
        let m = (state["exp_avg"] ?? zeros()) * beta1 + gradient * (1 - beta1)
        let v = (state["exp_avg_sq"] ?? zeros()) * beta2 + gradient * gradient * (1 - beta2)
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

    /// The same step as `plainUpdate` in one pass over float32 buffers.
    private func fusedUpdate(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        let step = Double(state.incrementStep())
        let zeros = { Tensor.zeros(parameter.shape, dtype: .float32) }
        let (m, v) = (state["exp_avg"] ?? zeros(), state["exp_avg_sq"] ?? zeros())
        let previousMaximum = amsgrad ? (state["max_exp_avg_sq"] ?? zeros()) : nil
        let settings = strata_adam_parameters(
            beta1: Float(beta1), one_minus_beta1: Float(1 - beta1), beta2: Float(beta2), one_minus_beta2: Float(1 - beta2),
            step_size: Float(context.learningRate / (1 - Foundation.pow(beta1, step))),
            bias_correction2_sqrt: Float((1 - Foundation.pow(beta2, step)).squareRoot()), epsilon: Float(epsilon),
            decay_factor: Float(decoupled ? 1 - context.learningRate * context.weightDecay : 1))
        var inputs = [parameter, gradient, m, v]
        if let previousMaximum { inputs.append(previousMaximum) }
        var outputs = (0..<(amsgrad ? 4 : 3)).map { _ in Tensor(unsafeUninitializedShape: parameter.shape, dtype: .float32) }
        Tensor.withUnsafeScalars(of: inputs, as: Float.self) { input in
            Tensor.withUnsafeMutableScalars(of: &outputs, as: Float.self) { output in
                // Elementwise, so any split gives the same bits; 64K elements keep a chunk worth a wake-up.
                parallelChunks(of: output[0].count, minimumChunk: 65_536) { chunk in
                    let (start, count) = (chunk.lowerBound, chunk.count)
                    strata_adam_f32(input[0].baseAddress! + start, input[1].baseAddress! + start, input[2].baseAddress! + start,
                                    input[3].baseAddress! + start, amsgrad ? input[4].baseAddress! + start : nil,
                                    output[0].baseAddress! + start, output[1].baseAddress! + start, output[2].baseAddress! + start,
                                    amsgrad ? output[3].baseAddress! + start : nil, count, [settings])
                }
            }
        }
        let (result, newM, newV) = (outputs[0], outputs[1], outputs[2])
        let newMaximum = amsgrad ? outputs[3] : nil
        state["exp_avg"] = newM
        state["exp_avg_sq"] = newV
        if let newMaximum { state["max_exp_avg_sq"] = newMaximum }
        return result
    }
}

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019); use with the optimizer's
/// weight decay (PyTorch's default for AdamW is 0.01).
public func AdamW(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, amsgrad: Bool = false) -> Adam {
    Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, decoupled: true)
}
