import Strata

/// Layer forms of the activations, for `Sequential`. None has parameters.
public protocol ActivationLayer: Layer {}

extension ActivationLayer {
    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}
}

public struct ReLU: ActivationLayer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { relu(input) }
}

public struct Sigmoid: ActivationLayer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { sigmoid(input) }
}

public struct Tanh: ActivationLayer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { tanh(input) }
}

public struct LeakyReLU: ActivationLayer {
    public var negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    public func callAsFunction(_ input: Tensor) -> Tensor { leakyReLU(input, negativeSlope: negativeSlope) }
}

public struct ELU: ActivationLayer {
    public var alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha }
    public func callAsFunction(_ input: Tensor) -> Tensor { elu(input, alpha: alpha) }
}

public struct Softplus: ActivationLayer {
    public var beta: Double
    public var threshold: Double
    public init(beta: Double = 1, threshold: Double = 20) {
        self.beta = beta
        self.threshold = threshold
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { softplus(input, beta: beta, threshold: threshold) }
}

public struct GELU: ActivationLayer {
    public var approximate: Bool
    public init(approximate: Bool = false) { self.approximate = approximate }
    public func callAsFunction(_ input: Tensor) -> Tensor { gelu(input, approximate: approximate) }
}

public struct SiLU: ActivationLayer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { silu(input) }
}

public struct Hardtanh: ActivationLayer {
    public var minimum: Double
    public var maximum: Double
    public init(minimum: Double = -1, maximum: Double = 1) {
        self.minimum = minimum
        self.maximum = maximum
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { hardtanh(input, minimum: minimum, maximum: maximum) }
}

/// Softmax along `axis` (default the last).
public struct Softmax: ActivationLayer {
    public var axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public func callAsFunction(_ input: Tensor) -> Tensor { softmax(input, axis: axis) }
}

/// Log-softmax along `axis` (default the last).
public struct LogSoftmax: ActivationLayer {
    public var axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public func callAsFunction(_ input: Tensor) -> Tensor { logSoftmax(input, axis: axis) }
}
