import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataTraining

/// `--model wide-deep` on a CSV table: the `strata train` and `resume` of a run, and the
/// `evaluate` and `predict` of its weights.
///
/// The table is split 80/20 into training and test rows by `--seed`, and the training rows again
/// into the rows trained on and those held out for validation (`--validation-split`, default a
/// tenth), evaluated after each epoch; the test rows are evaluated once, on the final model. The
/// encoder (vocabularies, standardization, buckets, crosses) is fitted on the rows trained on, so
/// a resumed run, reading the same table with the same seed, encodes it the same way. The model
/// is trained by the `BinaryTabularPrediction` task through `TrainingRun.fit` (checkpoints,
/// logs, schedules and early stopping as for every model). `model.safetensors` holds the state
/// dictionary with metadata `model`, `wide_deep.configuration` and `wide_deep.encoder` as JSON,
/// so that evaluate and predict rebuild the model and encode new rows exactly as in training;
/// `summary.json` adds the labels, the test ROC AUC and the count of zero wide weights.
public struct TabularRunTask: RunTask {
    static let configurationKey = "wide_deep.configuration"
    static let encoderKey = "wide_deep.encoder"

    var readsTables: Bool { true }

    func train(_ run: TrainingRun, resumingFrom checkpoint: URL?) throws -> RunSummary {
        let settings = run.settings
        guard let tabular = settings.tabular else { throw CLIError.unsupported("wide-deep needs --target") }
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
        if run.writesFiles { try settings.write(to: run.directory) }
        run.output("""
            wide-deep (\(wideDeepParts.rawValue), wide part by \(wideOptimizer.rawValue)): \(training.count) training, \
            \(validation.count) validation and \(test.count) test rows; \
            \(encoder.schema.numeric.count) numeric, \(encoder.schema.categorical.count) categorical columns, \
            \(encoder.wideFeatureCount) wide features; positive label \"\(encoder.labels[1])\"\n
            """)

        let configuration = WideDeepConfiguration(parts: wideDeepParts, wideFeatureCount: encoder.wideFeatureCount,
                                                  categoryCounts: encoder.categoryCounts,
                                                  numericCount: encoder.schema.numeric.count)
        let wide = WideOptimizerSettings(wideOptimizer, learningRate: tabular.wideLearningRate, l1Strength: tabular.l1Strength,
                                         l2Strength: tabular.l2Strength)
        var trainer = Trainer(task: BinaryTabularPrediction(),
                              model: WideDeep(configuration, generator: RandomGenerator(seed: seeds.model)),
                              optimizer: BinaryTabularPrediction.optimizer(deepLearningRate: settings.learningRate, wide: wide),
                              trainingData: TabularBatches(training, batchSize: settings.batchSize, seed: seeds.shuffle),
                              validationData: validation.count > 0 ? validation : nil, randomSeed: seeds.epochDraws)
        let (earlier, seconds) = try run.fit(&trainer, resumingFrom: checkpoint)

        let zeros = BinaryTabularPrediction.zeroWideWeights(of: trainer.model)
        // The test rows' only use: the final model, once, after training.
        let last = trainer.evaluate(on: test)
        var summary = RunSummary(settings: settings, epochs: earlier + trainer.history.map(RunSummary.Epoch.init),
                                 testAccuracy: last.accuracy, testLoss: last.loss, confusionMatrix: [],
                                 trainingSeconds: seconds)
        summary.tabular = RunSummary.Tabular(labels: encoder.labels, testAUC: last.rocAUC, zeroWideWeights: zeros.zero,
                                             wideWeights: zeros.total)
        // Sorted keys, so the same run writes the same bytes (a dictionary's order varies by process).
        let configurationEncoder = JSONEncoder()
        configurationEncoder.outputFormatting = .sortedKeys
        let metadata = ["model": ModelName.wideDeep.rawValue, Self.encoderKey: encoder.jsonString(),
                        Self.configurationKey: String(decoding: try configurationEncoder.encode(configuration), as: UTF8.self)]
        try run.writeResults(weights: trainer.model.stateDictionary(), metadata: metadata, summary: summary)
        run.output(String(format: "test accuracy %.4f, AUC %@ (%d rows); %d of %d wide weights are zero; %.1f s\n",
                          last.accuracy, last.rocAUC.map { String(format: "%.4f", $0) } ?? "-", test.count,
                          zeros.zero, zeros.total, seconds))
        return summary
    }

    func validateInputOptions(nonFinite: NonFiniteNumbers?, classes: [Int]?) throws(ValidationError) {
        if classes != nil { throw ValidationError("--classes applies to the image models, not wide-deep") }
    }

    /// The rows of a labelled CSV file, encoded by the encoder saved with the weights.
    func evaluate(_ command: EvaluateCommand) throws {
        let result = try Self.evaluate(weights: command.weights, dataset: command.dataset,
                                       nonFinite: command.nonFinite ?? .reject)
        print(String(format: "accuracy %.4f, ROC AUC %@, loss %.4f (%d rows)", result.accuracy,
                     result.rocAUC.map { String(format: "%.4f", $0) } ?? "- (one class)", result.loss, result.sampleCount))
    }

    /// The first --count rows of --input (or --dataset), a CSV file; the target column is optional.
    func predict(_ command: PredictCommand) throws {
        let rows = try Self.predict(weights: command.weights, input: command.input.first ?? command.dataset,
                                    count: command.count, nonFinite: command.nonFinite ?? .reject)
        if command.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            for row in rows {
                print(String(format: "%5d  %.3f  ", row.row, row.probability) + row.predicted
                      + (row.truth.map { "  (true: \($0))" } ?? ""))
            }
        }
    }

    /// `body` in inference mode, without gradients.
    static func inInferenceMode<Result>(_ body: () -> Result) -> Result {
        withTrainingMode(false) { withoutGradients(body) }
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
                                nonFinite: NonFiniteNumbers = .reject) throws(CLIError) -> Evaluation {
        let (model, encoder) = try load(weights: weights)
        let table = try readTable(dataset, nonFinite: nonFinite)
        let data: TabularData
        do {
            data = try encoder.encode(table)
        } catch {
            throw .tabularData(error.description)
        }
        guard data.count > 0 else { throw .tabularData("tabular: \(dataset) has no data rows") }
        return inInferenceMode { BinaryTabularPrediction().evaluate(model, on: data) }
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
        let probabilities = inInferenceMode { BinaryTabularPrediction().predict(model, on: data) }
            .cast(to: .float64).scalars(as: Double.self)
        return probabilities.enumerated().map { row, probability in
            Prediction(row: row, probability: probability, predicted: encoder.labels[probability >= 0.5 ? 1 : 0],
                       truth: truths[row])
        }
    }
}
