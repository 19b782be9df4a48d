import Strata
import StrataNN

// LSTM, GRU and RNN layers as ONNX's recurrent operators, one node per layer: PyTorch's gate
// order (LSTM i, f, g, o; GRU r, z, n) reordered to ONNX's (i, o, f, c; z, r, h), the GRU with
// linear_before_reset = 1 (PyTorch's equations), both directions stacked.
extension ONNXExporter {
    enum RecurrentKind {
        case lstm, gru, rnn

        var opType: String {
            switch self {
            case .lstm: "LSTM"
            case .gru: "GRU"
            case .rnn: "RNN"
            }
        }

        /// ONNX's gate blocks as positions of PyTorch's.
        var gateOrder: [Int] {
            switch self {
            case .lstm: [0, 3, 1, 2]
            case .gru: [1, 0, 2]
            case .rnn: [0]
            }
        }
    }

    private func reordered(_ tensor: Tensor, _ kind: RecurrentKind, hidden: Int) -> Tensor {
        Tensor.concat(kind.gateOrder.map { tensor.sliced(axis: 0, start: $0 * hidden, end: ($0 + 1) * hidden) }, axis: 0)
    }

    mutating func emitRecurrent(_ kind: RecurrentKind, _ configuration: RecurrentConfiguration, input: Value,
                                path: String) throws(ONNXError) -> Value {
        guard input.rank == 3 else { throw .unsupportedExport(reason: "\(kind.opType) at \(path) needs a 3-D input") }
        let hidden = configuration.hiddenSize, directions = configuration.bidirectional ? 2 : 1
        let gates = kind.gateOrder.count
        var x = configuration.batchFirst ? node("Transpose", [input.name], ["perm": .ints([1, 0, 2])], rank: 3) : input
        for layer in 0..<configuration.layers {
            var w: [Tensor] = [], r: [Tensor] = [], b: [Tensor] = []
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                func get(_ name: String) throws(ONNXError) -> Tensor {
                    guard let value = state[Self.join(path, name + suffix)] else {
                        throw .unsupportedExport(reason: "no tensor \(Self.join(path, name + suffix))")
                    }
                    return value
                }
                let inputWeight = try get("weight_ih"), hiddenWeight = try get("weight_hh")
                w.append(reordered(inputWeight, kind, hidden: hidden))
                r.append(reordered(hiddenWeight, kind, hidden: hidden))
                if configuration.bias {
                    b.append(Tensor.concat([reordered(try get("bias_ih"), kind, hidden: hidden),
                                            reordered(try get("bias_hh"), kind, hidden: hidden)], axis: 0))
                } else {
                    b.append(Tensor.zeros([2 * gates * hidden], dtype: inputWeight.dtype))
                }
            }
            let base = Self.join(path, "onnx")
            let names = [("W", w), ("R", r), ("B", b)].map { name, tensors in
                builder.addInitializer(uniquelyNamed: "\(base).\(name)_l\(layer)", Tensor.stack(tensors, axis: 0))
            }
            var attributes: [String: ONNXGraphBuilder.Attribute] = [
                "hidden_size": .int(hidden), "direction": .string(directions == 2 ? "bidirectional" : "forward"),
            ]
            if kind == .gru { attributes["linear_before_reset"] = .int(1) }
            let y = node(kind.opType, [x.name] + names, attributes, rank: 4)       // [seq, directions, batch, hidden]
            let merged = node("Transpose", [y.name], ["perm": .ints([0, 2, 1, 3])], rank: 4)
            x = node("Reshape", [merged.name, builder.addConstant([0, 0, -1])], rank: 3)
        }
        return configuration.batchFirst ? node("Transpose", [x.name], ["perm": .ints([1, 0, 2])], rank: 3) : x
    }
}
