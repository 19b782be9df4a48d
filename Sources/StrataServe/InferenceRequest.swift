import Foundation

/// A parsed `POST /v2/models/{name}/infer` body: its JSON part, and with the binary tensor data
/// extension the bytes after it (`Inference-Header-Content-Length` says where the JSON ends).
public struct InferenceRequest: Sendable, Equatable {
    /// One output the client asked for, and whether it wants the output's data in binary.
    public struct RequestedOutput: Sendable, Equatable {
        public var name: String
        public var binary: Bool
    }

    /// The request's `id`, echoed in the response.
    public var id: String?
    public var inputs: [NamedTensor]
    /// The outputs asked for; nil for all of them, in JSON unless `binaryOutputs`.
    public var outputs: [RequestedOutput]?
    /// The request parameter `binary_data_output`: outputs not listed go out in binary.
    public var binaryOutputs: Bool

    /// The most elements one tensor may declare, so that a shape cannot ask for more memory
    /// than a body could ever fill (the largest body is far below 2^28 numbers).
    static let maximumElements = 1 << 28

    /// Parses `body`; `jsonLength` is the `Inference-Header-Content-Length` header, when sent.
    /// - Throws: `InferenceError.badRequest` with a one-line reason.
    public init(body: [UInt8], jsonLength: Int?) throws(InferenceError) {
        let length = jsonLength ?? body.count
        guard length >= 0, length <= body.count else {
            throw .badRequest("Inference-Header-Content-Length \(length) is outside the body's \(body.count) bytes")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body[0..<length]))
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
        guard let root = object as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        if let id = root["id"] {
            guard let text = id as? String else { throw .badRequest("'id' must be a string") }
            self.id = text
        }
        let parameters = try Self.parameters(root["parameters"], of: "the request")
        binaryOutputs = try Self.flag(parameters["binary_data_output"], named: "binary_data_output")
        guard let inputList = root["inputs"] as? [Any] else { throw .badRequest("'inputs' must be an array of tensors") }
        var binary = BinaryReader(bytes: body, offset: length)
        inputs = []
        for (position, item) in inputList.enumerated() {
            inputs.append(try Self.tensor(item, position: position, binary: &binary))
        }
        guard binary.remaining == 0 else {
            throw .badRequest("\(binary.remaining) bytes of binary data follow the JSON that no input's binary_data_size claims")
        }
        if let outputList = root["outputs"] {
            guard let list = outputList as? [Any] else { throw .badRequest("'outputs' must be an array") }
            outputs = try list.enumerated().map { position, item throws(InferenceError) in
                guard let output = item as? [String: Any], let name = output["name"] as? String else {
                    throw .badRequest("outputs[\(position)] must be an object with a string 'name'")
                }
                let parameters = try Self.parameters(output["parameters"], of: "output '\(name)'")
                return RequestedOutput(name: name, binary: try Self.flag(parameters["binary_data"], named: "binary_data"))
            }
        }
    }

    private static func parameters(_ value: Any?, of owner: String) throws(InferenceError) -> [String: Any] {
        guard let value else { return [:] }
        guard let dictionary = value as? [String: Any] else { throw .badRequest("the parameters of \(owner) must be an object") }
        return dictionary
    }

    private static func flag(_ value: Any?, named name: String) throws(InferenceError) -> Bool {
        guard let value else { return false }
        guard JSONTensorCoding.isBoolean(value), let flag = value as? Bool else { throw .badRequest("parameter '\(name)' must be true or false") }
        return flag
    }

    private static func tensor(_ item: Any, position: Int, binary: inout BinaryReader) throws(InferenceError) -> NamedTensor {
        guard let tensor = item as? [String: Any] else { throw .badRequest("inputs[\(position)] must be an object") }
        guard let name = tensor["name"] as? String else { throw .badRequest("inputs[\(position)] needs a string 'name'") }
        guard let typeName = tensor["datatype"] as? String else { throw .badRequest("input '\(name)' needs a string 'datatype'") }
        guard let datatype = TensorDatatype(rawValue: typeName) else {
            throw .badRequest("input '\(name)': unknown datatype '\(typeName)'")
        }
        guard let shapeList = tensor["shape"] as? [Any] else { throw .badRequest("input '\(name)' needs a 'shape' array") }
        var shape: [Int] = []
        var count = 1
        for dimension in shapeList {
            guard let size = JSONTensorCoding.integer(dimension), size >= 0 else {
                throw .badRequest("input '\(name)': shape \(shapeList) must hold non-negative integers")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maximumElements else {
                throw .badRequest("input '\(name)': shape \(shape + [size]) holds more than \(maximumElements) elements")
            }
            shape.append(size)
            count = product
        }
        let parameters = try Self.parameters(tensor["parameters"], of: "input '\(name)'")
        let data: TensorData
        if let size = parameters["binary_data_size"] {
            guard let byteCount = JSONTensorCoding.integer(size), byteCount >= 0 else {
                throw .badRequest("input '\(name)': binary_data_size must be a non-negative integer")
            }
            guard tensor["data"] == nil else { throw .badRequest("input '\(name)' has both 'data' and binary_data_size") }
            guard let bytes = binary.take(byteCount) else {
                throw .badRequest("input '\(name)': binary_data_size \(byteCount) runs past the body's \(binary.remaining) binary bytes")
            }
            data = try BinaryTensorCoding.decode(bytes, datatype: datatype, count: count, name: name)
        } else {
            guard let value = tensor["data"] else { throw .badRequest("input '\(name)' needs 'data' (or binary_data_size)") }
            data = try JSONTensorCoding.decode(value, datatype: datatype, name: name)
        }
        guard data.count == count else {
            throw .badRequest("input '\(name)': shape \(shape) holds \(count) elements, data has \(data.count)")
        }
        return NamedTensor(name: name, datatype: datatype, shape: shape, data: data)
    }
}

/// The bytes after a request's JSON, handed out in input order.
struct BinaryReader {
    let bytes: [UInt8]
    var offset: Int

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count <= remaining else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
