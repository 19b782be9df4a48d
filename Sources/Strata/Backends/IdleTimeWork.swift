import CStrataKernels
import Synchronization

/// Work done in parts by the thread pool's workers while they wait between parallel loops, and
/// finished by its owner when the owner needs it: how a data loader prepares the next batch
/// during a training step without a thread of its own competing with the pool for the cores.
///
/// A worker spinning for the next loop takes one part at a time (each should take a few
/// microseconds: a loop that starts meanwhile waits for the part to end) and runs it inside
/// `withoutThreadPool`. `finish()` runs the parts no worker took, spread over the whole pool,
/// and returns when every part is done; only then may the owner read what the parts wrote. Parts
/// run in any order and on any thread, each exactly once, so each must write only its own
/// results. With a pool of one thread nothing is offered and `finish()` runs every part.
///
///     let work = IdleTimeWork(parts: 16) { part in rows[part] = load(part) }
///     // ... the step's parallel loops run; their workers take parts in between ...
///     work.finish()
public final class IdleTimeWork: @unchecked Sendable {
    public let parts: Int
    private let body: @Sendable (Int) -> Void
    /// The next part not yet taken; parts at or beyond `parts` are none.
    private let taken = Atomic<Int>(0)
    private let done = Atomic<Int>(0)

    /// Offers `parts` parts of `body` (called with each of `0..<parts` once) to the pool's
    /// waiting workers; at most one offer is open at a time, a newer one replacing it. The pool
    /// holds the offer weakly: work dropped unfinished is withdrawn (a part under way ends first).
    public init(parts: Int, _ body: @escaping @Sendable (Int) -> Void) {
        precondition(parts >= 0, "IdleTimeWork: parts must be >= 0, got \(parts)")
        self.parts = parts
        self.body = body
        ThreadPool.shared.offer(self)
    }

    deinit { ThreadPool.shared.withdraw(self) }

    /// Takes and runs one part nobody has taken; false when none is left.
    func runPart() -> Bool {
        let part = taken.wrappingAdd(1, ordering: .relaxed).oldValue
        guard part < parts else { return false }
        body(part)
        done.add(1, ordering: .releasing)
        return true
    }

    /// Runs the parts not taken yet on every thread of the pool, waits for the parts workers are
    /// running, and withdraws the offer. Afterwards everything the parts wrote is visible.
    public func finish() {
        ThreadPool.shared.withdraw(self)
        if taken.load(ordering: .relaxed) < parts {
            ThreadPool.shared.forEachPart(ThreadPool.shared.threadCount) { _ in
                while runPart() {}
            }
        }
        while done.load(ordering: .acquiring) < parts { strata_spin_pause() }
    }

    /// Whether every part has run (`finish()` then returns at once).
    public var isFinished: Bool { done.load(ordering: .acquiring) == parts }
}

/// Rows of tensors (slices along their first axis) gathered into new tensors as `IdleTimeWork`:
/// the pool's waiting workers copy a little at a time between parallel loops, and `finish()`
/// copies the rest and returns the tensors, each equal to `source.indexSelect(axis: 0, indices:
/// rows)`. A data loader gathers the next batch this way while the current step runs.
public final class IdleTimeRowGather: @unchecked Sendable {
    /// At most this many bytes per part (several small rows, one row, or a piece of a large
    /// one): a few hundred nanoseconds of copying, so a parallel loop that starts while a worker
    /// copies hardly waits. On two cores `strata train --model mlp` (3 KB rows) trained some 4%
    /// faster with 4 KiB parts than with 16 KiB and 14% faster than with 64 KiB; 1 and 2 KiB
    /// were no faster.
    public static let partBytes = 4096

    private let results: [Tensor]
    private let work: IdleTimeWork

    /// Starts gathering `rows` (each in `0..<sources[i].shape[0]`, checked here) of every tensor
    /// of `sources`.
    public init(rows: [Int], of sources: [Tensor]) {
        let sources = sources.map { $0.isContiguous ? $0 : $0.contiguous() }
        for source in sources {
            precondition(source.rank >= 1, "IdleTimeRowGather: a scalar has no rows")
            for row in rows {
                precondition(row >= 0 && row < source.shape[0],
                             "IdleTimeRowGather: row \(row) is out of bounds for \(source.shape[0]) rows")
            }
        }
        results = sources.map { Tensor(uninitializedShape: [rows.count] + $0.shape.dropFirst(), dtype: $0.dtype) }
        let copies = RowCopies(sources: sources, results: results, rows: rows, partBytes: Self.partBytes)
        work = IdleTimeWork(parts: copies.partCount) { part in copies.copy(part: part) }
    }

    /// The gathered tensors, in the order of `sources`, once every row is copied (the rest now,
    /// on the pool).
    public func finish() -> [Tensor] {
        work.finish()
        return results
    }

    /// What the parts copy from and into; the work's closure holds it, so a worker copying a
    /// part keeps the buffers alive. Each source's parts follow the previous source's.
    private final class RowCopies: @unchecked Sendable {
        /// One source's parts: `rowsPerPart` whole rows each, or, when a row is larger than a
        /// part, `piecesPerRow` parts per row.
        struct Plan {
            let source: Tensor
            let result: Tensor
            let rowBytes: Int
            let firstPart: Int
            let partCount: Int
            let rowsPerPart: Int
            let piecesPerRow: Int
        }

        let rows: [Int]
        let partBytes: Int
        let plans: [Plan]
        var partCount: Int { plans.last.map { $0.firstPart + $0.partCount } ?? 0 }

        init(sources: [Tensor], results: [Tensor], rows: [Int], partBytes: Int) {
            self.rows = rows
            self.partBytes = partBytes
            var plans: [Plan] = []
            var firstPart = 0
            for (source, result) in zip(sources, results) {
                let rowBytes = Shape.count(Array(source.shape.dropFirst())) * source.dtype.byteSize
                let rowsPerPart = max(1, partBytes / max(rowBytes, 1))
                let piecesPerRow = rowsPerPart > 1 ? 1 : max(1, (rowBytes + partBytes - 1) / partBytes)
                let partCount = rowsPerPart > 1 ? (rows.count + rowsPerPart - 1) / rowsPerPart : rows.count * piecesPerRow
                plans.append(Plan(source: source, result: result, rowBytes: rowBytes, firstPart: firstPart,
                                  partCount: partCount, rowsPerPart: rowsPerPart, piecesPerRow: piecesPerRow))
                firstPart += partCount
            }
            self.plans = plans
        }

        func copy(part: Int) {
            guard let plan = plans.last(where: { $0.firstPart <= part }) else { return }
            let (from, to) = (plan.source.rawElementPointer, plan.result.rawElementPointer)
            let local = part - plan.firstPart
            let bytes = plan.rowBytes
            if plan.piecesPerRow == 1 {
                for position in local * plan.rowsPerPart..<min((local + 1) * plan.rowsPerPart, rows.count) {
                    (to + position * bytes).copyMemory(from: from + rows[position] * bytes, byteCount: bytes)
                }
            } else {
                let (position, piece) = local.quotientAndRemainder(dividingBy: plan.piecesPerRow)
                let start = piece * partBytes
                let count = min(partBytes, bytes - start)
                (to + position * bytes + start).copyMemory(from: from + rows[position] * bytes + start, byteCount: count)
            }
        }
    }
}
