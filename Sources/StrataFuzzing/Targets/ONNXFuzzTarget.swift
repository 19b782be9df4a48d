import Foundation
import Strata
import StrataONNX

/// ONNX import: `ONNXModel(serialized:)` (protobuf decoding, tensor and graph checks, operator
/// lookup), then one run of the graph on inputs of the declared shapes (2 for a symbolic
/// dimension), as `strata evaluate --weights model.onnx` does. Seeds: four small models built
/// with `ONNXGraphBuilder` (dense, convolutional, shape arithmetic, LSTM).
///
/// Independent check of an accepted model: `run` returns every declared output, and an output
/// declared with fixed dimensions has that shape.
public struct ONNXFuzzTarget: FuzzTarget {
    public let name = "onnx"
    public let isText = false
    public let seeds: [[UInt8]]

    public init() {
        seeds = [Self.dense(), Self.convolutional(), Self.shapes(), Self.recurrent()].map { [UInt8]($0) }
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        do {
            let model = try ONNXModel(serialized: Data(input))
            var feeds: [String: Tensor] = [:]
            for value in model.inputs {
                let shape = (value.shape ?? []).map { dimension -> Int in
                    if case .fixed(let size) = dimension { return size }
                    return 2
                }
                guard let count = shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) as Int?,
                      shape.allSatisfy({ $0 >= 0 }), count <= 1 << 20 else {
                    return .rejected("input \(value.name) too large for the fuzz run: \(shape)")
                }
                feeds[value.name] = Tensor.full(shape, value: 0.5, dtype: value.dtype ?? .float32)
            }
            let outputs = try model.run(feeds)
            for value in model.outputs {
                guard let tensor = outputs[value.name] else { return .silentAcceptance("output \(value.name) missing") }
                if let shape = value.shape, shape.allSatisfy({ if case .fixed = $0 { true } else { false } }),
                   shape.map({ if case .fixed(let size) = $0 { size } else { -1 } }) != tensor.shape {
                    return .silentAcceptance("output \(value.name) is \(tensor.shape), declared \(shape)")
                }
            }
            return .accepted
        } catch {
            return classify(error, typed: [ONNXError.self])
        }
    }

    private static func random(_ shape: [Int], _ seed: UInt64) -> Tensor {
        Tensor.normal(shape, standardDeviation: 0.5, generator: RandomGenerator(seed: seed))
    }

    static func dense() -> Data {
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(6)])
        let w = builder.addInitializer("fc1.weight", random([5, 6], 1)), b = builder.addInitializer("fc1.bias", random([5], 2))
        let v = builder.addInitializer("fc2.weight", random([5, 3], 3))
        let hidden = builder.addNode("Relu", [builder.addNode("Gemm", [x, w, b], attributes: ["transB": .int(1)])])
        let logits = builder.addNode("Add", [builder.addNode("MatMul", [hidden, v]), builder.addInitializer("fc2.bias", random([3], 4))])
        builder.addNode("Softmax", [logits], attributes: ["axis": .int(1)], outputs: ["y"])
        builder.addOutput("y", dtype: .float32, shape: [.symbolic("batch"), .fixed(3)])
        return builder.serialized()
    }

    static func convolutional() -> Data {
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(1), .fixed(8), .fixed(8)])
        let conv = builder.addNode("Conv", [x, builder.addInitializer("conv.weight", random([4, 1, 3, 3], 5)),
                                            builder.addInitializer("conv.bias", random([4], 6))],
                                   attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([1, 1])])
        let statistics = ["bn.weight", "bn.bias", "bn.running_mean"].enumerated().map { builder.addInitializer($1, random([4], 7 + UInt64($0))) }
        let variance = builder.addInitializer("bn.running_var", Tensor.ones([4]))
        let normalized = builder.addNode("BatchNormalization", [conv] + statistics + [variance], attributes: ["epsilon": .float(1e-5)])
        let pooled = builder.addNode("MaxPool", [builder.addNode("Relu", [normalized])],
                                     attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        let averaged = builder.addNode("AveragePool", [pooled], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        let flat = builder.addNode("Flatten", [averaged], attributes: ["axis": .int(1)])
        builder.addNode("Gemm", [flat, builder.addInitializer("fc.weight", random([2, 16], 10))], attributes: ["transB": .int(1)],
                        outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        return builder.serialized()
    }

    static func shapes() -> Data {
        var builder = ONNXGraphBuilder(opset: 18)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(4), .fixed(6)])
        let shape = builder.addNode("Shape", [x])
        let batch = builder.addNode("Gather", [shape, builder.addInitializer("zero", Tensor(Int64(0)))], attributes: ["axis": .int(0)])
        let target = builder.addNode("Concat", [builder.addNode("Unsqueeze", [batch, builder.addConstant([0])]), builder.addConstant([-1, 3])],
                                     attributes: ["axis": .int(0)])
        let reshaped = builder.addNode("Reshape", [x, target])
        let transposed = builder.addNode("Transpose", [reshaped], attributes: ["perm": .ints([0, 2, 1])])
        let sliced = builder.addNode("Slice", [transposed, builder.addConstant([0]), builder.addConstant([2]), builder.addConstant([1])])
        let reduced = builder.addNode("ReduceMean", [sliced, builder.addConstant([2])], attributes: ["keepdims": .int(0)])
        let parts = builder.addNode("Split", [reduced, builder.addConstant([1, 1])], attributes: ["axis": .int(1)], outputs: ["a", "b"])
        _ = parts
        builder.addNode("Where", [builder.addNode("Greater", ["a", "b"]), "a", "b"], outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        return builder.serialized()
    }

    static func recurrent() -> Data {
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.fixed(3), .symbolic("batch"), .fixed(4)])
        let w = builder.addInitializer("lstm.W", random([1, 20, 4], 11)), r = builder.addInitializer("lstm.R", random([1, 20, 5], 12))
        let b = builder.addInitializer("lstm.B", random([1, 40], 13))
        builder.addNode("LSTM", [x, w, r, b], attributes: ["hidden_size": .int(5)], outputs: ["all", "y", "cell"])
        builder.addOutput("y", dtype: .float32)
        return builder.serialized()
    }
}
