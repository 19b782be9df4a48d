import Foundation
import Strata

/// Where the time of a data-parallel step's gradient averaging went, in seconds.
public struct CommunicationTimings: Sendable, Equatable {
    /// Backward and averaging together, from the end of the forward pass to the averages.
    public var backwardAndAveraging = 0.0
    /// Spent during backward packing buckets, starting their allreduces and polling MPI (overlap
    /// only; zero without it).
    public var duringBackward = 0.0
    /// Waited for communication after backward ended: the exposed part. Without overlap, all of
    /// the blocking allreduces.
    public var exposed = 0.0
}

extension DataParallel {
    /// The loss of `body(model)` on this rank's part of the batch and the gradients of `model`'s
    /// parameters (those `isExcluded` does not reject) averaged over ranks, weighted by samples:
    /// `body` returns the loss (the mean over its samples) and its sample count. With
    /// `overlapsBackward` each bucket's allreduce starts as soon as backward has finished its
    /// gradients; with `synchronizesBatchNorm` batch normalization inside `body` uses the global
    /// batch's statistics. In a world of one this is `valueAndGradient(at:excluding:of:)`.
    ///
    /// Throws `ProcessGroupError` when a collective fails.
    public mutating func valueAndAveragedGradient<Model: ParameterContainer>(
        at model: Model, excluding isExcluded: (ParameterPath) -> Bool = { _ in false },
        of body: (Model) -> (loss: Tensor, sampleCount: Int)
    ) throws(ProcessGroupError) -> (value: Tensor, gradient: [ParameterPath: Tensor], sampleCount: Int) {
        var samples = 0
        guard group.size > 1 else {
            let (value, gradients) = valueAndGradient(at: model, excluding: isExcluded) { model in
                let measured = body(model)
                samples = measured.sampleCount
                return measured.loss
            }
            return (value, gradients, samples)
        }
        let summation = synchronizesBatchNorm ? ProcessGroupSum(group: group) : nil
        let computed: (value: Tensor, gradient: [ParameterPath: Tensor])
        var backwardStart = ContinuousClock.now
        if overlapsBackward {
            let reducer = OverlappedGradientAverage(group: group, bucketBytes: buckets.bucketBytes, model: model,
                                                    excluding: isExcluded)
            func pass() -> (value: Tensor, gradient: [ParameterPath: Tensor]) {
                valueAndGradient(at: model, excluding: isExcluded, whenFinal: reducer.gradientIsFinal) { model in
                    let measured = body(model)
                    samples = measured.sampleCount
                    reducer.sampleCount = samples
                    backwardStart = ContinuousClock.now
                    return measured.loss
                }
            }
            let value = (summation.map { withCrossProcessSum($0, pass) } ?? pass()).value
            if let failure = summation?.failure { throw failure }
            computed = (value, try reducer.finish())
            lastTimings = CommunicationTimings(backwardAndAveraging: Self.seconds(since: backwardStart),
                                               duringBackward: reducer.launchSeconds, exposed: reducer.exposedSeconds)
        } else {
            func pass() -> (value: Tensor, gradient: [ParameterPath: Tensor]) {
                valueAndGradient(at: model, excluding: isExcluded) { model in
                    let measured = body(model)
                    samples = measured.sampleCount
                    backwardStart = ContinuousClock.now
                    return measured.loss
                }
            }
            let local = summation.map { withCrossProcessSum($0, pass) } ?? pass()
            if let failure = summation?.failure { throw failure }
            computed = (local.value, try averageGradients(local.gradient, of: model, sampleCount: samples, excluding: isExcluded))
            lastTimings = CommunicationTimings(backwardAndAveraging: Self.seconds(since: backwardStart), duringBackward: 0,
                                               exposed: buckets.lastCommunicationSeconds)
        }
        return (computed.value, computed.gradient, samples)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
