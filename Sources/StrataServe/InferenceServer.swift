import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The inference server: the models of a repository, each behind its own `DynamicBatcher`,
/// served over HTTP by Hummingbird, run as a swift-service-lifecycle `ServiceGroup`.
///
/// On SIGTERM or SIGINT (or `triggerGracefulShutdown()` on the group) it stops accepting
/// connections and reports not ready, answers the requests in flight, then stops the batch
/// threads and returns, so the process exits 0.
public struct InferenceServer: Sendable {
    public let repository: ModelRepository
    public let configuration: ServerConfiguration
    public let metrics: ServeMetrics
    public let logger: Logger

    public init(repository: ModelRepository, configuration: ServerConfiguration = ServerConfiguration(),
                logger: Logger = Logger(label: "strata-serve")) {
        self.repository = repository
        self.configuration = configuration
        self.metrics = ServeMetrics()
        self.logger = logger
    }

    /// The service group that runs the server; `onRunning` receives the bound port.
    /// - Parameter signals: the signals that begin a graceful shutdown (none in tests).
    public func makeServiceGroup(signals: [UnixSignal] = [.sigterm, .sigint],
                                 onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> ServiceGroup {
        let metrics = self.metrics
        var batchers: [String: DynamicBatcher] = [:]
        for entry in repository.entries {
            let name = entry.name
            batchers[entry.name + "/" + entry.version] = DynamicBatcher(
                modelName: name, model: entry.model, policy: configuration.batching,
                observeBatch: { rows, _ in metrics.recordBatch(model: name, rows: rows) },
                observeQueue: { depth in metrics.recordQueueDepth(model: name, depth: depth) })
        }
        let readiness = Readiness()
        let routes = InferenceRoutes(repository: repository, batchers: batchers, configuration: configuration,
                                     metrics: metrics, logger: logger, isReady: { readiness.isReady })
        let router = Router()
        routes.add(to: router)
        let logger = self.logger
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "strata-serve"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("serving", metadata: ["address": "\(configuration.host):\(port)",
                                                  "models": "\(repository.entries.map { "\($0.name)/\($0.version)" })"])
                await onRunning(port)
            },
            logger: logger)
        // Shut down in reverse order: readiness first, then the HTTP server (in-flight requests
        // finish), then the batch threads.
        return ServiceGroup(configuration: .init(
            services: [BatcherService(batchers: Array(batchers.values)), application, ReadinessService(readiness: readiness)],
            gracefulShutdownSignals: signals, logger: logger))
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        for failure in repository.failures {
            logger.error("model not loaded", metadata: ["model": "\(failure.name)", "reason": "\(failure.reason)"])
        }
        try await makeServiceGroup().run()
    }
}

/// Whether the server takes new work; false once shutdown begins.
final class Readiness: Sendable {
    private let ready = Atomic(true)
    var isReady: Bool { ready.load(ordering: .relaxed) }
    func shutDown() { ready.store(false, ordering: .relaxed) }
}

/// Reports not ready as soon as a graceful shutdown begins.
struct ReadinessService: Service {
    let readiness: Readiness

    func run() async throws {
        try? await gracefulShutdown()
        readiness.shutDown()
    }
}

/// Keeps the batch threads until shutdown, then stops them after what is queued has run.
struct BatcherService: Service {
    let batchers: [DynamicBatcher]

    func run() async throws {
        try? await gracefulShutdown()
        for batcher in batchers { batcher.shutdown() }
    }
}
