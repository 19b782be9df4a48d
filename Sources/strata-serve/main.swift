import ArgumentParser
import Logging
import StrataServe

/// `strata-serve MODEL_REPOSITORY`: serve a model repository over the Open Inference Protocol
/// until SIGTERM or SIGINT. `strata serve` runs this program.
@main
struct ServeMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata-serve",
        abstract: "Serve the models of a model repository over the Open Inference Protocol (KServe v2 REST).",
        discussion: "The repository holds one folder per model, with numbered version folders each holding a "
            + "model.safetensors written by `strata train` (models/fashion/1/model.safetensors) or an ONNX graph, "
            + "model.onnx (models/fashion-onnx/1/model.onnx).")

    @Argument(help: "The model repository directory.")
    var repository: String
    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"
    @Option(help: "The port to listen on.")
    var port = 8000
    @Option(help: "The most rows run as one batch (1: no dynamic batching).")
    var maxBatchSize = 64
    @Option(help: "Milliseconds the first request of a batch waits for others (0: a batch is what queued while the previous one ran).")
    var batchDelayMs = 0.0
    @Option(help: "The most requests queued per model; more are answered 503 with Retry-After.")
    var queueCapacity = 256
    @Option(help: "Seconds a request may wait in the queue before it is answered 503.")
    var timeout = 30.0
    @Option(help: "The largest request body in bytes; larger are answered 413.")
    var maxBodyBytes = 32 << 20
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard maxBatchSize >= 1 else { throw ValidationError("--max-batch-size must be at least 1, got \(maxBatchSize)") }
        guard batchDelayMs >= 0, batchDelayMs.isFinite else { throw ValidationError("--batch-delay-ms must be >= 0") }
        guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be positive") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "strata-serve")
        let repository: ModelRepository
        do {
            repository = try ModelRepository(directory: self.repository)
        } catch {
            throw ValidationError(error.description)
        }
        let configuration = ServerConfiguration(
            host: host, port: port, maximumBodyBytes: maxBodyBytes,
            batching: BatchingPolicy(maximumBatchRows: maxBatchSize, maximumDelay: .microseconds(Int64(batchDelayMs * 1000)),
                                     queueCapacity: queueCapacity, requestTimeout: .milliseconds(Int64(timeout * 1000))))
        try await InferenceServer(repository: repository, configuration: configuration, logger: logger).run()
        logger.info("stopped")
    }
}
