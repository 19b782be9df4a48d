import Foundation

/// The framework's one pool of worker threads, sized to the machine's cores.
///
/// `DispatchQueue.concurrentPerform` with two iterations often leaves the second core idle, so
/// Strata keeps persistent workers that sleep on a semaphore and wake for each parallel loop.
/// OpenBLAS is pinned to one thread (see `CPUBackend`) and large matrix products are split
/// across this pool instead, so two thread pools never spin against each other on a small
/// machine. A loop started while the pool is busy (from a worker, or from a second thread)
/// runs on the calling thread.
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

    /// Threads a parallel loop may use, the caller included.
    let threadCount: Int
    private let lock = NSLock()
    private var wakeups: [DispatchSemaphore] = []
    private let finished = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?

    init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        for worker in 1..<self.threadCount {
            let wakeup = DispatchSemaphore(value: 0)
            wakeups.append(wakeup)
            let thread = Thread { [unowned self] in
                while true {
                    wakeup.wait()
                    self.job?(worker)
                    self.finished.signal()
                }
            }
            thread.name = "strata-worker-\(worker)"
            thread.start()
        }
    }

    /// Calls `body(part)` for every part in `0..<parts`, spread over the pool; returns when all
    /// are done. Parts are assigned statically so results never depend on timing.
    func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || threadCount == 1 || !lock.try() {
            for part in 0..<parts { body(part) }
            return
        }
        defer { lock.unlock() }
        withoutActuallyEscaping(body) { body in
            let threads = min(threadCount, parts)
            job = { thread in
                var part = thread
                while part < parts {
                    body(part)
                    part += threads
                }
            }
            for worker in 1..<threads { wakeups[worker - 1].signal() }
            job?(0)
            for _ in 1..<threads { finished.wait() }
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
