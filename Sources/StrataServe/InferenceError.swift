import HTTPTypes

/// Why an Open Inference Protocol request failed: each case maps to an HTTP status and a
/// one-line reason, sent as the protocol's error body `{"error": "..."}`.
public enum InferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Malformed JSON, an unknown input, a wrong shape or datatype (400).
    case badRequest(String)
    /// No such model or version (404).
    case notFound(String)
    /// The model's queue is full (503, with Retry-After).
    case queueFull(model: String, capacity: Int)
    /// The request waited in the queue past the per-request timeout (503, with Retry-After).
    case timedOut(model: String, seconds: Double)
    /// The server is shutting down and takes no new work (503).
    case shuttingDown
    /// The body is larger than the server's limit (413).
    case payloadTooLarge(limit: Int)

    /// The HTTP status that carries this error.
    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .payloadTooLarge: .contentTooLarge
        case .queueFull, .timedOut, .shuttingDown: .serviceUnavailable
        }
    }

    /// Seconds a client should wait before retrying, for the errors that are temporary.
    public var retryAfterSeconds: Int? {
        switch self {
        case .queueFull, .timedOut: 1
        case .badRequest, .notFound, .shuttingDown, .payloadTooLarge: nil
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let reason): reason
        case .notFound(let what): what
        case .queueFull(let model, let capacity): "model '\(model)' has \(capacity) requests queued, its limit; retry later"
        case .timedOut(let model, let seconds):
            "model '\(model)': the request waited more than \(seconds) s in the queue; retry later"
        case .shuttingDown: "the server is shutting down"
        case .payloadTooLarge(let limit): "the request body is larger than the server's limit of \(limit) bytes"
        }
    }
}
