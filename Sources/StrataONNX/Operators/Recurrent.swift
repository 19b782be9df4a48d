import Strata

// LSTM, GRU and RNN with ONNX's gate layouts (LSTM: i, o, f, c; GRU: z, r, h), directions and
// layouts, run step by step on Strata's ops so gradients reach every weight.
extension ONNXOperators {
    static let recurrent: [String: ONNXOperator] = [
        "LSTM": ONNXOperator { node, inputs throws(ONNXError) in try recurrentLayer(node, inputs, kind: .lstm) },
        "GRU": ONNXOperator { node, inputs throws(ONNXError) in try recurrentLayer(node, inputs, kind: .gru) },
        "RNN": ONNXOperator { node, inputs throws(ONNXError) in try recurrentLayer(node, inputs, kind: .rnn) },
    ]

    enum RecurrentKind {
        case lstm, gru, rnn

        var gates: Int {
            switch self {
            case .lstm: 4
            case .gru: 3
            case .rnn: 1
            }
        }

        var defaultActivations: [String] {
            switch self {
            case .lstm: ["Sigmoid", "Tanh", "Tanh"]
            case .gru: ["Sigmoid", "Tanh"]
            case .rnn: ["Tanh"]
            }
        }
    }

    static func recurrentLayer(_ node: ONNXNode, _ inputs: ONNXInputs, kind: RecurrentKind) throws(ONNXError) -> [Tensor] {
        try node.checkAttributes(["activations", "direction", "hidden_size", "layout", "linear_before_reset", "input_forget", "clip"])
        try node.require(!node.has("clip"), "clip is not supported")
        try node.require(try node.int("input_forget", default: 0) == 0, "input_forget is not supported")
        let directions: [Bool]
        switch try node.string("direction", default: "forward") {
        case "forward": directions = [false]
        case "reverse": directions = [true]
        case "bidirectional": directions = [false, true]
        case let other: throw node.unsupported("direction", "'\(other)' is not forward, reverse or bidirectional")
        }
        if let activations = try node.strings("activations") {
            let expected = Array(repeating: kind.defaultActivations, count: directions.count).flatMap { $0 }
            try node.require(activations == expected, "activations \(activations) other than \(expected) are not supported")
        }
        let batchFirst = try node.int("layout", default: 0) != 0
        var x = try inputs.required(0)
        let (w, r) = (try inputs.required(1), try inputs.required(2))
        try node.requireFloat(x)
        try node.require(x.rank == 3, "X \(x.shape) must be [sequence, batch, inputs]")
        if batchFirst { x = x.transposed(0, 1) }
        let (steps, batch, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
        let hidden = w.rank == 3 ? w.shape[1] / kind.gates : 0
        if let size = try node.int("hidden_size") { try node.require(size == hidden, "hidden_size \(size) does not fit W \(w.shape)") }
        let g = kind.gates * hidden
        try node.require(hidden > 0 && w.shape == [directions.count, g, inputSize] && r.shape == [directions.count, g, hidden]
                         && w.dtype == x.dtype && r.dtype == x.dtype,
                         "W \(w.shape) and R \(r.shape) do not fit X \(x.shape) with \(directions.count) directions")
        let bias = inputs.optional(3)
        if let bias { try node.require(bias.shape == [directions.count, 2 * g] && bias.dtype == x.dtype, "B \(bias.shape) must be [\(directions.count), \(2 * g)]") }
        if let lengths = try inputs.ints(4) {
            try node.require(lengths.count == batch && lengths.allSatisfy { $0 == steps },
                             "sequence_lens \(lengths) shorter than the sequence (\(steps)) are not supported")
        }
        try node.require(inputs.optional(7) == nil, "peepholes (P) are not supported")
        var initial: [Tensor?] = []
        for index in [5, 6] {
            guard var state = inputs.optional(index) else { initial.append(nil); continue }
            if batchFirst { state = state.transposed(0, 1) }
            try node.require(state.shape == [directions.count, batch, hidden] && state.dtype == x.dtype,
                             "initial state \(state.shape) must be [\(directions.count), \(batch), \(hidden)]")
            initial.append(state)
        }
        try node.requireAllocatable([steps, directions.count, batch, hidden])
        let linearBeforeReset = try node.int("linear_before_reset", default: 0) != 0
        var outputs: [Tensor] = [], finalHidden: [Tensor] = [], finalCell: [Tensor] = []
        for (direction, reverse) in directions.enumerated() {
            let wd = w[.index(direction)], rd = r[.index(direction)]
            var projected = steps == 0 ? x.reshaped(to: [0, batch, g]) : matmul(x, wd.transposed())
            var recurrentBias: Tensor?
            if let bias {
                projected = projected + bias[.index(direction)].sliced(axis: 0, start: 0, end: g)
                recurrentBias = bias[.index(direction)].sliced(axis: 0, start: g, end: 2 * g)
            }
            var h = initial[0].map { $0[.index(direction)] } ?? Tensor.zeros([batch, hidden], dtype: x.dtype)
            var c = initial[1].map { $0[.index(direction)] } ?? Tensor.zeros([batch, hidden], dtype: x.dtype)
            var states = [Tensor?](repeating: nil, count: steps)
            for step in reverse ? Array((0..<steps).reversed()) : Array(0..<steps) {
                let xt = projected[.index(step)]
                var hr = matmul(h, rd.transposed())
                if let recurrentBias { hr = hr + recurrentBias }
                func gate(_ t: Tensor, _ k: Int) -> Tensor { t.sliced(axis: 1, start: k * hidden, end: (k + 1) * hidden) }
                switch kind {
                case .lstm:
                    let i = sigmoid(gate(xt, 0) + gate(hr, 0)), o = sigmoid(gate(xt, 1) + gate(hr, 1))
                    let f = sigmoid(gate(xt, 2) + gate(hr, 2)), candidate = tanh(gate(xt, 3) + gate(hr, 3))
                    c = f * c + i * candidate
                    h = o * tanh(c)
                case .gru:
                    let z = sigmoid(gate(xt, 0) + gate(hr, 0)), reset = sigmoid(gate(xt, 1) + gate(hr, 1))
                    let candidate: Tensor
                    if linearBeforeReset {
                        candidate = tanh(gate(xt, 2) + reset * gate(hr, 2))
                    } else {
                        var resetHidden = matmul(reset * h, gate(rd.transposed(), 2))
                        if let recurrentBias { resetHidden = resetHidden + recurrentBias.sliced(axis: 0, start: 2 * hidden, end: 3 * hidden) }
                        candidate = tanh(gate(xt, 2) + resetHidden)
                    }
                    h = (1.0 - z) * candidate + z * h
                case .rnn:
                    h = tanh(xt + hr)
                }
                states[step] = h
            }
            outputs.append(steps == 0 ? Tensor.zeros([0, batch, hidden], dtype: x.dtype) : Tensor.stack(states.map { $0! }, axis: 0))
            finalHidden.append(h)
            finalCell.append(c)
        }
        var y = Tensor.stack(outputs, axis: 1)           // [steps, directions, batch, hidden]
        var yh = Tensor.stack(finalHidden, axis: 0)      // [directions, batch, hidden]
        var yc = Tensor.stack(finalCell, axis: 0)
        if batchFirst {
            y = y.permuted([2, 0, 1, 3])
            yh = yh.transposed(0, 1)
            yc = yc.transposed(0, 1)
        }
        return kind == .lstm ? [y, yh, yc] : [y, yh]
    }
}
