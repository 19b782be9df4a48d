import Metrics
import Prometheus

/// The server's Prometheus metrics, recorded through swift-metrics into a registry of its own
/// (so that two servers in one process, as in the tests, keep separate counts):
/// `strata_inference_requests_total{model, status}`, `strata_inference_duration_seconds{model}`
/// (histogram of request latency), `strata_batch_rows{model}` (histogram of batch sizes) and
/// `strata_queue_depth{model}` (gauge).
public struct ServeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    /// The model label of requests for a model the server does not have: their names come from
    /// clients, and a label per name would let any client grow the metrics without bound.
    static let unknownModel = "_unknown"

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // From 0.5 ms to 10 s: a LeNet row takes well under a millisecond, a queued request seconds.
        factory.defaultDurationHistogramBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            .map { Duration.nanoseconds(Int64($0 * 1e9)) }
        factory.valueHistogramBuckets = ["strata_batch_rows": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]]
        self.factory = factory
    }

    /// One infer request answered with `status` after `duration`.
    public func recordRequest(model: String?, status: Int, duration: Duration) {
        let model = model ?? Self.unknownModel
        Counter(label: "strata_inference_requests_total", dimensions: [("model", model), ("status", String(status))],
                factory: factory).increment()
        Metrics.Timer(label: "strata_inference_duration_seconds", dimensions: [("model", model)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// One batch of `rows` rows run by `model`.
    public func recordBatch(model: String, rows: Int) {
        Recorder(label: "strata_batch_rows", dimensions: [("model", model)], aggregate: true, factory: factory).record(rows)
    }

    /// The requests waiting for `model`.
    public func recordQueueDepth(model: String, depth: Int) {
        Gauge(label: "strata_queue_depth", dimensions: [("model", model)], factory: factory).record(depth)
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        registry.emitToString()
    }
}
