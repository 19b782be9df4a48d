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
