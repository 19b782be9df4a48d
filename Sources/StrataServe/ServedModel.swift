import Strata

/// A loaded model the server runs: what it takes and gives (its metadata), how one request's
/// inputs become rows, and how a batch of rows is run.
///
/// `prepare` does every check a request can fail, on the request's own task, so that a batch
/// joined from many requests seldom fails for one of them; `run` is called on the model's batch
/// thread only, one batch at a time. When a joined batch fails anyway (an ONNX graph's node
/// rejects one request's values), its requests are run again one by one, so that only the
/// request at fault gets the error.
public protocol ServedModel: Sendable {
    /// The platform named in model metadata (`strata_safetensors`, `onnx`...).
    var platform: String { get }
    /// The inputs a request must send, each with -1 for its batch dimension.
    var inputs: [TensorMetadata] { get }
    /// The outputs a response holds, each with -1 for its batch dimension.
    var outputs: [TensorMetadata] { get }
    /// One request's inputs as rows: tensors whose first dimension is the row count.
    /// - Throws: `InferenceError.badRequest` naming the input and what is wrong with it.
    func prepare(_ inputs: [NamedTensor]) throws(InferenceError) -> ModelRows
    /// The outputs for `rows`, in `outputs` order, each `[rows.count, ...]` when the rows are
    /// joinable.
    /// - Throws: `InferenceError.badRequest` when the model cannot run these values.
    func run(_ rows: ModelRows) throws(InferenceError) -> [NamedTensor]
}

/// Rows ready for a model: one tensor per model-internal input, each `[count, ...]`; or, for a
/// model whose inputs have no batch dimension to join along, one request's tensors as they are,
/// which are run alone.
public struct ModelRows: Sendable {
    public var count: Int
    public var tensors: [Tensor]
    /// Whether these rows may be joined with other requests' along the first dimension.
    public let isJoinable: Bool

    public init(count: Int, tensors: [Tensor]) {
        precondition(tensors.allSatisfy { $0.shape.first == count },
                     "ModelRows: every tensor must have \(count) rows, got \(tensors.map(\.shape))")
        self.count = count
        self.tensors = tensors
        isJoinable = true
    }

    /// One request's tensors for a model that runs requests one by one (counted as one row).
    public init(unjoinable tensors: [Tensor]) {
        count = 1
        self.tensors = tensors
        isJoinable = false
    }

    /// The rows of `parts` one after another (a dynamic batch).
    public static func joining(_ parts: [ModelRows]) -> ModelRows {
        precondition(!parts.isEmpty, "ModelRows.joining: no parts")
        if parts.count == 1 { return parts[0] }
        precondition(parts.allSatisfy(\.isJoinable), "ModelRows.joining: a part is not joinable")
        let tensors = parts[0].tensors.indices.map { index in Tensor.concat(parts.map { $0.tensors[index] }, axis: 0) }
        return ModelRows(count: parts.reduce(0) { $0 + $1.count }, tensors: tensors)
    }
}

extension NamedTensor {
    /// Rows `range` of a tensor whose first dimension is its rows.
    func rows(_ range: Range<Int>) -> NamedTensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        return NamedTensor(name: name, datatype: datatype, shape: [range.count] + shape.dropFirst(),
                           data: data.slice(range.lowerBound * rowSize..<range.upperBound * rowSize))
    }
}

/// The checks every model makes of a request's inputs.
enum InputCheck {
    /// The input named `name` in `inputs`.
    /// - Throws: `InferenceError.badRequest` when it is missing, given twice, or when any input
    ///   is not one of `expected`.
    static func named(_ name: String, in inputs: [NamedTensor], expected: [TensorMetadata]) throws(InferenceError) -> NamedTensor {
        let known = Set(expected.map(\.name))
        if let unknown = inputs.first(where: { !known.contains($0.name) }) {
            throw .badRequest("unknown input '\(unknown.name)'; the model takes \(expected.map(\.name).joined(separator: ", "))")
        }
        let matches = inputs.filter { $0.name == name }
        guard matches.count == 1 else {
            throw .badRequest(matches.isEmpty ? "missing input '\(name)'" : "input '\(name)' is given \(matches.count) times")
        }
        return matches[0]
    }

    /// The row count of `tensor`, whose shape must be `[rows] + rowShape` with rows > 0.
    static func rows(of tensor: NamedTensor, rowShape: [Int]) throws(InferenceError) -> Int {
        guard tensor.shape.count == rowShape.count + 1, Array(tensor.shape.dropFirst()) == rowShape, tensor.shape[0] > 0 else {
            throw .badRequest("input '\(tensor.name)' has shape \(tensor.shape), expected \([-1] + rowShape) with at least one row")
        }
        return tensor.shape[0]
    }
}
