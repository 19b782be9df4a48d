import Strata

// Activation functions beyond the core's (sigmoid, tanh, relu, softplus), written from
// primitives so they need no derivative rules of their own.

/// `x` where positive, `negativeSlope * x` elsewhere (Maas et al., 2013).
public func leakyReLU(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor {
    select(x .> 0, x, x * negativeSlope)
}

/// `x` where positive, `alpha * (exp(x) - 1)` elsewhere (Clevert et al., 2016).
public func elu(_ x: Tensor, alpha: Double = 1) -> Tensor {
    // expm1 sees only non-positive values, so the unused branch never overflows into a NaN gradient.
    // The clamp is a select, not `minimum(x, 0)`: minimum splits the gradient of a tie, which
    // would halve the derivative at x == 0 (PyTorch gives alpha there).
    let nonPositive = select(x .> 0, x.zerosLikeScalar(), x)
    return select(x .> 0, x, expm1(nonPositive) * alpha)
}

/// `log(1 + exp(beta x)) / beta`, reverting to `x` where `beta x > threshold` (PyTorch's Softplus).
public func softplus(_ x: Tensor, beta: Double, threshold: Double = 20) -> Tensor {
    let scaled = x * beta
    return select(scaled .> threshold, x, softplus(scaled) / beta)
}

/// The Gaussian error linear unit (Hendrycks & Gimpel, 2016): `x Φ(x)` exactly (`exactGELU`,
/// the backend's fused kernel where it offers one), or with the tanh approximation.
public func gelu(_ x: Tensor, approximate: Bool = false) -> Tensor {
    if approximate {
        let inner = (x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot()
        return x * 0.5 * (tanh(inner) + 1)
    }
    return exactGELU(x)
}

/// `x * sigmoid(x)` (SiLU / swish, Elfwing et al., 2018).
public func silu(_ x: Tensor) -> Tensor { x * sigmoid(x) }

/// `x` clamped to `[minimum, maximum]`. At the bounds themselves the gradient is 0, as in PyTorch.
public func hardtanh(_ x: Tensor, minimum low: Double = -1, maximum high: Double = 1) -> Tensor {
    select(x .<= low, x.filled(low), select(x .>= high, x.filled(high), x))
}

/// `log(softmax(x))` along `axis`, computed stably as `x - logSumExp(x)`.
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    x - x.logSumExp(alongAxes: [axis], keepDims: true)
}

/// `exp(x) / sum(exp(x))` along `axis`, computed stably.
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    exp(logSoftmax(x, axis: axis))
}

extension Tensor {
    /// A broadcast scalar of this dtype (no per-element allocation).
    func zerosLikeScalar() -> Tensor { filled(0) }

    /// This shape and dtype filled with `value`, as a broadcast view of one element.
    func filled(_ value: Double) -> Tensor { Tensor(value, dtype: dtype).expanded(to: shape) }
}
