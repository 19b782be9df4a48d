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
/// the pool's waiting workers copy a few rows at a time between parallel loops, and `finish()`
/// copies the rest and returns the tensors, each equal to `source.indexSelect(axis: 0, indices:
/// rows)`. A data loader gathers the next batch this way while the current step runs.
public final class IdleTimeRowGather: @unchecked Sendable {
    /// About this many bytes per part: a few microseconds of copying, so a parallel loop that
    /// starts while a worker copies waits no longer than that.
    public static let partBytes = 16 * 1024

    private let results: [Tensor]
    private let work: IdleTimeWork

    /// Starts gathering `rows` (each in `0..<sources[i].shape[0]`, checked here) of every tensor
    /// of `sources`, which must all have `rows`' range in their first dimension.
    public init(rows: [Int], of sources: [Tensor]) {
        let sources = sources.map { $0.isContiguous ? $0 : $0.contiguous() }
        for source in sources {
            precondition(source.rank >= 1, "IdleTimeRowGather: a scalar has no rows")
            for row in rows {
                precondition(row >= 0 && row < source.shape[0],
                             "IdleTimeRowGather: row \(row) is out of bounds for \(source.shape[0]) rows")
            }
        }
        let results = sources.map { Tensor(uninitializedShape: [rows.count] + $0.shape.dropFirst(), dtype: $0.dtype) }
        let copies = RowCopies(sources: sources, results: results, rows: rows)
        let rowBytes = max(1, copies.rowBytes.reduce(0, +))
        let rowsPerPart = max(1, Self.partBytes / rowBytes)
        self.results = results
        work = IdleTimeWork(parts: (rows.count + rowsPerPart - 1) / rowsPerPart) { part in
            copies.copy(part * rowsPerPart..<min((part + 1) * rowsPerPart, rows.count))
        }
    }

    /// The gathered tensors, in the order of `sources`, once every row is copied (the rest now,
    /// on the pool).
    public func finish() -> [Tensor] {
        work.finish()
        return results
    }

    /// What the parts copy from and into; the work's closure holds it, so a worker copying a
    /// part keeps the buffers alive.
    private final class RowCopies: @unchecked Sendable {
        let sources: [Tensor]
        let results: [Tensor]
        let rows: [Int]
        let rowBytes: [Int]

        init(sources: [Tensor], results: [Tensor], rows: [Int]) {
            self.sources = sources
            self.results = results
            self.rows = rows
            rowBytes = sources.map { Shape.count(Array($0.shape.dropFirst())) * $0.dtype.byteSize }
        }

        /// Copies result rows `range` of every tensor.
        func copy(_ range: Range<Int>) {
            for (index, source) in sources.enumerated() {
                let bytes = rowBytes[index]
                let (from, to) = (source.rawElementPointer, results[index].rawElementPointer)
                for position in range {
                    (to + position * bytes).copyMemory(from: from + rows[position] * bytes, byteCount: bytes)
                }
            }
        }
    }
}
