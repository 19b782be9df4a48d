import Strata
import StrataData
import StrataNN
import StrataOptimizers

/// Binary prediction from a table with a `WideDeep` model, trained jointly as Cheng et al. (2016)
/// do: one binary cross-entropy on the summed logits. The optimizer
/// (`BinaryTabularPrediction.optimizer(deepLearningRate:wide:)`) moves the wide weights by
/// FTRL-proximal or an L1 proximal gradient step (both give exact zeros for the features that do
/// not pay for their weight; `WideOptimizerSettings`) and everything else by Adam, in one
/// `Optimizer` whose `wide.` group carries its own rule.
///
/// Batches are labelled `TabularData` rows (`TabularBatches`); the metrics are accuracy (the
/// predicted probability on its label's side of 0.5) and, on evaluation, ROC AUC
/// (`Evaluation.rocAUC`); predictions are the positive-class probabilities `[rows]`.
public struct BinaryTabularPrediction: TrainingTask {
    public typealias Model = WideDeep
    /// Rows per forward pass when evaluating and predicting.
    public var inferenceBatchSize: Int

    public init(inferenceBatchSize: Int = 1024) {
        precondition(inferenceBatchSize > 0, "BinaryTabularPrediction: inferenceBatchSize must be positive, got \(inferenceBatchSize)")
        self.inferenceBatchSize = inferenceBatchSize
    }

    /// Adam at `deepLearningRate` for the deep part (and the shared bias), `wide` for the wide part.
    public static func optimizer(deepLearningRate: Double = 1e-3,
                                 wide: WideOptimizerSettings = WideOptimizerSettings()) -> Optimizer {
        Optimizer(Adam(), learningRate: deepLearningRate, groups: [wide.group])
    }

    public func loss(of model: WideDeep, on batch: TabularData) -> BatchLoss {
        precondition(batch.labels != nil, "BinaryTabularPrediction: training rows need labels")
        let logits = model(wide: batch.wide, categorical: batch.categorical, numeric: batch.numeric)
        let loss = binaryCrossEntropy(logits: logits, targets: batch.labels!)
        let correct = Self.correctCount(probabilities: sigmoid(logits.detached).cast(to: .float64).scalars(as: Double.self),
                                        labels: batch.labels!.cast(to: .float64).scalars(as: Double.self))
        return BatchLoss(loss: loss, sampleCount: batch.count, correctCount: correct)
    }

    /// Mean binary cross-entropy, accuracy and ROC AUC over labelled `data` (at least one row).
    /// The AUC is left out when the rows hold only one class or a probability is NaN (a diverged
    /// model): the curve is undefined.
    public func evaluate(_ model: WideDeep, on data: TabularData) -> Evaluation {
        precondition(data.labels != nil && data.count > 0, "BinaryTabularPrediction: evaluation needs labelled rows")
        let labels = data.labels!.cast(to: .float64)
        let probabilities = predict(model, on: data).cast(to: .float64)
        let loss = binaryCrossEntropy(probabilities: probabilities, targets: labels).scalar(as: Double.self)
        let p = probabilities.scalars(as: Double.self), t = labels.scalars(as: Double.self)
        let positives = t.count { $0 == 1 }
        let ranked = positives > 0 && positives < t.count && !p.contains { $0.isNaN }
        var metrics: [String: Double] = [:]
        if ranked { metrics[Evaluation.rocAUCKey] = rocAUC(scores: probabilities, labels: labels) }
        return Evaluation(loss: loss, accuracy: Double(Self.correctCount(probabilities: p, labels: t)) / Double(t.count),
                          confusionMatrix: nil, sampleCount: t.count, metrics: metrics)
    }

    /// The positive-class probabilities `[rows]` of `data`, `inferenceBatchSize` rows at a time.
    public func predict(_ model: WideDeep, on data: TabularData) -> Tensor {
        let parts = stride(from: 0, to: data.count, by: inferenceBatchSize).map { start in
            let batch = data.rows(Array(start..<min(start + inferenceBatchSize, data.count)))
            return sigmoid(model(wide: batch.wide, categorical: batch.categorical, numeric: batch.numeric))
        }
        return parts.isEmpty ? Tensor.zeros([0]) : Tensor.concat(parts)
    }

    /// How many wide weights are exactly zero, and how many there are (0 of 0 without a wide part).
    public static func zeroWideWeights(of model: WideDeep) -> (zero: Int, total: Int) {
        guard let weight = model.wide?.weight else { return (0, 0) }
        let values = weight.cast(to: .float64).scalars(as: Double.self)
        return (values.count { $0 == 0 }, values.count)
    }

    /// Rows whose probability is on their label's side of 0.5.
    static func correctCount(probabilities: [Double], labels: [Double]) -> Int {
        zip(probabilities, labels).count { probability, label in (probability >= 0.5) == (label == 1) }
    }
}

/// Shuffled mini-batches of labelled table rows: epoch `e` visits the rows in
/// `shuffledOrder(count: rows, seed: seed, epoch: e)`, as `DataLoader` shuffles, `batchSize` at
/// a time (the last batch smaller).
public struct TabularBatches: EpochBatches, Sendable {
    public let data: TabularData
    public let batchSize: Int
    public var seed: UInt64

    public init(_ data: TabularData, batchSize: Int, seed: UInt64 = 0) {
        precondition(batchSize > 0, "TabularBatches: batchSize must be positive, got \(batchSize)")
        precondition(data.labels != nil, "TabularBatches: training rows need labels")
        self.data = data
        self.batchSize = batchSize
        self.seed = seed
    }

    public var batchCount: Int { (data.count + batchSize - 1) / batchSize }

    /// Each batch is gathered when the trainer reaches it.
    public func batches(forEpoch epoch: Int) -> LazyMapSequence<StrideTo<Int>, TabularData> {
        let (data, batchSize) = (data, batchSize)
        let order = shuffledOrder(count: data.count, seed: seed, epoch: epoch)
        return stride(from: 0, to: order.count, by: batchSize).lazy.map { start in
            data.rows(Array(order[start..<min(start + batchSize, order.count)]))
        }
    }
}
