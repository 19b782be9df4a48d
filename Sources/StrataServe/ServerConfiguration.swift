/// What `strata serve` is told: where to listen, the limits, and how each model batches.
public struct ServerConfiguration: Sendable {
    /// The address to listen on; port 0 picks a free port (tests).
    public var host: String
    public var port: Int
    /// The largest request body accepted; a larger one is answered 413.
    public var maximumBodyBytes: Int
    /// Every model's batching, queue and timeout.
    public var batching: BatchingPolicy

    /// Defaults: 127.0.0.1:8000 (KServe's HTTP port), bodies up to 32 MiB (a batch of 256
    /// 3 x 224 x 224 images in binary is 154 MB; in JSON about 3 times that, so large batches
    /// belong in several requests), `BatchingPolicy()`.
    public init(host: String = "127.0.0.1", port: Int = 8000, maximumBodyBytes: Int = 32 << 20,
                batching: BatchingPolicy = BatchingPolicy()) {
        precondition(maximumBodyBytes > 0, "ServerConfiguration: maximumBodyBytes \(maximumBodyBytes) must be positive")
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.batching = batching
    }
}
