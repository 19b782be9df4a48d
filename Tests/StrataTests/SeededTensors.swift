import Strata

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
/// a tiny seeded generator, so that every random shape, value and view in the tests is the same
/// on every run and every machine.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// How a test input sits in memory. Backends walk each layout with different loops (a dense
/// run, a strided run, a stride-0 run), and all of them must read the same values.
enum Layout: CaseIterable, CustomStringConvertible, Sendable {
    /// Dense row-major.
    case contiguous
    /// The axes of a dense tensor reversed: a transposed (column-major) view.
    case permuted
    /// Every other element along the last axis of a larger tensor, starting one row in along the
    /// first axis: a stepped slice with a nonzero offset.
    case stepped
    /// Some axes expanded from size 1, with stride 0.
    case broadcast

    var description: String {
        switch self {
        case .contiguous: "contiguous"
        case .permuted: "permuted"
        case .stepped: "stepped"
        case .broadcast: "broadcast"
        }
    }
}

/// Where the values of a random tensor come from.
enum ValueDistribution: Sendable {
    /// Uniform in a range.
    case uniform(ClosedRange<Double>)
    /// Multiples of 1/64 in [-2, 2]: sums and products of these stay exact in float32 for the
    /// sizes used here (a few thousand terms of magnitude <= 4 need well under 24 bits), so sums
    /// and matrix products agree exactly in any order of accumulation.
    case dyadic
    /// Integers in a range (for ties in argmax and for integer dtypes).
    case integers(ClosedRange<Int>)
    /// Integers in a range with one value in eight NaN (floating-point dtypes only).
    case integersWithNaN(ClosedRange<Int>)

    func draw(using generator: inout SeededGenerator) -> Double {
        switch self {
        case .uniform(let range): Double.random(in: range, using: &generator)
        case .dyadic: Double(Int.random(in: -128...128, using: &generator)) / 64
        case .integers(let range): Double(Int.random(in: range, using: &generator))
        case .integersWithNaN(let range):
            Int.random(in: 0..<8, using: &generator) == 0 ? .nan : Double(Int.random(in: range, using: &generator))
        }
    }
}

/// A dense tensor of `dtype` holding `values` (converted with Swift's own initializers, so no
/// backend is involved in making test inputs).
func makeTensor(_ values: [Double], shape: [Int], dtype: DType) -> Tensor {
    switch dtype {
    case .float32: Tensor(values.map { Float($0) }, shape: shape)
    case .float64: Tensor(values, shape: shape)
    case .int32: Tensor(values.map { Int32($0) }, shape: shape)
    case .int64: Tensor(values.map { Int64($0) }, shape: shape)
    case .bool: Tensor(values.map { $0 != 0 }, shape: shape)
    }
}

/// A random shape of rank `ranks` with sizes in `sizes`.
func randomShape(ranks: ClosedRange<Int> = 0...4, sizes: ClosedRange<Int> = 1...7,
                 using generator: inout SeededGenerator) -> [Int] {
    let rank = Int.random(in: ranks, using: &generator)
    return (0..<rank).map { _ in Int.random(in: sizes, using: &generator) }
}

/// A tensor of logical shape `shape` laid out as `layout`, with values from `distribution`
/// (`bool` tensors ignore it and hold fair coin flips).
func makeInput(shape: [Int], dtype: DType, layout: Layout, distribution: ValueDistribution,
               using generator: inout SeededGenerator) -> Tensor {
    func dense(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { _ in distribution.draw(using: &generator) }
        if dtype == .bool { values = values.map { _ in Double(Int.random(in: 0...1, using: &generator)) } }
        return makeTensor(values, shape: shape, dtype: dtype)
    }
    let rank = shape.count
    switch layout {
    case .contiguous:
        return dense(shape)
    case .permuted:
        guard rank >= 2 else { return dense(shape) }
        let reversedAxes = Array((0..<rank).reversed())
        return dense(shape.reversed()).permuted(reversedAxes)
    case .stepped:
        guard rank >= 1 else { return dense(shape) }
        if rank == 1 {
            return dense([2 * shape[0] + 1]).sliced(axis: 0, start: 1, step: 2)
        }
        var baseShape = shape
        baseShape[0] += 1
        baseShape[rank - 1] *= 2
        return dense(baseShape).sliced(axis: 0, start: 1).sliced(axis: rank - 1, start: 0, step: 2)
    case .broadcast:
        guard rank >= 1 else { return dense(shape) }
        // Drop a leading axis half the time and shrink each other axis to 1 half the time.
        let dropsLeading = rank >= 2 && Bool.random(using: &generator)
        var baseShape = dropsLeading ? Array(shape.dropFirst()) : shape
        for axis in baseShape.indices where Bool.random(using: &generator) { baseShape[axis] = 1 }
        return dense(baseShape).expanded(to: shape)
    }
}
