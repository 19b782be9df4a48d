import Strata

/// Scales all gradients together so their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`: factor `maxNorm / (norm + 1e-6)`, never above 1). Returns the norm before
/// clipping.
@discardableResult
public func clipGradientNorm(_ gradients: inout [ParameterPath: Tensor], maxNorm: Double) -> Double {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm must be positive, got \(maxNorm)")
    let total = withoutGradients {
        gradients.values.reduce(0.0) { $0 + square($1.cast(to: .float64)).sum().scalar(as: Double.self) }
    }.squareRoot()
    let factor = maxNorm / (total + 1e-6)
    if factor < 1 {
        for key in gradients.keys { gradients[key] = withoutGradients { gradients[key]! * factor } }
    }
    return total
}

/// Clamps every gradient element to `[-limit, limit]` (PyTorch's `clip_grad_value_`).
public func clipGradientValues(_ gradients: inout [ParameterPath: Tensor], limit: Double) {
    precondition(limit > 0, "clipGradientValues: limit must be positive, got \(limit)")
    for key in gradients.keys {
        gradients[key] = withoutGradients {
            let g = gradients[key]!
            return minimum(maximum(g, Tensor(-limit, dtype: g.dtype)), Tensor(limit, dtype: g.dtype))
        }
    }
}
