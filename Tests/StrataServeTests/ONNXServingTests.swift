import Foundation
import Strata
import StrataCLI
import StrataNN
import StrataONNX
@testable import StrataServe
import Synchronization
import Testing

/// A model repository of ONNX graphs: StrataONNXTests' PyTorch exports `lenet-onnx` (FLOAT
/// `[batch, 1, 28, 28]`), `gru` (INT64 tokens `[batch, 7]`, vocabulary 30) and `lstm` (INT64
/// tokens `[7, batch]`: its batch is not the first dimension), `exported` (Strata's MLP written by
/// `ONNXExport` in the test), `malformed` (bytes that are no ONNX model) and `both` (a version
/// folder with a model.safetensors and a model.onnx).
struct ONNXRepositoryFixture {
    /// StrataONNXTests' model fixtures (Tools/make_onnx_fixtures.py).
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataONNXTests/Fixtures/ONNX/models")
    let directory: URL

    init() throws {
        directory = temporaryDirectory()
        let files = FileManager.default
        func folder(_ name: String) throws -> URL {
            let url = directory.appendingPathComponent("\(name)/1")
            try files.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        for (name, fixture) in [("lenet-onnx", "lenet"), ("gru", "gru"), ("lstm", "lstm")] {
            try files.copyItem(at: Self.models.appendingPathComponent("\(fixture)/model.onnx"),
                               to: try folder(name).appendingPathComponent("model.onnx"))
        }
        let mlp = try ModelName.mlp.makeModel(seed: 4)
        try ONNXExport.serialize(mlp, inputShape: [1, 28, 28]).write(to: try folder("exported").appendingPathComponent("model.onnx"))
        try Data("not an onnx model".utf8).write(to: try folder("malformed").appendingPathComponent("model.onnx"))
        let both = try folder("both")
        try files.copyItem(at: Self.models.appendingPathComponent("mlp/model.onnx"), to: both.appendingPathComponent("model.onnx"))
        try Data("not safetensors".utf8).write(to: both.appendingPathComponent("model.safetensors"))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The output `output` of the graph of model `name` run directly on `input`.
    func direct(_ name: String, _ input: Tensor) throws -> [Double] {
        let model = try ONNXModel(contentsOf: directory.appendingPathComponent("\(name)/1/model.onnx"))
        return try withTrainingMode(false) { try withoutGradients { try model.run(["input": input])["output"]! } }
            .cast(to: .float64).scalars(as: Double.self)
    }
}

/// ONNX models served end to end: metadata from the graph, named inputs of the graph's types,
/// answers equal to a direct `ONNXModel` run whether requests were batched or run one by one.
@Suite(.serialized) struct ONNXServingTests {
    static func request(_ datatype: String, shape: [Int], _ values: [Double]) -> String {
        "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"\(datatype)\", \"shape\": \(shape), "
            + "\"data\": [\(values.map { datatype == "INT64" ? String(Int($0)) : "\(Float($0))" }.joined(separator: ","))]}]}"
    }

    static func tokens(_ count: Int, seed: UInt64) -> [Double] {
        Tensor.uniform([count], dtype: .float64, generator: RandomGenerator(seed: seed)).scalars(as: Double.self).map { ($0 * 30).rounded(.down) }
    }

    static func output(_ response: LoopbackHTTPClient.Response) -> (shape: [Double], data: [Double]) {
        let output = (response.json["outputs"] as? [[String: Any]])?.first
        return (InferenceServerTests.numbers(output?["shape"]), InferenceServerTests.numbers(output?["data"]))
    }

    /// Equal up to float32 rounding of sums taken in another order (a batch's matrix products).
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
    }

    /// The number of batches `model` ran, from the server's metrics.
    static func batches(_ server: RunningServer, _ model: String) -> Int? {
        let line = server.server.metrics.exposition().split(separator: "\n")
            .first { $0.hasPrefix("strata_batch_rows_count{model=\"\(model)\"}") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    @Test func metadataDescribesTheGraphAndBadFilesAreReported() async throws {
        let fixture = try ONNXRepositoryFixture()
        defer { fixture.remove() }
        let repository = try ModelRepository(directory: fixture.directory.path)
        #expect(repository.entries.map(\.name) == ["exported", "gru", "lenet-onnx", "lstm"])
        #expect(repository.failures.map(\.name) == ["both", "malformed"])
        #expect(repository.failures.last?.reason.contains("malformed ONNX file") == true, "\(repository.failures)")
        #expect(repository.failures.first?.reason.hasSuffix("holds both model.safetensors and model.onnx; a version is one model") == true)
        let server = try await RunningServer.start(repository)
        func tensors(_ model: [String: Any], _ key: String) -> [String] {
            (model[key] as? [[String: Any]] ?? []).map { tensor in
                "\(tensor["name"] ?? "") \(tensor["datatype"] ?? "") \(InferenceServerTests.numbers(tensor["shape"]).map { Int($0) })"
            }
        }
        let expected: [(String, [String], [String])] = [
            ("lenet-onnx", ["input FP32 [-1, 1, 28, 28]"], ["output FP32 [-1, 10]"]),
            ("gru", ["input INT64 [-1, 7]"], ["output FP32 [-1, 5]"]),
            ("lstm", ["input INT64 [7, -1]"], ["output FP32 [-1, 5]"]),
            // The exporter leaves the sizes after the batch to shape inference.
            ("exported", ["input FP32 [-1, 1, 28, 28]"], ["output FP32 [-1, -1]"]),
        ]
        for (name, inputs, outputs) in expected {
            let metadata = try await server.get("/v2/models/\(name)").json
            #expect(metadata["platform"] as? String == "onnx")
            #expect(tensors(metadata, "inputs") == inputs)
            #expect(tensors(metadata, "outputs") == outputs)
        }
        #expect(try await server.get("/v2/models/malformed").status == .notFound)
        #expect(try await server.get("/v2/models/lstm/ready").status == .ok)
        try await server.stop()
    }

    @Test func concurrentRequestsAreJoinedAlongTheBatchDimensionAndEqualDirectRuns() async throws {
        let fixture = try ONNXRepositoryFixture()
        defer { fixture.remove() }
        let server = try await RunningServer.start(try ModelRepository(directory: fixture.directory.path),
                                                   configuration: ServerConfiguration(batching: BatchingPolicy(maximumDelay: .milliseconds(300))))
        let rows = [1, 2, 1, 3, 1, 2]
        let images = rows.enumerated().map { index, count in
            InferenceServerTests.images(rows: count, seed: UInt64(200 + index)).map { Double($0) }
        }
        let tasks = zip(rows, images).map { count, image in
            Task { try await server.post("/v2/models/lenet-onnx/infer", json: Self.request("FP32", shape: [count, 1, 28, 28], image)) }
        }
        var answers: [Double] = []
        for ((count, image), task) in zip(zip(rows, images), tasks) {
            let response = try await task.value
            #expect(response.status == .ok, "\(response.text)")
            let (shape, data) = Self.output(response)
            #expect(shape == [Double(count), 10])
            let alone = try fixture.direct("lenet-onnx", Tensor(image.map { Float($0) }, shape: [count, 1, 28, 28]))
            #expect(Self.close(data, alone), "\(data) vs \(alone)")
            answers += data
        }
        // The same rows as one batch run directly.
        let all = images.flatMap { $0 }.map { Float($0) }
        #expect(Self.close(answers, try fixture.direct("lenet-onnx", Tensor(all, shape: [rows.reduce(0, +), 1, 28, 28]))))
        let batches = Self.batches(server, "lenet-onnx") ?? rows.count
        #expect(batches < rows.count, "\(rows.count) requests ran in \(batches) batches")

        // INT64 tokens, in JSON and in the binary tensor data extension.
        let tokens = Self.tokens(14, seed: 3)
        let expected = try fixture.direct("gru", Tensor(tokens.map { Int64($0) }, shape: [2, 7]))
        let json = try await server.post("/v2/models/gru/infer", json: Self.request("INT64", shape: [2, 7], tokens))
        #expect(Self.output(json).shape == [2, 5] && Self.close(Self.output(json).data, expected), "\(json.text)")
        let header = Array(#"{"inputs": [{"name": "input", "datatype": "INT64", "shape": [2, 7], "parameters": {"binary_data_size": 112}}]}"#.utf8)
        let binary = tokens.flatMap { value in withUnsafeBytes(of: Int64(value).littleEndian, Array.init) }
        let answer = try await server.send("POST", "/v2/models/gru/infer", headers: [("Inference-Header-Content-Length", "\(header.count)")],
                                           body: header + binary)
        #expect(Self.close(Self.output(answer).data, expected), "\(answer.text)")
        try await server.stop()
    }

    @Test func aGraphWhoseBatchIsNotItsFirstDimensionRunsRequestsOneByOne() async throws {
        let fixture = try ONNXRepositoryFixture()
        defer { fixture.remove() }
        let server = try await RunningServer.start(try ModelRepository(directory: fixture.directory.path),
                                                   configuration: ServerConfiguration(batching: BatchingPolicy(maximumDelay: .milliseconds(300))))
        let requests = (0..<4).map { Self.tokens(14, seed: UInt64(10 + $0)) }
        let tasks = requests.map { tokens in
            Task { try await server.post("/v2/models/lstm/infer", json: Self.request("INT64", shape: [7, 2], tokens)) }
        }
        for (tokens, task) in zip(requests, tasks) {
            let response = try await task.value
            #expect(response.status == .ok, "\(response.text)")
            let expected = try fixture.direct("lstm", Tensor(tokens.map { Int64($0) }, shape: [7, 2]))
            #expect(Self.output(response).shape == [2, 5] && Self.close(Self.output(response).data, expected))
        }
        #expect(Self.batches(server, "lstm") == requests.count)
        try await server.stop()
    }

    @Test func wrongInputsAreRefusedWithAReason() async throws {
        let fixture = try ONNXRepositoryFixture()
        defer { fixture.remove() }
        let server = try await RunningServer.start(try ModelRepository(directory: fixture.directory.path))
        let cases: [(String, String, String)] = [
            ("gru", Self.request("FP32", shape: [1, 7], Array(repeating: 1, count: 7)), "input 'input' has datatype FP32, expected INT64"),
            ("gru", Self.request("INT64", shape: [1, 8], Array(repeating: 1, count: 8)), "input 'input' has shape [1, 8], expected [-1, 7]"),
            ("gru", Self.request("INT64", shape: [0, 7], []), "input 'input' has no rows (shape [0, 7])"),
            ("lstm", Self.request("INT64", shape: [8, 1], Array(repeating: 1, count: 8)), "input 'input' has shape [8, 1], expected [7, -1]"),
            ("lenet-onnx", #"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}]}"#,
             "unknown input 'x'; the model takes input"),
        ]
        for (model, body, reason) in cases {
            let response = try await server.post("/v2/models/\(model)/infer", json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.json["error"] as? String == reason, "\(body)")
        }
        // A token outside the vocabulary of 30: the graph's Gather refuses it.
        let outside = try await server.post("/v2/models/gru/infer", json: Self.request("INT64", shape: [1, 7], [1, 2, 3, 99, 4, 5, 6]))
        #expect(outside.status == .badRequest)
        #expect((outside.json["error"] as? String)?.hasPrefix("the model cannot run these inputs: ") == true, "\(outside.text)")
        #expect(try await server.get("/v2/health/live").status == .ok)
        try await server.stop()
    }
}

/// A batch that fails is run again request by request, so only the request at fault fails.
@Suite struct FailedBatchTests {
    /// y = x for `[-1, 1]` inputs; a batch holding a negative value fails.
    struct NonNegativeModel: ServedModel {
        let platform = "test"
        let inputs = [TensorMetadata(name: "x", datatype: .fp32, shape: [-1, 1])]
        let outputs = [TensorMetadata(name: "y", datatype: .fp32, shape: [-1, 1])]

        func prepare(_ inputs: [NamedTensor]) throws(InferenceError) -> ModelRows {
            guard case .numbers(let values) = inputs[0].data else { throw .badRequest("numbers") }
            return ModelRows(count: values.count, tensors: [Tensor(values.map { Float($0) }, shape: [values.count, 1])])
        }

        func run(_ rows: ModelRows) throws(InferenceError) -> [NamedTensor] {
            let values = rows.tensors[0].cast(to: .float64).scalars(as: Double.self)
            guard values.allSatisfy({ $0 >= 0 }) else { throw .badRequest("negative") }
            return [NamedTensor(name: "y", datatype: .fp32, shape: [rows.count, 1], data: .numbers(values))]
        }
    }

    @Test func onlyTheRequestAtFaultFails() async throws {
        let batches = Mutex<[Int]>([])
        let batcher = DynamicBatcher(modelName: "nonnegative", model: NonNegativeModel(),
                                     policy: BatchingPolicy(maximumDelay: .milliseconds(300)),
                                     observeBatch: { rows, _ in batches.withLock { $0.append(rows) } })
        defer { batcher.shutdown() }
        let model = NonNegativeModel()
        func row(_ value: Double) throws -> ModelRows {
            try model.prepare([NamedTensor(name: "x", datatype: .fp32, shape: [1, 1], data: .numbers([value]))])
        }
        let rows = try [1, -1, 3].map(row)
        let answers = rows.map { rows in Task { try await batcher.infer(rows) } }
        #expect(try await answers[0].value.first?.data == .numbers([1]))
        await #expect(throws: InferenceError.badRequest("negative")) { try await answers[1].value }
        #expect(try await answers[2].value.first?.data == .numbers([3]))
        // The joined batch of 3, then each request alone.
        #expect(batches.withLock { $0 } == [3, 1, 1, 1])
    }
}
