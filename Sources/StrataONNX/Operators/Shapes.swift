import Strata

// Operators that move elements without arithmetic: Reshape, Transpose, Flatten, Squeeze,
// Unsqueeze, Concat, Split, Expand, Tile, and the shape queries Shape and Size.
extension ONNXOperators {
    static let shapes: [String: ONNXOperator] = [
        "Reshape": ONNXOperator(5...onnxMaximumOpset, reshape),
        "Transpose": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            let perm = try node.ints("perm") ?? Array((0..<x.rank).reversed())
            try node.require(perm.sorted() == Array(0..<x.rank), "perm \(perm) is not a permutation of \(x.rank) axes")
            return [x.permuted(perm)]
        },
        "Flatten": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            var axis = try node.int("axis", default: 1)
            if axis < 0 { axis += x.rank }
            try node.require((0...x.rank).contains(axis), "axis \(axis) is out of range for rank \(x.rank)")
            return [x.reshaped(to: [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
        },
        "Squeeze": ONNXOperator(squeeze),
        "Unsqueeze": ONNXOperator(unsqueeze),
        "Concat": ONNXOperator(concat),
        "Split": ONNXOperator(split),
        "Expand": ONNXOperator(8...onnxMaximumOpset) { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            guard let shape = try inputs.ints(1) else { throw node.invalid("the shape input is missing") }
            let target = try node.broadcastShape([x.shape, shape])
            try node.requireAllocatable(target)
            return [x.expanded(to: target)]
        },
        "Tile": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            guard let repeats = try inputs.ints(1) else { throw node.invalid("the repeats input is missing") }
            try node.require(repeats.count == x.rank && repeats.allSatisfy { $0 >= 0 }, "repeats \(repeats) must hold \(x.rank) counts")
            let target = zip(repeats, x.shape).map { $0.multipliedReportingOverflow(by: $1) }
            try node.require(!target.contains { $0.overflow }, "repeats \(repeats) are too large")
            try node.requireAllocatable(target.map(\.partialValue))
            // [d0, d1] -> [1, d0, 1, d1] -> [r0, d0, r1, d1] -> [r0 * d0, r1 * d1].
            let interleaved = x.shape.flatMap { [1, $0] }, expanded = zip(repeats, x.shape).flatMap { [$0, $1] }
            return [x.reshaped(to: interleaved).expanded(to: expanded).reshaped(to: target.map(\.partialValue))]
        },
        "Pad": ONNXOperator(11...onnxMaximumOpset, pad),
        "Shape": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            func bound(_ value: Int) -> Int { Swift.min(Swift.max(value < 0 ? value + x.rank : value, 0), x.rank) }
            let start = bound(try node.int("start", default: 0)), end = Swift.max(bound(try node.int("end", default: x.rank)), start)
            return [Tensor(x.shape[start..<end].map(Int64.init), shape: [end - start])]
        },
        "Size": ONNXOperator { _, inputs throws(ONNXError) in [Tensor(Int64(try inputs.required(0).scalarCount))] },
    ]

    static func reshape(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        guard let requested = try inputs.ints(1) else { throw node.invalid("the shape input is missing") }
        let allowZero = try node.int("allowzero", default: 0) != 0
        var shape: [Int] = []
        var inferred: Int?
        for (axis, size) in requested.enumerated() {
            switch size {
            case 0 where !allowZero:
                try node.require(axis < x.rank, "shape \(requested) copies axis \(axis) of \(x.shape), which has none")
                shape.append(x.shape[axis])
            case -1:
                try node.require(inferred == nil, "shape \(requested) has two -1")
                inferred = axis
                shape.append(1)
            default:
                try node.require(size >= 0, "shape \(requested) has a negative size")
                shape.append(size)
            }
        }
        guard let known = ONNXLimits.elementCount(shape) else { throw node.invalid("shape \(requested) is too large") }
        if let inferred {
            try node.require(known > 0 && x.scalarCount % known == 0, "cannot reshape \(x.shape) to \(requested)")
            shape[inferred] = x.scalarCount / known
        }
        try node.require(ONNXLimits.elementCount(shape) == x.scalarCount, "cannot reshape \(x.shape) to \(requested)")
        return [x.reshaped(to: shape)]
    }

    /// The `axes` of a node: an attribute before `inputVersion`, the input at `index` from it on.
    static func axesArgument(_ node: ONNXNode, _ inputs: ONNXInputs, index: Int, inputVersion: Int) throws(ONNXError) -> [Int]? {
        node.opset >= inputVersion ? try inputs.ints(index) : try node.ints("axes")
    }

    static func squeeze(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        var axes: [Int] = []
        if let given = try axesArgument(node, inputs, index: 1, inputVersion: 13) {
            for axis in given { axes.append(try node.axis(axis, rank: x.rank)) }
            try node.require(Set(axes).count == axes.count && axes.allSatisfy { x.shape[$0] == 1 },
                             "axes \(given) of \(x.shape) are not distinct axes of size 1")
        } else {
            axes = x.shape.indices.filter { x.shape[$0] == 1 }
        }
        return [x.reshaped(to: x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] })]
    }

    static func unsqueeze(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        guard let given = try axesArgument(node, inputs, index: 1, inputVersion: 13) else { throw node.invalid("axes are missing") }
        let rank = x.rank + given.count
        try node.require(rank <= ONNXLimits.maximumRank, "rank \(rank) is too large")
        var axes: [Int] = []
        for axis in given { axes.append(try node.axis(axis, rank: rank)) }
        try node.require(Set(axes).count == axes.count, "axes \(given) repeat")
        var shape: [Int] = [], remaining = x.shape[...]
        for axis in 0..<rank {
            if axes.contains(axis) { shape.append(1) } else { shape.append(remaining.removeFirst()) }
        }
        return [x.reshaped(to: shape)]
    }

    static func concat(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        var tensors: [Tensor] = []
        for index in 0..<inputs.count { tensors.append(try inputs.required(index)) }
        try node.require(!tensors.isEmpty, "needs at least one input")
        _ = try node.commonDType(tensors)
        guard let attribute = try node.int("axis") else { throw node.unsupported("axis", "missing") }
        let first = tensors[0], axis = try node.axis(attribute, rank: first.rank)
        try node.require(first.rank > 0, "cannot concatenate scalars")
        for tensor in tensors {
            try node.require(tensor.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] },
                             "shapes \(tensors.map(\.shape)) differ off axis \(axis)")
        }
        return [Tensor.concat(tensors, axis: axis)]
    }

    static func split(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        let axis = try node.axis(try node.int("axis", default: 0), rank: x.rank)
        let size = x.shape[axis], count = node.outputs.count
        var sizes = node.opset >= 13 ? try inputs.ints(1) : try node.ints("split")
        if sizes == nil {
            let parts = try node.int("num_outputs") ?? count
            try node.require(parts > 0 && parts == count, "num_outputs \(parts) and \(count) outputs differ")
            // Equal parts, the last smaller when the size does not divide (opset 18's rule).
            let chunk = (size + parts - 1) / parts
            try node.require(node.opset >= 18 || size % parts == 0, "\(size) does not split into \(parts) equal parts")
            sizes = (0..<parts).map { Swift.max(0, Swift.min(chunk, size - $0 * chunk)) }
        }
        guard let sizes else { return [] }
        try node.require(sizes.count == count && sizes.allSatisfy { (0...size).contains($0) } && sizes.reduce(0, +) == size,
                         "split \(sizes) does not divide axis \(axis) of \(x.shape) into \(count) outputs")
        return x.split(sizes: sizes, axis: axis)
    }

    /// Pad in `constant` mode (negative pads crop).
    static func pad(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        let mode = try node.string("mode", default: "constant")
        try node.require(mode == "constant", "mode '\(mode)' is not supported")
        guard let pads = try inputs.ints(1) else { throw node.invalid("pads are missing") }
        let value = try inputs.scalar(2) ?? 0
        var axes: [Int] = []
        if let given = try inputs.ints(3) {
            for axis in given { axes.append(try node.axis(axis, rank: x.rank)) }
        } else {
            axes = Array(0..<x.rank)
        }
        try node.require(pads.count == 2 * axes.count && Set(axes).count == axes.count, "pads \(pads) do not fit axes \(axes)")
        var widths = [(before: Int, after: Int)](repeating: (0, 0), count: x.rank)
        var shape = x.shape
        for (position, axis) in axes.enumerated() {
            let (before, after) = (pads[position], pads[position + axes.count])
            try node.require(abs(before) <= 1 << 24 && abs(after) <= 1 << 24 && x.shape[axis] + before + after >= 0,
                             "pads \(pads) do not fit \(x.shape)")
            widths[axis] = (before, after)
            shape[axis] += before + after
        }
        try node.requireAllocatable(shape)
        var y = x
        // Negative pads crop first; the rest pads.
        for axis in 0..<x.rank where widths[axis].before < 0 || widths[axis].after < 0 {
            y = y.sliced(axis: axis, start: Swift.max(0, -widths[axis].before), end: y.shape[axis] - Swift.max(0, -widths[axis].after))
            widths[axis] = (Swift.max(0, widths[axis].before), Swift.max(0, widths[axis].after))
        }
        return [widths.allSatisfy { $0 == (0, 0) } ? y : y.padded(widths, value: value)]
    }
}
