import CStrataKernels
import Foundation
import Synchronization

/// The framework's one pool of worker threads, sized to the machine's cores.
///
/// `DispatchQueue.concurrentPerform` with two iterations often leaves the second core idle, so
/// Strata keeps persistent workers. Between parallel loops a worker spins briefly (about 50 µs)
/// on a generation counter, because a training step runs hundreds of short parallel ops back to
/// back and a futex wake-up per op costs as much as a small op; after that it sleeps on a
/// semaphore. While it spins it takes parts of the open `IdleTimeWork` offer, one at a time
/// (a data loader's next batch). OpenBLAS and oneDNN are pinned to one thread (see
/// `CPUBackend`) and large matrix products and convolutions are split across this pool instead,
/// so no other pool spins beside it. A loop started while the pool is busy (from a worker, or
/// from a second thread) runs on the calling thread, and so does every loop of a thread inside
/// `withoutThreadPool`.
final class ThreadPool: @unchecked Sendable {
    /// Sized by `STRATA_NUM_THREADS` when set (read once, at first use), else one thread per core.
    /// The variable exists for benchmarks and for sharing a machine: `STRATA_NUM_THREADS=1`
    /// measures the per-core rate, as `OMP_NUM_THREADS` does for OpenMP libraries.
    static let shared = ThreadPool(threadCount: configuredThreadCount())

    static func configuredThreadCount() -> Int {
        if let value = ProcessInfo.processInfo.environment["STRATA_NUM_THREADS"], let count = Int(value), count > 0 {
            return count
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// Spin iterations (each a CPU pause hint, some 60 cycles) before an idle worker sleeps:
    /// about 50-100 µs, longer than the gap between the ops of a training step.
    static let spinLimit = 4_000

    /// One worker thread's wake-up channel.
    private final class Worker: Sendable {
        let wakeup = DispatchSemaphore(value: 0)
        /// True while the worker sleeps on `wakeup` (or is about to).
        let sleeping = Atomic<Bool>(false)
    }

    /// Threads a parallel loop may use, the caller included.
    let threadCount: Int
    private let lock = NSLock()
    private var workers: [Worker] = []
    /// Incremented once per parallel loop; workers run the job of each new generation.
    private let generation = Atomic<Int>(0)
    /// Workers still running the current job.
    private let pending = Atomic<Int>(0)
    private var job: ((Int) -> Void)?
    /// The open `IdleTimeWork` offer, whose parts waiting workers take, held weakly so that work
    /// its owner dropped goes away; `offering` says whether there may be one, so that a spinning
    /// worker reads one atomic and takes no lock.
    private struct Offer {
        weak var work: IdleTimeWork?
    }
    private let offered = Mutex(Offer())
    private let offering = Atomic<Bool>(false)

    init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        for index in 1..<self.threadCount {
            let worker = Worker()
            workers.append(worker)
            let thread = Thread { [unowned self] in self.work(index: index, worker: worker) }
            thread.name = "strata-worker-\(index)"
            thread.start()
        }
    }

    private func work(index: Int, worker: Worker) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                if runOfferedPart() {
                    spins = 0
                    continue
                }
                spins += 1
                if spins < Self.spinLimit {
                    strata_spin_pause()
                    continue
                }
                // Announce sleep, then look again: a dispatcher that published a job after our
                // last look sees the flag and signals; one that published before, we see now.
                worker.sleeping.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == seen {
                    worker.wakeup.wait()
                } else if !worker.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                    worker.wakeup.wait()  // the dispatcher took the flag: consume its signal
                }
                break
            }
            seen = generation.load(ordering: .acquiring)
            job?(index)
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// Makes `work` the open offer (a pool of one thread has no worker to take it).
    func offer(_ work: IdleTimeWork) {
        guard threadCount > 1 else { return }
        offered.withLock { offer in
            offer.work = work
            offering.store(true, ordering: .releasing)
        }
    }

    /// Closes `work`'s offer if it is the open one (or the open one's work is gone).
    func withdraw(_ work: IdleTimeWork) {
        guard offering.load(ordering: .acquiring) else { return }
        // The open work leaves the lock strongly held and is released after it: the last
        // release runs its deinit, which withdraws and so takes the lock itself.
        let open = offered.withLock { offer in
            let open = offer.work
            if open == nil || open === work {
                offer.work = nil
                offering.store(false, ordering: .releasing)
            }
            return open
        }
        _ = open
    }

    /// Runs one part of the open offer on this worker, outside the pool; true when it did, false
    /// when there is no offer or none of its parts is left (the offer is then closed).
    private func runOfferedPart() -> Bool {
        guard offering.load(ordering: .acquiring) else { return false }
        let open = offered.withLock { offer in
            let open = offer.work  // released after the lock, as in `withdraw`
            if open == nil { offering.store(false, ordering: .releasing) }
            return open
        }
        guard let work = open else { return false }
        strata_serial_enter()
        defer { strata_serial_leave() }
        if work.runPart() { return true }
        withdraw(work)
        return false
    }

    /// Calls `body(part)` for every part in `0..<parts`, spread over the pool; returns when all
    /// are done. Parts are assigned statically so results never depend on timing.
    func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || threadCount == 1 || strata_serial_active() != 0 || !lock.try() {
            for part in 0..<parts { body(part) }
            return
        }
        defer { lock.unlock() }
        withoutActuallyEscaping(body) { body in
            let threads = threadCount
            job = { thread in
                var part = thread
                while part < parts {
                    body(part)
                    part += threads
                }
            }
            pending.store(threads - 1, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            for worker in workers where worker.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                worker.wakeup.signal()
            }
            job?(0)
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins < Self.spinLimit { strata_spin_pause() } else { sched_yield() }
            }
            job = nil
        }
    }

    /// Splits `0..<count` into one contiguous chunk per thread (none smaller than `grain`) and
    /// calls `body(chunk)` for each, in parallel.
    func forEachChunk(of count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let chunks = max(1, min(threadCount, count / max(grain, 1)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        forEachPart(chunks) { chunk in
            body(count * chunk / chunks ..< count * (chunk + 1) / chunks)
        }
    }
}

/// Runs `body` with every parallel loop it starts confined to the calling thread. For background
/// work beside a training step, such as a data loader's prefetch thread: a loop of its own would
/// take the pool while it runs, and the step's loops, finding the pool busy, would run on one
/// thread instead of all of them.
public func withoutThreadPool<Result>(_ body: () throws -> Result) rethrows -> Result {
    strata_serial_enter()
    defer { strata_serial_leave() }
    return try body()
}

/// Runs `body` on contiguous chunks of `0..<count` spread over Strata's thread pool, none
/// smaller than `minimumChunk` (so small jobs stay on the calling thread). For kernels outside
/// the core, such as fused optimizer updates, so that every module shares the one pool.
public func parallelChunks(of count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
    ThreadPool.shared.forEachChunk(of: count, grain: minimumChunk, body)
}

/// The threads Strata's parallel loops run on, the caller included: `STRATA_NUM_THREADS`, else
/// one per processor. A thread of one's own beside them (a data loader's prefetch thread) has a
/// processor to itself only when this is below `ProcessInfo.activeProcessorCount`.
public var parallelThreadCount: Int { ThreadPool.shared.threadCount }
