// Batch normalization in training, in plain loops: the specification of `batchNormalization`
// and its gradient. With x viewed as [n, c, inner] (inner: the product of the axes past 1),
// m = n * inner values per channel, and sums taken per channel in Double:
//
//     mean = Σ x / m;   variance = Σ (x - mean)² / m;   s = 1 / sqrt(variance + epsilon)
//     x̂ = (x - mean) s;   y = x̂ weight + bias
//
// and backward (Ioffe & Szegedy, 2015, section 3), from the gradient g of y:
//
//     dbias = Σ g;   dweight = Σ g x̂;   dx = weight s (g - dbias / m - x̂ dweight / m)
extension ReferenceBackend {
    public func batchNormalization(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) -> BatchNormalization {
        switch x.dtype {
        case .float32: batchNormForward(x, weight, bias, epsilon, as: Float.self)
        case .float64: batchNormForward(x, weight, bias, epsilon, as: Double.self)
        default: preconditionFailure("batchNormalization: needs a float32 or float64 tensor, got \(x.dtype)")
        }
    }

    public func batchNormalizationBackward(_ gradient: Tensor, _ x: Tensor, mean: Tensor, inverseStandardDeviation: Tensor,
                                           weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        switch x.dtype {
        case .float32: batchNormBackward(gradient, x, mean, inverseStandardDeviation, weight, as: Float.self)
        case .float64: batchNormBackward(gradient, x, mean, inverseStandardDeviation, weight, as: Double.self)
        default: preconditionFailure("batchNormalizationBackward: needs a float32 or float64 tensor, got \(x.dtype)")
        }
    }

    /// `(batch, channels, inner)`: the [n, c, inner] view of a batch-normalized shape.
    static func batchNormLayout(_ shape: [Int]) -> (batch: Int, channels: Int, inner: Int) {
        precondition(shape.count >= 2, "batchNormalization: input \(shape) needs a channel axis 1")
        return (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
    }

    private func batchNormForward<T: BinaryFloatingPoint>(_ x: Tensor, _ weight: Tensor?, _ bias: Tensor?, _ epsilon: Double,
                                                          as: T.Type) -> BatchNormalization {
        let (batch, channels, inner) = Self.batchNormLayout(x.shape)
        let source = contiguous(x)
        let output = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let mean = Tensor(uninitializedShape: [channels], dtype: x.dtype)
        let variance = Tensor(uninitializedShape: [channels], dtype: x.dtype)
        let inverse = Tensor(uninitializedShape: [channels], dtype: x.dtype)
        let (w, b) = (weight.map(contiguous), bias.map(contiguous))
        let (xs, ys) = (source.elementPointer(as: T.self), output.elementPointer(as: T.self))
        let count = Double(batch * inner)
        for c in 0..<channels {
            func positions() -> [Int] {
                (0..<batch).flatMap { n in (0..<inner).map { (n * channels + c) * inner + $0 } }
            }
            var total = 0.0
            for i in positions() { total += Double(xs[i]) }
            let mu = total / count
            var squares = 0.0
            for i in positions() { squares += (Double(xs[i]) - mu) * (Double(xs[i]) - mu) }
            let sigma2 = squares / count
            let s = 1 / (sigma2 + epsilon).squareRoot()
            let scale = w.map { Double($0.elementPointer(as: T.self)[c]) } ?? 1
            let shift = b.map { Double($0.elementPointer(as: T.self)[c]) } ?? 0
            for i in positions() { ys[i] = T((Double(xs[i]) - mu) * s * scale + shift) }
            mean.elementPointer(as: T.self)[c] = T(mu)
            variance.elementPointer(as: T.self)[c] = T(sigma2)
            inverse.elementPointer(as: T.self)[c] = T(s)
        }
        return BatchNormalization(output: output, mean: mean, variance: variance, inverseStandardDeviation: inverse)
    }

    private func batchNormBackward<T: BinaryFloatingPoint>(_ gradient: Tensor, _ x: Tensor, _ mean: Tensor, _ inverse: Tensor,
                                                           _ weight: Tensor?, as: T.Type) -> (input: Tensor, weight: Tensor, bias: Tensor) {
        let (batch, channels, inner) = Self.batchNormLayout(x.shape)
        let (g, source) = (contiguous(gradient), contiguous(x))
        let (mu, s, w) = (contiguous(mean), contiguous(inverse), weight.map(contiguous))
        let dx = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let dWeight = Tensor(uninitializedShape: [channels], dtype: x.dtype)
        let dBias = Tensor(uninitializedShape: [channels], dtype: x.dtype)
        let (gs, xs, dxs) = (g.elementPointer(as: T.self), source.elementPointer(as: T.self), dx.elementPointer(as: T.self))
        let count = Double(batch * inner)
        for c in 0..<channels {
            let positions = (0..<batch).flatMap { n in (0..<inner).map { (n * channels + c) * inner + $0 } }
            let (center, scale) = (Double(mu.elementPointer(as: T.self)[c]), Double(s.elementPointer(as: T.self)[c]))
            let gamma = w.map { Double($0.elementPointer(as: T.self)[c]) } ?? 1
            func normalized(_ i: Int) -> Double { (Double(xs[i]) - center) * scale }
            var (sumG, sumGX) = (0.0, 0.0)
            for i in positions {
                sumG += Double(gs[i])
                sumGX += Double(gs[i]) * normalized(i)
            }
            for i in positions {
                dxs[i] = T(gamma * scale * (Double(gs[i]) - sumG / count - normalized(i) * sumGX / count))
            }
            dWeight.elementPointer(as: T.self)[c] = T(sumGX)
            dBias.elementPointer(as: T.self)[c] = T(sumG)
        }
        return (dx, dWeight, dBias)
    }
}
