import Foundation
import Strata
import StrataONNX
import Testing

// PyTorch models exported by torch.onnx.export (TorchScript and dynamo exporters) run in Strata
// and match onnxruntime's outputs within 1e-5 relative to the largest output. Inputs have batch
// 3 where the export traced batch 2 (a dynamic batch dimension). Tools/make_onnx_fixtures.py
// wrote the fixtures (torch 2.13.0+cpu, onnx 1.22.0, onnxruntime 1.32.0).
@Suite struct ONNXRealModelTests {
    static let names = ["mlp", "mlp_dynamo", "lenet", "lenet_dynamo", "lstm", "lstm_dynamo", "gru", "gru_dynamo",
                        "transformer", "transformer_dynamo"]

    @Test(arguments: names)
    func matchesOnnxruntime(_ name: String) throws {
        let folder = try ONNXFixtures.folder("models").appendingPathComponent(name)
        let model = try ONNXModel(contentsOf: folder.appendingPathComponent("model.onnx"))
        let input = try ONNXTensorFile.read(contentsOf: folder.appendingPathComponent("input_0.pb")).tensor
        let expected = try ONNXTensorFile.read(contentsOf: folder.appendingPathComponent("output_0.pb")).tensor
        #expect(model.inputs.count == 1 && model.outputs.count == 1)
        let output = try #require(try model.run([model.inputs[0].name: input])[model.outputs[0].name])
        #expect(output.shape == expected.shape)
        let error = ONNXFixtures.relativeError(output, expected)
        #expect(error <= 1e-5, "\(name): relative error \(error)")
    }

    @Test func externalDataIsRead() throws {
        // The dynamo MLP keeps its tensors in model.onnx.data beside the model.
        let folder = try ONNXFixtures.folder("models").appendingPathComponent("mlp_dynamo")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx.data").path))
        let model = try ONNXModel(contentsOf: folder.appendingPathComponent("model.onnx"))
        #expect(model.parameterCount == 64 * 48 + 48 + 48 * 32 + 32 + 32 * 10 + 10)
        // Without a folder, external data is refused with a typed error.
        let data = try Data(contentsOf: folder.appendingPathComponent("model.onnx"))
        #expect(throws: ONNXError.self) { try ONNXModel(serialized: data) }
    }

    /// torchvision's resnet18 (45 MB) is not committed: Tools/make_onnx_fixtures.py writes it to
    /// .build-onnx/resnet18, and this test runs when it is there.
    @Test func resnet18WhenExported() throws {
        let folder = ONNXFixtures.repositoryRoot.appendingPathComponent(".build-onnx/resnet18")
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path) else {
            print("ONNXRealModelTests: resnet18 skipped: no .build-onnx/resnet18/model.onnx (run Tools/make_onnx_fixtures.py)")
            return
        }
        let model = try ONNXModel(contentsOf: folder.appendingPathComponent("model.onnx"))
        let input = try ONNXTensorFile.read(contentsOf: folder.appendingPathComponent("input_0.pb")).tensor
        let expected = try ONNXTensorFile.read(contentsOf: folder.appendingPathComponent("output_0.pb")).tensor
        let output = model(input)
        let error = ONNXFixtures.relativeError(output, expected)
        #expect(error <= 1e-5, "resnet18: relative error \(error)")
    }
}
