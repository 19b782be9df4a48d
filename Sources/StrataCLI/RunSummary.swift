import Foundation
import StrataIO
import StrataTraining

/// The contents of a run's `summary.json`: its settings, every epoch's metrics, the final test
/// accuracy and confusion matrix (rows the true class; empty for wide-deep), and for wide-deep
/// the tabular results (`tabular`).
public struct RunSummary: Codable, Sendable, Equatable {
    /// One epoch of `EpochSummary`, less its confusion matrix.
    public struct Epoch: Codable, Sendable, Equatable {
        public var epoch: Int
        public var trainingLoss: Double
        public var trainingAccuracy: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?
        /// The validation ROC AUC of a binary task (wide-deep), when defined.
        public var validationAUC: Double?
        public var learningRate: Double

        public init(_ summary: EpochSummary) {
            epoch = summary.epoch
            trainingLoss = summary.trainingLoss
            trainingAccuracy = summary.trainingAccuracy
            validationLoss = summary.validationLoss
            validationAccuracy = summary.validationAccuracy
            validationAUC = summary.validationMetrics[Evaluation.rocAUCKey]
            learningRate = summary.learningRate
        }

        /// The epoch recorded in a `TrainingCheckpoint`'s metadata (its index and measured metrics).
        init(_ checkpoint: Checkpoint) throws {
            epoch = try checkpoint.metadata(TrainingCheckpoint.epochKey)
            trainingLoss = try checkpoint.metadata(TrainingMetric.trainingLoss.rawValue)
            trainingAccuracy = try checkpoint.metadata(TrainingMetric.trainingAccuracy.rawValue)
            validationLoss = try? checkpoint.metadata(TrainingMetric.validationLoss.rawValue)
            validationAccuracy = try? checkpoint.metadata(TrainingMetric.validationAccuracy.rawValue)
            validationAUC = try? checkpoint.metadata(TrainingCheckpoint.validationMetricKey(Evaluation.rocAUCKey))
            learningRate = try checkpoint.metadata(TrainingCheckpoint.learningRateKey)
        }
    }

    public var settings: TrainingSettings
    public var epochs: [Epoch]
    public var testAccuracy: Double
    public var testLoss: Double
    public var confusionMatrix: [[Int]]
    public var trainingSeconds: Double
    /// wide-deep's results; nil (and absent from the JSON) for the image models.
    public var tabular: Tabular?

    /// What a wide-deep run adds to its summary.
    public struct Tabular: Codable, Sendable, Equatable {
        /// The target's negative and positive labels.
        public var labels: [String]
        public var testAUC: Double?
        public var zeroWideWeights: Int
        public var wideWeights: Int
    }

    public static let fileName = "summary.json"

    public static func read(from directory: URL) throws(CLIError) -> RunSummary {
        try readJSON(RunSummary.self, from: directory.appendingPathComponent(fileName))
    }

    /// Decodes a run's JSON file; a missing file or malformed JSON is `CLIError.unreadableFile`.
    static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) throws(CLIError) -> T {
        let data: Data
        do {
            data = try FileProblem.contents(of: url.path)
        } catch .noSuchFile {
            throw .unreadableFile(path: url.path, reason: "no such file (is the directory a `strata train` output?)")
        } catch {
            throw .unreadableFile(path: url.path, reason: error.description)
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw .unreadableFile(path: url.path, reason: Self.reason(error))
        } catch {
            throw .unreadableFile(path: url.path, reason: FileProblem.reason(error))
        }
    }

    /// One line: what is wrong and where, instead of the decoder's full context dump.
    static func reason(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            return at(context)
        case .keyNotFound(let key, let context):
            return "missing key \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        @unknown default:
            return String(describing: error)
        }
    }

    /// Pretty-printed JSON with sorted keys, so runs diff cleanly.
    static func writeJSON(_ value: some Encodable, to url: URL) throws(CLIError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(value).write(to: url, options: .atomic)
        } catch {
            throw .unwritableOutput(path: url.path, reason: FileProblem.reason(error))
        }
    }
}
