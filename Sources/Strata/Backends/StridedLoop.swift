/// Walks several strided views of one shape as a list of innermost runs.
///
/// Dimensions of size 1 are dropped and neighbouring dimensions that are contiguous in every
/// operand are merged, so a dense tensor becomes one run and `[N, D] + [D]` becomes N runs of D.
/// Backends call a kernel per run with each operand's start offset and inner stride.
struct StridedLoop {
    let outerShape: [Int]
    /// `outerStrides[operand][dimension]`.
    let outerStrides: [[Int]]
    let innerCount: Int
    let innerStrides: [Int]

    init(shape: [Int], strides: [[Int]]) {
        var dimensions: [(size: Int, strides: [Int])] = []
        for axis in shape.indices where shape[axis] != 1 {
            let axisStrides = strides.map { $0[axis] }
            if let last = dimensions.last,
               zip(last.strides, axisStrides).allSatisfy({ $0 == $1 * shape[axis] }) {
                dimensions[dimensions.count - 1] = (last.size * shape[axis], axisStrides)
            } else {
                dimensions.append((shape[axis], axisStrides))
            }
        }
        if Shape.count(shape) == 0 {
            dimensions = [(0, strides.map { _ in 1 })]
        }
        if let inner = dimensions.popLast() {
            innerCount = inner.size
            innerStrides = inner.strides
        } else {
            innerCount = 1
            innerStrides = strides.map { _ in 1 }
        }
        outerShape = dimensions.map(\.size)
        outerStrides = strides.indices.map { operand in dimensions.map { $0.strides[operand] } }
    }

    /// The number of innermost runs.
    var runCount: Int { Shape.count(outerShape) }

    /// Calls `body(offsets)` for runs `range` in row-major order; `offsets[operand]` is that
    /// operand's element offset of the run's first element, relative to the view's start.
    func forEachRun(in range: Range<Int>, _ body: (UnsafeMutableBufferPointer<Int>) -> Void) {
        let operands = innerStrides.count
        let rank = outerShape.count
        var index = [Int](repeating: 0, count: rank)
        var offsets = [Int](repeating: 0, count: operands)
        // Position the odometer at range.lowerBound.
        var remainder = range.lowerBound
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            index[axis] = remainder % outerShape[axis]
            remainder /= outerShape[axis]
            for operand in 0..<operands { offsets[operand] += index[axis] * outerStrides[operand][axis] }
        }
        offsets.withUnsafeMutableBufferPointer { offsets in
            for _ in range {
                body(offsets)
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    for operand in 0..<operands { offsets[operand] += outerStrides[operand][axis] }
                    if index[axis] < outerShape[axis] { break }
                    for operand in 0..<operands { offsets[operand] -= index[axis] * outerStrides[operand][axis] }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }

    /// Calls `body(operandOffsets)` for every element, in row-major order.
    func forEachElement(_ body: (UnsafeMutableBufferPointer<Int>) -> Void) {
        let operands = innerStrides.count
        var element = [Int](repeating: 0, count: operands)
        element.withUnsafeMutableBufferPointer { element in
            forEachRun(in: 0..<runCount) { start in
                for operand in 0..<operands { element[operand] = start[operand] }
                for _ in 0..<innerCount {
                    body(element)
                    for operand in 0..<operands { element[operand] += innerStrides[operand] }
                }
            }
        }
    }
}
