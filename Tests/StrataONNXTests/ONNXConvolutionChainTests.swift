import Foundation
import Strata
import StrataONNX
import Testing

// ONNXModel runs Conv [+ Add] [+ Relu] [+ MaxPool] chains as one fused step (ONNXExecutionPlan).
// Each graph here is run in inference (the CPU's fused kernel) and against its nodes written out
// as Strata ops on the backend without fused kernels (the specification); they agree within 1e-5
// of the largest output (float32 convolutions summed in another order). Chains that cannot fuse
// at run time (a broadcasting Add) and values also read elsewhere (a graph output) must fall back
// to node-by-node evaluation with the same values.

@Suite struct ONNXConvolutionChainTests {
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    static func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        let (a, e) = (actual.scalars(as: Float.self), expected.scalars(as: Float.self))
        let scale = Double(e.map(abs).max() ?? 0)
        return Double(zip(a, e).map { abs($0 - $1) }.max() ?? 0) / max(scale, 1e-30)
    }

    struct Weights {
        let generator = RandomGenerator(seed: 31)
        func normal(_ shape: [Int]) -> Tensor { Tensor.normal(shape, generator: generator) * 0.3 }
    }

    /// A ResNet-like graph: a stem (Conv, Relu, MaxPool 3x3/2 pad 1), then a block whose residual
    /// is a 1x1 "downsample" convolution listed after the block's second convolution, as
    /// torchvision's exports order them: `relu(conv2(relu(conv1(p))) + down(p))`. The values
    /// between the convolutions stay blocked (24 channels pad to the kernel's block) and the
    /// output, a graph output, is plain.
    @Test(arguments: [8, 24])
    func resNetLikeGraphMatchesItsNodes(channels c: Int) throws {
        let w = Weights()
        let (stemW, stemB) = (w.normal([c, 3, 3, 3]), w.normal([c]))
        let (w1, b1, w2, b2) = (w.normal([c, c, 3, 3]), w.normal([c]), w.normal([c, c, 3, 3]), w.normal([c]))
        let (downW, downB) = (w.normal([c, c, 1, 1]), w.normal([c]))
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(3), .fixed(16), .fixed(16)])
        let pad1: [String: ONNXGraphBuilder.Attribute] = ["pads": .ints([1, 1, 1, 1]), "kernel_shape": .ints([3, 3])]
        var stem = builder.addNode("Conv", [x, builder.addInitializer("stem.weight", stemW), builder.addInitializer("stem.bias", stemB)],
                                   attributes: pad1)
        stem = builder.addNode("Relu", [stem])
        let p = builder.addNode("MaxPool", [stem], attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]),
                                                                "pads": .ints([1, 1, 1, 1])])
        var h = builder.addNode("Conv", [p, builder.addInitializer("c1.weight", w1), builder.addInitializer("c1.bias", b1)],
                                attributes: pad1)
        h = builder.addNode("Relu", [h])
        h = builder.addNode("Conv", [h, builder.addInitializer("c2.weight", w2), builder.addInitializer("c2.bias", b2)],
                            attributes: pad1)
        let down = builder.addNode("Conv", [p, builder.addInitializer("down.weight", downW), builder.addInitializer("down.bias", downB)])
        let sum = builder.addNode("Add", [h, down])
        builder.addNode("Relu", [sum], outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        let model = try ONNXModel(serialized: builder.serialized())

        for batch in [1, 3] {
            let input = Tensor.normal([batch, 3, 16, 16], generator: RandomGenerator(seed: UInt64(batch)))
            let expected = withBackend(Self.composite) {
                let stem = relu(conv2d(input, weight: stemW, bias: stemB, padding: .explicit(height: 1, width: 1)))
                let p = maxPool2d(stem, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
                let h = relu(conv2d(p, weight: w1, bias: b1, padding: .explicit(height: 1, width: 1)))
                let c2 = conv2d(h, weight: w2, bias: b2, padding: .explicit(height: 1, width: 1))
                return relu(c2 + conv2d(p, weight: downW, bias: downB))
            }
            let fused = try withoutGradients { try model.run(["x": input])["y"]! }
            #expect(fused.shape == [batch, c, 8, 8])
            #expect(Self.relativeError(fused, expected) <= 1e-5, "batch \(batch)")
        }
    }

    /// `relu(conv(x) + c)` with `c` a per-channel `[1, C, 1, 1]` initializer: the Add broadcasts,
    /// so the chain falls back to its nodes; and a Conv whose output is also a graph output is
    /// left unfused.
    @Test func chainsThatCannotFuseRunNodeByNode() throws {
        let w = Weights()
        let (weight, shift) = (w.normal([4, 2, 3, 3]), w.normal([1, 4, 1, 1]))
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.fixed(2), .fixed(2), .fixed(6), .fixed(6)])
        let weightName = builder.addInitializer("conv.weight", weight)
        let conv = builder.addNode("Conv", [x, weightName])
        let sum = builder.addNode("Add", [conv, builder.addInitializer("shift", shift)])
        builder.addNode("Relu", [sum], outputs: ["y"])
        builder.addNode("Conv", [x, weightName], outputs: ["raw"])
        builder.addNode("Relu", ["raw"], outputs: ["activated"])
        for name in ["y", "raw", "activated"] { builder.addOutput(name, dtype: .float32) }
        let model = try ONNXModel(serialized: builder.serialized())
        let input = Tensor.normal([2, 2, 6, 6], generator: RandomGenerator(seed: 9))
        let outputs = try withoutGradients { try model.run(["x": input]) }
        let raw = withBackend(Self.composite) { conv2d(input, weight: weight) }
        #expect(Self.relativeError(outputs["y"]!, withBackend(Self.composite) { relu(raw + shift) }) <= 1e-5)
        #expect(Self.relativeError(outputs["raw"]!, raw) <= 1e-5)
        #expect(Self.relativeError(outputs["activated"]!, withBackend(Self.composite) { relu(raw) }) <= 1e-5)
    }

    /// A chain whose input a previous chain left blocked, but which cannot fuse (its Add
    /// broadcasts), runs its nodes on the input made plain; a Conv whose output nodes other than
    /// chains read (a Relu and an Add) writes it plain.
    @Test func blockedValuesReachNodesPlain() throws {
        let w = Weights()
        let (w1, w2, w3) = (w.normal([32, 16, 3, 3]), w.normal([32, 32, 3, 3]), w.normal([32, 32, 1, 1]))
        let shift = w.normal([1, 32, 1, 1])
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(16), .fixed(8), .fixed(8)])
        let pad1: [String: ONNXGraphBuilder.Attribute] = ["pads": .ints([1, 1, 1, 1])]
        let h = builder.addNode("Relu", [builder.addNode("Conv", [x, builder.addInitializer("w1", w1)], attributes: pad1)])
        let conv2 = builder.addNode("Conv", [h, builder.addInitializer("w2", w2)], attributes: pad1)
        let g = builder.addNode("Relu", [builder.addNode("Add", [conv2, builder.addInitializer("shift", shift)])])
        let k = builder.addNode("Conv", [g, builder.addInitializer("w3", w3)])
        let sum = builder.addNode("Add", [builder.addNode("Relu", [k]), k])
        builder.addNode("GlobalAveragePool", [sum], outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        let model = try ONNXModel(serialized: builder.serialized())
        for batch in [1, 2] {
            let input = Tensor.normal([batch, 16, 8, 8], generator: RandomGenerator(seed: 40 + UInt64(batch)))
            let expected = withBackend(Self.composite) {
                let h = relu(conv2d(input, weight: w1, padding: .explicit(height: 1, width: 1)))
                let g = relu(conv2d(h, weight: w2, padding: .explicit(height: 1, width: 1)) + shift)
                let k = conv2d(g, weight: w3)
                return (relu(k) + k).mean(alongAxes: [2, 3], keepDims: true)
            }
            let output = try withoutGradients { try model.run(["x": input])["y"]! }
            #expect(output.shape == [batch, 32, 1, 1])
            #expect(Self.relativeError(output, expected) <= 1e-5, "batch \(batch)")
        }
    }

    /// A depthwise (grouped) convolution after an ungrouped one: the first chain's output, read
    /// by a chain that runs on plain tensors, is written plain.
    @Test func groupedConvolutionAfterAChain() throws {
        let w = Weights()
        let (w1, b1, depthwise) = (w.normal([16, 8, 3, 3]), w.normal([16]), w.normal([16, 1, 3, 3]))
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(8), .fixed(7), .fixed(7)])
        let pad1: [String: ONNXGraphBuilder.Attribute] = ["pads": .ints([1, 1, 1, 1])]
        let h = builder.addNode("Relu", [builder.addNode("Conv", [x, builder.addInitializer("w1", w1), builder.addInitializer("b1", b1)],
                                                         attributes: pad1)])
        let d = builder.addNode("Conv", [h, builder.addInitializer("depthwise", depthwise)],
                                attributes: ["pads": .ints([1, 1, 1, 1]), "group": .int(16)])
        builder.addNode("Relu", [d], outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        let model = try ONNXModel(serialized: builder.serialized())
        let input = Tensor.normal([2, 8, 7, 7], generator: RandomGenerator(seed: 50))
        let expected = withBackend(Self.composite) {
            let h = relu(conv2d(input, weight: w1, bias: b1, padding: .explicit(height: 1, width: 1)))
            return relu(conv2d(h, weight: depthwise, padding: .explicit(height: 1, width: 1), groups: 16))
        }
        let output = try withoutGradients { try model.run(["x": input])["y"]! }
        #expect(Self.relativeError(output, expected) <= 1e-5)
    }

    /// `relu(batchNorm(conv(x)))` with the running statistics: in inference the batch norm is
    /// folded into the convolution; it must agree with the batch norm's formula run as a node,
    /// and a recorded pass (fine-tuning) keeps the node, so its gradients are unchanged.
    @Test func batchNormFoldedIntoConvolutionMatchesTheNode() throws {
        let w = Weights()
        let (weight, bias) = (w.normal([6, 3, 3, 3]), w.normal([6]))
        let scale = Tensor.uniform([6], low: 0.5, high: 1.5, generator: w.generator)
        let (shift, mean) = (w.normal([6]), w.normal([6]))
        let variance = Tensor.uniform([6], low: 0.2, high: 2, generator: w.generator)
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float32, shape: [.symbolic("batch"), .fixed(3), .fixed(9), .fixed(9)])
        let conv = builder.addNode("Conv", [x, builder.addInitializer("conv.weight", weight), builder.addInitializer("conv.bias", bias)],
                                   attributes: ["pads": .ints([1, 1, 1, 1])])
        let normalized = builder.addNode("BatchNormalization", [conv] + [("bn.weight", scale), ("bn.bias", shift),
                                         ("bn.running_mean", mean), ("bn.running_var", variance)].map { builder.addInitializer($0.0, $0.1) },
                                         attributes: ["epsilon": .float(1e-3)])
        builder.addNode("Relu", [normalized], outputs: ["y"])
        builder.addOutput("y", dtype: .float32)
        let model = try ONNXModel(serialized: builder.serialized())
        let input = Tensor.normal([2, 3, 9, 9], generator: RandomGenerator(seed: 12))
        // ONNX's BatchNormalization in inference: (x - mean) / sqrt(variance + epsilon) * scale + shift.
        func byTheNodes(_ weight: Tensor) -> Tensor {
            let y = conv2d(input, weight: weight, bias: bias, padding: .explicit(height: 1, width: 1))
            let channel = { (t: Tensor) in t.reshaped(to: [1, 6, 1, 1]) }
            return relu((y - channel(mean)) * channel(scale * rsqrt(variance + 1e-3)) + channel(shift))
        }
        let expected = withBackend(Self.composite) { byTheNodes(weight) }
        let folded = try withoutGradients { try model.run(["x": input])["y"]! }
        #expect(Self.relativeError(folded, expected) <= 1e-5)
        // A second run uses the cached folding; a model with other weights folds again.
        #expect(Self.relativeError(try withoutGradients { try model.run(["x": input])["y"]! }, folded) == 0)
        var changed = model
        changed.visitParameters { path, tensor, _ in
            if path.description == "conv.weight" { tensor = weight * 0.5 }
        }
        let expectedChanged = withBackend(Self.composite) { byTheNodes(weight * 0.5) }
        #expect(Self.relativeError(try withoutGradients { try changed.run(["x": input])["y"]! }, expectedChanged) <= 1e-5)

        let (_, gradients) = valueAndGradient(at: model) { $0(input).sum() }
        let (_, expectedGradient) = valueAndGradient(at: weight) { byTheNodes($0).sum() }
        #expect(Self.relativeError(gradients[try ParameterPath(parsing: "conv.weight")]!, expectedGradient) <= 1e-5)
    }
}
