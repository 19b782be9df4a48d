import Foundation
import Strata
import SwiftProtobuf

extension ONNXModel {
    /// The model as an ONNX file again, with the current initializers (after fine-tuning, or a
    /// replaced head) stored inline; the graph, opsets and metadata are the file's.
    public func serialized() -> Data {
        var proto = template
        proto.graph.initializer = initializerOrder.compactMap { name in
            initializers[name].map { Onnx_TensorProto($0, name: name) }
        }
        // Serializing a message built in memory cannot fail.
        return try! proto.serializedBytes()
    }

    /// A copy whose initializers are `state`'s tensors by name; unlike `loadStateDictionary`, a
    /// tensor may change shape (a head replaced for another number of classes).
    /// - Throws: `ONNXError.invalidTensor` for a name the model does not have or a tensor of
    ///   another dtype; `.invalidModel` when an initializer is missing from `state`.
    public func replacingInitializers(with state: [String: Tensor]) throws(ONNXError) -> ONNXModel {
        var copy = self
        for (name, tensor) in state {
            guard let current = initializers[name] else {
                throw .invalidTensor(name: name, reason: "the model has no initializer of this name")
            }
            guard current.dtype == tensor.dtype else {
                throw .invalidTensor(name: name, reason: "is \(tensor.dtype), the model's is \(current.dtype)")
            }
            copy.initializers[name] = tensor
        }
        if let missing = initializers.keys.sorted().first(where: { state[$0] == nil }) {
            throw .invalidModel(reason: "initializer '\(missing)' is not in the given state")
        }
        return copy
    }
}
