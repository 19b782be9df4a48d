// Wide & Deep (Cheng et al., 2016) on the UCI Adult census data: predicts whether income is
// above $50K from 13 columns (fnlwgt, a sampling weight, is left out). Trains the wide part
// alone (logistic regression over one-hot, bucketized and crossed features, L1 by FTRL-proximal
// or by proximal gradient), the deep part alone (embeddings and standardized numbers through an
// MLP, Adam), and both summed and trained jointly; reports held-out accuracy, ROC AUC and how
// many wide weights the L1 term set exactly to zero, for each wide-part optimizer.
//
//     Tools/fetch-adult.sh && swift run -c release WideDeep [--data data/adult.csv] [--epochs 10] [--seed 7]
//         [--parts wide,deep,wide-deep] [--wide-optimizer ftrl,proximal] [--wide-lr LR] [--l1 S] [--l2 S] [--beta B]
//         [--validation-only] [--fold 0-7]
//
// The wide settings default to each optimizer's (WideOptimizerSettings), which were chosen with
// Tools/tune_wide_optimizer.py: --validation-only (never evaluates the test split) over --fold 0...7.
import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN
import StrataTraining

/// A comma-separated list of raw values, nil if any is unknown or the list is empty.
func choices<T: RawRepresentable<String>>(_ text: String, as: T.Type) -> [T]? {
    let values = text.split(separator: ",").map { T(rawValue: String($0)) }
    return values.isEmpty || values.contains { $0 == nil } ? nil : values.compactMap { $0 }
}

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "WideDeep",
        abstract: "Wide & Deep on UCI Adult: wide only, deep only and both, the wide part by FTRL-proximal and proximal gradient.")

    @Option(help: "The Adult CSV (Tools/fetch-adult.sh writes data/adult.csv).")
    var data = "data/adult.csv"
    @Option(help: "Training epochs of each model.")
    var epochs = 10
    @Option(help: "Seed of the split, the weights and the shuffle.")
    var seed: UInt64 = 7
    @Option(help: "The models, comma-separated: wide, deep, wide-deep.")
    var parts = WideDeepParts.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "The wide part's optimizers, comma-separated: ftrl, proximal.")
    var wideOptimizer = WideOptimizer.allCases.map(\.rawValue).joined(separator: ",")
    @Option(name: .customLong("wide-lr"), help: "The wide part's learning rate (default: the optimizer's).")
    var wideLearningRate: Double?
    @Option(name: .customLong("l1"), help: "The wide part's L1 strength (default: the optimizer's).")
    var l1Strength: Double?
    @Option(name: .customLong("l2"), help: "The wide part's L2 strength (default: the optimizer's).")
    var l2Strength: Double?
    @Option(help: "FTRL's beta (default 0.01).")
    var beta: Double?
    @Flag(help: "Report the validation rows only; never evaluate the test split.")
    var validationOnly = false
    @Option(help: "The validation slice, 0-7, of the first 80% of the rows (7: the default split).")
    var fold = 7

    func validate() throws {
        if epochs <= 0 { throw ValidationError("--epochs needs a positive integer") }
        if choices(parts, as: WideDeepParts.self) == nil { throw ValidationError("--parts takes wide, deep and wide-deep") }
        if choices(wideOptimizer, as: WideOptimizer.self) == nil { throw ValidationError("--wide-optimizer takes ftrl and proximal") }
        if let wideLearningRate, !(wideLearningRate > 0 && wideLearningRate.isFinite) {
            throw ValidationError("--wide-lr needs a positive number")
        }
        for (name, value) in [("--l1", l1Strength), ("--l2", l2Strength), ("--beta", beta)] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(name) needs a number >= 0") }
        }
        if !(0..<8).contains(fold) { throw ValidationError("--fold needs an integer in 0...7") }
    }
}

let options = Options.parseOrExit()
let (dataPath, epochs, seed) = (options.data, options.epochs, options.seed)
let partsToRun = choices(options.parts, as: WideDeepParts.self)!
let wideOptimizers = choices(options.wideOptimizer, as: WideOptimizer.self)!
let (wideLearningRate, l1Strength, l2Strength, beta) = (options.wideLearningRate, options.l1Strength, options.l2Strength, options.beta)
let (validationOnly, fold) = (options.validationOnly, options.fold)
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

let table: CSVTable
do {
    table = try CSVTable(contentsOf: URL(fileURLWithPath: dataPath))
} catch {
    print("\(error)\nRun Tools/fetch-adult.sh first (it writes data/adult.csv).")
    exit(1)
}
// 70% training, 10% validation (the epoch with the best validation AUC is kept), 20% test. With
// --fold K the validation rows are instead the K-th of 8 slices of the first 80% (7 is the
// default split), for cross-validated tuning; the test rows never change.
let split = splitIndices(count: table.rowCount, fractions: [0.7, 0.1, 0.2], seed: seed)
var (trainingRows, validationRows) = (split[0], split[1])
if fold != 7 {
    let rows = split[0] + split[1]
    let slice = Int((Double(fold) * Double(rows.count) / 8).rounded())..<Int((Double(fold + 1) * Double(rows.count) / 8).rounded())
    (trainingRows, validationRows) = (Array(rows[..<slice.lowerBound] + rows[slice.upperBound...]), Array(rows[slice]))
}
let parts = [trainingRows, validationRows, split[2]].map(table.selecting(rows:))
// Crosses as in the paper's Adult tutorial: education x occupation with its own vocabulary,
// and hashed crosses of country x occupation and age bucket x education x occupation.
let crosses = [FeatureCross(["education", "occupation"]),
               FeatureCross(["native-country", "occupation"], hashBuckets: 1000),
               FeatureCross(["age", "education", "occupation"], hashBuckets: 1000)]
let encoder: TabularEncoder
let (training, validation, test): (TabularData, TabularData, TabularData)
do {
    let schema = try TabularSchema.inferred(from: parts[0], target: "income", crosses: crosses, excluding: ["fnlwgt"])
    encoder = try TabularEncoder(fitting: parts[0], schema: schema)
    (training, validation, test) = (try encoder.encode(parts[0]), try encoder.encode(parts[1]), try encoder.encode(parts[2]))
} catch {
    print(error)
    exit(1)
}
print("""
    Adult: \(training.count) training, \(validation.count) validation, \(test.count) test rows; \
    \(encoder.schema.numeric.count) numeric and \(encoder.schema.categorical.count) categorical columns, \
    \(encoder.wideFeatureCount) wide features in \(encoder.wideFieldSizes.count) fields
    """)

var rows: [String] = []
for parts in partsToRun {
    // The deep part alone has no wide weights: one run, whatever the wide optimizer.
    for optimizer in parts == .deep ? [nil] : wideOptimizers.map(Optional.some) {
        let configuration = WideDeepConfiguration(parts: parts, wideFeatureCount: encoder.wideFeatureCount,
                                                  categoryCounts: encoder.categoryCounts,
                                                  numericCount: encoder.schema.numeric.count)
        let wide = WideOptimizerSettings(optimizer ?? .ftrl, learningRate: wideLearningRate, l1Strength: l1Strength,
                                         l2Strength: l2Strength, beta: beta)
        let name = parts.rawValue + (optimizer.map { " (\($0.rawValue))" } ?? "")
        var trainer = Trainer(task: BinaryTabularPrediction(), model: WideDeep(configuration, generator: RandomGenerator(seed: seed)),
                              optimizer: BinaryTabularPrediction.optimizer(wide: wide),
                              trainingData: TabularBatches(training, batchSize: 256, seed: seed), validationData: validation)
        let start = Date()
        var best = (accuracy: 0.0, auc: -1.0, model: trainer.model, epoch: 0)
        for epoch in 1...epochs {
            let summary = try trainer.fit(epochs: epoch)[0]
            let auc = summary.validationMetrics[Evaluation.rocAUCKey]
            print(String(format: "%@ epoch %d: training loss %.4f, validation accuracy %.4f, AUC %.4f",
                         name, epoch, summary.trainingLoss, summary.validationAccuracy ?? .nan, auc ?? .nan))
            if let auc, auc > best.auc { best = (summary.validationAccuracy ?? .nan, auc, trainer.model, epoch) }
        }
        let seconds = Date().timeIntervalSince(start)
        let zeros = BinaryTabularPrediction.zeroWideWeights(of: best.model)
        print(String(format: "%@ best validation epoch %d: accuracy %.4f, AUC %.4f; %d of %d wide weights zero",
                     name, best.epoch, best.accuracy, best.auc, zeros.zero, zeros.total))
        if validationOnly { continue }
        trainer.model = best.model
        let result = trainer.evaluate(on: test)
        let zeroed = parts == .deep ? "-" : "\(zeros.zero) / \(zeros.total)"
        rows.append("| \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) | "
            + String(format: "%8.4f | %7.4f | ", result.accuracy, result.rocAUC ?? .nan)
            + zeroed.padding(toLength: 17, withPad: " ", startingAt: 0)
            + String(format: " | %5d | %7.1f |", best.epoch, seconds))
    }
}
if validationOnly { exit(0) }
print("\ntest rows: \(test.count)")
print("| model                | accuracy | ROC AUC | zero wide weights | epoch | seconds |")
print("|----------------------|----------|---------|-------------------|-------|---------|")
rows.forEach { print($0) }
