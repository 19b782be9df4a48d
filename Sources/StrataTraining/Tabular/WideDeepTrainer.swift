import Strata
import StrataData
import StrataNN
import StrataOptimizers

/// Loss, accuracy and ROC AUC of a binary classifier over some rows.
public struct BinaryEvaluation: Sendable, Equatable {
    /// Mean binary cross-entropy.
    public var loss: Double
    /// The fraction of rows whose predicted probability is on their label's side of 0.5.
    public var accuracy: Double
    /// nil when the rows hold only one class, or a probability is NaN (a diverged model): the
    /// curve is undefined.
    public var rocAUC: Double?
    public var count: Int
}

/// Trains a `WideDeep` model jointly, as Cheng et al. (2016) do: one binary cross-entropy on the
/// summed logits, the wide weights moved by FTRL-proximal or an L1 proximal gradient step (both
/// give exact zeros for the features that do not pay for their weight; `WideOptimizerSettings`)
/// and everything else by Adam, in one `Optimizer` whose `wide.` group carries its own rule.
public struct WideDeepTrainer {
    public var model: WideDeep
    public var optimizer: Optimizer
    public var batchSize: Int
    /// Epoch `e` visits the rows in `shuffledOrder(count: rows, seed: seed, epoch: e)`, as
    /// `DataLoader` shuffles.
    public var seed: UInt64
    public private(set) var epochsCompleted = 0

    /// Defaults: Adam at 1e-3 for the deep part (and the shared bias); `WideOptimizerSettings()`
    /// (FTRL-proximal with its defaults) for the wide part.
    public init(model: WideDeep, batchSize: Int = 256, seed: UInt64 = 0, deepLearningRate: Double = 1e-3,
                wide: WideOptimizerSettings = WideOptimizerSettings()) {
        precondition(batchSize > 0, "WideDeepTrainer: batchSize must be positive, got \(batchSize)")
        self.model = model
        self.batchSize = batchSize
        self.seed = seed
        optimizer = Optimizer(Adam(), learningRate: deepLearningRate, groups: [wide.group])
    }

    /// One epoch of shuffled mini-batches over `data` (which must have labels); returns the mean
    /// training loss.
    @discardableResult
    public mutating func trainEpoch(on data: TabularData) -> Double {
        precondition(data.labels != nil, "WideDeepTrainer: training rows need labels")
        let order = shuffledOrder(count: data.count, seed: seed, epoch: epochsCompleted)
        var total = 0.0
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = data.rows(Array(order[start..<min(start + batchSize, order.count)]))
            total += step(on: batch).cast(to: .float64).scalar(as: Double.self) * Double(batch.count)
        }
        epochsCompleted += 1
        return total / Double(max(data.count, 1))
    }

    /// One optimizer step on the labelled rows `batch`: forward, binary cross-entropy on the
    /// summed logits, backward, update. Returns the batch's mean loss.
    @discardableResult
    public mutating func step(on batch: TabularData) -> Tensor {
        precondition(batch.labels != nil, "WideDeepTrainer: training rows need labels")
        let (loss, gradients) = withStatisticsUpdates(of: &model) { model in
            valueAndGradient(at: model) { model in
                binaryCrossEntropy(logits: model(wide: batch.wide, categorical: batch.categorical, numeric: batch.numeric),
                                   targets: batch.labels!)
            }
        }
        optimizer.update(&model, along: gradients)
        return loss
    }

    /// The positive-class probabilities `[rows]` of `data` under `model`, in inference mode.
    public static func probabilities(of model: WideDeep, on data: TabularData, batchSize: Int = 1024) -> Tensor {
        withTrainingMode(false) { withoutGradients {
            let parts = stride(from: 0, to: data.count, by: batchSize).map { start in
                let batch = data.rows(Array(start..<min(start + batchSize, data.count)))
                return sigmoid(model(wide: batch.wide, categorical: batch.categorical, numeric: batch.numeric))
            }
            return parts.isEmpty ? Tensor.zeros([0]) : Tensor.concat(parts)
        } }
    }

    /// Loss, accuracy and ROC AUC of `model` on labelled `data`.
    public static func evaluate(_ model: WideDeep, on data: TabularData) -> BinaryEvaluation {
        precondition(data.labels != nil && data.count > 0, "WideDeepTrainer: evaluation needs labelled rows")
        let labels = data.labels!.cast(to: .float64)
        let probabilities = Self.probabilities(of: model, on: data).cast(to: .float64)
        let loss = binaryCrossEntropy(probabilities: probabilities, targets: labels).scalar(as: Double.self)
        let p = probabilities.scalars(as: Double.self), t = labels.scalars(as: Double.self)
        let correct = zip(p, t).count { probability, label in (probability >= 0.5) == (label == 1) }
        let positives = t.count { $0 == 1 }
        let ranked = positives > 0 && positives < t.count && !p.contains { $0.isNaN }
        let auc = ranked ? rocAUC(scores: probabilities, labels: labels) : nil
        return BinaryEvaluation(loss: loss, accuracy: Double(correct) / Double(t.count), rocAUC: auc, count: t.count)
    }

    /// How many wide weights are exactly zero, and how many there are (0 of 0 without a wide part).
    public static func zeroWideWeights(of model: WideDeep) -> (zero: Int, total: Int) {
        guard let weight = model.wide?.weight else { return (0, 0) }
        let values = weight.cast(to: .float64).scalars(as: Double.self)
        return (values.count { $0 == 0 }, values.count)
    }
}
