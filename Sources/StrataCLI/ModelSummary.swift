import Strata
import StrataNN

/// A model's layers, each with its output shape for one 28x28 image and its parameter count.
public struct ModelSummary: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        /// The layer's path: its index in a `Sequential`, or its field name.
        public var name: String
        /// The layer's type.
        public var kind: String
        public var outputShape: [Int]
        public var parameterCount: Int
    }

    public var rows: [Row]
    /// The model's trainable scalars; equals the sum over rows.
    public var totalParameters: Int

    /// Runs one zero image `[1, 1, 28, 28]` through the model's top-level layers in inference mode.
    public init(_ model: any Layer) {
        var model = model
        model.setTraining(false)
        var rows: [Row] = []
        var x = Tensor.zeros(ModelName.inputShape(batch: 1))
        func record(_ name: String, _ layer: any Layer) {
            x = layer(x)
            rows.append(Row(name: name, kind: String(describing: type(of: layer)), outputShape: x.shape,
                            parameterCount: layer.parameterCount))
        }
        withoutGradients {
            if let sequential = model as? Sequential {
                for (index, layer) in sequential.layers.enumerated() { record(String(index), layer) }
            } else if let resnet = model as? ResNet, resnet.stem == .small {
                // ResNet.callAsFunction for the small stem, one row per field.
                record("conv1", resnet.conv1)
                record("bn1", resnet.bn1)
                record("relu", ReLU())
                for (index, stage) in resnet.stages.enumerated() { record("stages.\(index)", stage) }
                x = globalAvgPool2d(x).flattened(startAxis: 1)
                rows.append(Row(name: "pool", kind: "globalAvgPool2d + flatten", outputShape: x.shape, parameterCount: 0))
                record("fc", resnet.fc)
            } else {
                record("model", model)
            }
        }
        self.rows = rows
        totalParameters = model.parameterCount
    }

    /// A table with a header, one line per row and the total.
    public var table: String {
        let header = ["layer", "type", "output shape", "parameters"]
        let cells = rows.map { [$0.name, $0.kind, "\($0.outputShape)", String($0.parameterCount)] }
        let widths = (0..<4).map { column in ([header] + cells).map { $0[column].count }.max()! }
        func line(_ row: [String]) -> String {
            (0..<4).map { column in
                column == 3 ? String(repeating: " ", count: widths[3] - row[3].count) + row[3]
                            : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(6, +))
        return ([line(header), rule] + cells.map(line) + [rule, "total parameters: \(totalParameters)"]).joined(separator: "\n")
    }
}
