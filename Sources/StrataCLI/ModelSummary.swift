import Strata
import StrataNN

/// A model's layers, each with its output shape for one 28x28 image, its parameter count, its
/// FLOPs and its activation memory.
///
/// FLOPs count multiply-adds as two operations, per sample: `Linear` `2 * in * out`; `Conv2d`
/// `2 * outC * outH * outW * (inC / groups) * kh * kw`; `ConvTranspose2d` the same over the input
/// positions, `2 * inC * inH * inW * (outC / groups) * kh * kw`. Elementwise layers, pooling,
/// batch norm, flatten and additions count 0. Composite layers (`Sequential`, residual blocks,
/// Inception modules) sum their parts; a parameterized layer of another type has unknown FLOPs
/// (`nil`, printed `?`).
public struct ModelSummary: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        /// The layer's path: its index in a `Sequential`, or its field name.
        public var name: String
        /// The layer's type.
        public var kind: String
        public var outputShape: [Int]
        public var parameterCount: Int
        /// Floating-point operations per sample (multiply-add = 2); `nil` when unknown.
        public var flops: Int? = 0
        /// Bytes of the layer's float32 output for one sample.
        public var activationBytes: Int = 0
    }

    public var rows: [Row]
    /// The model's trainable scalars; equals the sum over rows.
    public var totalParameters: Int
    /// Bytes of the parameters as float32 (4 per scalar).
    public var parameterBytes: Int { totalParameters * 4 }
    /// The sum of the rows' FLOPs per sample; `nil` when any row's is unknown.
    public var totalFLOPs: Int? {
        rows.reduce(Optional(0)) { total, row in total.flatMap { t in row.flops.map { t + $0 } } }
    }
    /// The sum of the rows' activation bytes per sample.
    public var totalActivationBytes: Int { rows.map(\.activationBytes).reduce(0, +) }

    /// Runs one zero image `[1, 1, 28, 28]` through the model's top-level layers in inference mode.
    public init(_ model: any Layer) {
        var rows: [Row] = []
        var x = Tensor.zeros(ModelName.inputShape(batch: 1))
        func record(_ name: String, _ layer: any Layer) {
            let (flops, y) = Self.flops(of: layer, input: x)
            x = y
            rows.append(Row(name: name, kind: String(describing: type(of: layer)), outputShape: x.shape,
                            parameterCount: layer.parameterCount, flops: flops, activationBytes: Self.activationBytes(x)))
        }
        withTrainingMode(false) { withoutGradients {
            if let sequential = model as? Sequential {
                for (index, layer) in sequential.layers.enumerated() { record(String(index), layer) }
            } else if let resnet = model as? ResNet {
                // ResNet.callAsFunction, one row per field (and the ImageNet stem's max-pool).
                record("conv1", resnet.conv1)
                record("bn1", resnet.bn1)
                record("relu", ReLU())
                if resnet.stem == .imageNet {
                    x = maxPool2d(x, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
                    rows.append(Row(name: "maxpool", kind: "maxPool2d 3x3, stride 2", outputShape: x.shape, parameterCount: 0,
                                    flops: 0, activationBytes: Self.activationBytes(x)))
                }
                for (index, stage) in resnet.stages.enumerated() { record("stages.\(index)", stage) }
                x = globalAvgPool2d(x).flattened(startAxis: 1)
                rows.append(Row(name: "pool", kind: "globalAvgPool2d + flatten", outputShape: x.shape, parameterCount: 0,
                                flops: 0, activationBytes: Self.activationBytes(x)))
                record("fc", resnet.fc)
            } else {
                record("model", model)
            }
        } }
        self.rows = rows
        totalParameters = model.parameterCount
    }

    /// Bytes of one sample of `output` (batch 1) as float32.
    static func activationBytes(_ output: Tensor) -> Int {
        output.shape.dropFirst().reduce(1, *) * 4
    }

    /// The FLOPs per sample of `layer` on `input` (batch 1), and its output.
    static func flops(of layer: any Layer, input: Tensor) -> (Int?, Tensor) {
        switch layer {
        case let linear as Linear:
            let output = linear(input)
            let rows = input.shape.dropFirst().dropLast().reduce(1, *)
            return (2 * rows * linear.weight.shape[0] * linear.weight.shape[1], output)
        case let conv as Conv2d:
            let output = conv(input)
            let w = conv.weight.shape  // [outC, inC / groups, kh, kw]
            return (2 * output.shape[1] * output.shape[2] * output.shape[3] * w[1] * w[2] * w[3], output)
        case let conv as ConvTranspose2d:
            let output = conv(input)
            let w = conv.weight.shape  // [inC, outC / groups, kh, kw]
            return (2 * input.shape[1] * input.shape[2] * input.shape[3] * w[1] * w[2] * w[3], output)
        case let sequential as Sequential:
            var x = input
            var total: Int? = 0
            for child in sequential.layers {
                let (f, y) = flops(of: child, input: x)
                total = total.flatMap { t in f.map { t + $0 } }
                x = y
            }
            return (total, x)
        case let block as BasicBlock:
            return chained([block.conv1, block.bn1, block.conv2, block.bn2], side: block.downsample, layer: block, input: input)
        case let block as Bottleneck:
            return chained([block.conv1, block.bn1, block.conv2, block.bn2, block.conv3, block.bn3], side: block.downsample,
                           layer: block, input: input)
        case let unit as ConvBNReLU:
            return chained([unit.conv, unit.bn], side: nil, layer: unit, input: input)
        case let module as InceptionModule:
            let branches: [any Layer] = [module.branch1, module.branch2, module.branch3, module.branch4]
            let total = branches.reduce(Optional(0)) { t, branch in t.flatMap { t in flops(of: branch, input: input).0.map { t + $0 } } }
            return (total, module(input))
        default:
            // Elementwise, pooling, normalization without a known formula: 0 when parameter-free or BN.
            let known = layer.parameterCount == 0 || layer is BatchNorm
            return (known ? 0 : nil, layer(input))
        }
    }

    /// The FLOPs of `parts` applied in order to `input`, plus `side` applied to `input`; the output is `layer(input)`.
    private static func chained(_ parts: [any Layer], side: Sequential?, layer: any Layer, input: Tensor) -> (Int?, Tensor) {
        var x = input
        var total: Int? = 0
        for part in parts {
            let (f, y) = flops(of: part, input: x)
            total = total.flatMap { t in f.map { t + $0 } }
            x = y
        }
        if let side { total = total.flatMap { t in flops(of: side, input: input).0.map { t + $0 } } }
        return (total, layer(input))
    }

    /// A table with a header, one line per row and the totals.
    public var table: String {
        let header = ["layer", "type", "output shape", "parameters", "FLOPs", "activations (B)"]
        let cells = rows.map { [$0.name, $0.kind, "\($0.outputShape)", String($0.parameterCount),
                                $0.flops.map(String.init) ?? "?", String($0.activationBytes)] }
        let columns = header.count
        let widths = (0..<columns).map { column in ([header] + cells).map { $0[column].count }.max()! }
        func line(_ row: [String]) -> String {
            (0..<columns).map { column in
                column >= 3 ? String(repeating: " ", count: widths[column] - row[column].count) + row[column]
                            : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(2 * (columns - 1), +))
        let note = "FLOPs per sample, multiply-add = 2 (Linear, Conv2d, ConvTranspose2d); elementwise, pooling and "
            + "batch norm count 0. Activations: bytes of each layer's float32 output per sample."
        return ([note, line(header), rule] + cells.map(line) + [
            rule,
            "total FLOPs per sample: \(totalFLOPs.map(String.init) ?? "unknown")",
            "total activation memory per sample: \(totalActivationBytes) bytes",
            "parameter memory (float32): \(parameterBytes) bytes",
            "total parameters: \(totalParameters)",
        ]).joined(separator: "\n")
    }
}
