import Foundation
import Strata
import StrataNN
import StrataONNX
import Testing

// Strata's models written as ONNX and read back by StrataONNX reproduce the models' own outputs
// (within 1e-5 relative to the largest output), with the parameter names kept.
// Tools/check_onnx_exports.py checks the same files with onnx.checker and onnxruntime: set
// STRATA_ONNX_EXPORT_DIR and these tests also write each model, its input and Strata's output there.
@Suite struct ONNXExportTests {
    /// `model` with random running statistics in its batch norms (fresh ones are 0 and 1, which
    /// would hide a mix-up of mean and variance); run it inside `withTrainingMode(false)`.
    static func withStatistics(_ model: some Layer, seed: UInt64) throws -> any Layer {
        var copy = model
        var state = copy.stateDictionary()
        let generator = RandomGenerator(seed: seed)
        for key in state.keys.sorted() {
            if key.description.hasSuffix("running_mean") { state[key] = Tensor.normal(state[key]!.shape, standardDeviation: 0.1, generator: generator) }
            if key.description.hasSuffix("running_var") { state[key] = Tensor.uniform(state[key]!.shape, low: 0.5, high: 1.5, generator: generator) }
        }
        try copy.loadStateDictionary(state)
        return copy
    }

    static let cases: [(name: String, inputShape: [Int], make: @Sendable () -> any Layer)] = [
        ("mlp", [1, 28, 28], {
            Sequential { Flatten(); Linear(inputSize: 784, outputSize: 32, generator: RandomGenerator(seed: 1)); ReLU()
                         Linear(inputSize: 32, outputSize: 10, generator: RandomGenerator(seed: 2)) }
        }),
        ("lenet", [1, 28, 28], { LeNet(generator: RandomGenerator(seed: 3)) }),
        ("resnet_small", [1, 28, 28], { ResNet.small(generator: RandomGenerator(seed: 4)) }),
        ("resnet_bottleneck", [3, 32, 32], {
            ResNet(block: .bottleneck, blocks: [1, 1], widths: [8, 16], inChannels: 3, classes: 5, generator: RandomGenerator(seed: 5))
        }),
        ("autoencoder", [1, 28, 28], { ConvolutionalAutoencoder(generator: RandomGenerator(seed: 6)) }),
        ("lstm", [6, 4], {
            Sequential { LSTM(inputSize: 4, hiddenSize: 8, layers: 2, batchFirst: true, bidirectional: true, generator: RandomGenerator(seed: 7))
                         Linear(inputSize: 16, outputSize: 3, generator: RandomGenerator(seed: 8)) }
        }),
        ("gru", [6, 4], { GRU(inputSize: 4, hiddenSize: 8, batchFirst: true, bidirectional: true, generator: RandomGenerator(seed: 9)) }),
        ("rnn", [6, 4], { RNN(inputSize: 4, hiddenSize: 8, layers: 2, batchFirst: true, generator: RandomGenerator(seed: 10)) }),
    ]

    @Test(arguments: cases.indices)
    func exportRoundTripsThroughTheImporter(_ index: Int) throws {
        let (name, inputShape, make) = Self.cases[index]
        let model = try Self.withStatistics(make(), seed: UInt64(index))
        let data = try ONNXExport.serialize(model, inputShape: inputShape)
        let imported = try ONNXModel(serialized: data)
        let input = Tensor.normal([3] + inputShape, generator: RandomGenerator(seed: 100 + UInt64(index)))
        let expected = withTrainingMode(false) { model(input) }
        let output = try #require(try imported.run(["input": input])["output"])
        #expect(output.shape == expected.shape)
        let error = ONNXFixtures.relativeError(output, expected)
        #expect(error <= 1e-5, "\(name): relative error \(error)")
        if !["lstm", "gru", "rnn"].contains(name) {
            #expect(Set(imported.stateDictionary().keys) == Set(model.stateDictionary().keys.filter { !$0.description.hasSuffix("num_batches_tracked") }))
        }
        if let folder = ProcessInfo.processInfo.environment["STRATA_ONNX_EXPORT_DIR"] {
            let directory = URL(fileURLWithPath: folder).appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: directory.appendingPathComponent("model.onnx"))
            try ONNXTensorFile.serialized(input, name: "input").write(to: directory.appendingPathComponent("input_0.pb"))
            try ONNXTensorFile.serialized(expected, name: "output").write(to: directory.appendingPathComponent("output_0.pb"))
        }
    }

    @Test func layersWithoutAnONNXFormAreTyped() {
        let model = Sequential { Embedding(count: 4, embeddingSize: 2) }
        let error = #expect(throws: ONNXError.self) { try ONNXExport.serialize(model, inputShape: [3]) }
        guard case .unsupportedExport = error else { Issue.record("got \(String(describing: error))"); return }
    }
}
