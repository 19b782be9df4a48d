import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Open Inference Protocol (KServe v2) REST endpoints over the loaded models, `/metrics`
/// and `/v2/openapi.yaml`. Every error is answered with the protocol's body `{"error": "..."}`.
struct InferenceRoutes: Sendable {
    let repository: ModelRepository
    let batchers: [String: DynamicBatcher]
    let configuration: ServerConfiguration
    let metrics: ServeMetrics
    let logger: Logger
    /// False once shutdown has begun: `/v2/health/ready` answers 503.
    let isReady: @Sendable () -> Bool

    static let serverName = "strata"
    static let serverVersion = "0.1.0"
    static let inferenceHeaderLength = HTTPField.Name("Inference-Header-Content-Length")!

    /// The routes, as `/v2/openapi.yaml` documents them (the test `OpenAPIDocumentTests` holds the two together).
    func add(to router: Router<BasicRequestContext>) {
        router.get("/v2/health/live") { _, _ in Response(status: .ok) }
        router.get("/v2/health/ready") { _, _ in Response(status: isReady() ? .ok : .serviceUnavailable) }
        router.get("/v2") { _, _ in json(.ok, serverMetadata()) }
        router.get("/v2/models/:name") { _, context in modelMetadata(context, version: nil) }
        router.get("/v2/models/:name/versions/:version") { _, context in
            modelMetadata(context, version: context.parameters.get("version"))
        }
        router.get("/v2/models/:name/ready") { _, context in modelReady(context, version: nil) }
        router.get("/v2/models/:name/versions/:version/ready") { _, context in
            modelReady(context, version: context.parameters.get("version"))
        }
        router.post("/v2/models/:name/infer") { request, context in await infer(request, context, version: nil) }
        router.post("/v2/models/:name/versions/:version/infer") { request, context in
            await infer(request, context, version: context.parameters.get("version"))
        }
        router.get("/v2/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    private func serverMetadata() -> [String: Any] {
        ["name": Self.serverName, "version": Self.serverVersion, "extensions": ["binary_tensor_data"]]
    }

    private func lookUp(_ context: BasicRequestContext, version: String?) -> Result<ModelRepository.Entry, InferenceError> {
        let name = context.parameters.get("name") ?? ""
        guard let entry = repository.entry(name, version: version) else {
            return .failure(.notFound(repository.entry(name) == nil
                ? "unknown model '\(name)'" : "model '\(name)' has no version '\(version ?? "")'"))
        }
        return .success(entry)
    }

    private func modelMetadata(_ context: BasicRequestContext, version: String?) -> Response {
        switch lookUp(context, version: version) {
        case .failure(let error): return errorResponse(error)
        case .success(let entry):
            func tensors(_ list: [TensorMetadata]) -> [[String: Any]] {
                list.map { ["name": $0.name, "datatype": $0.datatype.rawValue, "shape": $0.shape] }
            }
            return json(.ok, ["name": entry.name, "versions": repository.versions(of: entry.name), "platform": entry.model.platform,
                              "inputs": tensors(entry.model.inputs), "outputs": tensors(entry.model.outputs)])
        }
    }

    private func modelReady(_ context: BasicRequestContext, version: String?) -> Response {
        switch lookUp(context, version: version) {
        case .failure(let error): errorResponse(error)
        case .success: Response(status: isReady() ? .ok : .serviceUnavailable)
        }
    }

    private func infer(_ request: Request, _ context: BasicRequestContext, version: String?) async -> Response {
        let start = ContinuousClock.now
        var modelLabel: String?
        let response: Response
        do throws(InferenceError) {
            let entry = try lookUp(context, version: version).get()
            modelLabel = entry.name
            response = try await infer(request, entry: entry)
        } catch {
            response = errorResponse(error)
        }
        metrics.recordRequest(model: modelLabel, status: response.status.code, duration: ContinuousClock.now - start)
        if response.status != .ok {
            logger.info("infer refused", metadata: ["model": "\(modelLabel ?? context.parameters.get("name") ?? "")",
                                                   "status": "\(response.status.code)"])
        }
        return response
    }

    private func infer(_ request: Request, entry: ModelRepository.Entry) async throws(InferenceError) -> Response {
        let limit = configuration.maximumBodyBytes
        var request = request
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw .payloadTooLarge(limit: limit)
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw .payloadTooLarge(limit: limit)
        } catch {
            throw .badRequest("the body could not be read")
        }
        var jsonLength: Int?
        if let header = request.headers[Self.inferenceHeaderLength] {
            guard let length = Int(header) else {
                throw .badRequest("Inference-Header-Content-Length '\(header)' is not a byte count")
            }
            jsonLength = length
        }
        let parsed = try InferenceRequest(body: Array(body.readableBytesView), jsonLength: jsonLength)
        let model = entry.model
        let known = Set(model.outputs.map(\.name))
        if let unknown = parsed.outputs?.first(where: { !known.contains($0.name) }) {
            throw .badRequest("unknown output '\(unknown.name)'; the model gives \(model.outputs.map(\.name).joined(separator: ", "))")
        }
        let rows = try model.prepare(parsed.inputs)
        guard let batcher = batchers[entry.name + "/" + entry.version] else { throw .notFound("unknown model '\(entry.name)'") }
        let outputs: [NamedTensor]
        do {
            outputs = try await batcher.infer(rows)
        } catch let error as InferenceError {
            throw error
        } catch {
            throw .shuttingDown
        }
        let wanted = parsed.outputs.map { requested in
            requested.compactMap { item in outputs.first { $0.name == item.name } }
        } ?? outputs
        var binary = Set(parsed.outputs?.filter(\.binary).map(\.name) ?? [])
        if parsed.binaryOutputs {
            binary.formUnion(wanted.map(\.name).filter { name in !(parsed.outputs?.contains { $0.name == name } ?? false) })
        }
        let (bytes, jsonLength2) = InferenceResponse(modelName: entry.name, modelVersion: entry.version, id: parsed.id,
                                                     outputs: wanted).encoded(binary: binary)
        var headers: HTTPFields = [.contentType: jsonLength2 == nil ? "application/json" : "application/octet-stream"]
        if let jsonLength2 { headers[Self.inferenceHeaderLength] = String(jsonLength2) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        // Plain strings, numbers and arrays: serialization cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The protocol's error body, with Retry-After for the temporary errors.
    func errorResponse(_ error: InferenceError) -> Response {
        var response = json(error.status, ["error": error.description])
        if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }
}
