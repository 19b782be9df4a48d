import Strata
import Testing

// The differentiation transforms and the graph semantics behind them. Expected gradients are
// derived by hand beside each test, on inputs small enough to check exactly; where a dtype could
// change the code path (float32 runs the C kernels, float64 the reference loops) both are run.

/// Both floating-point dtypes, for tests that run once per dtype.
let floatingPointTypes: [DType] = [.float32, .float64]

/// `values` as a tensor of `dtype` and `shape` (1-D when nil).
func tensor(_ values: [Double], shape: [Int]? = nil, dtype: DType) -> Tensor {
    Tensor(values, shape: shape ?? [values.count]).cast(to: dtype)
}

@Suite struct AutodiffTests {
    // MARK: - The transforms

    @Test(arguments: floatingPointTypes)
    func valueAndGradientOfOneTensor(dtype: DType) {
        // f(w) = sum(w^2) = 1 + 4 + 9 = 14; df/dw = 2w.
        let w = tensor([1, 2, 3], dtype: dtype)
        let (value, slope) = valueAndGradient(at: w) { w in (w * w).sum() }
        #expect(value.scalar(as: Double.self) == 14)
        #expect(value.dtype == dtype && !value.isTrackingGradient)
        #expect(slope.dtype == dtype && slope.shape == [3])
        #expect(slope.scalars(as: Double.self) == [2, 4, 6])
        #expect(!slope.isTrackingGradient)
        #expect(gradient(at: w) { w in (w * w).sum() }.scalars(as: Double.self) == [2, 4, 6])
    }

    @Test(arguments: floatingPointTypes)
    func valueAndGradientOfTwoTensors(dtype: DType) {
        // f(x, y) = sum(x * y) = 3 + 8 = 11; df/dx = y, df/dy = x.
        let (x, y) = (tensor([1, 2], dtype: dtype), tensor([3, 4], dtype: dtype))
        let (value, (dx, dy)) = valueAndGradient(at: x, y) { x, y in (x * y).sum() }
        #expect(value.scalar(as: Double.self) == 11)
        #expect(dx.scalars(as: Double.self) == [3, 4])
        #expect(dy.scalars(as: Double.self) == [1, 2])
    }

    @Test(arguments: floatingPointTypes)
    func valueAndGradientOfAnArray(dtype: DType) {
        // f(a, b, c) = sum(a * b + c) = (2 + 12) + (1 + 1) = 16; df/da = b, df/db = a, df/dc = 1.
        let inputs = [tensor([1, 3], dtype: dtype), tensor([2, 4], dtype: dtype), tensor([1, 1], dtype: dtype)]
        let (value, gradients) = valueAndGradient(at: inputs) { xs in (xs[0] * xs[1] + xs[2]).sum() }
        #expect(value.scalar(as: Double.self) == 16)
        #expect(gradients.map { $0.scalars(as: Double.self) } == [[2, 4], [1, 3], [1, 1]])
    }

    @Test func valueIsAOneElementTensorOfAnyRank() {
        // A [1, 1] result works like a scalar: the seed takes its shape.
        let x = tensor([1, 2, 3], dtype: .float64)
        let (value, slope) = valueAndGradient(at: x) { x in (x * 3).sum(alongAxes: [0], keepDims: true).reshaped(to: [1, 1]) }
        #expect(value.shape == [1, 1] && value.scalar(as: Double.self) == 18)
        #expect(slope.scalars(as: Double.self) == [3, 3, 3])
    }

    @Test func functionThatReturnsItsInput() {
        // The output is the leaf itself: the gradient is the seed, 1.
        let x = Tensor(2.5)
        #expect(gradient(at: x) { $0 }.scalars(as: Double.self) == [1])
    }

    @Test func sameValuePassedAsTwoInputs() {
        // Each position of the array is its own variable: d(x0 * x1)/dx0 = x1 = x, and vice versa.
        let x = tensor([2, 5], dtype: .float64)
        let (_, gradients) = valueAndGradient(at: [x, x]) { xs in (xs[0] * xs[1]).sum() }
        #expect(gradients.map { $0.scalars(as: Double.self) } == [[2, 5], [2, 5]])
    }

    // MARK: - Parameter containers

    @Test(arguments: floatingPointTypes)
    func dictionaryOfParametersIsKeyedByPath(dtype: DType) {
        // f = sum(weight * x + bias) with x = [1, 2]: df/dweight = x, df/dbias = [1, 1];
        // value = (0.5 * 1 + 1) + (-1 * 2 + 1) = 0.5.
        let x = tensor([1, 2], dtype: dtype)
        let parameters: [ParameterPath: Tensor] = ["layer.weight": tensor([0.5, -1], dtype: dtype), "layer.bias": tensor([1, 1], dtype: dtype)]
        let (value, gradients) = valueAndGradient(at: parameters) { p in (p["layer.weight"]! * x + p["layer.bias"]!).sum() }
        #expect(value.scalar(as: Double.self) == 0.5)
        #expect(Set(gradients.keys) == ["layer.weight", "layer.bias"])
        #expect(gradients["layer.weight"]?.scalars(as: Double.self) == [1, 2])
        #expect(gradients["layer.bias"]?.scalars(as: Double.self) == [1, 1])
        #expect(gradients["layer.weight"]?.dtype == dtype)
        #expect(gradient(at: parameters) { p in (p["layer.weight"]! * x).sum() }["layer.bias"]?.scalars(as: Double.self) == [0, 0])
    }

    @Test func nestedContainerPathsAndBuffers() {
        // A two-layer model: paths follow PyTorch (`layers.0.weight`), buffers get no gradient,
        // and an absent optional bias is not visited.
        let model = TinyModel(
            layers: [TinyLayer(weight: Tensor([2.0]), bias: Tensor([1.0])), TinyLayer(weight: Tensor([3.0]), bias: nil)],
            scale: Tensor([0.5]))
        let x = Tensor([4.0])
        // f = scale * (w1 * (w0 * x + b0)) = 0.5 * 3 * (2 * 4 + 1) = 13.5;
        // df/dw0 = 0.5 * 3 * 4 = 6, df/db0 = 0.5 * 3 = 1.5, df/dw1 = 0.5 * 9 = 4.5, df/dscale = 27.
        let (value, gradients) = valueAndGradient(at: model) { model in model(x).sum() }
        #expect(value.scalar(as: Double.self) == 13.5)
        #expect(Set(gradients.keys) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "scale"])
        #expect(gradients["layers.0.weight"]?.scalar(as: Double.self) == 6)
        #expect(gradients["layers.0.bias"]?.scalar(as: Double.self) == 1.5)
        #expect(gradients["layers.1.weight"]?.scalar(as: Double.self) == 4.5)
        #expect(gradients["scale"]?.scalar(as: Double.self) == 27)
        #expect(Set(model.parameters.keys) == Set(gradients.keys))
    }

    // MARK: - Accumulation and unused inputs

    @Test(arguments: floatingPointTypes)
    func gradientsAccumulateOverEveryUse(dtype: DType) {
        let x = tensor([1, 2], dtype: dtype)
        // x + x + x: three uses, each contributing 1.
        #expect(gradient(at: x) { x in (x + x + x).sum() }.scalars(as: Double.self) == [3, 3])
        // x * x * x = x^3: d/dx = 3x^2 = [3, 12], from three product-rule terms.
        #expect(gradient(at: x) { x in (x * x * x).sum() }.scalars(as: Double.self) == [3, 12])
        // One intermediate used by two consumers: y = 2x; f = sum(y * y + y) so df/dx = 2(2y + 1) = 8x + 2.
        #expect(gradient(at: x) { x in
            let y = x * 2
            return (y * y + y).sum()
        }.scalars(as: Double.self) == [10, 18])
    }

    @Test(arguments: floatingPointTypes)
    func leafTheOutputDoesNotDependOnGetsZeros(dtype: DType) {
        let (x, unused) = (tensor([1, 2], dtype: dtype), tensor([5, 6, 7, 8], shape: [2, 2], dtype: dtype))
        let (_, gradients) = valueAndGradient(at: [x, unused]) { xs in xs[0].sum() }
        #expect(gradients[1].shape == [2, 2] && gradients[1].dtype == dtype)
        #expect(gradients[1].scalars(as: Double.self) == [0, 0, 0, 0])
        // An output that depends on no input at all: every gradient is zero.
        let (value, slope) = valueAndGradient(at: x) { _ in Tensor(7.0, dtype: dtype) }
        #expect(value.scalar(as: Double.self) == 7)
        #expect(slope.scalars(as: Double.self) == [0, 0])
    }

    // MARK: - Cutting the graph

    @Test(arguments: floatingPointTypes)
    func withoutGradientsProducesUntrackedValues(dtype: DType) {
        let x = tensor([1, 2], dtype: dtype)
        var trackedInside = false, trackedInNoGradientBlock = true
        let slope = gradient(at: x) { x in
            trackedInside = x.isTrackingGradient
            let y = withoutGradients { x * x }
            trackedInNoGradientBlock = y.isTrackingGradient
            return y.sum()
        }
        #expect(trackedInside && !trackedInNoGradientBlock)
        #expect(slope.scalars(as: Double.self) == [0, 0])
        // Mixed: x * c where c = x^2 is computed without gradients, so df/dx = c = [1, 4] (not 3x^2).
        #expect(gradient(at: x) { x in (x * withoutGradients { x * x }).sum() }.scalars(as: Double.self) == [1, 4])
    }

    @Test(arguments: floatingPointTypes)
    func detachedCutsOnePath(dtype: DType) {
        let x = tensor([1, 3], dtype: dtype)
        // x * detached(x): only the first factor is differentiated, so df/dx = x.
        let slope = gradient(at: x) { x in
            #expect(!x.detached.isTrackingGradient)
            return (x * x.detached).sum()
        }
        #expect(slope.scalars(as: Double.self) == [1, 3])
    }

    @Test func valuesOutsideATransformAreNotTracked() {
        let x = Tensor([1.0, 2.0])
        #expect(!x.isTrackingGradient && !(x * x).isTrackingGradient)
        #expect(GradientRecording.isEnabled)
        withoutGradients { #expect(!GradientRecording.isEnabled) }
    }

    // MARK: - Views, slices and gathers

    @Test(arguments: floatingPointTypes)
    func gradientsFlowThroughViews(dtype: DType) {
        let x = tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], dtype: dtype)
        let w = tensor([1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: dtype)
        // sum(x^T * w): df/dx = w^T = [[1, 3, 5], [2, 4, 6]].
        #expect(gradient(at: x) { x in (x.transposed() * w).sum() }.scalars(as: Double.self) == [1, 3, 5, 2, 4, 6])
        // sum(reshape(x) * w) reads x in row-major order: df/dx = w in that order.
        #expect(gradient(at: x) { x in (x.reshaped(to: [3, 2]) * w).sum() }.scalars(as: Double.self) == [1, 2, 3, 4, 5, 6])
        // expand repeats x's row 1 along a new axis of 4: df/dx = 4 on row 1 after slicing it.
        #expect(gradient(at: x) { x in x[1].expanded(to: [4, 3]).sum() }.scalars(as: Double.self) == [0, 0, 0, 4, 4, 4])
    }

    @Test(arguments: floatingPointTypes)
    func gradientsFlowThroughSlices(dtype: DType) {
        let x = tensor([0, 1, 2, 3, 4, 5, 6, 7], shape: [2, 4], dtype: dtype)
        // Columns 1 and 3 (start 1, step 2), scaled by 10 and 20: the rest of x gets 0.
        let slope = gradient(at: x) { x in (x.sliced(axis: 1, start: 1, step: 2) * tensor([10, 20], dtype: dtype)).sum() }
        #expect(slope.scalars(as: Double.self) == [0, 10, 0, 20, 0, 10, 0, 20])
        // Two overlapping slices: columns 1 and 2 are read twice.
        let overlap = gradient(at: x) { x in (x[.all, .range(0..<3)].sum() + x[.all, .range(1..<4)].sum()) }
        #expect(overlap.scalars(as: Double.self) == [1, 2, 2, 1, 1, 2, 2, 1])
    }

    @Test(arguments: floatingPointTypes)
    func gradientsFlowThroughGathers(dtype: DType) {
        let x = tensor([10, 20, 30], dtype: dtype)
        // Positions 0, 0, 2: x[0] is read twice, x[1] never.
        let index = Tensor([0, 0, 2] as [Int64])
        #expect(gradient(at: x) { x in x.gathering(along: 0, index: index).sum() }.scalars(as: Double.self) == [2, 0, 1])
        #expect(gradient(at: x) { x in x.indexSelect(axis: 0, indices: index).sum() }.scalars(as: Double.self) == [2, 0, 1])
        // scatterAdd: every base element passes through once; each source element lands once.
        let (base, source) = (tensor([1, 1, 1], dtype: dtype), tensor([5, 7], dtype: dtype))
        let (_, (dBase, dSource)) = valueAndGradient(at: base, source) { base, source in
            (base.scatterAdding(along: 0, index: Tensor([2, 2] as [Int64]), source: source) * tensor([1, 2, 3], dtype: dtype)).sum()
        }
        // f = base . [1, 2, 3] + 3 * (source0 + source1).
        #expect(dBase.scalars(as: Double.self) == [1, 2, 3])
        #expect(dSource.scalars(as: Double.self) == [3, 3])
    }

    @Test func gradientOfANonContiguousLeafHasTheLeafShape() {
        let x = Tensor([1.0, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()  // [3, 2] view
        // f = sum(x * [[1, 2], [3, 4], [5, 6]]): df/dx is that matrix, in x's logical order.
        let w = Tensor([1.0, 2, 3, 4, 5, 6], shape: [3, 2])
        let slope = gradient(at: x) { x in (x * w).sum() }
        #expect(slope.shape == [3, 2])
        #expect(slope.scalars(as: Double.self) == [1, 2, 3, 4, 5, 6])
    }

    // MARK: - Conventions at kinks and ties (as PyTorch)

    @Test(arguments: floatingPointTypes)
    func tiesSplitTheGradientEvenly(dtype: DType) {
        // max([1, 3, 3]) = 3 is attained twice: each winner gets 1/2 (PyTorch's amax).
        let x = tensor([1, 3, 3], dtype: dtype)
        #expect(gradient(at: x) { x in x.max() }.scalars(as: Double.self) == [0, 0.5, 0.5])
        #expect(gradient(at: x) { x in x.min() }.scalars(as: Double.self) == [1, 0, 0])
        // Row-wise: row 0 has a three-way tie, row 1 a single maximum.
        let rows = tensor([2, 2, 2, 0, 5, 1], shape: [2, 3], dtype: dtype)
        let third = 1.0 / 3.0
        let expected = dtype == .float32 ? [Double(Float(third)), Double(Float(third)), Double(Float(third)), 0, 1, 0]
                                         : [third, third, third, 0, 1, 0]
        #expect(gradient(at: rows) { x in x.max(alongAxes: [1]).sum() }.scalars(as: Double.self) == expected)
        // maximum(x, y) with x == y everywhere: each side gets 1/2.
        let (_, (dx, dy)) = valueAndGradient(at: x, x) { x, y in maximum(x, y).sum() }
        #expect(dx.scalars(as: Double.self) == [0.5, 0.5, 0.5] && dy.scalars(as: Double.self) == [0.5, 0.5, 0.5])
        let (_, (mx, my)) = valueAndGradient(at: x, tensor([0, 3, 4], dtype: dtype)) { x, y in minimum(x, y).sum() }
        #expect(mx.scalars(as: Double.self) == [0, 0.5, 1] && my.scalars(as: Double.self) == [1, 0.5, 0])
    }

    @Test(arguments: floatingPointTypes)
    func kinksAtZero(dtype: DType) {
        // relu'(0) = 0, abs'(0) = sign(0) = 0, as PyTorch.
        let x = tensor([-1, 0, 2], dtype: dtype)
        #expect(gradient(at: x) { x in relu(x).sum() }.scalars(as: Double.self) == [0, 0, 1])
        #expect(gradient(at: x) { x in abs(x).sum() }.scalars(as: Double.self) == [-1, 0, 1])
        #expect(gradient(at: x) { x in sign(x).sum() }.scalars(as: Double.self) == [0, 0, 0])
    }

    @Test(arguments: floatingPointTypes)
    func powerAtAZeroBase(dtype: DType) {
        // d/dx x^2 = 2x = 0 at x = 0; d/dy 0^y = 0^y log 0 is taken as 0 (PyTorch), not NaN.
        let (base, exponent) = (tensor([0, 3], dtype: dtype), tensor([2, 2], dtype: dtype))
        let (value, (dBase, dExponent)) = valueAndGradient(at: base, exponent) { b, e in pow(b, e).sum() }
        #expect(value.scalar(as: Double.self) == 9)
        #expect(dBase.scalars(as: Double.self) == [0, 6])
        // d/dy 3^y at y = 2 is 9 log 3, with log 3 = 1.0986122886681098.
        #expect(dExponent.scalars(as: Double.self)[0] == 0)
        #expect(Swift.abs(dExponent.scalars(as: Double.self)[1] - 9 * 1.0986122886681098) < 1e-5)
    }

    @Test(arguments: floatingPointTypes)
    func logSumExpOfEqualHugeValues(dtype: DType) {
        // logSumExp([1000, 1000]) = 1000 + log 2; the gradient is softmax = [1/2, 1/2] with no
        // overflow, because the shift by the maximum carries no gradient.
        let x = tensor([1000, 1000], dtype: dtype)
        let (value, slope) = valueAndGradient(at: x) { x in x.logSumExp() }
        #expect(Swift.abs(value.scalar(as: Double.self) - (1000 + 0.6931471805599453)) < 1e-3)
        #expect(slope.scalars(as: Double.self) == [0.5, 0.5])
    }

    // MARK: - Dtypes

    @Test func castPassesGradientsBetweenFloatTypes() {
        // f(x) = sum(float32(x) * w): df/dx = w, returned in x's dtype. (Finite differences cannot
        // check this path: float32 rounding swamps a 1e-6 step.)
        let x = Tensor([1.0, 2.0, 3.0])
        let w = Tensor([0.5, -2, 4] as [Float])
        let slope = gradient(at: x) { x in (x.cast(to: .float32) * w).sum() }
        #expect(slope.dtype == .float64 && slope.scalars(as: Double.self) == [0.5, -2, 4])
        // And back: a float32 leaf in a float64 computation, f = sum(float64(x)^2), df/dx = 2x in float32.
        let single = Tensor([1, -3] as [Float])
        let singleSlope = gradient(at: single) { x in x.cast(to: .float64).square().sum() }
        #expect(singleSlope.dtype == .float32 && singleSlope.scalars(as: Float.self) == [2, -6])
        // A round trip float64 -> float32 -> float64 is the identity for the gradient.
        #expect(gradient(at: x) { x in (x.cast(to: .float32).cast(to: .float64) * 3).sum() }.scalars(as: Double.self) == [3, 3, 3])
    }

    // MARK: - Misuse

    @Test func nonScalarResultTraps() async {
        // The transforms differentiate a scalar; a [2] result is a programmer error.
        await #expect(processExitsWith: .failure) {
            _ = gradient(at: Tensor([1.0, 2.0])) { $0 * 2 }
        }
    }

    // MARK: - Deep graphs

    @Test func deepChainDoesNotOverflowTheStack() {
        // 10,000 sequential additions: y = x + 1 + 1 + ... so dy/dx = 1. Backpropagation walks the
        // graph with an explicit stack, and releasing the graph must not recurse once per node.
        let x = Tensor([1.0, 2.0])
        let (value, slope) = valueAndGradient(at: x) { x in
            var y = x
            for _ in 0..<10_000 { y = y + 1 }
            return y.sum()
        }
        #expect(value.scalar(as: Double.self) == 20_003)
        #expect(slope.scalars(as: Double.self) == [1, 1])
    }

    @Test func veryDeepGraphIsFreedWithoutRecursion() {
        // Freeing a 100,000-node chain: before GradientNode's iterative deinit, ARC released the
        // graph one nested call per node and overflowed the test thread's stack near 50,000
        // (a segmentation fault after backpropagation had already finished).
        let x = Tensor([1.0])
        let slope = gradient(at: x) { x in
            var y = x
            for _ in 0..<100_000 { y = y + 1 }
            return y.sum()
        }
        #expect(slope.scalars(as: Double.self) == [1])
    }

    @Test func deepChainThatReusesTheInputAtEveryStep() {
        // y_k = y_{k-1} + x for 10,000 steps: x is used 10,001 times, so dy/dx = 10,001.
        let x = Tensor([0.5] as [Float])
        let slope = gradient(at: x) { x in
            var y = x
            for _ in 0..<10_000 { y = y + x }
            return y.sum()
        }
        #expect(slope.scalars(as: Float.self) == [10_001])
    }
}

// MARK: - A small container for the parameter-path tests

/// `weight * x + bias`, with an optional bias and a buffer that must not receive a gradient.
struct TinyLayer: ParameterContainer {
    var weight: Tensor
    var bias: Tensor?
    var statistics = Tensor([0.0])

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
        visitor.visit("statistics", &statistics, kind: .buffer)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        bias.map { weight * x + $0 } ?? weight * x
    }
}

/// Layers applied in order, then scaled: paths `layers.0.weight`, ..., `scale`.
struct TinyModel: ParameterContainer {
    var layers: [TinyLayer]
    var scale: Tensor

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("layers", &layers)
        visitor.visit("scale", &scale)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) } * scale
    }
}
