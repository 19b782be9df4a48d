import Strata
import StrataNN

/// Classification of images or feature vectors: the model maps inputs `[batch, ...]` to logits
/// `[batch, classes]`, labels are `[batch]` class indices. The loss is `loss(logits, labels)`
/// (cross-entropy by default; an autoencoder passes a reconstruction loss and its inputs as
/// labels), the metrics are accuracy and, on evaluation, the confusion matrix (rows the truth);
/// predictions are softmax probabilities `[batch, classes]`.
public struct Classification<Model: Layer>: TrainingTask {
    public typealias Batch = (inputs: Tensor, labels: Tensor)
    public typealias EvaluationData = any Sequence<(inputs: Tensor, labels: Tensor)>

    /// The loss of `(logits, labels)`, a scalar.
    public var loss: (Tensor, Tensor) -> Tensor

    /// `loss` defaults to `crossEntropy(logits:labels:)`.
    public init(loss: @escaping (Tensor, Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) }) {
        self.loss = loss
    }

    public func loss(of model: Model, on batch: Batch) -> BatchLoss {
        let output = model(batch.inputs)
        let count = batch.labels.shape[0]
        // accuracy is correct / count, so this recovers the integer count exactly.
        let correct = Int((accuracy(scores: output.detached, labels: batch.labels) * Double(count)).rounded())
        return BatchLoss(loss: loss(output, batch.labels), sampleCount: count, correctCount: correct)
    }

    /// The mean loss per sample, the accuracy and the confusion matrix over `batches`.
    public func evaluate(_ model: Model, on batches: EvaluationData) -> Evaluation {
        var (lossSum, samples) = (0.0, 0)
        var matrix: ConfusionMatrix?
        for batch in batches {
            let logits = model(batch.inputs)
            let count = batch.labels.shape[0]
            lossSum += loss(logits, batch.labels).cast(to: .float64).scalar(as: Double.self) * Double(count)
            samples += count
            if matrix == nil { matrix = ConfusionMatrix(classCount: logits.shape[1]) }
            matrix!.add(predictions: logits.argmax(axis: 1), labels: batch.labels)
        }
        let correct = matrix.map { m in (0..<m.classCount).reduce(0) { $0 + m[$1, $1] } } ?? 0
        return Evaluation(loss: samples > 0 ? lossSum / Double(samples) : 0,
                          accuracy: samples > 0 ? Double(correct) / Double(samples) : 0,
                          confusionMatrix: matrix, sampleCount: samples)
    }

    /// Softmax probabilities `[batch, classes]` of the inputs `[batch, ...]`.
    public func predict(_ model: Model, on inputs: Tensor) -> Tensor {
        softmax(model(inputs), axis: 1)
    }
}
