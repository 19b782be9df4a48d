import Foundation

/// One model's queue and the thread that runs it: requests that arrive within
/// `policy.maximumDelay` of the first waiting one are joined into one batch of at most
/// `policy.maximumBatchRows` rows, run once, and each answered with its own rows of the outputs.
///
/// The model runs on this thread only, never on the network's event loops, one batch at a time.
public final class DynamicBatcher: @unchecked Sendable {
    private struct Pending {
        let rows: ModelRows
        let enqueued: ContinuousClock.Instant
        let answer: CheckedContinuation<[NamedTensor], any Error>
    }

    public let modelName: String
    public let model: any ServedModel
    public let policy: BatchingPolicy
    /// Called after each batch with its row and request counts (metrics, tests).
    private let observeBatch: @Sendable (_ rows: Int, _ requests: Int) -> Void
    /// Called when the queue length changes.
    private let observeQueue: @Sendable (_ depth: Int) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    private var stopped = false
    private var thread: Thread?

    public init(modelName: String, model: any ServedModel, policy: BatchingPolicy,
                observeBatch: @escaping @Sendable (Int, Int) -> Void = { _, _ in },
                observeQueue: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.modelName = modelName
        self.model = model
        self.policy = policy
        self.observeBatch = observeBatch
        self.observeQueue = observeQueue
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "strata-serve batch \(modelName)"
        self.thread = thread
        thread.start()
    }

    /// The outputs for `rows`, once its batch has run.
    /// - Throws: `InferenceError.queueFull`, `.timedOut` or `.shuttingDown`.
    public func infer(_ rows: ModelRows) async throws -> [NamedTensor] {
        try await withCheckedThrowingContinuation { answer in
            condition.lock()
            defer { condition.unlock() }
            if stopping {
                answer.resume(throwing: InferenceError.shuttingDown)
            } else if queue.count >= policy.queueCapacity {
                answer.resume(throwing: InferenceError.queueFull(model: modelName, capacity: policy.queueCapacity))
            } else {
                queue.append(Pending(rows: rows, enqueued: .now, answer: answer))
                observeQueue(queue.count)
                condition.signal()
            }
        }
    }

    /// Runs what is queued, then stops the thread; later requests get `.shuttingDown`.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while let batch = nextBatch() {
            run(batch)
        }
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `batch` as one and answers each request with its rows of the outputs. When the
    /// joined batch fails, or gives an output whose first dimension is not its rows, each request
    /// is run alone instead, so that only a request at fault gets an error.
    private func run(_ batch: [Pending]) {
        let rows = ModelRows.joining(batch.map(\.rows))
        let result = Result { () throws(InferenceError) in try model.run(rows) }
        observeBatch(rows.count, batch.count)
        if batch.count == 1 {
            batch[0].answer.resume(with: result.mapError { $0 as any Error })
            return
        }
        guard case .success(let outputs) = result, outputs.allSatisfy({ $0.shape.first == rows.count }) else {
            for pending in batch { run([pending]) }
            return
        }
        var start = 0
        for pending in batch {
            let range = start..<start + pending.rows.count
            pending.answer.resume(returning: outputs.map { $0.rows(range) })
            start = range.upperBound
        }
    }

    /// Waits for the next batch: the first queued request and those behind it that fit, once
    /// the batch is full or the first has waited `maximumDelay`; nil when stopping with an
    /// empty queue. Requests that waited past the timeout are answered here.
    private func nextBatch() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            expireTimedOut()
            guard let first = queue.first else {
                if stopping { return nil }
                condition.wait()
                continue
            }
            let deadline = first.enqueued + policy.maximumDelay
            let queuedRows = queue.reduce(0) { $0 + $1.rows.count }
            // A request that cannot be joined runs at once, alone.
            if !first.rows.isJoinable || queuedRows >= policy.maximumBatchRows || ContinuousClock.now >= deadline || stopping {
                var taken = 1
                var rows = first.rows.count
                while taken < queue.count, first.rows.isJoinable, queue[taken].rows.isJoinable,
                      rows + queue[taken].rows.count <= policy.maximumBatchRows {
                    rows += queue[taken].rows.count
                    taken += 1
                }
                let batch = Array(queue.prefix(taken))
                queue.removeFirst(taken)
                observeQueue(queue.count)
                return batch
            }
            let wait = (deadline - ContinuousClock.now).seconds
            condition.wait(until: Date(timeIntervalSinceNow: max(wait, 0)))
        }
    }

    private func expireTimedOut() {
        let now = ContinuousClock.now
        let expired = queue.filter { now - $0.enqueued > policy.requestTimeout }
        guard !expired.isEmpty else { return }
        queue.removeAll { now - $0.enqueued > policy.requestTimeout }
        observeQueue(queue.count)
        for pending in expired {
            pending.answer.resume(throwing: InferenceError.timedOut(model: modelName, seconds: policy.requestTimeout.seconds))
        }
    }
}
