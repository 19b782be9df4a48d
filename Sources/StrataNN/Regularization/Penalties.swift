import Strata

/// Which parameters a penalty covers: by default the weights of rank 2 or more (linear and
/// convolution kernels), not biases or normalization scales.
public typealias ParameterSelection = (_ path: ParameterPath, _ parameter: Tensor) -> Bool

/// The default selection: tensors of rank 2 or more.
public func weightMatrices(_ path: ParameterPath, _ parameter: Tensor) -> Bool { parameter.rank >= 2 }

/// `strength * Σ |w|` over the selected parameters (the lasso penalty, Tibshirani 1996). Add it
/// to the loss inside a gradient transform and it differentiates with the rest (subgradient 0 at 0).
public func l1Penalty<Model: ParameterContainer>(_ model: Model, strength: Double,
                                                  selecting selection: ParameterSelection = weightMatrices) -> Tensor {
    penalty(model, selection) { abs($0).sum() } * strength
}

/// `strength / 2 * Σ w^2` over the selected parameters (ridge / weight decay: its gradient is
/// `strength * w`, matching an optimizer's `weightDecay = strength`).
public func l2Penalty<Model: ParameterContainer>(_ model: Model, strength: Double,
                                                  selecting selection: ParameterSelection = weightMatrices) -> Tensor {
    penalty(model, selection) { square($0).sum() } * (strength / 2)
}

private func penalty<Model: ParameterContainer>(_ model: Model, _ selection: ParameterSelection,
                                                _ term: (Tensor) -> Tensor) -> Tensor {
    var copy = model
    var total: Tensor?
    copy.visitParameters { path, tensor, kind in
        guard kind == .parameter, selection(path, tensor) else { return }
        let value = term(tensor)
        total = total.map { $0 + value } ?? value
    }
    return total ?? Tensor(0, dtype: .float32)
}
