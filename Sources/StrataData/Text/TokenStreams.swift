import Strata

/// A token sequence cut into `streams` parallel streams for language modelling with truncated
/// backpropagation through time (the `batchify` of PyTorch's word_language_model example).
///
/// Layout: with `length = tokens.count / streams` (rounded down; the last
/// `tokens.count % streams` tokens are dropped), stream `s` holds the contiguous run
/// `tokens[s * length ..< (s + 1) * length]`, so `data[s, t] = tokens[s * length + t]`. A batch
/// takes the same positions of every stream: column `b` of a batch continues column `b` of the
/// previous batch, which is what lets a recurrent state carried from batch to batch (and
/// detached) see text that really came before. The targets are the inputs shifted one token
/// ahead, so the positions that have a target are `0 ..< length - 1`.
public struct TokenStreams: Sendable {
    /// The tokens, int64 `[streams, length]`.
    public let data: Tensor

    /// `tokens` (at least `streams`) as `streams` streams of `tokens.count / streams` tokens.
    public init(_ tokens: [Int64], streams: Int) {
        precondition(streams > 0, "TokenStreams: streams \(streams) must be positive")
        precondition(tokens.count >= streams, "TokenStreams: \(tokens.count) tokens cannot fill \(streams) streams")
        let length = tokens.count / streams
        data = Tensor(Array(tokens[..<(length * streams)]), shape: [streams, length])
    }

    /// Streams `data` (int64 `[streams, length]`) as they are.
    private init(data: Tensor) {
        self.data = data
    }

    /// The streams in `range` (of `0..<streams`), each whole: a data-parallel rank's share.
    public func selecting(streams range: Range<Int>) -> TokenStreams {
        precondition(!range.isEmpty && range.lowerBound >= 0 && range.upperBound <= streams,
                     "TokenStreams.selecting: streams \(range) must be a nonempty part of 0..<\(streams)")
        return TokenStreams(data: data.sliced(axis: 0, start: range.lowerBound, end: range.upperBound).contiguous())
    }

    /// The number of parallel streams: the batch size.
    public var streams: Int { data.shape[0] }

    /// The tokens in each stream.
    public var length: Int { data.shape[1] }

    /// The input positions of consecutive windows of `window` steps over `0 ..< length - 1`:
    /// `0 ..< window`, `window ..< 2 window`, ...; the last one shorter when `includePartial`
    /// and the positions do not divide evenly, left out otherwise.
    public func windows(of window: Int, includePartial: Bool = false) -> [Range<Int>] {
        precondition(window > 0, "TokenStreams.windows: window \(window) must be positive")
        let positions = length - 1
        return stride(from: 0, to: positions, by: window).compactMap { start in
            let end = min(start + window, positions)
            return end - start == window || includePartial ? start..<end : nil
        }
    }

    /// The inputs and targets at `positions` (inside `0 ..< length - 1`): int64
    /// `[positions.count, streams]` (time first, as `LSTM` takes them) or
    /// `[streams, positions.count]` when `batchFirst`; `targets[t, b]` is the token after
    /// `inputs[t, b]`.
    public func batch(_ positions: Range<Int>, batchFirst: Bool = false) -> (inputs: Tensor, targets: Tensor) {
        precondition(!positions.isEmpty && positions.lowerBound >= 0 && positions.upperBound < length,
                     "TokenStreams.batch: positions \(positions) must lie in 0..<\(length - 1) for streams of \(length) tokens")
        let inputs = data.sliced(axis: 1, start: positions.lowerBound, end: positions.upperBound)
        let targets = data.sliced(axis: 1, start: positions.lowerBound + 1, end: positions.upperBound + 1)
        return batchFirst ? (inputs.contiguous(), targets.contiguous())
            : (inputs.transposed(0, 1).contiguous(), targets.transposed(0, 1).contiguous())
    }
}
