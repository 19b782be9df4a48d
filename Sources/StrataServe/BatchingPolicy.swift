/// How a model's requests are queued and batched.
public struct BatchingPolicy: Sendable, Equatable {
    /// The most rows run as one batch; 1 turns dynamic batching off. A request with more rows
    /// than this runs alone.
    public var maximumBatchRows: Int
    /// How long the first request of a batch waits for others to join it. With zero, a batch is
    /// what queued while the model ran the one before: no request waits when the model is idle,
    /// and under load batches grow with the load.
    public var maximumDelay: Duration
    /// The most requests waiting for a model; one more is refused (503, Retry-After).
    public var queueCapacity: Int
    /// How long a request may wait in the queue before it is answered 503 instead of run.
    public var requestTimeout: Duration

    /// Defaults: batches of up to 64 rows of what is queued (no delay: at concurrency 1 any delay
    /// is added to every request's latency), 256 requests queued, 30 s timeout.
    public init(maximumBatchRows: Int = 64, maximumDelay: Duration = .zero, queueCapacity: Int = 256,
                requestTimeout: Duration = .seconds(30)) {
        precondition(maximumBatchRows >= 1 && queueCapacity >= 1 && maximumDelay >= .zero && requestTimeout > .zero,
                     "BatchingPolicy: maximumBatchRows \(maximumBatchRows) and queueCapacity \(queueCapacity) must be "
                        + "positive, maximumDelay \(maximumDelay) non-negative, requestTimeout \(requestTimeout) positive")
        self.maximumBatchRows = maximumBatchRows
        self.maximumDelay = maximumDelay
        self.queueCapacity = queueCapacity
        self.requestTimeout = requestTimeout
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
