import Foundation
import Strata
import SwiftProtobuf

/// A single serialized `TensorProto` (`input_0.pb` of onnx's backend tests, or a tensor saved with
/// `onnx.numpy_helper`).
public enum ONNXTensorFile {
    /// The tensor in `url` and its name.
    /// - Throws: `ONNXError.malformedFile` or `.invalidTensor`.
    public static func read(contentsOf url: URL) throws(ONNXError) -> (name: String, tensor: Tensor) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .malformedFile(reason: "cannot read \(url.path): \(error.localizedDescription)")
        }
        let proto: Onnx_TensorProto
        do { proto = try Onnx_TensorProto(serializedBytes: data) } catch {
            throw .malformedFile(reason: String(describing: error))
        }
        return (proto.name, try proto.strataTensor(externalDirectory: url.deletingLastPathComponent()))
    }

    /// `tensor` serialized as a `TensorProto` named `name`.
    public static func serialized(_ tensor: Tensor, name: String) -> Data {
        // Serializing a message built in memory cannot fail.
        try! Onnx_TensorProto(tensor, name: name).serializedBytes()
    }
}
