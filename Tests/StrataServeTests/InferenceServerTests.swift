import Foundation
import HTTPTypes
import Strata
import StrataCLI
import StrataData
import StrataNN
@testable import StrataServe
import Testing

/// The server end to end on a loopback port: every endpoint, answers equal to the model run
/// directly (as `strata predict` runs it), and the errors.
@Suite(.serialized) struct InferenceServerTests {
    /// Probabilities of `images` ([n, 1, 28, 28]) by the LeNet weights in `weights`, run directly.
    static func directProbabilities(_ weights: URL, images: [Float], rows: Int) throws -> [Double] {
        let (model, _) = try WeightsFile.loadClassifier(.lenet, from: weights.path)
        return withTrainingMode(false) { withoutGradients { softmax(model(Tensor(images, shape: [rows, 1, 28, 28])), axis: 1) } }
            .cast(to: .float64).scalars(as: Double.self)
    }

    static func images(rows: Int, seed: UInt64) -> [Float] {
        Tensor.uniform([rows, 784], generator: RandomGenerator(seed: seed)).scalars(as: Float.self)
    }

    static func imageRequest(_ values: [Float], rows: Int, extra: String = "") -> String {
        "{\"id\": \"r1\", \"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [\(rows), 1, 28, 28], "
            + "\"data\": [\(values.map { "\($0)" }.joined(separator: ","))]}]\(extra)}"
    }

    static func numbers(_ value: Any?) -> [Double] { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }

    @Test func everyEndpointAnswersAsTheProtocolSays() async throws {
        let fixture = try RepositoryFixture()
        defer { fixture.remove() }
        let repository = try ModelRepository(directory: fixture.directory.path)
        #expect(repository.entries.map { "\($0.name)/\($0.version)" } == ["adult/1", "fashion/1", "fashion/2"])
        #expect(repository.failures.map(\.name) == ["broken"])
        let server = try await RunningServer.start(repository)

        #expect(try await server.get("/v2/health/live").status == .ok)
        #expect(try await server.get("/v2/health/ready").status == .ok)
        let metadata = try await server.get("/v2").json
        #expect(metadata["name"] as? String == "strata")
        #expect(metadata["extensions"] as? [String] == ["binary_tensor_data"])

        let fashion = try await server.get("/v2/models/fashion").json
        #expect(fashion["versions"] as? [String] == ["1", "2"])
        #expect(fashion["platform"] as? String == "strata_safetensors")
        let input = (fashion["inputs"] as? [[String: Any]])?.first
        #expect(input?["name"] as? String == "input")
        #expect(Self.numbers(input?["shape"]) == [-1, 1, 28, 28])
        #expect(try await server.get("/v2/models/fashion/versions/1").status == .ok)
        let adult = try await server.get("/v2/models/adult").json
        #expect((adult["inputs"] as? [[String: Any]])?.map { "\($0["name"]!):\($0["datatype"]!)" } == ["x:FP32", "color:BYTES", "shape:BYTES"])
        for path in ["/v2/models/nope", "/v2/models/fashion/versions/9", "/v2/models/broken", "/v2/models/nope/ready",
                     "/v2/models/fashion/versions/9/ready"] {
            let response = try await server.get(path)
            #expect(response.status == .notFound, "\(path)")
            #expect(response.json["error"] is String, "\(path)")
        }
        #expect(try await server.get("/v2/models/fashion/ready").status == .ok)
        #expect(try await server.get("/v2/models/fashion/versions/2/ready").status == .ok)

        // Two images in one request, by the default (highest) version and by version 1.
        let images = Self.images(rows: 2, seed: 9)
        for (path, version) in [("/v2/models/fashion/infer", 2), ("/v2/models/fashion/versions/1/infer", 1)] {
            let response = try await server.post(path, json: Self.imageRequest(images, rows: 2))
            #expect(response.status == .ok)
            let body = response.json
            #expect(body["model_name"] as? String == "fashion")
            #expect(body["model_version"] as? String == String(version))
            #expect(body["id"] as? String == "r1")
            let outputs = body["outputs"] as? [[String: Any]] ?? []
            #expect(outputs.map { $0["name"] as? String } == ["probabilities", "class"])
            #expect(Self.numbers(outputs.first?["shape"]) == [2, 10])
            let expected = try Self.directProbabilities(fixture.directory.appendingPathComponent("fashion/\(version)/model.safetensors"),
                                                        images: images, rows: 2)
            let served = Self.numbers(outputs.first?["data"])
            // FP32 outputs are written in Float's shortest form, which reads back as the same Float.
            #expect(served.count == 20 && zip(served, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
            let best = (0..<2).map { row in (0..<10).max { expected[row * 10 + $0] < expected[row * 10 + $1] }! }
            #expect(outputs.last?["data"] as? [String] == best.map { FashionMNIST.classNames[$0] })
        }

        // Three table rows, one numeric cell missing (""), against `strata predict` on the same rows.
        let rows = [("red", "square", "0.25"), ("blue", "circle", ""), ("green", "square", "0.9")]
        let csv = fixture.directory.appendingPathComponent("rows.csv")
        try ("color,shape,x\n" + rows.map { "\($0.0),\($0.1),\($0.2)" }.joined(separator: "\n") + "\n")
            .write(to: csv, atomically: true, encoding: .utf8)
        let predicted = try TabularRunTask.predict(weights: fixture.directory.appendingPathComponent("adult/1/model.safetensors").path,
                                                input: csv.path, count: 3)
        let tableRequest = """
            {"inputs": [{"name": "color", "datatype": "BYTES", "shape": [3], "data": ["red", "blue", "green"]},
                        {"name": "shape", "datatype": "BYTES", "shape": [3, 1], "data": [["square"], ["circle"], ["square"]]},
                        {"name": "x", "datatype": "BYTES", "shape": [3], "data": ["0.25", "", "0.9"]}],
             "outputs": [{"name": "label"}, {"name": "probability"}]}
            """
        let tableAnswer = try await server.post("/v2/models/adult/infer", json: tableRequest)
        #expect(tableAnswer.status == .ok, "\(tableAnswer.text)")
        let tableOutputs = tableAnswer.json["outputs"] as? [[String: Any]] ?? []
        #expect(tableOutputs.map { $0["name"] as? String } == ["label", "probability"])
        #expect(tableOutputs.first?["data"] as? [String] == predicted.map(\.predicted))
        #expect(zip(Self.numbers(tableOutputs.last?["data"]), predicted.map(\.probability)).allSatisfy { abs($0 - $1) <= 1e-6 })

        let document = try await server.get("/v2/openapi.yaml")
        #expect(document.status == .ok && document.text == OpenAPIDocument.yaml)
        let metrics = try await server.get("/metrics").text
        #expect(metrics.contains("strata_inference_requests_total{model=\"fashion\",status=\"200\"} 2"))
        #expect(metrics.contains("strata_inference_duration_seconds_count{model=\"adult\"} 1"))
        #expect(metrics.contains("strata_batch_rows_count{model=\"fashion\"} 2"))
        #expect(metrics.contains("strata_queue_depth{model=\"fashion\"} 0"))
        try await server.stop()
    }

    @Test func badRequestsAreAnswered400WithAOneLineReason() async throws {
        let model = GatedModel()
        let server = try await RunningServer.start(ModelRepository(entries: [.init(name: "gated", version: "1", model: model)]))
        let cases: [(String, String)] = [
            ("{not json", "the body is not valid JSON"),
            ("[1, 2]", "the body must be a JSON object"),
            ("{}", "'inputs' must be an array of tensors"),
            (#"{"inputs": [{"name": "x", "datatype": "FP99", "shape": [1, 2], "data": [1, 2]}]}"#, "input 'x': unknown datatype 'FP99'"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 2], "data": [1, 2, 3]}]}"#,
             "input 'x': shape [1, 2] holds 2 elements, data has 3"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, -2], "data": [1, 2]}]}"#,
             "input 'x': shape [1, -2] must hold non-negative integers"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [65536, 65536, 65536], "data": []}]}"#,
             "input 'x': shape [65536, 65536] holds more than 268435456 elements"),
            (#"{"inputs": [{"name": "x", "datatype": "INT8", "shape": [1, 2], "data": [1, 300]}]}"#, "input 'x': 300.0 is not a INT8 value"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 2], "data": ["a", "b"]}]}"#, "input 'x': FP32 data must be numbers"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 2], "data": [1, 2]}], "outputs": [{"name": "z"}]}"#,
             "unknown output 'z'; the model gives y"),
            (#"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3]}]}"#, "x must be [-1, 2] numbers"),
        ]
        for (body, reason) in cases {
            let response = try await server.post("/v2/models/gated/infer", json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.json["error"] as? String == reason, "\(body)")
        }
        try await server.stop()
    }

    @Test func imageAndTableModelsRefuseWrongInputs() async throws {
        let fixture = try RepositoryFixture()
        defer { fixture.remove() }
        let server = try await RunningServer.start(try ModelRepository(directory: fixture.directory.path))
        let cases: [(String, String, String)] = [
            ("fashion", #"{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 1, 28], "data": [\#((0..<28).map { _ in "0" }.joined(separator: ","))]}]}"#,
             "input 'input' has shape [1, 1, 28], expected [-1, 1, 28, 28] with at least one row"),
            ("fashion", #"{"inputs": [{"name": "input", "datatype": "FP64", "shape": [0, 1, 28, 28], "data": []}]}"#,
             "input 'input' has datatype FP64, expected FP32"),
            ("fashion", #"{"inputs": [{"name": "pixels", "datatype": "FP32", "shape": [1], "data": [1]}]}"#,
             "unknown input 'pixels'; the model takes input"),
            ("adult", #"{"inputs": [{"name": "color", "datatype": "BYTES", "shape": [1], "data": ["red"]}]}"#, "missing input 'x'"),
            ("adult", #"{"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}, {"name": "color", "datatype": "FP32", "shape": [1], "data": [1]}, {"name": "shape", "datatype": "BYTES", "shape": [1], "data": ["square"]}]}"#,
             "input 'color' is categorical: send it as BYTES, not FP32"),
            ("adult", #"{"inputs": [{"name": "x", "datatype": "BYTES", "shape": [1], "data": ["abc"]}, {"name": "color", "datatype": "BYTES", "shape": [1], "data": ["red"]}, {"name": "shape", "datatype": "BYTES", "shape": [1], "data": ["square"]}]}"#,
             "CSV: column \"x\" is numeric but row 0 holds \"abc\""),
        ]
        for (model, body, reason) in cases {
            let response = try await server.post("/v2/models/\(model)/infer", json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.json["error"] as? String == reason, "\(body)")
        }
        try await server.stop()
    }
}
