import Foundation
import Strata
import StrataCLI
import StrataData
import StrataNN
import StrataTraining

/// A Wide & Deep model trained by `strata train --model wide-deep`: one input per CSV column it
/// reads, each `[-1]` (or `[-1, 1]`), the numeric columns as FP32 (or as BYTES, the CSV text,
/// where "", "?" and "NA" are missing), the categorical columns as BYTES; outputs `probability`,
/// FP32 `[-1]`, of the positive label, and `label`, BYTES `[-1]`, the predicted label. Rows are
/// encoded exactly as `strata predict` encodes a CSV file's, by the encoder saved in the weights.
public struct WideDeepModel: ServedModel {
    /// The model value; read on the batch thread only.
    private final class Box: @unchecked Sendable {
        let model: WideDeep
        init(_ model: WideDeep) { self.model = model }
    }

    private let box: Box
    private let encoder: TabularEncoder
    public let platform = "strata_safetensors"

    /// The model and encoder in `weights`.
    /// - Throws: `CLIError` for a missing, corrupt or inconsistent file.
    public init(weights: String) throws(CLIError) {
        let (model, encoder) = try TabularRunTask.load(weights: weights)
        box = Box(model)
        self.encoder = encoder
    }

    public var inputs: [TensorMetadata] {
        encoder.schema.numeric.map { TensorMetadata(name: $0, datatype: .fp32, shape: [-1]) }
            + encoder.schema.categorical.map { TensorMetadata(name: $0, datatype: .bytes, shape: [-1]) }
    }

    public var outputs: [TensorMetadata] {
        [TensorMetadata(name: "probability", datatype: .fp32, shape: [-1]),
         TensorMetadata(name: "label", datatype: .bytes, shape: [-1])]
    }

    public func prepare(_ inputs: [NamedTensor]) throws(InferenceError) -> ModelRows {
        let expected = self.inputs
        var columns: [[String]] = []
        var rows: Int?
        for column in expected {
            let input = try InputCheck.named(column.name, in: inputs, expected: expected)
            guard input.shape.count == 1 || (input.shape.count == 2 && input.shape[1] == 1), input.shape[0] > 0 else {
                throw .badRequest("input '\(input.name)' has shape \(input.shape), expected [-1] or [-1, 1] with at least one row")
            }
            if let rows, rows != input.shape[0] {
                throw .badRequest("input '\(input.name)' has \(input.shape[0]) rows, the inputs before it \(rows)")
            }
            rows = input.shape[0]
            switch input.data {
            case .strings(let cells): columns.append(cells)
            case .numbers(let values):
                guard column.datatype == .fp32 else {
                    throw .badRequest("input '\(input.name)' is categorical: send it as BYTES, not \(input.datatype.rawValue)")
                }
                columns.append(values.map { $0.description })
            }
        }
        let rowCount = rows ?? 0
        // The request's rows as the CSV text `strata predict` reads, every cell quoted (RFC 4180).
        func quoted(_ cell: String) -> String { "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var text = expected.map { quoted($0.name) }.joined(separator: ",") + "\n"
        for row in 0..<rowCount { text += columns.map { quoted($0[row]) }.joined(separator: ",") + "\n" }
        var kinds: [String: CSVColumnKind] = [:]
        for name in encoder.schema.numeric { kinds[name] = .numeric }
        for name in encoder.schema.categorical { kinds[name] = .categorical }
        let data: TabularData
        do {
            data = try encoder.encode(CSVTable(text: text, columnKinds: kinds), includeLabels: false)
        } catch let error as CSVError {
            throw .badRequest(error.description)
        } catch let error as TabularError {
            throw .badRequest(error.description)
        } catch {
            throw .badRequest(String(describing: error))
        }
        return ModelRows(count: rowCount, tensors: [data.numeric, data.categorical, data.wide])
    }

    public func run(_ rows: ModelRows) -> [NamedTensor] {
        let data = TabularData(numeric: rows.tensors[0], categorical: rows.tensors[1], wide: rows.tensors[2], labels: nil)
        // As `strata predict` computes them (TabularRunTask.predict).
        let probabilities = withTrainingMode(false) { withoutGradients { BinaryTabularPrediction().predict(box.model, on: data) } }
            .cast(to: .float64).scalars(as: Double.self)
        return [NamedTensor(name: "probability", datatype: .fp32, shape: [rows.count], data: .numbers(probabilities)),
                NamedTensor(name: "label", datatype: .bytes, shape: [rows.count],
                            data: .strings(probabilities.map { encoder.labels[$0 >= 0.5 ? 1 : 0] }))]
    }
}
