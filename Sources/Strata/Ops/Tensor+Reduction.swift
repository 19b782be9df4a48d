// Reductions along one or more axes. `alongAxes: nil` reduces every axis.

extension Tensor {
    func normalizedAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let normalized = Array(Set(axes.map { Shape.axis($0, rank: rank, op: op) })).sorted()
        precondition(normalized.count == axes.count, "\(op): axes \(axes) repeat an axis")
        return normalized
    }

    private func reduced(_ op: ReductionOperation, _ axes: [Int]?, keepDims: Bool, name: String) -> Tensor {
        precondition(dtype != .bool, "\(name): cast bool tensors to a numeric dtype first")
        let axes = normalizedAxes(axes, op: name)
        if axes.isEmpty { return self }
        let kept = Tensor.reducePrimitive(op, self, axes: axes)
        return keepDims ? kept : kept.reshaped(to: shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// The sum over `axes` (all when nil).
    public func sum(alongAxes axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduced(.sum, axes, keepDims: keepDims, name: "sum")
    }

    /// The largest element over `axes`; the gradient is shared evenly by ties.
    public func max(alongAxes axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduced(.max, axes, keepDims: keepDims, name: "max")
    }

    /// The smallest element over `axes`; the gradient is shared evenly by ties.
    public func min(alongAxes axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduced(.min, axes, keepDims: keepDims, name: "min")
    }

    /// The mean over `axes` (floating-point).
    public func mean(alongAxes axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        precondition(dtype.isFloatingPoint, "mean: needs a floating-point tensor, got \(dtype)")
        let normalized = normalizedAxes(axes, op: "mean")
        let count = Shape.count(normalized.map { shape[$0] })
        return sum(alongAxes: normalized, keepDims: keepDims) / Double(count)
    }

    /// The variance over `axes`, dividing by `count - correction` (1: unbiased, as PyTorch's default).
    public func variance(alongAxes axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let normalized = normalizedAxes(axes, op: "variance")
        let count = Shape.count(normalized.map { shape[$0] })
        let centered = self - mean(alongAxes: normalized, keepDims: true)
        return (centered * centered).sum(alongAxes: normalized, keepDims: keepDims) / Double(Swift.max(count - correction, 0))
    }

    /// log(sum(exp(x))) over `axes`, stable for large values (shifted by the detached maximum).
    public func logSumExp(alongAxes axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let normalized = normalizedAxes(axes, op: "logSumExp")
        // The shift cancels mathematically, so it needs no gradient; non-finite maxima shift by 0.
        let shift = withoutGradients {
            let m = detached.max(alongAxes: normalized, keepDims: true)
            return Strata.select(Strata.abs(m) .< Double.infinity, m, m.zerosLike())
        }
        let result = Strata.log(Strata.exp(self - shift).sum(alongAxes: normalized, keepDims: true)) + shift
        return keepDims ? result : result.squeezedAxes(normalized)
    }

    /// The position (int64) of the first largest element along `axis`, or over all elements
    /// flattened when nil.
    public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor { argReduced(maximum: true, axis: axis, keepDims: keepDims) }

    /// The position (int64) of the first smallest element along `axis`, or over all elements
    /// flattened when nil.
    public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor { argReduced(maximum: false, axis: axis, keepDims: keepDims) }

    private func argReduced(maximum: Bool, axis: Int?, keepDims: Bool) -> Tensor {
        guard let axis else { return reshaped(to: [-1]).argReduced(maximum: maximum, axis: 0, keepDims: false) }
        let position = Shape.axis(axis, rank: rank, op: maximum ? "argmax" : "argmin")
        let kept = Backends.current.argReduce(maximum: maximum, self, axis: position)
        return keepDims ? kept : kept.squeezedAxes([position])
    }

    /// Removes the given size-1 axes.
    func squeezedAxes(_ axes: [Int]) -> Tensor {
        reshaped(to: shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }
}
