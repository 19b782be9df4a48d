import Strata
import Testing

// Checks analytic gradients against central finite differences.
//
// The function under test may return a tensor of any shape. It is reduced to a scalar as
// `sum(output * weights)` with fixed random weights, so every output element contributes with a
// different coefficient: a rule that mixes up two output positions, or drops one, changes the
// result (a plain `sum` would hide a permuted or transposed gradient).

/// Tolerances and step of a finite-difference gradient check.
struct GradientCheckSettings {
    /// The central-difference step. 1e-6 balances truncation error (about step^2 * f''' ~ 1e-12)
    /// against rounding error (about 1e-16 * |f| / step ~ 1e-10 * |f|) in float64.
    var step = 1e-6
    /// An element passes when `|analytic - numeric| <= absoluteTolerance + relativeTolerance * |numeric|`.
    var relativeTolerance = 1e-6
    var absoluteTolerance = 1e-7
    /// Whether to also take the gradient in float32 (which runs the CPU backend's C kernels
    /// instead of the float64 reference loops) and compare it with the float64 gradient.
    var checkFloat32 = true
    /// float32 keeps about 7 digits; a few ops in a chain lose a few more.
    var float32RelativeTolerance = 1e-3
    var float32AbsoluteTolerance = 1e-4
}

/// A fixed pseudo-random weight per output element, in [0.5, 1.5] with alternating signs, so no
/// weight is near zero (an element weighted by ~0 would escape the check).
func outputWeights(shape: [Int], dtype: DType) -> Tensor {
    let count = shape.reduce(1, *)
    let magnitudes = Tensor.uniform([count], low: 0.5, high: 1.5, dtype: .float64,
                                    generator: RandomGenerator(seed: 0x5EED)).scalars(as: Double.self)
    let weights = magnitudes.enumerated().map { index, magnitude in index % 2 == 0 ? magnitude : -magnitude }
    return Tensor(weights, shape: shape).cast(to: dtype)
}

/// `sum(output * weights)`: the scalar whose gradient is checked.
func weightedSum(_ output: Tensor) -> Tensor {
    (output * outputWeights(shape: output.shape, dtype: output.dtype)).sum()
}

/// Converts a flat row-major position to a multi-index, for failure messages.
func multiIndex(ofFlat position: Int, shape: [Int]) -> [Int] {
    var remainder = position
    var index = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        index[axis] = remainder % shape[axis]
        remainder /= shape[axis]
    }
    return index
}

/// The worst element of `actual` against `expected` under `|a - e| <= atol + rtol * |e|`, as a
/// ratio of the error to its allowance (above 1 fails), with its flat position and both values.
func worstMismatch(actual: [Double], expected: [Double], relativeTolerance: Double, absoluteTolerance: Double)
    -> (ratio: Double, position: Int, actual: Double, expected: Double)? {
    var worst: (ratio: Double, position: Int, actual: Double, expected: Double)?
    for position in actual.indices {
        let error = Swift.abs(actual[position] - expected[position])
        let allowance = absoluteTolerance + relativeTolerance * Swift.abs(expected[position])
        // A NaN error must fail, so it is ranked above everything else.
        let ratio = error.isNaN ? Double.infinity : error / allowance
        if ratio > (worst?.ratio ?? -1) { worst = (ratio, position, actual[position], expected[position]) }
    }
    return worst
}

/// Records a test issue with a message assembled at run time.
func record(_ message: String, at sourceLocation: SourceLocation) {
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}

/// The central-difference gradient of `weightedSum(function(inputs))` with respect to each input.
func numericalGradients(of function: ([Tensor]) -> Tensor, at inputs: [Tensor], step: Double) -> [[Double]] {
    func evaluate(_ arguments: [Tensor]) -> Double {
        weightedSum(function(arguments)).cast(to: .float64).scalar(as: Double.self)
    }
    return inputs.indices.map { which in
        let values = inputs[which].scalars(as: Double.self)
        return values.indices.map { position in
            func shifted(by delta: Double) -> Double {
                var moved = values
                moved[position] += delta
                var arguments = inputs
                arguments[which] = Tensor(moved, shape: inputs[which].shape)
                return evaluate(arguments)
            }
            return (shifted(by: step) - shifted(by: -step)) / (2 * step)
        }
    }
}

/// Checks the gradient of `function` at float64 `inputs` (which may be any views) against
/// central finite differences, recording one issue per input whose worst element is out of
/// tolerance. With `settings.checkFloat32`, also checks that the float32 gradient agrees.
func checkGradients(
    at inputs: [Tensor],
    settings: GradientCheckSettings = GradientCheckSettings(),
    sourceLocation: SourceLocation = #_sourceLocation,
    of function: ([Tensor]) -> Tensor
) {
    precondition(inputs.allSatisfy { $0.dtype == .float64 }, "checkGradients: inputs must be float64")
    let (_, analytic) = valueAndGradient(at: inputs) { weightedSum(function($0)).cast(to: .float64) }
    let numeric = numericalGradients(of: function, at: inputs, step: settings.step)
    for which in inputs.indices {
        let input = inputs[which]
        guard analytic[which].shape == input.shape, analytic[which].dtype == .float64 else {
            record("input \(which): gradient has shape \(analytic[which].shape) and dtype \(analytic[which].dtype), "
                   + "expected \(input.shape) float64", at: sourceLocation)
            continue
        }
        let computed = analytic[which].scalars(as: Double.self)
        if let worst = worstMismatch(actual: computed, expected: numeric[which],
                                     relativeTolerance: settings.relativeTolerance,
                                     absoluteTolerance: settings.absoluteTolerance), worst.ratio > 1 {
            record("input \(which) \(input.shape): worst element \(multiIndex(ofFlat: worst.position, shape: input.shape)): "
                   + "analytic \(worst.actual), finite difference \(worst.expected) "
                   + "(error \(Swift.abs(worst.actual - worst.expected)), \(worst.ratio)x the tolerance)",
                   at: sourceLocation)
        }
    }
    guard settings.checkFloat32 else { return }

    // float32: inputs rounded to float32, compared with the float64 gradient at the same rounded
    // point so that only the arithmetic differs. Views keep their layout through `cast` only as
    // dense copies, which is fine: the float64 pass above already covered the strided layout.
    let rounded = inputs.map { $0.cast(to: .float32) }
    let (_, single) = valueAndGradient(at: rounded) { weightedSum(function($0)) }
    let (_, double) = valueAndGradient(at: rounded.map { $0.cast(to: .float64) }) { weightedSum(function($0)) }
    for which in inputs.indices {
        guard single[which].dtype == .float32, single[which].shape == inputs[which].shape else {
            record("input \(which): float32 gradient has shape \(single[which].shape) and dtype \(single[which].dtype)",
                   at: sourceLocation)
            continue
        }
        if let worst = worstMismatch(actual: single[which].scalars(as: Double.self), expected: double[which].scalars(as: Double.self),
                                     relativeTolerance: settings.float32RelativeTolerance,
                                     absoluteTolerance: settings.float32AbsoluteTolerance), worst.ratio > 1 {
            record("input \(which) \(inputs[which].shape): float32 gradient differs from float64 at "
                   + "\(multiIndex(ofFlat: worst.position, shape: inputs[which].shape)): "
                   + "float32 \(worst.actual), float64 \(worst.expected)",
                   at: sourceLocation)
        }
    }
}

/// `checkGradients` for a function of one tensor.
func checkGradient(
    at input: Tensor,
    settings: GradientCheckSettings = GradientCheckSettings(),
    sourceLocation: SourceLocation = #_sourceLocation,
    of function: (Tensor) -> Tensor
) {
    checkGradients(at: [input], settings: settings, sourceLocation: sourceLocation) { function($0[0]) }
}

/// `checkGradients` for a function of two tensors.
func checkGradients(
    at first: Tensor, _ second: Tensor,
    settings: GradientCheckSettings = GradientCheckSettings(),
    sourceLocation: SourceLocation = #_sourceLocation,
    of function: (Tensor, Tensor) -> Tensor
) {
    checkGradients(at: [first, second], settings: settings, sourceLocation: sourceLocation) { function($0[0], $0[1]) }
}

// MARK: - Inputs

/// Uniform float64 values in `[low, high)` from a fixed seed: reproducible test inputs.
func randomInput(_ shape: [Int], low: Double = -2, high: Double = 2, seed: UInt64 = 1) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, dtype: .float64, generator: RandomGenerator(seed: seed))
}

/// float64 values with magnitudes in `[low, high)` and alternating signs: inputs that stay away
/// from the kinks of relu, abs and sign at zero, by more than the finite-difference step.
func inputAwayFromZero(_ shape: [Int], low: Double = 0.2, high: Double = 2, seed: UInt64 = 1) -> Tensor {
    let magnitudes = randomInput(shape, low: low, high: high, seed: seed).scalars(as: Double.self)
    let values = magnitudes.enumerated().map { index, magnitude in index % 2 == 0 ? magnitude : -magnitude }
    return Tensor(values, shape: shape)
}
