/// The answer to an infer request: `{"model_name", "model_version", "id", "outputs": [...]}`,
/// with the outputs asked for in binary after the JSON (binary tensor data extension).
public struct InferenceResponse: Sendable, Equatable {
    public var modelName: String
    public var modelVersion: String
    public var id: String?
    public var outputs: [NamedTensor]

    public init(modelName: String, modelVersion: String, id: String?, outputs: [NamedTensor]) {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.id = id
        self.outputs = outputs
    }

    /// The body, and the length of its JSON part when binary data follows it (the value of
    /// `Inference-Header-Content-Length`).
    /// - Parameter binary: the names of the outputs to send in binary.
    public func encoded(binary: Set<String>) -> (body: [UInt8], jsonLength: Int?) {
        var json = JSONText()
        var tail: [UInt8] = []
        json.beginObject()
        json.key("model_name")
        json.string(modelName)
        json.key("model_version")
        json.string(modelVersion)
        if let id {
            json.key("id")
            json.string(id)
        }
        json.key("outputs")
        json.beginArray()
        for output in outputs {
            json.beginObject()
            json.key("name")
            json.string(output.name)
            json.key("datatype")
            json.string(output.datatype.rawValue)
            json.key("shape")
            json.beginArray()
            for size in output.shape { json.number(Double(size)) }
            json.endArray()
            if binary.contains(output.name) {
                let bytes = BinaryTensorCoding.encode(output.data, datatype: output.datatype)
                tail += bytes
                json.key("parameters")
                json.beginObject()
                json.key("binary_data_size")
                json.number(Double(bytes.count))
                json.endObject()
            } else {
                json.key("data")
                json.tensorData(output.data, datatype: output.datatype)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return tail.isEmpty ? (json.bytes, nil) : (json.bytes + tail, json.bytes.count)
    }
}
