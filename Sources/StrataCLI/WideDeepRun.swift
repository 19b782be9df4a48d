import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataTraining

/// A `strata train --model wide-deep` run on a CSV table, and the `evaluate` and `predict` of
/// its weights.
///
/// The table is split 80/20 into training and test rows by `--seed`, and the training rows again
/// into the rows trained on and those held out for validation (`--validation-split`, default a
/// tenth), evaluated after each epoch; the test rows are evaluated once, on the final model. The
/// encoder (vocabularies, standardization, buckets, crosses) is fitted on the rows trained on. The directory receives
/// `settings.json`, `model.safetensors` (state dictionary; metadata `model`, `wide_deep.configuration`
/// and `wide_deep.encoder` as JSON, so that evaluate and predict rebuild the model and encode new
/// rows exactly as in training) and `summary.json` (`WideDeepSummary`).
public struct WideDeepRun {
    public var settings: TrainingSettings
    public var directory: URL
    /// Where progress lines go; default standard output.
    public var output: (String) -> Void = ProgressReporter.writeToStandardOutput

    public init(settings: TrainingSettings, directory: URL) {
        self.settings = settings
        self.directory = directory
    }

    static let configurationKey = "wide_deep.configuration"
    static let encoderKey = "wide_deep.encoder"

    public var weightsURL: URL { directory.appendingPathComponent("model.safetensors") }

    @discardableResult
    public func run() throws -> WideDeepSummary {
        try settings.validate()
        guard let tabular = settings.tabular else { throw CLIError.unsupported("wide-deep needs --target") }
        // Held from before the table is read until the last file is written.
        let lock = try TrainingRun.prepare(directory, output: output)
        defer { lock.release() }
        var kinds: [String: CSVColumnKind] = [:]
        for name in tabular.categorical { kinds[name] = .categorical }
        for name in tabular.numeric { kinds[name] = .numeric }
        var table = try Self.readTable(settings.dataset, columnKinds: kinds, nonFinite: tabular.nonFinite ?? .reject)
        if let limit = settings.limit, limit < table.rowCount { table = table.selecting(rows: Array(0..<limit)) }
        let seeds = RunSeeds(settings.seed)
        let testSplit = splitIndices(count: table.rowCount, fractions: [0.8, 0.2], seed: seeds.selection)
        let held = try (settings.validationSplit ?? .defaultRows).splitIndices(count: testSplit[0].count, seed: seeds.validation)
        let parts = [held.training.map { testSplit[0][$0] }, held.validation.map { testSplit[0][$0] }, testSplit[1]]
            .map(table.selecting(rows:))
        guard let wideDeepParts = WideDeepParts(rawValue: tabular.parts) else {
            throw CLIError.unsupported("--parts must be wide, deep or wide-deep, got \(tabular.parts)")
        }
        guard let wideOptimizer = WideOptimizer(rawValue: tabular.wideOptimizer) else {
            throw CLIError.unsupported("--wide-optimizer must be ftrl or proximal, got \(tabular.wideOptimizer)")
        }
        let (encoder, training, validation, test): (TabularEncoder, TabularData, TabularData, TabularData)
        do {
            let crosses = try tabular.crosses.map { text throws(TabularError) in try FeatureCross(parsing: text) }
            let schema = try TabularSchema.inferred(from: parts[0], target: tabular.target, crosses: crosses,
                                                    excluding: tabular.ignore)
            encoder = try TabularEncoder(fitting: parts[0], schema: schema)
            (training, validation, test) = (try encoder.encode(parts[0]), try encoder.encode(parts[1]), try encoder.encode(parts[2]))
        } catch {
            throw CLIError.tabularData(error.description)
        }
        guard test.count > 0 else { throw CLIError.tabularData("tabular: too few rows to hold out 20% for testing") }
        try settings.write(to: directory)
        output("""
            wide-deep (\(wideDeepParts.rawValue), wide part by \(wideOptimizer.rawValue)): \(training.count) training, \
            \(validation.count) validation and \(test.count) test rows; \
            \(encoder.schema.numeric.count) numeric, \(encoder.schema.categorical.count) categorical columns, \
            \(encoder.wideFeatureCount) wide features; positive label \"\(encoder.labels[1])\"\n
            """)

        let configuration = WideDeepConfiguration(parts: wideDeepParts, wideFeatureCount: encoder.wideFeatureCount,
                                                  categoryCounts: encoder.categoryCounts,
                                                  numericCount: encoder.schema.numeric.count)
        var trainer = WideDeepTrainer(model: WideDeep(configuration, generator: RandomGenerator(seed: seeds.model)),
                                      batchSize: settings.batchSize, seed: seeds.shuffle,
                                      deepLearningRate: settings.learningRate,
                                      wide: WideOptimizerSettings(wideOptimizer, learningRate: tabular.wideLearningRate,
                                                                  l1Strength: tabular.l1Strength,
                                                                  l2Strength: tabular.l2Strength))
        let start = Date()
        var epochs: [WideDeepSummary.Epoch] = []
        for epoch in 0..<settings.epochs {
            let loss = trainer.trainEpoch(on: training)
            var record = WideDeepSummary.Epoch(epoch: epoch, trainingLoss: loss)
            var line = String(format: "epoch %d: training loss %.4f", epoch + 1, loss)
            if validation.count > 0 {
                let result = WideDeepTrainer.evaluate(trainer.model, on: validation)
                (record.validationLoss, record.validationAccuracy, record.validationAUC) = (result.loss, result.accuracy, result.rocAUC)
                line += String(format: ", validation loss %.4f, accuracy %.4f, AUC %@", result.loss, result.accuracy,
                               result.rocAUC.map { String(format: "%.4f", $0) } ?? "-")
            }
            epochs.append(record)
            output(line + "\n")
        }
        let seconds = Date().timeIntervalSince(start)
        let zeros = WideDeepTrainer.zeroWideWeights(of: trainer.model)
        // The test rows' only use: the final model, once, after training.
        let last = WideDeepTrainer.evaluate(trainer.model, on: test)
        let summary = WideDeepSummary(settings: settings, labels: encoder.labels, epochs: epochs,
                                      testAccuracy: last.accuracy, testAUC: last.rocAUC, testLoss: last.loss,
                                      zeroWideWeights: zeros.zero, wideWeights: zeros.total, trainingSeconds: seconds)
        let metadata = ["model": ModelName.wideDeep.rawValue, Self.encoderKey: encoder.jsonString(),
                        Self.configurationKey: String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)]
        do {
            try Safetensors.write(trainer.model.stateDictionary(), metadata: metadata, to: weightsURL)
        } catch {
            throw CLIError.unwritableOutput(path: weightsURL.path, reason: FileProblem.reason(error))
        }
        try RunSummary.writeJSON(summary, to: directory.appendingPathComponent(RunSummary.fileName))
        output(String(format: "test accuracy %.4f, AUC %@ (%d rows); %d of %d wide weights are zero; %.1f s\n",
                      last.accuracy, last.rocAUC.map { String(format: "%.4f", $0) } ?? "-", test.count,
                      zeros.zero, zeros.total, seconds))
        return summary
    }

    /// A CSV file as a table, its errors as `CLIError`s.
    static func readTable(_ path: String, columnKinds: [String: CSVColumnKind] = [:],
                          nonFinite: NonFiniteNumbers) throws(CLIError) -> CSVTable {
        do {
            return try CSVTable(contentsOf: URL(fileURLWithPath: path), columnKinds: columnKinds, nonFinite: nonFinite)
        } catch let error {
            switch error {
            case .unreadableFile:
                throw .unreadableFile(path: path, reason: "\(error) (wide-deep reads a CSV file: --dataset FILE.csv)")
            case .nonFiniteValue:
                throw .tabularData("\(error.description) (--non-finite missing reads such cells as missing)")
            default:
                throw .tabularData(error.description)
            }
        }
    }

    /// The model and encoder saved by a run in `model.safetensors`. The metadata is checked
    /// before anything is built: the model name, the configuration's sizes
    /// (`WideDeepConfiguration.validate()`), the encoder (`TabularEncoder.validate()`) and their
    /// agreement on the wide id space, the categorical columns' counts and the numeric columns.
    /// - Throws: `CLIError.unreadableFile`, `.wrongModel`, `.invalidMetadata`, `.weightsDoNotFit`.
    public static func load(weights path: String) throws(CLIError) -> (model: WideDeep, encoder: TabularEncoder) {
        let file = try WeightsFile.read(path)
        try WeightsFile.checkModelName(.wideDeep, in: file.metadata, path: path)
        guard let configurationText = file.metadata[configurationKey], let encoderText = file.metadata[encoderKey] else {
            throw .weightsDoNotFit(path: path, reason: "no wide-deep configuration and encoder in its metadata")
        }
        let configuration: WideDeepConfiguration
        do {
            configuration = try JSONDecoder().decode(WideDeepConfiguration.self, from: Data(configurationText.utf8))
        } catch let error as DecodingError {
            throw .invalidMetadata(path: path, key: configurationKey, reason: RunSummary.reason(error))
        } catch {
            throw .invalidMetadata(path: path, key: configurationKey, reason: String(describing: error))
        }
        do {
            try configuration.validate()
        } catch {
            throw .invalidMetadata(path: path, key: configurationKey, reason: error.description)
        }
        let encoder: TabularEncoder
        do {
            encoder = try TabularEncoder(jsonString: encoderText)
        } catch {
            throw .invalidMetadata(path: path, key: encoderKey, reason: error.description)
        }
        let disagreement = [
            (configuration.wideFeatureCount != encoder.wideFeatureCount,
             "wideFeatureCount \(configuration.wideFeatureCount) is not the encoder's \(encoder.wideFeatureCount) wide ids"),
            (configuration.categoryCounts != encoder.categoryCounts,
             "categoryCounts \(configuration.categoryCounts) are not the encoder's \(encoder.categoryCounts)"),
            (configuration.numericCount != encoder.schema.numeric.count,
             "numericCount \(configuration.numericCount) is not the encoder's \(encoder.schema.numeric.count) numeric columns"),
        ].first(where: \.0)
        if let (_, reason) = disagreement { throw .invalidMetadata(path: path, key: configurationKey, reason: reason) }
        var model = WideDeep(configuration)
        do {
            try model.loadStateDictionary(file.tensors)
        } catch {
            throw .weightsDoNotFit(path: path, reason: String(describing: error))
        }
        return (model, encoder)
    }

    /// Loss, accuracy and ROC AUC of saved weights on every row of a labelled CSV file
    /// (`nonFinite`: what a NaN or infinite number in a numeric column does).
    public static func evaluate(weights: String, dataset: String,
                                nonFinite: NonFiniteNumbers = .reject) throws(CLIError) -> BinaryEvaluation {
        let (model, encoder) = try load(weights: weights)
        let table = try readTable(dataset, nonFinite: nonFinite)
        let data: TabularData
        do {
            data = try encoder.encode(table)
        } catch {
            throw .tabularData(error.description)
        }
        guard data.count > 0 else { throw .tabularData("tabular: \(dataset) has no data rows") }
        return WideDeepTrainer.evaluate(model, on: data)
    }

    /// One row's positive-class probability and predicted label.
    public struct Prediction: Codable, Equatable, Sendable {
        public var row: Int
        public var probability: Double
        public var predicted: String
        /// The row's target label, when the file has the target column and the cell is present.
        public var truth: String?
    }

    /// Predictions for the first `count` rows of a CSV file (the target column is optional;
    /// `nonFinite`: what a NaN or infinite number in a numeric column does).
    public static func predict(weights: String, input: String, count: Int,
                               nonFinite: NonFiniteNumbers = .reject) throws(CLIError) -> [Prediction] {
        let (model, encoder) = try load(weights: weights)
        var table = try readTable(input, nonFinite: nonFinite)
        if count < table.rowCount { table = table.selecting(rows: Array(0..<count)) }
        let data: TabularData
        do {
            data = try encoder.encode(table, includeLabels: false)
        } catch {
            throw .tabularData(error.description)
        }
        // The target column is optional here; values(of:) cannot fail for a column that exists.
        let truths = (try? table.values(of: encoder.schema.target)) ?? Array(repeating: nil, count: table.rowCount)
        let probabilities = WideDeepTrainer.probabilities(of: model, on: data).cast(to: .float64).scalars(as: Double.self)
        return probabilities.enumerated().map { row, probability in
            Prediction(row: row, probability: probability, predicted: encoder.labels[probability >= 0.5 ? 1 : 0],
                       truth: truths[row])
        }
    }
}

/// The `summary.json` of a wide-deep run.
public struct WideDeepSummary: Codable, Sendable, Equatable {
    /// One epoch: its training loss and, when rows were held out, the validation metrics.
    public struct Epoch: Codable, Sendable, Equatable {
        public var epoch: Int
        public var trainingLoss: Double
        public var validationLoss: Double?
        public var validationAccuracy: Double?
        public var validationAUC: Double?
    }

    public var settings: TrainingSettings
    /// The target's negative and positive labels.
    public var labels: [String]
    public var epochs: [Epoch]
    public var testAccuracy: Double
    public var testAUC: Double?
    public var testLoss: Double
    public var zeroWideWeights: Int
    public var wideWeights: Int
    public var trainingSeconds: Double

    public static func read(from directory: URL) throws(CLIError) -> WideDeepSummary {
        try RunSummary.readJSON(WideDeepSummary.self, from: directory.appendingPathComponent(RunSummary.fileName))
    }
}
