import Foundation
import Strata
import StrataData
import StrataNN

/// A next-token model: token codes (int64 `[time, batch]` or `[batch, time]`, as its
/// `TokenWindows` lays them out) and the state carried from the previous window (empty at the
/// start) to logits with the vocabulary last and the state after the window's last step (empty
/// for a model without one, such as a Transformer over a fixed context).
public protocol LanguageModel: Module {
    func callAsFunction(_ tokens: Tensor, state: [Tensor]) -> (logits: Tensor, state: [Tensor])
}

/// Next-token language modelling: the loss is the mean cross-entropy of the logits against the
/// targets (the inputs shifted one token ahead), in nats per token; the metrics are next-token
/// accuracy and, on evaluation, perplexity (`exp` of the loss). With `carriesState` (truncated
/// backpropagation through time) the model's state flows from each window into the next, its
/// history does not (it is detached); it starts empty at each epoch and each evaluation.
/// Predictions are softmax probabilities over the vocabulary at every position.
public struct LanguageModelling<Model: LanguageModel>: TrainingTask {
    public typealias Batch = (inputs: Tensor, targets: Tensor)
    public typealias EvaluationData = TokenWindows

    /// The key of perplexity in `Evaluation.metrics`.
    public static var perplexityKey: String { "perplexity" }

    public var carriesState: Bool
    /// The state the next training window starts from.
    public private(set) var state: [Tensor] = []

    /// `carriesState` defaults to true.
    public init(carriesState: Bool = true) {
        self.carriesState = carriesState
    }

    public mutating func beginEpoch() {
        state = []
    }

    public mutating func loss(of model: Model, on batch: Batch) -> BatchLoss {
        let (logits, next) = model(batch.inputs, state: carriesState ? state : [])
        if carriesState { state = next.map(\.detached) }
        let (flat, labels) = Self.flattened(logits, batch.targets)
        let count = labels.shape[0]
        let correct = Int((accuracy(scores: flat.detached, labels: labels) * Double(count)).rounded())
        return BatchLoss(loss: crossEntropy(logits: flat, labels: labels), sampleCount: count, correctCount: correct)
    }

    /// Nats per token, next-token accuracy and perplexity over every window of `data`, the state
    /// carried from window to window when `carriesState`.
    public func evaluate(_ model: Model, on data: TokenWindows) -> Evaluation {
        var state: [Tensor] = []
        var (lossSum, correct, count) = (0.0, 0, 0)
        for batch in data.batches(forEpoch: 0) {
            let (logits, next) = model(batch.inputs, state: state)
            if carriesState { state = next }
            let (flat, labels) = Self.flattened(logits, batch.targets)
            lossSum += crossEntropy(logits: flat, labels: labels, reduction: .sum).cast(to: .float64).scalar(as: Double.self)
            correct += Int((accuracy(scores: flat, labels: labels) * Double(labels.shape[0])).rounded())
            count += labels.shape[0]
        }
        let loss = count > 0 ? lossSum / Double(count) : 0
        return Evaluation(loss: loss, accuracy: count > 0 ? Double(correct) / Double(count) : 0, confusionMatrix: nil,
                          sampleCount: count, metrics: [Self.perplexityKey: Foundation.exp(loss)])
    }

    /// Softmax probabilities over the vocabulary (the last axis) at every position of `tokens`,
    /// from an empty state.
    public func predict(_ model: Model, on tokens: Tensor) -> Tensor {
        let logits = model(tokens, state: []).logits
        return softmax(logits, axis: logits.rank - 1)
    }

    /// Logits `[..., vocabulary]` as `[tokens, vocabulary]` and targets `[...]` as `[tokens]`.
    static func flattened(_ logits: Tensor, _ targets: Tensor) -> (logits: Tensor, labels: Tensor) {
        precondition(logits.rank >= 2 && Array(logits.shape.dropLast()) == targets.shape,
                     "LanguageModelling: logits \(logits.shape) must be the targets' shape \(targets.shape) plus the vocabulary")
        return (logits.reshaped(to: [-1, logits.shape[logits.rank - 1]]), targets.reshaped(to: [-1]))
    }
}

/// Consecutive windows over `TokenStreams` as language-modelling batches: the same windows, in
/// order, every epoch (the streams' columns continue from window to window, which is what lets
/// a carried state see the text that came before).
public struct TokenWindows: EpochBatches, Sendable {
    public let streams: TokenStreams
    public let window: Int
    /// Whether a last, shorter window is kept (see `TokenStreams.windows(of:includePartial:)`).
    public let includePartial: Bool
    /// Batches `[streams, window]` instead of `[window, streams]`.
    public let batchFirst: Bool

    /// Defaults: full windows only, time first (as `LSTM` takes them).
    public init(_ streams: TokenStreams, window: Int, includePartial: Bool = false, batchFirst: Bool = false) {
        precondition(window > 0, "TokenWindows: window \(window) must be positive")
        self.streams = streams
        self.window = window
        self.includePartial = includePartial
        self.batchFirst = batchFirst
    }

    public var batchCount: Int { streams.windows(of: window, includePartial: includePartial).count }

    /// The windows as rank `rank` of `size` sees them: the same windows over its contiguous
    /// share of the streams (`shardRange`: the first `streams % size` ranks take one more), so
    /// each rank carries the state of its own streams and every token is trained on once per
    /// epoch; the loss counts tokens, so averaging over ranks weighted by tokens is exact. Nil
    /// when there are fewer streams than ranks.
    public func sharded(rank: Int, of size: Int) -> TokenWindows? {
        guard streams.streams >= size else { return nil }
        return TokenWindows(streams.selecting(streams: shardRange(count: streams.streams, rank: rank, size: size)),
                            window: window, includePartial: includePartial, batchFirst: batchFirst)
    }

    /// The windows' inputs and targets (`TokenStreams.batch`), each sliced when reached.
    public func batches(forEpoch epoch: Int) -> LazyMapSequence<[Range<Int>], (inputs: Tensor, targets: Tensor)> {
        let (streams, batchFirst) = (streams, batchFirst)
        return streams.windows(of: window, includePartial: includePartial).lazy.map { streams.batch($0, batchFirst: batchFirst) }
    }
}
