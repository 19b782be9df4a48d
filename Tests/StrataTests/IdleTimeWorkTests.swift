import Foundation
import Strata
import Synchronization
import Testing

// IdleTimeWork: parts taken by the pool's waiting workers between parallel loops, the rest run
// by `finish()`; IdleTimeRowGather builds indexSelect's result that way.

@Suite("Idle-time work of the thread pool")
struct IdleTimeWorkTests {
    /// Short parallel loops back to back, the gaps a training step leaves its workers.
    static func runShortLoops(_ count: Int) {
        let sink = Atomic<Int>(0)
        for _ in 0..<count {
            parallelChunks(of: 4096, minimumChunk: 1) { range in sink.add(range.count, ordering: .relaxed) }
        }
    }

    static var threadID: UInt { UInt(bitPattern: Int(bitPattern: pthread_self())) }

    /// Whether two tensors hold the same shape, dtype and elements.
    static func identical(_ a: Tensor, _ b: Tensor) -> Bool {
        guard a.shape == b.shape, a.dtype == b.dtype else { return false }
        switch a.dtype {
        case .float32: return a.scalars(as: Float.self) == b.scalars(as: Float.self)
        case .float64: return a.scalars(as: Double.self) == b.scalars(as: Double.self)
        case .int64: return a.scalars(as: Int64.self) == b.scalars(as: Int64.self)
        case .bool: return a.scalars(as: Bool.self) == b.scalars(as: Bool.self)
        case .int32: return a.scalars(as: Int32.self) == b.scalars(as: Int32.self)
        }
    }

    @Test("every part runs exactly once, whoever takes it, and finish waits for all of them")
    func everyPartOnce() {
        for loops in [0, 50, 500] {
            let runs = Mutex([Int](repeating: 0, count: 64))
            let work = IdleTimeWork(parts: 64) { part in
                runs.withLock { $0[part] += 1 }
            }
            Self.runShortLoops(loops)
            work.finish()
            #expect(work.isFinished)
            #expect(runs.withLock { $0 } == [Int](repeating: 1, count: 64), "after \(loops) loops")
            work.finish()  // a second finish returns at once and runs nothing again
            #expect(runs.withLock { $0 } == [Int](repeating: 1, count: 64))
        }
        IdleTimeWork(parts: 0) { _ in Issue.record("a part of nothing ran") }.finish()
    }

    @Test("workers waiting between loops take parts before the owner finishes")
    func workersTakeParts() {
        guard parallelThreadCount > 1, ProcessInfo.processInfo.activeProcessorCount > 1 else { return }
        // The workers may be asleep or descheduled, another test may hold the pool (our loops
        // then run on this thread alone) or replace our offer with its own: try for up to five
        // seconds.
        let caller = Self.threadID
        let deadline = ContinuousClock.now + .seconds(5)
        var taken = false
        while !taken && ContinuousClock.now < deadline {
            let byOthers = Atomic<Int>(0)
            let work = IdleTimeWork(parts: 32) { _ in
                if Self.threadID != caller { byOthers.add(1, ordering: .relaxed) }
            }
            Self.runShortLoops(200)
            work.finish()
            taken = byOthers.load(ordering: .relaxed) > 0
        }
        #expect(taken, "no worker took a part in five seconds")
    }

    @Test("IdleTimeRowGather equals indexSelect on axis 0, for every dtype and row pattern")
    func rowGatherMatchesIndexSelect() {
        let generator = RandomGenerator(seed: 5)
        let images = Tensor.normal([300, 2, 7, 9], generator: generator)
        let labels = Tensor((0..<300).map { Int64($0 * 7 % 10) })
        let flags = Tensor((0..<300).map { $0 % 3 == 0 })
        // Rows of several parts each (the last part of a row shorter), of exactly one, of many per part.
        let wide = Tensor.normal([300, IdleTimeRowGather.partBytes / 4 * 2 + 5], generator: generator)
        let exact = Tensor.normal([300, IdleTimeRowGather.partBytes / 8], dtype: .float64, generator: generator)
        let sources = [images, labels, flags, wide, exact]
        for rows in [[], [7], Array(0..<300).reversed(), (0..<500).map { $0 * 37 % 300 }] {
            let gather = IdleTimeRowGather(rows: rows, of: sources)
            Self.runShortLoops(100)
            let gathered = gather.finish()
            let index = Tensor(rows.map(Int64.init), shape: [rows.count])
            for (result, source) in zip(gathered, sources) {
                #expect(Self.identical(result, source.indexSelect(axis: 0, indices: index)), "rows \(rows.prefix(4))...")
            }
        }
    }

    @Test("IdleTimeRowGather reads a strided source as its dense copy")
    func rowGatherOfAView() {
        let matrix = Tensor((0..<60).map(Float.init), shape: [6, 10])
        let columns = matrix.transposed()  // [10, 6], not contiguous
        let gathered = IdleTimeRowGather(rows: [9, 0, 4], of: [columns]).finish()[0]
        #expect(Self.identical(gathered, columns.indexSelect(axis: 0, indices: Tensor([9, 0, 4] as [Int64]))))
    }
}
