// The public differentiation transforms. Gradients are taken of a function's scalar result
// with respect to its inputs, as values: nothing is stored on the tensors themselves.
// First-order only: derivative rules run without recording, so a transform nested inside
// another sees the inner gradient as a constant.

/// The value of `body(x)` (a one-element tensor) and its gradient with respect to `x`.
///
///     let (loss, slope) = valueAndGradient(at: w) { w in (w * w).sum() }   // slope == 2 * w
public func valueAndGradient(at x: Tensor, of body: (Tensor) -> Tensor) -> (value: Tensor, gradient: Tensor) {
    let (value, gradients) = valueAndGradient(at: [x]) { body($0[0]) }
    return (value, gradients[0])
}

/// The gradient of `body(x)` (a one-element tensor) with respect to `x`.
public func gradient(at x: Tensor, of body: (Tensor) -> Tensor) -> Tensor {
    valueAndGradient(at: x, of: body).gradient
}

/// The value of `body(x, y)` and its gradients with respect to both inputs.
public func valueAndGradient(at x: Tensor, _ y: Tensor, of body: (Tensor, Tensor) -> Tensor)
    -> (value: Tensor, gradient: (Tensor, Tensor)) {
    let (value, gradients) = valueAndGradient(at: [x, y]) { body($0[0], $0[1]) }
    return (value, (gradients[0], gradients[1]))
}

/// The value of `body(xs)` and one gradient per input tensor, in order.
public func valueAndGradient(at xs: [Tensor], of body: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let leaves = xs.map { GradientNode(leafShape: $0.shape, dtype: $0.dtype) }
    let tracked = zip(xs, leaves).map { x, leaf in
        var copy = x
        copy.node = leaf
        return copy
    }
    let output = GradientRecording.$isEnabled.withValue(true) { body(tracked) }
    precondition(output.scalarCount == 1, "valueAndGradient: the function must return one element, got shape \(output.shape)")
    precondition(output.dtype.isFloatingPoint, "valueAndGradient: the result must be floating-point, got \(output.dtype)")
    let seed = Tensor.full(output.shape, value: 1, dtype: output.dtype)
    let gradients = Backpropagation.gradients(of: output, seed: seed, leaves: leaves)
    return (output.detached, gradients)
}

/// The value of `body(parameters)` and its gradient with respect to every parameter, keyed by
/// the parameter's path (`"encoder.fc1.weight"`). Buffers get no gradient.
///
///     let (loss, grads) = valueAndGradient(at: model) { model in crossEntropy(model(x), y) }
public func valueAndGradient<Parameters: ParameterContainer>(
    at parameters: Parameters, of body: (Parameters) -> Tensor
) -> (value: Tensor, gradient: [ParameterPath: Tensor]) {
    valueAndGradient(at: parameters, excluding: { _ in false }, of: body)
}

/// The value of `body(parameters)` and its gradient with respect to every parameter whose path
/// `isExcluded` rejects, keyed by path. Excluded (frozen) parameters get no entry and cost
/// nothing: they are constants of the recorded graph, so no rule computes their gradient and a
/// frozen backbone below the first trained layer records no graph at all.
///
///     let (loss, grads) = valueAndGradient(at: model, excluding: optimizer.isFrozen) { model in ... }
public func valueAndGradient<Parameters: ParameterContainer>(
    at parameters: Parameters, excluding isExcluded: (ParameterPath) -> Bool, of body: (Parameters) -> Tensor
) -> (value: Tensor, gradient: [ParameterPath: Tensor]) {
    valueAndGradient(at: parameters, excluding: isExcluded, whenFinal: nil, of: body)
}

/// `valueAndGradient(at:excluding:of:)` that also hands each parameter's gradient to
/// `whenFinal(path, gradient)` as soon as backward has accumulated its last contribution (PyTorch's
/// post-accumulate-grad hook), while the rest of backward still runs: once per parameter that
/// `isExcluded` keeps, in the order backward finishes them (the same for the same graph;
/// parameters the value does not depend on come last, with zeros, in visiting order). It runs
/// without gradient recording. Data-parallel training uses it to reduce gradients in buckets
/// while backward goes on.
///
///     let (loss, grads) = valueAndGradient(at: model, excluding: { _ in false },
///                                          whenFinal: { path, gradient in reducer.add(path, gradient) }) { ... }
public func valueAndGradient<Parameters: ParameterContainer>(
    at parameters: Parameters, excluding isExcluded: (ParameterPath) -> Bool,
    whenFinal: (ParameterPath, Tensor) -> Void, of body: (Parameters) -> Tensor
) -> (value: Tensor, gradient: [ParameterPath: Tensor]) {
    withoutActuallyEscaping(whenFinal) { whenFinal in
        valueAndGradient(at: parameters, excluding: isExcluded, whenFinal: .some(whenFinal), of: body)
    }
}

private func valueAndGradient<Parameters: ParameterContainer>(
    at parameters: Parameters, excluding isExcluded: (ParameterPath) -> Bool,
    whenFinal: ((ParameterPath, Tensor) -> Void)?, of body: (Parameters) -> Tensor
) -> (value: Tensor, gradient: [ParameterPath: Tensor]) {
    var tracked = parameters
    var paths: [ParameterPath] = []
    var leaves: [GradientNode] = []
    tracked.visitParameters { path, tensor, kind in
        guard kind == .parameter, !isExcluded(path) else { return }
        let leaf = GradientNode(leafShape: tensor.shape, dtype: tensor.dtype)
        tensor.node = leaf
        paths.append(path)
        leaves.append(leaf)
    }
    let output = GradientRecording.$isEnabled.withValue(true) { body(tracked) }
    precondition(output.scalarCount == 1, "valueAndGradient: the function must return one element, got shape \(output.shape)")
    precondition(output.dtype.isFloatingPoint, "valueAndGradient: the result must be floating-point, got \(output.dtype)")
    let seed = Tensor.full(output.shape, value: 1, dtype: output.dtype)
    let gradients = Backpropagation.gradients(of: output, seed: seed, leaves: leaves,
                                              whenFinal: whenFinal.map { hook in { index, gradient in hook(paths[index], gradient) } })
    return (output.detached, Dictionary(uniqueKeysWithValues: zip(paths, gradients)))
}

/// The gradient of `body(parameters)` with respect to every parameter, keyed by path.
public func gradient<Parameters: ParameterContainer>(at parameters: Parameters, of body: (Parameters) -> Tensor) -> [ParameterPath: Tensor] {
    valueAndGradient(at: parameters, of: body).gradient
}
