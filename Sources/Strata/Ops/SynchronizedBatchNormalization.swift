/// `batchNormTraining` with the statistics of the global batch of a data-parallel job
/// (synchronized batch normalization, PyTorch's `SyncBatchNorm`): every rank normalizes its
/// part of the batch with the per-channel mean and biased variance over all ranks' samples.
///
/// Two sums over ranks in the forward pass, both through `summed(across:weight:)`, so autodiff
/// gives the exact gradient (each rank's backward sums the ranks' two per-channel gradient sums,
/// as SyncBatchNorm's backward does):
/// 1. `[Σx per channel, count]` over ranks: the global mean and element count per channel;
/// 2. `Σ(x - mean)²` per channel over ranks: the biased global variance (two passes, not
///    E[x²] - E[x]², so no cancellation in float32).
///
/// `weight` in the pullbacks is this rank's batch size `x.shape[0]`: a rank's loss must be the
/// mean over its rows, as data-parallel training weights it. Returns the output, the global mean
/// and biased variance (`[channels]`, no gradient, for running statistics) and the global count
/// of elements per channel. With a world of one it computes what `batchNormTraining`'s
/// composite computes.
public func synchronizedBatchNormTraining(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5,
                                          across summation: any CrossProcessSum)
    -> (output: Tensor, mean: Tensor, variance: Tensor, count: Int) {
    precondition(x.rank >= 2 && x.shape[0] > 0,
                 "synchronizedBatchNormTraining: input \(x.shape) must be [batch > 0, channels, ...] on every rank")
    precondition(x.dtype == .float32 || x.dtype == .float64,
                 "synchronizedBatchNormTraining: needs a float32 or float64 input, got \(x.dtype)")
    let channels = x.shape[1]
    for (name, parameter) in [("weight", weight), ("bias", bias)] {
        guard let parameter else { continue }
        precondition(parameter.shape == [channels] && parameter.dtype == x.dtype,
                     "synchronizedBatchNormTraining: input \(x.shape) \(x.dtype) needs \(name) [\(channels)] \(x.dtype), "
                     + "got \(parameter.shape) \(parameter.dtype)")
    }
    precondition(epsilon >= 0, "synchronizedBatchNormTraining: epsilon \(epsilon) must not be negative")
    var broadcastShape = [Int](repeating: 1, count: x.rank)
    broadcastShape[1] = channels
    let axes = (0..<x.rank).filter { $0 != 1 }
    let rows = Double(x.shape[0])
    let localCount = Tensor.full([1], value: Double(x.scalarCount / channels), dtype: x.dtype)
    let sums = Tensor.concat([x.sum(alongAxes: axes), localCount], axis: 0).summed(across: summation, weight: rows)
    let count = sums.detached[channels..<(channels + 1)].cast(to: .float64).scalars(as: Double.self)[0]
    let divisor = Tensor.full([], value: count, dtype: x.dtype)
    let mean = sums[0..<channels] / divisor
    let centered = x - mean.reshaped(to: broadcastShape)
    let variance = (centered * centered).sum(alongAxes: axes).summed(across: summation, weight: rows) / divisor
    var output = centered * rsqrt(variance.reshaped(to: broadcastShape) + epsilon)
    if let weight { output = output * weight.reshaped(to: broadcastShape) }
    if let bias { output = output + bias.reshaped(to: broadcastShape) }
    return (output, mean.detached, variance.detached, Int(count))
}
