import Strata

/// The window attributes that Conv, ConvTranspose and the pooling operators share, read for one
/// or two spatial axes (a 1-D input runs as a 2-D one of height 1).
struct SpatialGeometry: Sendable {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// Padding before each axis, then after (ONNX's `[x1_begin, x2_begin, x1_end, x2_end]`).
    var padsBegin: [Int]
    var padsEnd: [Int]

    /// Reads the attributes of `node` for `input` (`[batch, channels, spatial...]`) and a window of
    /// `kernel` (from the weight, or nil to read `kernel_shape`).
    init(_ node: ONNXNode, input: Tensor, kernel weightKernel: [Int]?, transposed: Bool = false) throws(ONNXError) {
        try self.init(node, inputShape: input.shape, kernel: weightKernel, transposed: transposed)
    }

    /// Reads the attributes of `node` for an input of `inputShape` (see `init(_:input:kernel:transposed:)`).
    init(_ node: ONNXNode, inputShape: [Int], kernel weightKernel: [Int]?, transposed: Bool = false) throws(ONNXError) {
        let spatial = inputShape.count - 2
        try node.require(spatial == 1 || spatial == 2,
                         "input \(inputShape) must be [batch, channels, width] or [batch, channels, height, width]")
        guard let kernel = try node.ints("kernel_shape") ?? weightKernel else { throw node.unsupported("kernel_shape", "missing") }
        if let weightKernel { try node.require(kernel == weightKernel, "kernel_shape \(kernel) is not the weight's \(weightKernel)") }
        let strides = try node.ints("strides") ?? Array(repeating: 1, count: spatial)
        let dilations = try node.ints("dilations") ?? Array(repeating: 1, count: spatial)
        for (name, values) in [("kernel_shape", kernel), ("strides", strides), ("dilations", dilations)] {
            guard values.count == spatial, values.allSatisfy({ (1...1 << 16).contains($0) }) else {
                throw node.unsupported(name, "\(values) must hold \(spatial) positive values")
            }
        }
        let autoPad = try node.string("auto_pad", default: "NOTSET")
        var begin = Array(repeating: 0, count: spatial), end = begin
        switch autoPad {
        case "NOTSET":
            if let pads = try node.ints("pads") {
                guard pads.count == 2 * spatial, pads.allSatisfy({ (0...1 << 16).contains($0) }) else {
                    throw node.unsupported("pads", "\(pads) must hold \(2 * spatial) non-negative values")
                }
                begin = Array(pads[..<spatial])
                end = Array(pads[spatial...])
            }
        case "VALID": break
        case "SAME_UPPER", "SAME_LOWER":
            try node.require(!transposed || node.has("output_shape"), "auto_pad SAME on ConvTranspose needs output_shape")
            for axis in 0..<spatial {
                let size = inputShape[2 + axis]
                let output = (size + strides[axis] - 1) / strides[axis]
                let total = Swift.max(0, (output - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - size)
                begin[axis] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                end[axis] = total - begin[axis]
            }
        default: throw node.unsupported("auto_pad", "'\(autoPad)' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
        }
        self.kernel = kernel
        self.strides = strides
        self.dilations = dilations
        padsBegin = begin
        padsEnd = end
        if spatial == 1 {
            // A 1-D window is a 2-D window of height 1.
            self.kernel.insert(1, at: 0)
            self.strides.insert(1, at: 0)
            self.dilations.insert(1, at: 0)
            padsBegin.insert(0, at: 0)
            padsEnd.insert(0, at: 0)
        }
    }

    var isSymmetric: Bool { padsBegin == padsEnd }

    /// `x` padded with `value` by the begin and end pads of both spatial axes.
    func pad(_ x: Tensor, value: Double) -> Tensor {
        x.padded([(0, 0), (0, 0), (padsBegin[0], padsEnd[0]), (padsBegin[1], padsEnd[1])], value: value)
    }

    /// The output size of a window over `size` elements of axis `axis` with `padding` total.
    func outputSize(_ size: Int, axis: Int, padding: Int, ceilMode: Bool = false) -> Int {
        let span = size + padding - dilations[axis] * (kernel[axis] - 1) - 1
        guard span >= 0 else { return 0 }
        var count = (ceilMode ? (span + strides[axis] - 1) / strides[axis] : span / strides[axis]) + 1
        // PyTorch's (and ONNX's) rule: the last window must start inside the input or left padding.
        if ceilMode, (count - 1) * strides[axis] >= size + padsBegin[axis] { count -= 1 }
        return count
    }
}

extension Tensor {
    /// A 1-D `[batch, channels, width]` tensor as `[batch, channels, 1, width]`, or self.
    func asSpatial2D() -> Tensor { rank == 3 ? unsqueezed(axis: 2) : self }
}
