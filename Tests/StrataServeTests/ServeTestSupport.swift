import Foundation
import ServiceLifecycle
import Strata
import StrataCLI
import StrataIO
import StrataServe
import Synchronization

func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("strata-serve-tests-\(UUID().uuidString)")
}

/// A model repository on disk: `fashion` (LeNet, versions 1 and 2 from seeds 1 and 2),
/// `adult` (a Wide & Deep model trained for two epochs on a generated table) and `broken`
/// (a version whose file is not safetensors).
struct RepositoryFixture {
    let directory: URL
    /// The CSV the wide-deep model was trained on (columns color, shape, x, label).
    let table: URL

    init() throws {
        directory = temporaryDirectory()
        let files = FileManager.default
        for version in [1, 2] {
            let folder = directory.appendingPathComponent("fashion/\(version)")
            try files.createDirectory(at: folder, withIntermediateDirectories: true)
            let model = try ModelName.lenet.makeModel(seed: UInt64(version))
            try Safetensors.write(model.stateDictionary().keyedByName, metadata: ["model": "lenet"],
                                  to: folder.appendingPathComponent("model.safetensors"))
        }
        table = directory.appendingPathComponent("table.csv")
        try Self.ruleCSV(rows: 200, seed: 1).write(to: table, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run")
        var training = TrainingRun(settings: try TrainCommand.parse([
            "--model", "wide-deep", "--dataset", table.path, "--target", "label", "--categorical", "color",
            "--epochs", "2", "--batch-size", "32", "--seed", "3", "--output", run.path]).settings, directory: run)
        training.output = { _ in }
        try training.run()
        try files.createDirectory(at: directory.appendingPathComponent("adult/1"), withIntermediateDirectories: true)
        try files.copyItem(at: run.appendingPathComponent("model.safetensors"),
                           to: directory.appendingPathComponent("adult/1/model.safetensors"))
        try files.removeItem(at: run)
        try files.createDirectory(at: directory.appendingPathComponent("broken/1"), withIntermediateDirectories: true)
        try Data("not safetensors".utf8).write(to: directory.appendingPathComponent("broken/1/model.safetensors"))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A table whose `label` is `yes` exactly when `(color == red) != (shape == square)`, with
    /// a numeric `x` (as StrataCLITests' wide-deep rule table).
    static func ruleCSV(rows: Int, seed: UInt64) -> String {
        let draws = Tensor.uniform([rows, 3], dtype: .float64, generator: RandomGenerator(seed: seed)).scalars(as: Double.self)
        var lines = ["color,shape,x,label"]
        for row in 0..<rows {
            let color = ["red", "green", "blue"][min(Int(draws[row * 3] * 3), 2)]
            let shape = draws[row * 3 + 1] < 0.5 ? "circle" : "square"
            let label = (color == "red") != (shape == "square") ? "yes" : "no"
            lines.append("\(color),\(shape),\(String(format: "%.3f", draws[row * 3 + 2])),\(label)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A model for the server's own tests: input `x`, FP32 `[-1, 2]`; output `y = 2 x`. While
/// `gate` is closed its batches wait; every batch's row count is recorded.
final class GatedModel: ServedModel, @unchecked Sendable {
    let platform = "test"
    let inputs = [TensorMetadata(name: "x", datatype: .fp32, shape: [-1, 2])]
    let outputs = [TensorMetadata(name: "y", datatype: .fp32, shape: [-1, 2])]
    private let state = Mutex<(open: Bool, batches: [Int])>((true, []))
    private let condition = NSCondition()

    init(open: Bool = true) { state.withLock { $0.open = open } }

    var batches: [Int] { state.withLock { $0.batches } }

    func open() {
        condition.lock()
        state.withLock { $0.open = true }
        condition.broadcast()
        condition.unlock()
    }

    func prepare(_ inputs: [NamedTensor]) throws(InferenceError) -> ModelRows {
        guard inputs.count == 1, inputs[0].name == "x", inputs[0].shape.count == 2, inputs[0].shape[1] == 2,
              case .numbers(let values) = inputs[0].data else { throw .badRequest("x must be [-1, 2] numbers") }
        return ModelRows(count: inputs[0].shape[0], tensors: [Tensor(values.map { Float($0) }, shape: inputs[0].shape)])
    }

    func run(_ rows: ModelRows) -> [NamedTensor] {
        state.withLock { $0.batches.append(rows.count) }
        condition.lock()
        while !state.withLock({ $0.open }) { condition.wait() }
        condition.unlock()
        let values = (rows.tensors[0] * 2).cast(to: .float64).scalars(as: Double.self)
        return [NamedTensor(name: "y", datatype: .fp32, shape: [rows.count, 2], data: .numbers(values))]
    }
}

/// A server started on an ephemeral loopback port, and a way to talk to it and stop it.
struct RunningServer {
    let server: InferenceServer
    let group: ServiceGroup
    let port: Int
    let task: Task<Void, any Error>

    static func start(_ repository: ModelRepository, configuration: ServerConfiguration = ServerConfiguration(port: 0))
        async throws -> RunningServer {
        var configuration = configuration
        configuration.port = 0
        let server = InferenceServer(repository: repository, configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let group = server.makeServiceGroup(signals: []) { port in continuation.yield(port) }
        let task = Task { try await group.run() }
        var port = 0
        for await bound in ports {
            port = bound
            break
        }
        return RunningServer(server: server, group: group, port: port, task: task)
    }

    /// Begins a graceful shutdown and waits for the server to stop.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// One request on a connection of its own.
    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        async throws -> LoopbackHTTPClient.Response {
        let headers = body == nil || headers.contains(where: { $0.0 == "Content-Type" })
            ? headers : headers + [("Content-Type", "application/json")]
        return try await LoopbackHTTPClient.send(port: port, method: method, path: path, headers: headers, body: body)
    }

    func get(_ path: String) async throws -> LoopbackHTTPClient.Response { try await send("GET", path) }

    func post(_ path: String, json: String) async throws -> LoopbackHTTPClient.Response {
        try await send("POST", path, body: Array(json.utf8))
    }
}
