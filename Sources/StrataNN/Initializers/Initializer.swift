import Foundation
import Strata

/// The nonlinearity a layer feeds, for the gain of Xavier and Kaiming initialization
/// (PyTorch's `calculate_gain`).
public enum Nonlinearity: Sendable {
    case linear, sigmoid, tanh, relu, selu
    case leakyReLU(negativeSlope: Double)

    public var gain: Double {
        switch self {
        case .linear, .sigmoid: 1
        case .tanh: 5.0 / 3
        case .relu: 2.0.squareRoot()
        case .selu: 3.0 / 4
        case .leakyReLU(let slope): (2 / (1 + slope * slope)).squareRoot()
        }
    }
}

/// Whether Kaiming initialization preserves the variance of the forward or the backward pass.
public enum FanMode: Sendable { case fanIn, fanOut }

/// A rule for the initial values of a weight tensor, drawn from an explicit generator.
///
///     let w = Initializer.xavierUniform().tensor([256, 784], generator: RandomGenerator(seed: 1))
public enum Initializer: Sendable {
    /// Uniform in `±gain sqrt(6 / (fanIn + fanOut))` (Glorot & Bengio, 2010).
    case xavierUniform(gain: Double = 1)
    /// Normal with std `gain sqrt(2 / (fanIn + fanOut))` (Glorot & Bengio, 2010).
    case xavierNormal(gain: Double = 1)
    /// Uniform in `±gain sqrt(3 / fan)` with `gain` from the nonlinearity (He et al., 2015);
    /// `a` is the negative slope of a leaky ReLU, PyTorch's default nonlinearity here.
    case kaimingUniform(a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity? = nil)
    /// Normal with std `gain / sqrt(fan)` (He et al., 2015).
    case kaimingNormal(a: Double = 0, mode: FanMode = .fanIn, nonlinearity: Nonlinearity? = nil)
    /// A (semi-)orthogonal matrix scaled by `gain` (Saxe et al., 2014), from the QR decomposition of
    /// a normal matrix; tensors of rank > 2 are flattened after the first dimension.
    case orthogonal(gain: Double = 1)
    case uniform(low: Double = 0, high: Double = 1)
    case normal(mean: Double = 0, standardDeviation: Double = 1)
    case constant(Double)

    /// `(fanIn, fanOut)` as PyTorch computes them: dims 1 and 0 times the receptive field.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Initializer: fan in and fan out need at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// A new tensor of `shape` initialised by this rule.
    public func tensor(_ shape: [Int], dtype: DType = .float32, generator: RandomGenerator = .current) -> Tensor {
        switch self {
        case .xavierUniform(let gain):
            let (fanIn, fanOut) = Self.fans(shape)
            let bound = gain * (6 / Double(fanIn + fanOut)).squareRoot()
            return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator)
        case .xavierNormal(let gain):
            let (fanIn, fanOut) = Self.fans(shape)
            let std = gain * (2 / Double(fanIn + fanOut)).squareRoot()
            return Tensor.normal(shape, standardDeviation: std, dtype: dtype, generator: generator)
        case .kaimingUniform(let a, let mode, let nonlinearity):
            let std = Self.kaimingStandardDeviation(shape, a: a, mode: mode, nonlinearity: nonlinearity)
            let bound = 3.0.squareRoot() * std
            return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator)
        case .kaimingNormal(let a, let mode, let nonlinearity):
            let std = Self.kaimingStandardDeviation(shape, a: a, mode: mode, nonlinearity: nonlinearity)
            return Tensor.normal(shape, standardDeviation: std, dtype: dtype, generator: generator)
        case .orthogonal(let gain):
            return Self.orthogonal(shape, gain: gain, dtype: dtype, generator: generator)
        case .uniform(let low, let high):
            return Tensor.uniform(shape, low: low, high: high, dtype: dtype, generator: generator)
        case .normal(let mean, let standardDeviation):
            return Tensor.normal(shape, mean: mean, standardDeviation: standardDeviation, dtype: dtype, generator: generator)
        case .constant(let value):
            return Tensor.full(shape, value: value, dtype: dtype)
        }
    }

    private static func kaimingStandardDeviation(_ shape: [Int], a: Double, mode: FanMode, nonlinearity: Nonlinearity?) -> Double {
        let (fanIn, fanOut) = fans(shape)
        let fan = mode == .fanIn ? fanIn : fanOut
        let gain = (nonlinearity ?? .leakyReLU(negativeSlope: a)).gain
        return gain / Double(max(fan, 1)).squareRoot()
    }

    /// Modified Gram-Schmidt on the columns of a tall normal matrix, signs fixed so R's diagonal
    /// is positive (as PyTorch does with `q * sign(diag(r))`).
    private static func orthogonal(_ shape: [Int], gain: Double, dtype: DType, generator: RandomGenerator) -> Tensor {
        precondition(shape.count >= 2, "Initializer.orthogonal: needs at least 2 dimensions, got \(shape)")
        let rows = shape[0]
        let columns = shape.dropFirst().reduce(1, *)
        let (tall, wide) = (max(rows, columns), min(rows, columns))
        // A [tall, wide] matrix stored by columns.
        var q = Tensor.normal([wide, tall], dtype: .float64, generator: generator).scalars(as: Double.self)
        for j in 0..<wide {
            for i in 0..<j {
                var dot = 0.0
                for r in 0..<tall { dot += q[i * tall + r] * q[j * tall + r] }
                for r in 0..<tall { q[j * tall + r] -= dot * q[i * tall + r] }
            }
            var norm = 0.0
            for r in 0..<tall { norm += q[j * tall + r] * q[j * tall + r] }
            norm = norm.squareRoot()
            for r in 0..<tall { q[j * tall + r] /= norm }
        }
        // Columns of q are orthonormal: [wide, tall] by rows is Q^T.
        let qTransposed = Tensor(q, shape: [wide, tall])
        let matrix = rows < columns ? qTransposed : qTransposed.transposed()
        return (matrix * gain).contiguous().reshaped(to: shape).cast(to: dtype)
    }
}
