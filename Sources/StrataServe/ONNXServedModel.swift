import Foundation
import Strata
import StrataCLI
import StrataNN
import StrataONNX

/// A model from an ONNX file (`model.onnx` in a version folder), run by StrataONNX's interpreter
/// as `strata evaluate --weights model.onnx` runs it: its inputs and outputs are the graph's, by
/// name, with their element types (FLOAT as FP32, INT64 as INT64...) and declared shapes, where a
/// symbolic or unknown dimension is -1.
///
/// When every input's first dimension is dynamic and its others fixed, and every output's first
/// dimension is dynamic, that dimension is the batch: concurrent requests are joined along it
/// (dynamic batching). Otherwise (a recurrent graph whose batch is its second dimension, a fixed
/// batch of 1) each request runs alone.
public struct ONNXServedModel: ServedModel {
    public let platform = "onnx"
    public let inputs: [TensorMetadata]
    public let outputs: [TensorMetadata]
    /// Whether requests are joined along their first dimension (see the type's documentation).
    public let joinsRequests: Bool
    private let model: ONNXModel
    /// Each input's Strata dtype, in `inputs` order.
    private let dtypes: [DType]

    /// The model in the ONNX file at `path`.
    /// - Throws: `CLIError.unreadableFile` for a missing, malformed or unsupported file, or a
    ///   graph input or output whose element type Strata has no dtype for or whose shape is not
    ///   declared.
    public init(contentsOf path: String) throws(CLIError) {
        let model: ONNXModel
        do {
            model = try ONNXModel(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: error.description)
        }
        func metadata(_ value: ONNXValueInfo, kind: String) throws(CLIError) -> (TensorMetadata, DType) {
            guard let dtype = value.dtype else {
                throw .unreadableFile(path: path, reason: "graph \(kind) '\(value.name)' has element type \(value.elementTypeName), "
                                      + "which Strata does not run")
            }
            guard let shape = value.shape else {
                throw .unreadableFile(path: path, reason: "graph \(kind) '\(value.name)' declares no shape; the server needs its rank")
            }
            let sizes = shape.map { dimension -> Int in
                if case .fixed(let size) = dimension { return size }
                return -1
            }
            return (TensorMetadata(name: value.name, datatype: TensorDatatype(dtype), shape: sizes), dtype)
        }
        var inputs: [TensorMetadata] = []
        var dtypes: [DType] = []
        for value in model.inputs {
            let (input, dtype) = try metadata(value, kind: "input")
            inputs.append(input)
            dtypes.append(dtype)
        }
        var outputs: [TensorMetadata] = []
        for value in model.outputs { outputs.append(try metadata(value, kind: "output").0) }
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw .unreadableFile(path: path, reason: "the graph has \(inputs.count) inputs and \(outputs.count) outputs; "
                                  + "the server needs at least one of each")
        }
        self.model = model
        self.inputs = inputs
        self.outputs = outputs
        self.dtypes = dtypes
        joinsRequests = inputs.allSatisfy { $0.shape.first == -1 && !$0.shape.dropFirst().contains(-1) }
            && outputs.allSatisfy { $0.shape.first == -1 }
    }

    public func prepare(_ inputs: [NamedTensor]) throws(InferenceError) -> ModelRows {
        var tensors: [Tensor] = []
        var rows: Int?
        for (expected, dtype) in zip(self.inputs, dtypes) {
            let input = try InputCheck.named(expected.name, in: inputs, expected: self.inputs)
            guard input.datatype == expected.datatype else {
                throw .badRequest("input '\(input.name)' has datatype \(input.datatype.rawValue), expected \(expected.datatype.rawValue)")
            }
            guard input.shape.count == expected.shape.count,
                  zip(input.shape, expected.shape).allSatisfy({ $1 == -1 || $0 == $1 }) else {
                throw .badRequest("input '\(input.name)' has shape \(input.shape), expected \(expected.shape)")
            }
            if joinsRequests {
                guard input.shape[0] > 0 else { throw .badRequest("input '\(input.name)' has no rows (shape \(input.shape))") }
                if let rows, rows != input.shape[0] {
                    throw .badRequest("input '\(input.name)' has \(input.shape[0]) rows, the inputs before it \(rows)")
                }
                rows = input.shape[0]
            }
            tensors.append(try Self.tensor(input, dtype: dtype))
        }
        guard joinsRequests, let rows else { return ModelRows(unjoinable: tensors) }
        return ModelRows(count: rows, tensors: tensors)
    }

    public func run(_ rows: ModelRows) throws(InferenceError) -> [NamedTensor] {
        var feeds: [String: Tensor] = [:]
        for (input, tensor) in zip(inputs, rows.tensors) { feeds[input.name] = tensor }
        // In inference mode, as `strata evaluate` runs an ONNX model.
        let result = withTrainingMode(false) {
            withoutGradients { Result { () throws(ONNXError) in try model.run(feeds) } }
        }
        let values: [String: Tensor]
        switch result {
        case .success(let computed): values = computed
        case .failure(let error): throw .badRequest("the model cannot run these inputs: \(error.description)")
        }
        return outputs.map { output in Self.namedTensor(output.name, values[output.name]!) }
    }

    /// A request's values as a tensor of `dtype`; the datatype has already been checked, so the
    /// values are integers in range for the integer types (bar INT64's, whose largest values a
    /// Double cannot hold exactly).
    static func tensor(_ input: NamedTensor, dtype: DType) throws(InferenceError) -> Tensor {
        guard case .numbers(let values) = input.data else {
            throw .badRequest("input '\(input.name)' holds strings, expected numbers")
        }
        switch dtype {
        case .float32: return Tensor(values.map { Float($0) }, shape: input.shape)
        case .float64: return Tensor(values, shape: input.shape)
        case .bool: return Tensor(values.map { $0 != 0 }, shape: input.shape)
        case .int32, .int64:
            var integers: [Int64] = []
            integers.reserveCapacity(values.count)
            for value in values {
                guard let integer = Int64(exactly: value), dtype == .int64 || Int32(exactly: integer) != nil else {
                    throw .badRequest("input '\(input.name)': \(value) is not a \(input.datatype.rawValue) value")
                }
                integers.append(integer)
            }
            return dtype == .int64 ? Tensor(integers, shape: input.shape) : Tensor(integers.map { Int32($0) }, shape: input.shape)
        }
    }

    /// A graph output as a response tensor, its datatype from its dtype.
    static func namedTensor(_ name: String, _ tensor: Tensor) -> NamedTensor {
        let values: [Double] = switch tensor.dtype {
        case .float32: tensor.scalars(as: Float.self).map { Double($0) }
        case .float64: tensor.scalars(as: Double.self)
        case .int32: tensor.scalars(as: Int32.self).map { Double($0) }
        case .int64: tensor.scalars(as: Int64.self).map { Double($0) }
        case .bool: tensor.scalars(as: Bool.self).map { $0 ? 1 : 0 }
        }
        return NamedTensor(name: name, datatype: TensorDatatype(tensor.dtype), shape: tensor.shape, data: .numbers(values))
    }
}

extension TensorDatatype {
    /// The protocol's datatype of a Strata dtype.
    init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .fp32
        case .float64: self = .fp64
        case .int32: self = .int32
        case .int64: self = .int64
        case .bool: self = .bool
        }
    }
}
