import Foundation
import Strata
import StrataCLI
@testable import StrataServe
import Testing

/// Dynamic batching, the limits (body size, queue, timeout) and graceful shutdown.
@Suite(.serialized) struct ServerLimitsTests {
    static let oneRow = #"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 2], "data": [1.5, -2]}]}"#

    /// Waits (up to 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<1000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    static func gatedServer(_ model: GatedModel, _ policy: BatchingPolicy, maximumBodyBytes: Int = 1 << 20) async throws -> RunningServer {
        try await RunningServer.start(ModelRepository(entries: [.init(name: "gated", version: "1", model: model)]),
                                      configuration: ServerConfiguration(maximumBodyBytes: maximumBodyBytes, batching: policy))
    }

    @Test func requestsArrivingTogetherRunAsOneBatch() async throws {
        // The first request's batch holds the thread while seven more queue up; they then run as one.
        let model = GatedModel(open: false)
        let server = try await Self.gatedServer(model, BatchingPolicy(maximumBatchRows: 64, maximumDelay: .zero))
        let first = Task { try await server.post("/v2/models/gated/infer", json: Self.oneRow) }
        try await Self.eventually { model.batches.count == 1 }
        let rest = (1...7).map { value in
            Task {
                try await server.post("/v2/models/gated/infer", json:
                    "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 2], \"data\": [\(value), \(-value)]}]}")
            }
        }
        try await Self.eventually { (try? String(server.server.metrics.exposition()).contains("strata_queue_depth{model=\"gated\"} 7")) == true }
        model.open()
        #expect(try await first.value.status == .ok)
        for (index, task) in rest.enumerated() {
            let outputs = try await task.value.json["outputs"] as? [[String: Any]]
            // y = 2x, each request's own rows.
            #expect(InferenceServerTests.numbers(outputs?.first?["data"]) == [Double(2 * (index + 1)), Double(-2 * (index + 1))])
        }
        #expect(model.batches == [1, 7])
        try await server.stop()
    }

    @Test func concurrentLeNetRequestsAreBatchedAndEqualUnbatchedRuns() async throws {
        let fixture = try RepositoryFixture()
        defer { fixture.remove() }
        let server = try await RunningServer.start(try ModelRepository(directory: fixture.directory.path),
                                                   configuration: ServerConfiguration(batching: BatchingPolicy(maximumDelay: .milliseconds(300))))
        let weights = fixture.directory.appendingPathComponent("fashion/2/model.safetensors")
        let count = 8
        let images = (0..<count).map { InferenceServerTests.images(rows: 1, seed: UInt64(100 + $0)) }
        let tasks = images.map { image in
            Task { try await server.post("/v2/models/fashion/infer", json: InferenceServerTests.imageRequest(image, rows: 1)) }
        }
        for (image, task) in zip(images, tasks) {
            let response = try await task.value
            let served = InferenceServerTests.numbers((response.json["outputs"] as? [[String: Any]])?.first?["data"])
            let alone = try InferenceServerTests.directProbabilities(weights, images: image, rows: 1)
            #expect(served.count == 10 && zip(served, alone).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(served) vs \(alone)")
        }
        let metrics = server.server.metrics.exposition()
        let batchLine = metrics.split(separator: "\n").first { $0.hasPrefix("strata_batch_rows_count{model=\"fashion\"}") }
        let batches = batchLine.flatMap { Int($0.split(separator: " ").last ?? "") } ?? count
        #expect(batches < count, "\(count) requests ran in \(batches) batches")
        try await server.stop()
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        let model = GatedModel(open: false)
        let server = try await Self.gatedServer(model, BatchingPolicy(maximumBatchRows: 1, maximumDelay: .zero, queueCapacity: 1))
        let running = Task { try await server.post("/v2/models/gated/infer", json: Self.oneRow) }
        try await Self.eventually { model.batches.count == 1 }
        let queued = Task { try await server.post("/v2/models/gated/infer", json: Self.oneRow) }
        try await Self.eventually { server.server.metrics.exposition().contains("strata_queue_depth{model=\"gated\"} 1") }
        let refused = try await server.post("/v2/models/gated/infer", json: Self.oneRow)
        #expect(refused.status == .serviceUnavailable)
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.json["error"] as? String == "model 'gated' has 1 requests queued, its limit; retry later")
        model.open()
        #expect(try await running.value.status == .ok)
        #expect(try await queued.value.status == .ok)
        try await server.stop()
    }

    @Test func aRequestQueuedPastItsTimeoutAnswers503() async throws {
        let model = GatedModel(open: false)
        let server = try await Self.gatedServer(model, BatchingPolicy(maximumBatchRows: 1, maximumDelay: .zero,
                                                                      requestTimeout: .milliseconds(200)))
        let running = Task { try await server.post("/v2/models/gated/infer", json: Self.oneRow) }
        try await Self.eventually { model.batches.count == 1 }
        let late = Task { try await server.post("/v2/models/gated/infer", json: Self.oneRow) }
        try await Self.eventually { server.server.metrics.exposition().contains("strata_queue_depth{model=\"gated\"} 1") }
        try await Task.sleep(for: .milliseconds(400))
        model.open()
        #expect(try await running.value.status == .ok)
        let answer = try await late.value
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.json["error"] as? String == "model 'gated': the request waited more than 0.2 s in the queue; retry later")
        try await server.stop()
    }

    @Test func aBodyOverTheLimitAnswers413() async throws {
        let server = try await Self.gatedServer(GatedModel(), BatchingPolicy(), maximumBodyBytes: 100)
        let big = #"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 2], "data": [1, 2]}], "id": ""#
            + String(repeating: "a", count: 200) + "\"}"
        let response = try await server.post("/v2/models/gated/infer", json: big)
        #expect(response.status == .contentTooLarge)
        #expect(response.json["error"] as? String == "the request body is larger than the server's limit of 100 bytes")
        #expect(try await server.post("/v2/models/gated/infer", json: Self.oneRow).status == .ok)
        try await server.stop()
    }

    @Test func shutdownFinishesTheRequestsInFlight() async throws {
        let model = GatedModel(open: false)
        let server = try await Self.gatedServer(model, BatchingPolicy(maximumDelay: .zero))
        let inFlight = Task { try await server.post("/v2/models/gated/infer", json: Self.oneRow) }
        try await Self.eventually { model.batches.count == 1 }
        let stopping = Task { try await server.stop() }
        try await Task.sleep(for: .milliseconds(200))
        model.open()
        let response = try await inFlight.value
        #expect(response.status == .ok)
        #expect(InferenceServerTests.numbers((response.json["outputs"] as? [[String: Any]])?.first?["data"]) == [3, -4])
        try await stopping.value
    }

    @Test func binaryTensorDataGoesBothWays() async throws {
        let server = try await Self.gatedServer(GatedModel(), BatchingPolicy())
        // The JSON header, then x = [[0.5, 4], [-1, 8]] as little-endian float32.
        let header = Array(#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 2], "parameters": {"binary_data_size": 16}}], "outputs": [{"name": "y", "parameters": {"binary_data": true}}]}"#.utf8)
        var body = header
        for value: Float in [0.5, 4, -1, 8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { body += $0 } }
        let response = try await server.send("POST", "/v2/models/gated/infer",
                                             headers: [("Inference-Header-Content-Length", String(header.count))],
                                             body: body)
        #expect(response.status == .ok)
        let bytes = response.body
        let jsonLength = Int(response.header("Inference-Header-Content-Length") ?? "") ?? 0
        let json = (try JSONSerialization.jsonObject(with: Data(bytes[0..<jsonLength]))) as? [String: Any]
        let output = (json?["outputs"] as? [[String: Any]])?.first
        #expect((output?["parameters"] as? [String: Any])?["binary_data_size"] as? Int == 16)
        let values = stride(from: jsonLength, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) })
        }
        #expect(values == [1, 8, -2, 16])
        // A binary size past the body's end is a 400, not a crash.
        let short = try await server.send("POST", "/v2/models/gated/infer",
                                          headers: [("Inference-Header-Content-Length", String(header.count))],
                                          body: header + [0, 0])
        #expect(short.status == .badRequest)
        #expect(short.json["error"] as? String == "input 'x': binary_data_size 16 runs past the body's 2 binary bytes")
        try await server.stop()
    }
}
