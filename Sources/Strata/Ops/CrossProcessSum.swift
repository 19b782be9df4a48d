/// Sums tensors over the processes of a data-parallel job, for the ops whose forward pass couples
/// the ranks (synchronized batch normalization). Strata's core knows no transport: StrataDistributed
/// implements it over a `ProcessGroup`, and a layer reaches it through
/// `CrossProcessSummation.current` (`withCrossProcessSum(_:_:)`).
///
/// `sum` does not throw: a failing transport records its error, returns its input and lets the
/// step finish; the training step that installed it then throws the error (a typed error at the
/// edge, not inside a forward pass).
public protocol CrossProcessSum: AnyObject, Sendable {
    /// The element-wise sum of `tensor` over all ranks, on every rank (every rank calls it in the
    /// same order with tensors of the same shape and dtype).
    func sum(_ tensor: Tensor) -> Tensor
}

/// The cross-process sum of the current task, nil outside data-parallel steps that ask for one.
public enum CrossProcessSummation {
    @TaskLocal public static var current: (any CrossProcessSum)?
}

/// Runs `body` with `summation` as `CrossProcessSummation.current`: batch normalization inside
/// normalizes with the statistics of the global batch (synchronized batch normalization).
public func withCrossProcessSum<Result>(_ summation: any CrossProcessSum, _ body: () throws -> Result) rethrows -> Result {
    try CrossProcessSummation.$current.withValue(summation, operation: body)
}

extension Tensor {
    /// The sum of this tensor over all ranks, differentiable: each rank's loss is the mean over
    /// its own `weight` samples and data-parallel training averages gradients weighted by those
    /// samples (rank r's gradient times `n_r / N`), so the pullback returns
    /// `sum(n_s * g_s over ranks s) / n_r`: after that weighting, exactly the gradient of the mean
    /// loss over the global batch. With equal weights it is PyTorch's SyncBatchNorm backward (the
    /// plain sum of the ranks' gradients).
    public func summed(across summation: any CrossProcessSum, weight: Double) -> Tensor {
        precondition(weight > 0, "summed(across:weight:): weight must be positive, got \(weight)")
        let result = withoutGradients { summation.sum(self) }
        return Tensor.recording(result, inputs: [self], { g in
            let scale = Tensor.full([], value: weight, dtype: g.dtype)
            return [summation.sum(g * scale) / scale]
        })
    }
}
