import Strata
import Testing

// Reductions, matmul, gather and scatter on the fast backend against the reference (see
// ConformanceTests.swift for what must agree exactly).


/// Every subset of `0..<rank`, the empty one included.
func axisSubsets(rank: Int) -> [[Int]] {
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
enum MatrixLayout: CaseIterable, CustomStringConvertible {
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
