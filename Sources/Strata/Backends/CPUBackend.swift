import COpenBLAS
import CStrataKernels

/// The fast backend: float32 elementwise and reduction kernels in C (AVX-512/AVX2 picked at run
/// time), matrix products through OpenBLAS, and the shared `ThreadPool` for large tensors.
/// Every case without a fast path is delegated to `ReferenceBackend`, so results always agree
/// with the specification. Fused float32 kernels serve three composites (CPUBackend+FusedKernels).
public struct CPUBackend: Backend {
    /// The process-wide instance.
    public static let shared = CPUBackend()

    /// Elements below which elementwise kernels stay on one thread: waking a worker costs a few
    /// microseconds, about what one core needs for 16K float32 additions.
    static let parallelGrain = 32_768
    /// Rows shorter than this many float32 elements are added in a Swift loop by the row scatter.
    static let smallRowBlock = 16

    let reference = ReferenceBackend()
    let pool = ThreadPool.shared

    /// Built once (`FusedKernels.cpu`), so that a composite op's lookup is a field read.
    public internal(set) var fusedKernels = FusedKernels.cpu

    private init() {
        // One BLAS thread: matmul splits work across Strata's own pool instead (see ThreadPool).
        openblas_set_num_threads(1)
    }

    public var name: String { "cpu" }

    public func copy(_ source: Tensor, into destination: Tensor) {
        let bytes = source.dtype.byteSize
        let loop = StridedLoop(shape: source.shape, strides: [source.strides, destination.strides])
        guard loop.innerStrides[1] == 1 else { return reference.copy(source, into: destination) }
        let (from, to) = (source.rawElementPointer, destination.rawElementPointer)
        let innerStride = loop.innerStrides[0]
        runs(loop) { offsets, start, count in
            let src = from + (offsets[0] + start * innerStride) * bytes
            let dst = to + (offsets[1] + start) * bytes
            if innerStride == 1 {
                dst.copyMemory(from: src, byteCount: count * bytes)
            } else if bytes == 4 {
                strata_copy_strided_f32(src.assumingMemoryBound(to: Float.self), innerStride,
                                        dst.assumingMemoryBound(to: Float.self), count)
            } else {
                for element in 0..<count {
                    (dst + element * bytes).copyMemory(from: src + element * innerStride * bytes, byteCount: bytes)
                }
            }
        }
    }

    public func full(shape: [Int], value: Double, dtype: DType) -> Tensor {
        reference.full(shape: shape, value: value, dtype: dtype)
    }

    public func cast(_ x: Tensor, to dtype: DType) -> Tensor {
        guard x.isContiguous else { return cast(contiguous(x), to: dtype) }
        switch (x.dtype, dtype) {
        case (.float32, .float64):
            let result = Tensor(uninitializedShape: x.shape, dtype: dtype)
            strata_f32_to_f64(x.elementPointer(as: Float.self), result.elementPointer(as: Double.self), x.scalarCount)
            return result
        case (.float64, .float32):
            let result = Tensor(uninitializedShape: x.shape, dtype: dtype)
            strata_f64_to_f32(x.elementPointer(as: Double.self), result.elementPointer(as: Float.self), x.scalarCount)
            return result
        case (.int32, .float32):
            return convert(x, Int32.self, to: Float.self) { Float($0) }
        case (.int64, .float32):
            return convert(x, Int64.self, to: Float.self) { Float($0) }
        case (.int32, .int64):
            return convert(x, Int32.self, to: Int64.self) { Int64($0) }
        case (.bool, .float32):
            return convert(x, Bool.self, to: Float.self) { $0 ? 1 : 0 }
        case (.bool, .int64):
            return convert(x, Bool.self, to: Int64.self) { $0 ? 1 : 0 }
        default:
            return reference.cast(x, to: dtype)
        }
    }

    public func unary(_ op: UnaryOperation, _ x: Tensor) -> Tensor {
        guard x.dtype == .float32 else { return reference.unary(op, x) }
        guard x.isContiguous else { return unary(op, contiguous(x)) }
        let result = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let (source, y) = (x.elementPointer(as: Float.self), result.elementPointer(as: Float.self))
        pool.forEachChunk(of: x.scalarCount, grain: Self.parallelGrain) { chunk in
            strata_unary_f32(op.rawValue, source + chunk.lowerBound, y + chunk.lowerBound, chunk.count)
        }
        return result
    }

    public func binary(_ op: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        guard lhs.dtype == .float32 else { return reference.binary(op, lhs, rhs) }
        let result = Tensor(uninitializedShape: lhs.shape, dtype: .float32)
        let done = zipRuns(lhs, rhs, result) { a, sa, b, sb, y, count in
            strata_binary_f32(op.rawValue, a, sa, b, sb, y.assumingMemoryBound(to: Float.self), count)
        }
        // An operand strided along its last axis (a transposed view): one dense copy is still
        // far cheaper than the element-by-element reference loop.
        return done ? result : binary(op, densifiedForRuns(lhs), densifiedForRuns(rhs))
    }

    public func compare(_ op: ComparisonOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        guard lhs.dtype == .float32 else { return reference.compare(op, lhs, rhs) }
        let result = Tensor(uninitializedShape: lhs.shape, dtype: .bool)
        let done = zipRuns(lhs, rhs, result) { a, sa, b, sb, y, count in
            strata_compare_f32(op.rawValue, a, sa, b, sb, y.assumingMemoryBound(to: UInt8.self), count)
        }
        return done ? result : compare(op, densifiedForRuns(lhs), densifiedForRuns(rhs))
    }

    public func logical(_ op: LogicalOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        reference.logical(op, lhs, rhs)
    }

    public func logicalNot(_ x: Tensor) -> Tensor {
        reference.logicalNot(x)
    }

    public func select(_ condition: Tensor, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        guard lhs.dtype == .float32 else { return reference.select(condition, lhs, rhs) }
        let result = Tensor(uninitializedShape: lhs.shape, dtype: .float32)
        let loop = StridedLoop(shape: lhs.shape, strides: [condition.strides, lhs.strides, rhs.strides, result.strides])
        guard loop.innerStrides.allSatisfy({ $0 == 0 || $0 == 1 }), loop.innerStrides[3] == 1 else {
            return reference.select(condition, lhs, rhs)
        }
        let c = condition.elementPointer(as: UInt8.self)
        let (a, b) = (lhs.elementPointer(as: Float.self), rhs.elementPointer(as: Float.self))
        let y = result.elementPointer(as: Float.self)
        let s = loop.innerStrides
        runs(loop) { o, start, count in
            strata_select_f32(c + o[0] + start * s[0], s[0], a + o[1] + start * s[1], s[1],
                              b + o[2] + start * s[2], s[2], y + o[3] + start, count)
        }
        return result
    }

    public func reduce(_ op: ReductionOperation, _ x: Tensor, axes: [Int]) -> Tensor {
        guard x.dtype == .float32, !axes.isEmpty, x.scalarCount > 0 else { return reference.reduce(op, x, axes: axes) }
        guard x.isContiguous else { return reduce(op, contiguous(x), axes: axes) }
        // Reduce the last run of consecutive axes, then the rest: each step is [outer, reduced, inner].
        var block = [axes[axes.count - 1]]
        while let first = block.first, axes.contains(first - 1) { block.insert(first - 1, at: 0) }
        let outer = Shape.count(Array(x.shape[..<block[0]]))
        let reduced = Shape.count(block.map { x.shape[$0] })
        let inner = Shape.count(Array(x.shape[(block[block.count - 1] + 1)...]))
        var shape = x.shape
        for axis in block { shape[axis] = 1 }
        let result = Tensor(uninitializedShape: shape, dtype: .float32)
        let (source, y) = (x.elementPointer(as: Float.self), result.elementPointer(as: Float.self))
        if inner == 1 {
            pool.forEachChunk(of: outer, grain: max(1, Self.parallelGrain / reduced)) { rows in
                strata_reduce_rows_f32(op.rawValue, source + rows.lowerBound * reduced, rows.count, reduced, y + rows.lowerBound)
            }
        } else {
            pool.forEachChunk(of: outer, grain: max(1, Self.parallelGrain / (reduced * inner))) { blocks in
                for index in blocks {
                    strata_reduce_columns_f32(op.rawValue, source + index * reduced * inner, reduced, inner, y + index * inner)
                }
            }
        }
        let remaining = axes.filter { !block.contains($0) }
        return remaining.isEmpty ? result : reduce(op, result, axes: remaining)
    }

    public func argReduce(maximum: Bool, _ x: Tensor, axis: Int) -> Tensor {
        guard x.dtype == .float32, axis == x.rank - 1, x.isContiguous, x.shape[axis] > 0 else {
            return reference.argReduce(maximum: maximum, x, axis: axis)
        }
        var shape = x.shape
        shape[axis] = 1
        let result = Tensor(uninitializedShape: shape, dtype: .int64)
        strata_arg_reduce_rows_f32(maximum ? 1 : 0, x.elementPointer(as: Float.self), result.scalarCount,
                                   x.shape[axis], result.elementPointer(as: Int64.self))
        return result
    }

    public func matmul(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        guard lhs.dtype.isFloatingPoint else { return reference.matmul(lhs, rhs) }
        let (batch, m, k, n) = (lhs.shape[0], lhs.shape[1], lhs.shape[2], rhs.shape[2])
        // Empty operands first: a dense [m, 0] matrix has row stride 0, which BLASOperand rejects
        // even after a contiguous copy.
        if batch == 0 || m == 0 || n == 0 { return Tensor(uninitializedShape: [batch, m, n], dtype: lhs.dtype) }
        if k == 0 { return full(shape: [batch, m, n], value: 0, dtype: lhs.dtype) }
        guard let a = BLASOperand(lhs) else { return matmul(contiguous(lhs), rhs) }
        guard let b = BLASOperand(rhs) else { return matmul(lhs, contiguous(rhs)) }
        let result = Tensor(uninitializedShape: [batch, m, n], dtype: lhs.dtype)
        let bytes = lhs.dtype.byteSize
        func product(_ index: Int) -> CPUMatrixProduct {
            CPUMatrixProduct(a: lhs.rawElementPointer + index * lhs.strides[0] * bytes, aLayout: a,
                             b: rhs.rawElementPointer + index * rhs.strides[0] * bytes, bLayout: b,
                             c: result.rawElementPointer + index * m * n * bytes, ldc: n, m: m, n: n, k: k,
                             isDouble: lhs.dtype == .float64)
        }
        // Enough matrices for every thread: whole matrices apiece; else each matrix is cut.
        if batch >= pool.threadCount && 2 * m * n * k * batch >= CPUMatrixProduct.parallelFlops {
            pool.forEachChunk(of: batch, grain: 1) { matrices in
                for index in matrices { product(index).run(on: pool, parallel: false) }
            }
        } else {
            for index in 0..<batch { product(index).run(on: pool, parallel: true) }
        }
        return result
    }

    public func gather(_ x: Tensor, axis: Int, index: Tensor) -> Tensor {
        // indexSelect's pattern: whole slices picked along `axis` (the index varies only along
        // it and covers the trailing dimensions), copied one block at a time.
        let trailing = Array(x.shape[(axis + 1)...])
        guard x.isContiguous, Array(index.shape[(axis + 1)...]) == trailing, Array(index.shape[..<axis]) == Array(x.shape[..<axis]),
              (0..<index.rank).allSatisfy({ $0 == axis || index.strides[$0] == 0 || index.shape[$0] == 1 }) else {
            return reference.gather(x, axis: axis, index: index)
        }
        let result = Tensor(uninitializedShape: index.shape, dtype: x.dtype)
        let bytes = x.dtype.byteSize
        let block = Shape.count(trailing) * bytes
        let outer = Shape.count(Array(index.shape[..<axis]))
        let (selected, size) = (index.shape[axis], x.shape[axis])
        let indices = index.elementPointer(as: Int64.self)
        let (source, target) = (x.rawElementPointer, result.rawElementPointer)
        pool.forEachChunk(of: selected, grain: max(1, Self.parallelGrain * 4 / max(block * outer, 1))) { rows in
            let indexStride = index.strides[axis]
            for row in rows {
                let position = ReferenceBackend.checkedIndex(indices[row * indexStride], size: size, op: "gather")
                for o in 0..<outer {
                    let (to, from) = (target + ((o * selected + row) * block), source + (o * size + position) * block)
                    if block == 4 {
                        // One float32 or int32 (a wide weight): a load and a store, no memmove call.
                        to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
                    } else {
                        to.copyMemory(from: from, byteCount: block)
                    }
                }
            }
        }
        return result
    }

    public func scatterAdd(_ base: Tensor, axis: Int, index: Tensor, source: Tensor) -> Tensor {
        // Dense float32 along the last axis (max-pool gradients, embedding gradients through
        // gather): one pass over the source, rows in parallel.
        if let rows = scatterAddRows(base, axis: axis, index: index, source: source) { return rows }
        guard base.dtype == .float32, axis == base.rank - 1, index.isContiguous, source.isContiguous,
              Array(index.shape.dropLast()) == Array(base.shape.dropLast()) else {
            return reference.scatterAdd(base, axis: axis, index: index, source: source)
        }
        let result = contiguous(base)
        let rows = Shape.count(Array(base.shape.dropLast()))
        let (width, sourceWidth) = (base.shape[axis], index.shape[axis])
        let (y, s, indices) = (result.elementPointer(as: Float.self), source.elementPointer(as: Float.self),
                               index.elementPointer(as: Int64.self))
        pool.forEachChunk(of: rows, grain: max(1, Self.parallelGrain / max(sourceWidth, 1))) { chunk in
            for row in chunk {
                for column in 0..<sourceWidth {
                    let position = ReferenceBackend.checkedIndex(indices[row * sourceWidth + column], size: width, op: "scatterAdd")
                    y[row * width + position] += s[row * sourceWidth + column]
                }
            }
        }
        return result
    }

    /// The adjoint of `gather`'s indexSelect fast path (embedding gradients): the index varies only
    /// along `axis` and covers the trailing dimensions, so whole slices are added one row at a
    /// time, in index order (deterministic for repeated indices). A strided source (the broadcast
    /// gradient of an embedding bag's sum, a column slice from concat's backward) is copied dense
    /// first: one pass, where the reference loop's per-element index walk costs far more.
    private func scatterAddRows(_ base: Tensor, axis: Int, index: Tensor, source: Tensor) -> Tensor? {
        let trailing = Array(base.shape[(axis + 1)...])
        guard base.dtype == .float32, Array(index.shape[(axis + 1)...]) == trailing,
              Array(index.shape[..<axis]) == Array(base.shape[..<axis]),
              (0..<index.rank).allSatisfy({ $0 == axis || index.strides[$0] == 0 || index.shape[$0] == 1 }) else { return nil }
        let source = source.isContiguous ? source : contiguous(source)
        let result = contiguous(base)
        let block = Shape.count(trailing)
        let outer = Shape.count(Array(index.shape[..<axis]))
        let (selected, size) = (index.shape[axis], base.shape[axis])
        let indices = index.elementPointer(as: Int64.self)
        let (y, s) = (result.elementPointer(as: Float.self), source.elementPointer(as: Float.self))
        let indexStride = index.strides[axis]
        for o in 0..<outer {
            for row in 0..<selected {
                let position = ReferenceBackend.checkedIndex(indices[row * indexStride], size: size, op: "scatterAdd")
                let (target, values) = (y + (o * size + position) * block, s + (o * selected + row) * block)
                if block < Self.smallRowBlock {
                    // An embedding's row (a width-1 wide weight, a few-wide column embedding):
                    // the kernel call costs more than the adds.
                    for column in 0..<block { target[column] += values[column] }
                } else {
                    strata_binary_f32(BinaryOperation.add.rawValue, target, 1, values, 1, target, block)
                }
            }
        }
        return result
    }

    // MARK: - Loops

    /// A dense elementwise conversion loop, specialized per pair of types.
    private func convert<From, To: TensorScalar>(_ x: Tensor, _: From.Type, to: To.Type, _ f: (From) -> To) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape, dtype: To.dtype)
        let (source, target) = (x.elementPointer(as: From.self), result.elementPointer(as: To.self))
        for index in 0..<x.scalarCount { target[index] = f(source[index]) }
        return result
    }

    /// `x` itself when its innermost non-trivial stride is 0 or 1, else a dense copy (whose
    /// innermost stride is 1), so the run-based kernels apply.
    private func densifiedForRuns(_ x: Tensor) -> Tensor {
        let inner = StridedLoop(shape: x.shape, strides: [x.strides]).innerStrides[0]
        return inner == 0 || inner == 1 ? x : contiguous(x)
    }

    /// Runs `body(offsets, start, count)` over every innermost run, splitting a single long run
    /// (or many runs) across the pool when the tensor is large.
    private func runs(_ loop: StridedLoop, _ body: (UnsafeMutableBufferPointer<Int>, Int, Int) -> Void) {
        let total = loop.runCount * loop.innerCount
        if loop.runCount == 1 {
            var zeros = [Int](repeating: 0, count: loop.innerStrides.count)
            zeros.withUnsafeMutableBufferPointer { offsets in
                pool.forEachChunk(of: loop.innerCount, grain: Self.parallelGrain) { chunk in
                    body(offsets, chunk.lowerBound, chunk.count)
                }
            }
        } else if total < Self.parallelGrain {
            loop.forEachRun(in: 0..<loop.runCount) { offsets in body(offsets, 0, loop.innerCount) }
        } else {
            pool.forEachChunk(of: loop.runCount, grain: max(1, Self.parallelGrain / max(loop.innerCount, 1))) { range in
                loop.forEachRun(in: range) { offsets in body(offsets, 0, loop.innerCount) }
            }
        }
    }

    /// Drives a float32 kernel `(a, aStride, b, bStride, y, count)` over broadcast operands;
    /// returns false when an operand's innermost stride is neither 0 nor 1.
    private func zipRuns(_ lhs: Tensor, _ rhs: Tensor, _ result: Tensor,
                         _ kernel: (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, UnsafeMutableRawPointer, Int) -> Void) -> Bool {
        let (a, b) = (lhs.elementPointer(as: Float.self), rhs.elementPointer(as: Float.self))
        let y = result.rawElementPointer
        let bytes = result.dtype.byteSize
        // Dense operands of one shape (the common case) are one run: skip building the loop,
        // whose arrays cost more than the arithmetic on small tensors.
        if lhs.isContiguous && rhs.isContiguous {
            pool.forEachChunk(of: result.scalarCount, grain: Self.parallelGrain) { chunk in
                kernel(a + chunk.lowerBound, 1, b + chunk.lowerBound, 1, y + chunk.lowerBound * bytes, chunk.count)
            }
            return true
        }
        let loop = StridedLoop(shape: lhs.shape, strides: [lhs.strides, rhs.strides, result.strides])
        let s = loop.innerStrides
        guard s[0] <= 1, s[0] >= 0, s[1] <= 1, s[1] >= 0, s[2] == 1 else { return false }
        runs(loop) { o, start, count in
            kernel(a + o[0] + start * s[0], s[0], b + o[1] + start * s[1], s[1], y + (o[2] + start) * bytes, count)
        }
        return true
    }
}
