import Strata
import Testing

// The fast CPU backend against the reference backend, which is the specification (STYLE.md,
// rule 3). Every `Backend` primitive runs on both with the same inputs: seeded random shapes
// (rank 0 to 4, sizes 1 to 7), every memory layout the kernels branch on (dense, transposed,
// stepped with an offset, stride-0 broadcast), edge values, and tensors past twice
// `CPUBackend.parallelGrain` (32,768 elements) so that both threads of the pool take a part.
//
// Most results must agree exactly: the C kernels perform the same IEEE operations as the Swift
// loops, or call the same libm functions. The exceptions say why next to their tolerance.

private let fast: any Backend = CPUBackend.shared
private let reference: any Backend = ReferenceBackend()

/// Runs `body` on both backends and expects equal (or `tolerance`-close) dense results.
private func expectBackendsAgree(_ context: @autoclosure () -> String, tolerance: Tolerance = .exact,
                                 checksSignOfZero: Bool = false, sourceLocation: SourceLocation = #_sourceLocation,
                                 _ body: (any Backend) -> Tensor) {
    let actual = body(fast)
    let expected = body(reference)
    expectDense(actual, "\(context()) on cpu", sourceLocation: sourceLocation)
    expectDense(expected, "\(context()) on reference", sourceLocation: sourceLocation)
    expectMatch(actual, expected, tolerance: tolerance, checksSignOfZero: checksSignOfZero, context(),
                sourceLocation: sourceLocation)
}

private let floatingTypes: [DType] = [.float32, .float64]
private let numericTypes: [DType] = [.float32, .float64, .int32, .int64]

/// Values that stress elementwise kernels: signed zeros, infinities, NaN, the float32 extremes
/// and subnormals, the ends of float32 exp's range (ln(FLT_MAX) = 88.7228391,
/// ln(FLT_MIN) = -87.3365448, ln(smallest subnormal) = -103.28), and tanh's switch from its
/// polynomial to its exp form at |x| = 0.3.
private let edgeValues: [Double] = [
    0, -0.0, .infinity, -.infinity, .nan,
    Double(Float.greatestFiniteMagnitude), -Double(Float.greatestFiniteMagnitude),
    Double(Float.leastNormalMagnitude), -Double(Float.leastNormalMagnitude),
    Double(Float.leastNonzeroMagnitude), 1e-40, -1e-40, 1e-30, -1e-30, 1e-7, -1e-7,
    0.29, 0.3, 0.31, -0.3, 0.5, -0.5, 1, -1, 2, 9, -9, 20, -20,
    86.9, 88, 88.7, 88.71, 88.72283, 88.7228394, 89, 100,
    -86.9, -87, -87.2, -87.3, -87.33654, -87.34, -88, -100, -103.9, -104, 1e10, -1e10, 3e38,
]

extension UnaryOperation {
    /// Where random inputs are drawn: inside the op's domain, away from overflow (the edges
    /// have their own test).
    fileprivate var randomDomain: ClosedRange<Double> {
        switch self {
        case .log, .sqrt, .rsqrt: 0.01...20
        case .log1p: -0.99...20
        case .exp, .expm1, .sigmoid, .softplus: -30...30
        default: -6...6
        }
    }

    /// The ops that also take integers (the reference's `applyInteger`).
    fileprivate var acceptsIntegers: Bool {
        switch self {
        case .negate, .abs, .sign, .square, .relu: true
        default: false
        }
    }

    /// How closely the C float32 kernel follows the reference. Only exp, log and the ops built on
    /// them use Strata's own polynomials (Dispatch.h); the rest are the same arithmetic or the
    /// same libm call (expm1f, sinf, cosf, erff, sqrtf) that swift-numerics makes.
    fileprivate var float32Tolerance: Tolerance {
        switch self {
        case .exp, .log, .log1p, .tanh, .sigmoid, .softplus: .float32Approximation
        default: .exact
        }
    }
}

@Suite("Conformance: elementwise primitives")
struct ElementwiseConformanceTests {
    @Test("unary ops agree on random shapes and views", arguments: UnaryOperation.allCases)
    func unaryOnRandomViews(_ op: UnaryOperation) {
        var generator = SeededGenerator(seed: 100 + UInt64(op.rawValue))
        let dtypes = op.acceptsIntegers ? numericTypes : floatingTypes
        for trial in 0..<16 {
            for dtype in dtypes {
                let shape = randomShape(using: &generator)
                let layout = Layout.allCases[trial % Layout.allCases.count]
                let distribution: ValueDistribution = dtype.isInteger ? .integers(-50...50) : .uniform(op.randomDomain)
                let x = makeInput(shape: shape, dtype: dtype, layout: layout, distribution: distribution, using: &generator)
                expectBackendsAgree("\(op) \(dtype) \(shape) \(layout)",
                                    tolerance: dtype == .float32 ? op.float32Tolerance : .exact) { $0.unary(op, x) }
            }
        }
    }

    @Test("unary ops agree on edge values, including the sign of zero", arguments: UnaryOperation.allCases)
    func unaryOnEdgeValues(_ op: UnaryOperation) {
        for dtype in floatingTypes {
            let x = makeTensor(edgeValues, shape: [edgeValues.count], dtype: dtype)
            expectBackendsAgree("\(op) \(dtype) on \(edgeValues)", tolerance: dtype == .float32 ? op.float32Tolerance : .exact,
                                checksSignOfZero: true) { $0.unary(op, x) }
        }
    }

    @Test("integer unary ops wrap like the reference at the extremes")
    func integerUnaryExtremes() {
        let int32Values: [Int32] = [.min, .min + 1, -7, -1, 0, 1, 7, .max]
        let int64Values: [Int64] = [.min, .min + 1, -7, -1, 0, 1, 7, .max]
        for op in UnaryOperation.allCases where op.acceptsIntegers {
            for x in [Tensor(int32Values), Tensor(int64Values)] {
                expectBackendsAgree("\(op) \(x.dtype) extremes") { $0.unary(op, x) }
            }
        }
    }

    @Test("float32 exp is accurate up to the overflow and underflow thresholds")
    func float32ExpNearTheEndsOfItsRange() {
        // Expected values from Python's math.exp in float64, rounded to float32: math.exp(-87)
        // = 1.6458114e-38 and math.exp(88.71) = 3.3594106e+38 are normal float32 numbers; at the
        // float32 nearest 88.72283 the result is 3.4027985e+38, just under FLT_MAX.
        let inputs: [Float] = [-87, -87.3, -86.99, 88.71, 88.72283, 88.7228394]
        let expected: [Float] = [1.6458114e-38, 1.2192433e-38, 1.6623556e-38, 3.3594106e+38, 3.4027985e+38, .infinity]
        let result = CPUBackend.shared.unary(.exp, Tensor(inputs))
        expectMatch(result, Tensor(expected), tolerance: .init(relative: 2e-6, absolute: 0), "cpu exp near ±88")
    }

    @Test("float32 transcendental edge cases match hand-derived values")
    func float32TranscendentalEdges() {
        // log of the smallest subnormal 2^-149 is -149 ln 2 = -103.27893; of 2^-130, -90.10913.
        let logInputs = Tensor([0x1p-149, 0x1p-130, 0x1p-126] as [Float])
        expectMatch(CPUBackend.shared.unary(.log, logInputs), Tensor([-103.27893, -90.10913, -87.33655] as [Float]),
                    tolerance: .init(relative: 1e-6, absolute: 0), "cpu log of subnormals")
        // tanh x = x - x^3/3 + ... : at 1e-4 the cubic term is 3.3e-13, below half an ulp.
        // tanh(10) = 1 - 4.1e-9, which rounds to 1 in float32.
        let tanhInputs = Tensor([1e-4, -1e-4, 10, -10, 0.3] as [Float])
        expectMatch(CPUBackend.shared.unary(.tanh, tanhInputs), Tensor([1e-4, -1e-4, 1, -1, 0.29131261] as [Float]),
                    tolerance: .init(relative: 1e-6, absolute: 0), "cpu tanh near 0 and large")
        // sigmoid(100) = 1 - 3.7e-44 = 1 in float32; sigmoid(-100) = e^-100 = 3.7e-44, which the
        // C exp flushes to zero below FLT_MIN (documented in Dispatch.h).
        let sigmoid = CPUBackend.shared.unary(.sigmoid, Tensor([100, -100] as [Float]))
        expectMatch(sigmoid, Tensor([1, 0] as [Float]), tolerance: .float32Approximation, "cpu sigmoid of ±100")
        // softplus(100) = 100 + log1p(e^-100) = 100; softplus(-100) = log1p(e^-100) = 3.72e-44, which
        // rounds to the subnormal 27 * 2^-149; the C exp flushes it to zero.
        let softplus = CPUBackend.shared.unary(.softplus, Tensor([100, -100] as [Float]))
        expectMatch(softplus, Tensor([100, 27 * Float.leastNonzeroMagnitude]), tolerance: .float32Approximation, "cpu softplus of ±100")
    }

    @Test("binary ops agree on random shapes and views", arguments: BinaryOperation.allCases)
    func binaryOnRandomViews(_ op: BinaryOperation) {
        var generator = SeededGenerator(seed: 200 + UInt64(op.rawValue))
        let dtypes = op == .divide || op == .pow ? floatingTypes : numericTypes
        for trial in 0..<16 {
            for dtype in dtypes {
                let shape = randomShape(using: &generator)
                let (lhsLayout, rhsLayout) = (Layout.allCases[trial % 4], Layout.allCases[(trial / 4) % 4])
                let lhsValues: ValueDistribution = dtype.isInteger ? .integers(-50...50) : op == .pow ? .uniform(0.1...4) : .uniform(-4...4)
                let rhsValues: ValueDistribution = dtype.isInteger ? .integers(-50...50) : .uniform(-4...4)
                let lhs = makeInput(shape: shape, dtype: dtype, layout: lhsLayout, distribution: lhsValues, using: &generator)
                let rhs = makeInput(shape: shape, dtype: dtype, layout: rhsLayout, distribution: rhsValues, using: &generator)
                expectBackendsAgree("\(op) \(dtype) \(shape) \(lhsLayout) with \(rhsLayout)",
                                    tolerance: op == .pow && dtype == .float32 ? powTolerance : .exact) { $0.binary(op, lhs, rhs) }
            }
        }
    }

    /// powf and the reference's float64 pow rounded to float32 are both within about half an
    /// ulp of the exact power, so they may differ by one ulp (2^-23 relative), or one subnormal step.
    private var powTolerance: Tolerance { Tolerance(relative: 0x1p-22, absolute: 0x1p-149) }

    @Test("binary ops agree on every pair of edge values, through each stride pattern", arguments: BinaryOperation.allCases)
    func binaryOnEdgeValues(_ op: BinaryOperation) {
        let values: [Double] = [0, -0.0, 1, -1, 2, -2, 3, 0.5, -0.5, .infinity, -.infinity, .nan,
                                Double(Float.greatestFiniteMagnitude), 1e-40, -87]
        let count = values.count
        for dtype in floatingTypes {
            // Rows repeat lhs and columns repeat rhs: the C kernel sees stride 0 on one side.
            let lhs = makeTensor(values, shape: [count, 1], dtype: dtype).expanded(to: [count, count])
            let rhs = makeTensor(values, shape: [1, count], dtype: dtype).expanded(to: [count, count])
            let tolerance = op == .pow && dtype == .float32 ? powTolerance : .exact
            expectBackendsAgree("\(op) \(dtype) edge grid, broadcast", tolerance: tolerance) { $0.binary(op, lhs, rhs) }
            expectBackendsAgree("\(op) \(dtype) edge grid, transposed", tolerance: tolerance) { $0.binary(op, rhs, lhs) }
            let (denseLhs, denseRhs) = (reference.contiguous(lhs), reference.contiguous(rhs))
            expectBackendsAgree("\(op) \(dtype) edge grid, dense", tolerance: tolerance) { $0.binary(op, denseLhs, denseRhs) }
            // Both operands one repeated element: the kernel's scalar-scalar loop.
            let scalarLhs = makeTensor([-2], shape: [], dtype: dtype).expanded(to: [5])
            let scalarRhs = makeTensor([3], shape: [], dtype: dtype).expanded(to: [5])
            expectBackendsAgree("\(op) \(dtype) scalar with scalar", tolerance: tolerance) { $0.binary(op, scalarLhs, scalarRhs) }
        }
    }

    @Test("pow follows C: integer powers of negative bases, x^0 = 1, NaN for fractional powers of negatives")
    func powOfNegativeBases() {
        // C99 Annex F (F.10.4.4), which NumPy and PyTorch follow: pow(-2, 3) = -8, pow(0, 0) = 1,
        // pow(NaN, 0) = 1, pow(-8, 1/3) is NaN, pow(-1, ±inf) = 1.
        let base: [Double] = [-2, -2, 0, .nan, -8, -1, -0.5]
        let exponent: [Double] = [3, 2, 0, 0, 1.0 / 3, .infinity, .infinity]
        let expected: [Double] = [-8, 4, 1, 1, .nan, 1, 0]
        for dtype in floatingTypes {
            for backend in [fast, reference] {
                let result = backend.binary(.pow, makeTensor(base, shape: [7], dtype: dtype), makeTensor(exponent, shape: [7], dtype: dtype))
                expectMatch(result, makeTensor(expected, shape: [7], dtype: dtype), "pow on \(backend.name) \(dtype)")
            }
        }
    }

    @Test("comparisons agree on random views and on NaN, infinities and signed zeros", arguments: ComparisonOperation.allCases)
    func comparisons(_ op: ComparisonOperation) {
        var generator = SeededGenerator(seed: 300 + UInt64(op.rawValue))
        for trial in 0..<12 {
            for dtype in numericTypes {
                let shape = randomShape(using: &generator)
                // Few distinct values, so that equal pairs are common.
                let lhs = makeInput(shape: shape, dtype: dtype, layout: Layout.allCases[trial % 4], distribution: .integers(-2...2), using: &generator)
                let rhs = makeInput(shape: shape, dtype: dtype, layout: Layout.allCases[(trial / 4) % 4], distribution: .integers(-2...2), using: &generator)
                expectBackendsAgree("\(op) \(dtype) \(shape)") { $0.compare(op, lhs, rhs) }
            }
        }
        let values: [Double] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan]
        for dtype in floatingTypes {
            let lhs = makeTensor(values, shape: [7, 1], dtype: dtype).expanded(to: [7, 7])
            let rhs = makeTensor(values, shape: [1, 7], dtype: dtype).expanded(to: [7, 7])
            expectBackendsAgree("\(op) \(dtype) edge grid") { $0.compare(op, lhs, rhs) }
        }
    }

    @Test("logical and, or and not agree on random views")
    func logicalOps() {
        var generator = SeededGenerator(seed: 400)
        for trial in 0..<16 {
            let shape = randomShape(using: &generator)
            let lhs = makeInput(shape: shape, dtype: .bool, layout: Layout.allCases[trial % 4], distribution: .dyadic, using: &generator)
            let rhs = makeInput(shape: shape, dtype: .bool, layout: Layout.allCases[(trial / 4) % 4], distribution: .dyadic, using: &generator)
            for op in LogicalOperation.allCases {
                expectBackendsAgree("\(op) \(shape)") { $0.logical(op, lhs, rhs) }
            }
            expectBackendsAgree("not \(shape)") { $0.logicalNot(lhs) }
        }
    }

    @Test("select agrees for every dtype and layout")
    func selectOnRandomViews() {
        var generator = SeededGenerator(seed: 500)
        for trial in 0..<32 {
            for dtype in DType.allCases {
                let shape = randomShape(using: &generator)
                let layouts = (0..<3).map { _ in Layout.allCases.randomElement(using: &generator)! }
                let condition = makeInput(shape: shape, dtype: .bool, layout: layouts[0], distribution: .dyadic, using: &generator)
                let lhs = makeInput(shape: shape, dtype: dtype, layout: layouts[1], distribution: .integers(-9...9), using: &generator)
                let rhs = makeInput(shape: shape, dtype: dtype, layout: layouts[2], distribution: .integers(-9...9), using: &generator)
                expectBackendsAgree("select \(dtype) \(shape) \(layouts) trial \(trial)") { $0.select(condition, lhs, rhs) }
            }
        }
    }

    @Test("cast agrees between every pair of dtypes")
    func castBetweenAllPairs() {
        // Fractions truncate toward zero, NaN and infinities become 0 in integers and true in
        // bool, 3e9 wraps in int32 (int64 first, then the low 32 bits), 16777217 = 2^24 + 1 rounds
        // in float32, and 1e-40 is a float32 subnormal.
        let floatValues: [Double] = [0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.7, 255.9, 1e9, 3e9, -3e9, 16_777_217,
                                     1e-40, .nan, .infinity, -.infinity]
        let int32Values: [Int32] = [.min, -70_000, -1, 0, 1, 255, 16_777_217, .max]
        let int64Values: [Int64] = [.min, -(1 << 40), -1, 0, 1, 3_000_000_000, 9_007_199_254_740_993, .max]
        let sources: [Tensor] = [
            makeTensor(floatValues, shape: [floatValues.count], dtype: .float32),
            makeTensor(floatValues, shape: [floatValues.count], dtype: .float64),
            Tensor(int32Values), Tensor(int64Values),
            Tensor([true, false, false, true, true]),
        ]
        for source in sources {
            // A transposed view too: the fast casts first make a dense copy.
            let side = source.shape[0]
            let view = reference.contiguous(source.reshaped(to: [side, 1]).expanded(to: [side, 3])).transposed()
            for target in DType.allCases {
                expectBackendsAgree("cast \(source.dtype) to \(target)", checksSignOfZero: true) { $0.cast(source, to: target) }
                expectBackendsAgree("cast transposed \(source.dtype) to \(target)", checksSignOfZero: true) { $0.cast(view, to: target) }
            }
        }
    }

    @Test("full agrees for every dtype, shape and value")
    func fullForEveryDType() {
        let shapes: [[Int]] = [[], [0], [1], [5], [2, 3, 4], [3, 0, 2]]
        let values: [Double] = [0, -0.0, 1, 2.5, -1.5, 1e10, .infinity, .nan]
        for dtype in DType.allCases {
            for shape in shapes {
                for value in values {
                    expectBackendsAgree("full \(shape) \(value) \(dtype)", checksSignOfZero: true) {
                        $0.full(shape: shape, value: value, dtype: dtype)
                    }
                }
            }
        }
    }

    @Test("copy and contiguous agree for every dtype and layout")
    func copyEveryLayout() {
        var generator = SeededGenerator(seed: 600)
        for trial in 0..<20 {
            for dtype in DType.allCases {
                for layout in Layout.allCases {
                    let shape = randomShape(using: &generator)
                    let x = makeInput(shape: shape, dtype: dtype, layout: layout, distribution: .integers(-99...99), using: &generator)
                    expectBackendsAgree("contiguous \(dtype) \(shape) \(layout) trial \(trial)") { $0.contiguous(x) }
                }
            }
        }
    }

    @Test("copy into a transposed destination writes through the view")
    func copyIntoStridedDestination() {
        var generator = SeededGenerator(seed: 601)
        for dtype in DType.allCases {
            let source = makeInput(shape: [4, 6], dtype: dtype, layout: .stepped, distribution: .integers(-99...99), using: &generator)
            // Each backend writes into its own fresh [6, 4] buffer through a [4, 6] transposed view.
            expectBackendsAgree("copy \(dtype) into a transposed view") { backend in
                let buffer = reference.full(shape: [6, 4], value: 0, dtype: dtype)
                backend.copy(source, into: buffer.transposed())
                return buffer
            }
        }
    }

    @Test("copy moves int32 bits that look like float NaNs unchanged")
    func copyKeepsInt32BitPatterns() {
        // The fast copy moves 4-byte elements through its float32 kernel; a signalling-NaN bit
        // pattern must not be quietened on the way.
        let patterns: [Int32] = [Int32(bitPattern: 0x7F80_0001), Int32(bitPattern: 0xFFC0_0001), Int32(bitPattern: 0x7FA0_0000), 1, -1, 0]
        let x = Tensor(patterns + patterns, shape: [2, 6]).transposed()
        let copied = CPUBackend.shared.contiguous(x)
        #expect(copied.scalars(as: Int32.self) == patterns.flatMap { [$0, $0] })
    }
}

/// Every subset of `0..<rank`, the empty one included.
private func axisSubsets(rank: Int) -> [[Int]] {
    (0..<(1 << rank)).map { mask in (0..<rank).filter { mask & (1 << $0) != 0 } }
}

@Suite("Conformance: reductions")
struct ReductionConformanceTests {
    @Test("sum, max and min agree over every axis subset, dtype and layout", arguments: ReductionOperation.allCases)
    func everyAxisSubset(_ op: ReductionOperation) {
        var generator = SeededGenerator(seed: 700 + UInt64(op.rawValue))
        // Dyadic values make every float sum exact in any order (see ValueDistribution.dyadic), so
        // the C kernel's 16 partial sums must match the reference's single running sum exactly.
        let shapes: [[Int]] = [[3, 4, 5], [2, 1, 7], [2, 3, 4, 5], [3, 1, 4, 2], [1, 5, 1, 17]]
        for shape in shapes {
            for dtype in numericTypes {
                for layout in Layout.allCases {
                    let distribution: ValueDistribution = dtype.isInteger ? .integers(-99...99) : .dyadic
                    let x = makeInput(shape: shape, dtype: dtype, layout: layout, distribution: distribution, using: &generator)
                    for axes in axisSubsets(rank: shape.count) {
                        expectBackendsAgree("\(op) \(dtype) \(shape) \(layout) axes \(axes)") { $0.reduce(op, x, axes: axes) }
                    }
                }
            }
        }
    }

    @Test("float32 sums of real values differ only by rounding")
    func float32SumRounding() {
        var generator = SeededGenerator(seed: 710)
        let x = makeInput(shape: [6, 50, 7], dtype: .float32, layout: .contiguous, distribution: .uniform(-1...1), using: &generator)
        for axes in axisSubsets(rank: 3) {
            // Two orders of n additions of terms below 1 each err by at most (n - 1) * 2^-24 * n
            // (Higham, "Accuracy and Stability of Numerical Algorithms", 2002, eq. 4.4).
            let n = Double(axes.map { x.shape[$0] }.reduce(1, *))
            let bound = 2 * (n - 1) * 0x1p-24 * n
            expectBackendsAgree("sum float32 axes \(axes)", tolerance: .init(relative: 0, absolute: bound)) { $0.reduce(.sum, x, axes: axes) }
        }
    }

    @Test("max and min propagate NaN and handle infinities in every lane", arguments: [ReductionOperation.max, .min])
    func nanAndInfinity(_ op: ReductionOperation) {
        // 37 columns: two full groups of the C kernel's 16 lanes and a 5-element tail. Each row
        // hides one special value in a different lane, group or the tail.
        var values = [Double](repeating: 0, count: 6 * 37)
        for index in values.indices { values[index] = Double(index % 11) - 5 }
        let specials: [(row: Int, column: Int, value: Double)] = [
            (0, 0, .nan), (1, 17, .nan), (2, 35, .nan), (3, 3, .infinity), (4, 20, -.infinity), (5, 36, .nan), (5, 2, .infinity),
        ]
        for special in specials { values[special.row * 37 + special.column] = special.value }
        for dtype in floatingTypes {
            let x = makeTensor(values, shape: [6, 37], dtype: dtype)
            for axes in [[0], [1], [0, 1]] {
                expectBackendsAgree("\(op) \(dtype) with NaN, axes \(axes)") { $0.reduce(op, x, axes: axes) }
            }
        }
    }

    @Test("sum over an empty axis is zero; reducing an empty tensor keeps it empty")
    func emptyReductions() {
        for dtype in numericTypes {
            let x = makeTensor([], shape: [3, 0, 2], dtype: dtype)
            expectBackendsAgree("sum \(dtype) [3, 0, 2] over axis 1") { $0.reduce(.sum, x, axes: [1]) }
            expectBackendsAgree("sum \(dtype) [3, 0, 2] over axis 2") { $0.reduce(.sum, x, axes: [2]) }
            expectBackendsAgree("max \(dtype) [3, 0, 2] over axis 0") { $0.reduce(.max, x, axes: [0]) }
            #expect(fast.reduce(.sum, x, axes: [1]).scalars(as: Double.self) == [0, 0, 0, 0, 0, 0])
        }
    }

    @Test("argmax and argmin agree on every axis, with ties and NaN")
    func argReduce() {
        var generator = SeededGenerator(seed: 720)
        for trial in 0..<24 {
            for dtype in numericTypes {
                let shape = randomShape(ranks: 1...4, using: &generator)
                let layout = trial < 8 ? Layout.contiguous : Layout.allCases[trial % 4]
                // Values 0...3 tie often; the first extreme must win.
                let distribution: ValueDistribution = dtype.isInteger ? .integers(0...3) : .integersWithNaN(0...3)
                let x = makeInput(shape: shape, dtype: dtype, layout: layout, distribution: distribution, using: &generator)
                for axis in 0..<shape.count {
                    for maximum in [true, false] {
                        expectBackendsAgree("arg\(maximum ? "max" : "min") \(dtype) \(shape) \(layout) axis \(axis)") {
                            $0.argReduce(maximum: maximum, x, axis: axis)
                        }
                    }
                }
            }
        }
    }
}

/// The layouts a matrix operand of `matmul` can reach BLAS in.
private enum MatrixLayout: CaseIterable, CustomStringConvertible {
    case contiguous, transposed, stepped, broadcastBatch, broadcastRows

    var description: String {
        switch self {
        case .contiguous: "contiguous"
        case .transposed: "transposed"
        case .stepped: "stepped"
        case .broadcastBatch: "broadcast batch"
        case .broadcastRows: "broadcast rows"
        }
    }

    /// A `[batch, rows, columns]` operand in this layout.
    func operand(_ shape: [Int], dtype: DType, distribution: ValueDistribution, using generator: inout SeededGenerator) -> Tensor {
        let (batch, rows, columns) = (shape[0], shape[1], shape[2])
        switch self {
        case .contiguous:
            return makeInput(shape: shape, dtype: dtype, layout: .contiguous, distribution: distribution, using: &generator)
        case .transposed:
            // Column-major matrices: BLAS reads them with its transpose flag.
            return makeInput(shape: [batch, columns, rows], dtype: dtype, layout: .contiguous, distribution: distribution,
                             using: &generator).transposed()
        case .stepped:
            return makeInput(shape: shape, dtype: dtype, layout: .stepped, distribution: distribution, using: &generator)
        case .broadcastBatch:
            return makeInput(shape: [1, rows, columns], dtype: dtype, layout: .contiguous, distribution: distribution,
                             using: &generator).expanded(to: shape)
        case .broadcastRows:
            return makeInput(shape: [batch, 1, columns], dtype: dtype, layout: .contiguous, distribution: distribution,
                             using: &generator).expanded(to: shape)
        }
    }
}

@Suite("Conformance: matmul, gather and scatter")
struct MatmulAndIndexingConformanceTests {
    @Test("matmul agrees for every operand layout, dtype and degenerate size")
    func matmulShapesAndLayouts() {
        var generator = SeededGenerator(seed: 800)
        // (batch, m, k, n), with vectors (m or n = 1), k = 1, and empty batches, rows, columns and
        // inner dimensions (k = 0 must give zeros).
        let sizes: [(Int, Int, Int, Int)] = [
            (1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 1, 4), (1, 1, 7, 1), (2, 1, 6, 3), (1, 6, 3, 1), (4, 7, 7, 7),
            (1, 4, 0, 3), (2, 3, 0, 1), (1, 0, 3, 4), (1, 3, 4, 0), (0, 2, 3, 4),
        ]
        for (batch, m, k, n) in sizes {
            for dtype in numericTypes {
                // Dyadic values: products and sums exact, so BLAS's order and FMAs change nothing.
                let distribution: ValueDistribution = dtype.isInteger ? .integers(-9...9) : .dyadic
                for lhsLayout in MatrixLayout.allCases {
                    for rhsLayout in MatrixLayout.allCases {
                        let lhs = lhsLayout.operand([batch, m, k], dtype: dtype, distribution: distribution, using: &generator)
                        let rhs = rhsLayout.operand([batch, k, n], dtype: dtype, distribution: distribution, using: &generator)
                        expectBackendsAgree("matmul \(dtype) \([batch, m, k, n]) \(lhsLayout) x \(rhsLayout)") { $0.matmul(lhs, rhs) }
                    }
                }
            }
        }
    }

    @Test("float32 matmul of real values differs only by rounding")
    func float32MatmulRounding() {
        var generator = SeededGenerator(seed: 801)
        let lhs = makeInput(shape: [3, 9, 33], dtype: .float32, layout: .contiguous, distribution: .uniform(-1...1), using: &generator)
        // A view with no unit stride, which the CPU backend copies before calling BLAS.
        let rhs = makeInput(shape: [3, 33, 5], dtype: .float32, layout: .permuted, distribution: .uniform(-1...1), using: &generator)
        // Each of two k-term dot products of terms below 1 errs by at most k * 2^-24 * k (Higham 3.5).
        let bound = 2 * 33 * 0x1p-24 * 33
        expectBackendsAgree("matmul float32 real values", tolerance: .init(relative: 0, absolute: bound)) { $0.matmul(lhs, rhs) }
    }

    @Test("gather agrees for every dtype, axis and layout")
    func gather() {
        var generator = SeededGenerator(seed: 810)
        for trial in 0..<40 {
            let dtype = DType.allCases[trial % DType.allCases.count]
            let shape = randomShape(ranks: 1...4, using: &generator)
            let axis = Int.random(in: 0..<shape.count, using: &generator)
            var indexShape = shape.map { Int.random(in: 1...$0, using: &generator) }
            indexShape[axis] = Int.random(in: 1...7, using: &generator)
            let x = makeInput(shape: shape, dtype: dtype, layout: Layout.allCases[trial % 4], distribution: .integers(-99...99), using: &generator)
            let index = makeInput(shape: indexShape, dtype: .int64, layout: Layout.allCases[(trial / 4) % 4],
                                  distribution: .integers(0...(shape[axis] - 1)), using: &generator)
            expectBackendsAgree("gather \(dtype) \(shape) axis \(axis) index \(indexShape)") { $0.gather(x, axis: axis, index: index) }
        }
    }

    @Test("scatterAdd agrees for every numeric dtype, axis and layout, with repeated indices")
    func scatterAdd() {
        var generator = SeededGenerator(seed: 820)
        for trial in 0..<40 {
            let dtype = numericTypes[trial % numericTypes.count]
            let shape = randomShape(ranks: 1...4, using: &generator)
            let axis = Int.random(in: 0..<shape.count, using: &generator)
            var indexShape = shape.map { Int.random(in: 1...$0, using: &generator) }
            indexShape[axis] = Int.random(in: 1...7, using: &generator)
            let distribution: ValueDistribution = dtype.isInteger ? .integers(-99...99) : .dyadic
            let base = makeInput(shape: shape, dtype: dtype, layout: Layout.allCases[trial % 4], distribution: distribution, using: &generator)
            let index = makeInput(shape: indexShape, dtype: .int64, layout: Layout.allCases[(trial / 4) % 4],
                                  distribution: .integers(0...(shape[axis] - 1)), using: &generator)
            let source = makeInput(shape: indexShape, dtype: dtype, layout: Layout.allCases[(trial / 2) % 4], distribution: distribution, using: &generator)
            expectBackendsAgree("scatterAdd \(dtype) \(shape) axis \(axis) index \(indexShape)") {
                $0.scatterAdd(base, axis: axis, index: index, source: source)
            }
        }
    }
}

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
}
