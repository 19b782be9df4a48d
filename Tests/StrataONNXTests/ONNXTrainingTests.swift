import Foundation
import Strata
import StrataNN
import StrataONNX
import Testing

// An imported model is a Module: its initializers are parameters named by their ONNX names,
// gradients flow through the interpreted graph, and state dictionaries load into it.
@Suite struct ONNXTrainingTests {
    @Test func initializersAreNamedParameters() throws {
        let model = try ONNXModel(serialized: ONNXTestModels.twoLayer())
        #expect(Set(model.parameters.keys) == ["layer1.weight", "layer1.bias", "head.weight"])
        #expect(model.parameterCount == 12 + 4 + 8)
        #expect(model.opset == 17 && model.operatorCounts == ["Gemm": 1, "Tanh": 1, "MatMul": 1, "Softmax": 1])
    }

    /// Gradients of a loss through the interpreted graph agree with central finite differences
    /// in float64 (step 1e-6; the rounding error is about 1e-10, the truncation error 1e-12).
    @Test func gradientsMatchFiniteDifferences() throws {
        let model = try ONNXModel(serialized: ONNXTestModels.twoLayer())
        let x = Tensor.normal([5, 3], dtype: .float64, generator: RandomGenerator(seed: 9))
        let target = Tensor.normal([5, 2], dtype: .float64, generator: RandomGenerator(seed: 10))
        func loss(_ model: ONNXModel) -> Tensor { ((model(x) - target) * (model(x) - target)).sum() }
        let (_, gradient) = valueAndGradient(at: model, of: loss)
        let step = 1e-6
        for (path, analytic) in gradient {
            let count = analytic.scalarCount
            let values = analytic.scalars(as: Double.self)
            for index in 0..<count {
                func shifted(_ delta: Double) -> Double {
                    var copy = model
                    copy.updateParameters { name, tensor in
                        guard name == path else { return tensor }
                        var scalars = tensor.scalars(as: Double.self)
                        scalars[index] += delta
                        return Tensor(scalars, shape: tensor.shape)
                    }
                    return loss(copy).scalar(as: Double.self)
                }
                let numeric = (shifted(step) - shifted(-step)) / (2 * step)
                #expect(Swift.abs(numeric - values[index]) <= 1e-6 * Swift.max(1, Swift.abs(numeric)), "\(path)[\(index)]")
            }
        }
    }

    @Test func stateDictionaryRoundTripsAndFreezePatternsApply() throws {
        var model = try ONNXModel(serialized: ONNXTestModels.twoLayer(seed: 1))
        let other = try ONNXModel(serialized: ONNXTestModels.twoLayer(seed: 2))
        try model.loadStateDictionary(other.stateDictionary())
        let x = Tensor.normal([2, 3], dtype: .float64, generator: RandomGenerator(seed: 3))
        #expect(model(x).isApproximatelyEqual(to: other(x), relativeTolerance: 0))
        let (_, gradient) = valueAndGradient(at: model, excluding: { ParameterPattern("layer1.*").matches($0) }) { m in m(x).sum() }
        #expect(Set(gradient.keys) == ["head.weight"])
    }

    @Test func batchNormStatisticsAreBuffers() throws {
        var builder = ONNXGraphBuilder(opset: 15)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(2)])
        let names = ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"].map { builder.addInitializer($0, Tensor.ones([2])) }
        builder.addNode("BatchNormalization", [x] + names, outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        let model = try ONNXModel(serialized: builder.serialized())
        #expect(Set(model.parameters.keys) == ["bn.weight", "bn.bias"])
        #expect(model.bufferNames == ["bn.running_mean", "bn.running_var"])
        // (x - 1) / sqrt(1 + 1e-5) * 1 + 1 at x = 3.
        let y = try model.run(["x": Tensor([[3, 3]] as [[Float]])])["y"]!
        #expect(Swift.abs(y.scalars(as: Float.self)[0] - Float(2 / (1 + 1e-5).squareRoot() + 1)) < 1e-6)
    }
}

/// README's ONNX example, on the LeNet-5 fixture (Tools/make_onnx_fixtures.py): a new head of 5
/// classes, gradients only for it, and an export of Strata's LeNet.
@Test func readmeExampleRuns() throws {
    let url = try ONNXFixtures.folder("models").appendingPathComponent("lenet/model.onnx")
    let model = try ONNXModel(contentsOf: url)
    #expect(model.opset == 17 && model.inputs.map(\.name) == ["input"])
    let images = Tensor.normal([3, 1, 28, 28])
    let logits = try #require(try model.run(["input": images])["output"])
    #expect(logits.shape == [3, 10])
    let tuned = model.replacingHead(classes: 5, generator: RandomGenerator(seed: 1))
    #expect(tuned.headOutputCount == 5 && tuned.head == model.head)
    let (loss, gradients) = valueAndGradient(at: tuned, excluding: { !tuned.headPattern.matches($0) }) { m in
        crossEntropy(logits: m(images), labels: Tensor([0, 3, 4] as [Int64]))
    }
    #expect(loss.scalar(as: Float.self).isFinite)
    let head = try #require(tuned.head)
    #expect(Set(gradients.keys.map(\.description)) == Set([head.weight] + (head.bias.map { [$0] } ?? [])))
    let exported = try ONNXExport.serialize(LeNet(), inputShape: [1, 28, 28])
    #expect(try ONNXModel(serialized: exported).parameterCount == LeNet().parameterCount)
}
