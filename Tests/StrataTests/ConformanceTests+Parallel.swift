import Strata
import Testing

// Kernels on tensors large enough to be split across the pool, and whole ops run under
// `withBackend`, on the fast backend against the reference (see ConformanceTests.swift).

@Suite("Conformance: large tensors on the thread pool")
struct ParallelConformanceTests {
    // 2 x 263 x 131 = 68,906 elements, past 2 x 32,768, so the pool splits every elementwise
    // kernel in two on a two-core machine. 263 and 131 are primes: no run length lines up with a
    // chunk boundary or with the kernels' 16-wide lanes.
    static let shape = [2, 263, 131]

    @Test("unary kernels agree on large tensors", arguments: UnaryOperation.allCases)
    func unary(_ op: UnaryOperation) {
        var generator = SeededGenerator(seed: 900 + UInt64(op.rawValue))
        let x = makeInput(shape: Self.shape, dtype: .float32, layout: .contiguous, distribution: .uniform(op.randomDomain), using: &generator)
        expectBackendsAgree("large \(op)", tolerance: op.float32Tolerance) { $0.unary(op, x) }
    }

    @Test("binary kernels and comparisons agree on large broadcast tensors")
    func binaryAndCompare() {
        var generator = SeededGenerator(seed: 910)
        let lhs = makeInput(shape: Self.shape, dtype: .float32, layout: .contiguous, distribution: .uniform(0.5...2), using: &generator)
        // A column broadcast (stride 0 inside each run) and a row broadcast (stride 0 between runs).
        let column = makeInput(shape: [263, 1], dtype: .float32, layout: .contiguous, distribution: .uniform(-2...2), using: &generator).expanded(to: Self.shape)
        let row = makeInput(shape: [131], dtype: .float32, layout: .contiguous, distribution: .uniform(-2...2), using: &generator).expanded(to: Self.shape)
        for op in BinaryOperation.allCases {
            let tolerance = op == .pow ? Tolerance(relative: 0x1p-22, absolute: 0x1p-149) : .exact
            expectBackendsAgree("large \(op) with a column", tolerance: tolerance) { $0.binary(op, lhs, column) }
            expectBackendsAgree("large \(op) with a row", tolerance: tolerance) { $0.binary(op, row, lhs) }
        }
        for op in ComparisonOperation.allCases {
            expectBackendsAgree("large \(op)") { $0.compare(op, lhs, column) }
        }
        let condition = reference.compare(.greater, row, column)
        expectBackendsAgree("large select") { $0.select(condition, lhs, column) }
    }

    @Test("reductions agree on large tensors along every axis subset")
    func reductions() {
        var generator = SeededGenerator(seed: 920)
        // Multiples of 1/64 in [-2, 2]: 68,906 of them sum to under 2^18, inside float32's 24 bits.
        let x = makeInput(shape: Self.shape, dtype: .float32, layout: .contiguous, distribution: .dyadic, using: &generator)
        // [4, 200, 90] reduced over axis 1 splits its four column blocks across the pool.
        let columns = makeInput(shape: [4, 200, 90], dtype: .float32, layout: .contiguous, distribution: .dyadic, using: &generator)
        for op in ReductionOperation.allCases {
            for axes in axisSubsets(rank: 3) where !axes.isEmpty {
                expectBackendsAgree("large \(op) axes \(axes)") { $0.reduce(op, x, axes: axes) }
            }
            expectBackendsAgree("large \(op) column blocks") { $0.reduce(op, columns, axes: [1]) }
        }
        for maximum in [true, false] {
            expectBackendsAgree("large arg\(maximum ? "max" : "min")") { $0.argReduce(maximum: maximum, x, axis: 2) }
        }
    }

    @Test("copies and casts agree on large strided tensors")
    func copiesAndCasts() {
        var generator = SeededGenerator(seed: 930)
        for dtype in DType.allCases {
            let x = makeInput(shape: Self.shape, dtype: dtype, layout: .permuted, distribution: .integers(-99...99), using: &generator)
            expectBackendsAgree("large contiguous \(dtype)") { $0.contiguous(x) }
        }
        let x = makeInput(shape: Self.shape, dtype: .float32, layout: .stepped, distribution: .uniform(-3...3), using: &generator)
        expectBackendsAgree("large cast float32 to float64") { $0.cast(x, to: .float64) }
        let wide = reference.cast(x, to: .float64)
        expectBackendsAgree("large cast float64 to float32") { $0.cast(wide, to: .float32) }
    }

    @Test("matmul agrees when BLAS work is split across the pool")
    func matmul() {
        var generator = SeededGenerator(seed: 940)
        // [300, 16] x [16, 300] is 2.9 MFLOP, past the 2 MFLOP threshold, so its rows are split in
        // blocks of 16 (300 is not a multiple of 16). Four 64 x 64 products split by batch.
        let cases: [(lhs: [Int], rhs: [Int], lhsLayout: MatrixLayout, rhsLayout: MatrixLayout)] = [
            ([1, 300, 16], [1, 16, 300], .contiguous, .contiguous),
            ([1, 300, 16], [1, 16, 300], .transposed, .transposed),
            ([4, 64, 64], [4, 64, 64], .contiguous, .transposed),
            ([4, 64, 64], [4, 64, 64], .broadcastBatch, .contiguous),
        ]
        for dtype in floatingTypes {
            for (lhsShape, rhsShape, lhsLayout, rhsLayout) in cases {
                let lhs = lhsLayout.operand(lhsShape, dtype: dtype, distribution: .dyadic, using: &generator)
                let rhs = rhsLayout.operand(rhsShape, dtype: dtype, distribution: .dyadic, using: &generator)
                expectBackendsAgree("large matmul \(dtype) \(lhsShape) \(lhsLayout) x \(rhsShape) \(rhsLayout)") { $0.matmul(lhs, rhs) }
            }
        }
    }
}

@Suite("Conformance: ops under withBackend")
struct OpConformanceTests {
    /// Runs an op-level expression with each backend installed. Op results may be views, so
    /// only their values are compared.
    private func expectOpsAgree(_ context: @autoclosure () -> String, tolerance: Tolerance,
                                sourceLocation: SourceLocation = #_sourceLocation, _ body: () -> Tensor) {
        let actual = withBackend(fast) { body() }
        let expected = withBackend(reference) { body() }
        expectMatch(actual, expected, tolerance: tolerance, context(), sourceLocation: sourceLocation)
    }

    /// float32 composites sum in a different order on each backend and use the C exp and log:
    /// 1e-5 relative is a few dozen ulp. Float64 runs on the reference except for BLAS and casts.
    private func tolerance(_ dtype: DType) -> Tolerance {
        dtype == .float32 ? Tolerance(relative: 1e-5, absolute: 1e-6) : Tolerance(relative: 1e-12, absolute: 1e-12)
    }

    private func inputs(_ dtype: DType, seed: UInt64) -> (x: Tensor, y: Tensor) {
        var generator = SeededGenerator(seed: seed)
        let x = makeInput(shape: [5, 1, 7], dtype: dtype, layout: .stepped, distribution: .uniform(-3...3), using: &generator)
        let y = makeInput(shape: [3, 7], dtype: dtype, layout: .permuted, distribution: .uniform(-3...3), using: &generator)
        return (x, y)
    }

    @Test("elementwise ops with broadcasting agree", arguments: floatingTypes)
    func elementwise(_ dtype: DType) {
        let (x, y) = inputs(dtype, seed: 1000)
        let cases: [(String, () -> Tensor)] = [
            ("exp", { exp(x) }), ("log", { log(abs(x) + 0.1) }), ("log1p", { log1p(abs(x)) }), ("expm1", { expm1(x) }),
            ("sqrt", { sqrt(abs(x)) }), ("rsqrt", { rsqrt(abs(x) + 0.5) }), ("tanh", { tanh(x) }), ("sigmoid", { sigmoid(x) }),
            ("softplus", { softplus(x) }), ("erf", { erf(x) }), ("sin", { sin(x) }), ("cos", { cos(x) }),
            ("relu", { relu(x) }), ("sign", { sign(x) }), ("square", { square(x) }), ("negate", { -x }),
            ("x + y", { x + y }), ("x - 2.5", { x - 2.5 }), ("3 / y", { 3 / y }), ("x * y", { x * y }),
            ("pow", { pow(abs(x) + 0.5, y) }), ("pow(x, 2)", { pow(x, 2) }), ("maximum", { maximum(x, y) }), ("minimum", { minimum(y, x) }),
            ("select", { select(x .> y, x, y) }), ("compare", { ((x .>= y) .&& .!(x .== 1.0)).cast(to: dtype) }),
            ("or", { ((x .< 0.0) .|| (y .!= 0.5)).cast(to: dtype) }),
        ]
        for (name, body) in cases {
            expectOpsAgree("\(name) \(dtype)", tolerance: tolerance(dtype), body)
        }
    }

    @Test("reductions and their composites agree", arguments: floatingTypes)
    func reductions(_ dtype: DType) {
        let (x, y) = inputs(dtype, seed: 1001)
        let z = x + y  // [5, 3, 7]
        let cases: [(String, () -> Tensor)] = [
            ("sum", { z.sum(alongAxes: [0, 2]) }), ("sum all", { z.sum() }), ("mean", { z.mean(alongAxes: [1], keepDims: true) }),
            ("max", { z.max(alongAxes: [-1]) }), ("min", { z.min() }), ("variance", { z.variance(alongAxes: [0, 1]) }),
            ("logSumExp", { z.logSumExp(alongAxes: [-1]) }), ("softmax", { exp(z - z.logSumExp(alongAxes: [-1], keepDims: true)) }),
            ("argmax", { z.argmax(axis: 2) }), ("argmin", { z.argmin() }), ("argmax axis 0", { z.argmax(axis: 0, keepDims: true) }),
        ]
        for (name, body) in cases {
            expectOpsAgree("\(name) \(dtype)", tolerance: tolerance(dtype), body)
        }
    }

    @Test("matmul with broadcast batches, vectors, views and k = 0 agrees", arguments: floatingTypes)
    func matmulShapes(_ dtype: DType) {
        var generator = SeededGenerator(seed: 1002)
        func input(_ shape: [Int], _ layout: Layout = .contiguous) -> Tensor {
            makeInput(shape: shape, dtype: dtype, layout: layout, distribution: .uniform(-1...1), using: &generator)
        }
        let (a, b) = (input([2, 1, 3, 4]), input([3, 4, 5], .permuted))
        let (matrix, vector, other) = (input([4, 3], .stepped), input([3]), input([4]))
        let (batched, weights) = (input([2, 3, 4]), input([5, 4]))
        let (emptyInner, emptyRows) = (input([2, 3, 0]), input([0, 4]))
        let cases: [(String, () -> Tensor)] = [
            ("broadcast batch", { matmul(a, b) }), ("matrix-vector", { matmul(matrix, vector) }),
            ("vector-matrix", { matmul(other, matrix) }), ("vector-vector", { matmul(vector, vector) }),
            ("transposed rhs", { matmul(batched, weights.transposed()) }), ("transposed lhs", { matmul(matrix.transposed(), weights.transposed()) }),
            ("k = 0", { matmul(emptyInner, emptyRows) }),
        ]
        for (name, body) in cases {
            expectOpsAgree("matmul \(name) \(dtype)", tolerance: tolerance(dtype), body)
        }
        // An empty inner dimension sums nothing: zeros of [2, 3, 4].
        #expect(matmul(emptyInner, emptyRows).scalars(as: Double.self) == [Double](repeating: 0, count: 24))
    }

    @Test("indexing, joining, slicing and casts agree", arguments: DType.allCases)
    func structural(_ dtype: DType) {
        var generator = SeededGenerator(seed: 1003)
        let x = makeInput(shape: [4, 5, 6], dtype: dtype, layout: .permuted, distribution: .integers(-9...9), using: &generator)
        let index = makeInput(shape: [4, 3, 6], dtype: .int64, layout: .contiguous, distribution: .integers(0...4), using: &generator)
        let indices = Tensor([3, 0, 3, 1] as [Int64])
        let cases: [(String, () -> Tensor)] = [
            ("gathering", { x.gathering(along: 1, index: index) }), ("indexSelect", { x.indexSelect(axis: 2, indices: indices) }),
            ("concat", { Tensor.concat([x, x[.all, .range(1..<3)], x], axis: 1) }), ("stack", { Tensor.stack([x, x], axis: -1) }),
            ("padded", { x.padded([(1, 2), (0, 3)], value: 1) }), ("stepped slice", { x[.range(1, nil, step: 2), .all, .range(0, nil, step: 3)] }),
            ("reshape of a view", { x.transposed(0, 2).reshaped(to: [6, -1]) }), ("chunk", { x.chunked(3, axis: 2)[2].contiguous() }),
            ("expand", { x[.all, .range(0..<1)].expanded(to: [4, 5, 6]).contiguous() }),
        ] + DType.allCases.map { target in ("cast to \(target)", { x.cast(to: target) }) }
        for (name, body) in cases {
            expectOpsAgree("\(name) \(dtype)", tolerance: .exact, body)
        }
        if dtype != .bool {
            let source = makeInput(shape: [4, 3, 6], dtype: dtype, layout: .stepped, distribution: .integers(-9...9), using: &generator)
            expectOpsAgree("scatterAdding \(dtype)", tolerance: .exact) { x.scatterAdding(along: 1, index: index, source: source) }
        }
    }

    @Test("indexSelect's adjoint agrees with strided sources, and so do embedding-bag gradients")
    func rowScatterFromStridedSources() {
        var generator = SeededGenerator(seed: 1004)
        func input(_ shape: [Int], _ layout: Layout = .contiguous) -> Tensor {
            makeInput(shape: shape, dtype: .float32, layout: layout, distribution: .integers(-9...9), using: &generator)
        }
        // The index of indexSelect(axis: 0) on a [7, 3] table: one row id per row, repeated ids included.
        let index = Tensor([4, 0, 4, 6, 1, 1, 4, 2, 0, 5] as [Int64], shape: [10, 1]).expanded(to: [10, 3])
        let base = input([7, 3])
        let sources: [(String, Tensor)] = [
            ("broadcast", input([10, 1]).expanded(to: [10, 3])), ("stepped", input([10, 3], .stepped)),
            ("column slice", input([10, 8])[.all, .range(2..<5)]), ("dense", input([10, 3])),
        ]
        for (name, source) in sources {
            expectOpsAgree("row scatterAdd, \(name) source", tolerance: .exact) { base.scatterAdding(along: 0, index: index, source: source) }
        }
        // The wide part of Wide & Deep: a width-1 bag's sum broadcasts its gradient back over the bag.
        let table = input([9, 1]), weights = input([4, 1])
        let ids = Tensor([8, 0, 3, 3, 1, 8, 2, 5] as [Int64], shape: [4, 2])
        expectOpsAgree("embedding-bag table gradient", tolerance: .exact) {
            valueAndGradient(at: table) { table in (table.embeddingBag(indices: ids) * weights).sum() }.gradient
        }
    }
}
