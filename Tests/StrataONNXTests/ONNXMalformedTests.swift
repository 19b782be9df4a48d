import Foundation
import Strata
import StrataONNX
import Testing

// Malformed and unsupported files end in typed errors that name what is wrong, never a trap.
@Suite struct ONNXMalformedTests {
    @Test func truncatedFileIsMalformed() throws {
        let data = ONNXTestModels.twoLayer()
        for length in [1, data.count / 3, data.count / 2, data.count - 1] {
            #expect(throws: ONNXError.self) { try ONNXModel(serialized: data.prefix(length)) }
        }
    }

    @Test func wrongWireTypeIsRejected() {
        // Field 7 (graph) is a message; here it arrives as a varint (tag 7 << 3 | 0), which the
        // decoder keeps as an unknown field: the model then has no graph.
        #expect(throws: ONNXError.self) { try ONNXModel(serialized: Data([0x38, 0x01])) }
        // Field 1 (ir_version, a varint) as a length-delimited field running past the end.
        let error = #expect(throws: ONNXError.self) { try ONNXModel(serialized: Data([0x0A, 0x7F, 0x01])) }
        guard case .malformedFile = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func cycleIsRejected() {
        var graph = Onnx_GraphProto()
        graph.input = [ONNXTestModels.valueInfo("x")]
        graph.output = [ONNXTestModels.valueInfo("b")]
        graph.node = [ONNXTestModels.node("Add", ["x", "b"], ["a"]), ONNXTestModels.node("Relu", ["a"], ["b"])]
        let error = #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.model(graph)) }
        guard case .invalidGraph(let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("cycle"))
    }

    @Test func danglingInputIsRejected() {
        var graph = Onnx_GraphProto()
        graph.input = [ONNXTestModels.valueInfo("x")]
        graph.output = [ONNXTestModels.valueInfo("y")]
        graph.node = [ONNXTestModels.node("Add", ["x", "nowhere"], ["y"])]
        let error = #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.model(graph)) }
        guard case .invalidGraph(let reason) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(reason.contains("nowhere"))
    }

    @Test func absurdDimensionsAreRejectedBeforeAllocation() {
        var graph = Onnx_GraphProto()
        var tensor = Onnx_TensorProto()
        tensor.name = "huge"
        tensor.dataType = 1
        tensor.dims = [1 << 40, 1 << 40]
        graph.initializer = [tensor]
        graph.output = [ONNXTestModels.valueInfo("huge")]
        let error = #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.model(graph)) }
        guard case .invalidTensor(let name, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(name == "huge")
        // Dimensions that fit but data that does not: 6 elements declared, 2 given.
        tensor.dims = [2, 3]
        tensor.floatData = [1, 2]
        graph.initializer = [tensor]
        #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.model(graph)) }
    }

    @Test func unknownOperatorNamesNodeOperatorAndOpset() {
        let error = #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.singleNode("FancyOp")) }
        #expect(error == .unsupportedOperator(node: "the_node", operator: "FancyOp", domain: "", opset: 17))
    }

    @Test func unsupportedOpsetIsTyped() {
        let error = #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.singleNode("Relu", opset: 3)) }
        #expect(error == .unsupportedOpset(domain: "", version: 3))
        #expect(throws: ONNXError.self) { try ONNXModel(serialized: ONNXTestModels.singleNode("Relu", opset: 99)) }
    }

    @Test func unsupportedAttributeNamesIt() throws {
        let weight = Tensor.ones([1, 2, 1, 1])
        let data = ONNXTestModels.singleNode("Gemm", attributes: ["transC": .int(1)], extraInputs: [("w", Tensor.ones([3, 3]))])
        let model = try ONNXModel(serialized: data)
        let error = #expect(throws: ONNXError.self) { try model.run(["x": Tensor.ones([2, 3])]) }
        #expect(error == .unsupportedAttribute(node: "the_node", operator: "Gemm", opset: 17, attribute: "transC", reason: "not supported"))
        _ = weight
    }

    @Test func mismatchedShapesAreTypedAtRunTime() throws {
        let model = try ONNXModel(serialized: ONNXTestModels.singleNode("MatMul", extraInputs: [("w", Tensor.ones([4, 5]))]))
        let error = #expect(throws: ONNXError.self) { try model.run(["x": Tensor.ones([2, 3])]) }
        guard case .invalidNode(let node, let op, let opset, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(node == "the_node" && op == "MatMul" && opset == 17)
        // A wrong input shape is refused against the declared one.
        #expect(throws: ONNXError.self) { try model.run(["x": Tensor.ones([2, 4])]) }
        #expect(throws: ONNXError.self) { try model.run([:]) }
    }

    @Test func externalDataCannotLeaveTheModelsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-external-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(repeating: 0, count: 64).write(to: folder.appendingPathComponent("weights.bin"))
        func model(location: String, offset: String = "0", length: String = "24") throws -> ONNXModel {
            var tensor = Onnx_TensorProto()
            tensor.name = "w"
            tensor.dataType = 1
            tensor.dims = [2, 3]
            tensor.dataLocation = .external
            tensor.externalData = [("location", location), ("offset", offset), ("length", length)].map { key, value in
                var entry = Onnx_StringStringEntryProto()
                entry.key = key
                entry.value = value
                return entry
            }
            var graph = Onnx_GraphProto()
            graph.initializer = [tensor]
            graph.output = [ONNXTestModels.valueInfo("w")]
            let file = folder.appendingPathComponent("model.onnx")
            try ONNXTestModels.model(graph).write(to: file)
            return try ONNXModel(contentsOf: file)
        }
        #expect(try model(location: "weights.bin").initializers["w"]?.shape == [2, 3])
        for location in ["../weights.bin", "/etc/passwd", "sub/../../weights.bin", "missing.bin"] {
            let error = #expect(throws: ONNXError.self) { try model(location: location) }
            guard case .invalidTensor = error else { Issue.record("\(location): got \(String(describing: error))"); continue }
        }
        #expect(throws: ONNXError.self) { try model(location: "weights.bin", offset: "48") }
        #expect(throws: ONNXError.self) { try model(location: "weights.bin", length: "20") }
    }
}
