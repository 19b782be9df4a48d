import Strata
import StrataData
import Testing

// The layout, derived by hand for tokens 0..<23 in 3 streams: length = 23 / 3 = 7 (tokens 21 and
// 22 are dropped), stream s holds tokens 7s ..< 7s + 7, so data[s, t] = 7s + t. Positions with a
// target are 0..<6 (the last token of each stream has none).
@Test func tokenStreamsLayOutContiguousRunsSideBySide() {
    let streams = TokenStreams((0..<23).map(Int64.init), streams: 3)
    #expect(streams.streams == 3 && streams.length == 7)
    #expect(streams.data.shape == [3, 7])
    #expect(streams.data.scalars(as: Int64.self) == (0..<21).map(Int64.init))

    #expect(streams.windows(of: 4) == [0..<4])
    #expect(streams.windows(of: 4, includePartial: true) == [0..<4, 4..<6])
    #expect(streams.windows(of: 3) == [0..<3, 3..<6])
    #expect(streams.windows(of: 10, includePartial: true) == [0..<6])
    #expect(streams.windows(of: 10).isEmpty)

    // Time first: inputs[t, b] = data[b, 4 + t] = 7b + 4 + t; targets one further.
    let (inputs, targets) = streams.batch(4..<6)
    #expect(inputs.shape == [2, 3] && targets.shape == [2, 3])
    #expect(inputs.scalars(as: Int64.self) == [4, 11, 18, 5, 12, 19])
    #expect(targets.scalars(as: Int64.self) == [5, 12, 19, 6, 13, 20])
    let (rows, next) = streams.batch(4..<6, batchFirst: true)
    #expect(rows.shape == [3, 2] && rows.scalars(as: Int64.self) == [4, 5, 11, 12, 18, 19])
    #expect(next.scalars(as: Int64.self) == [5, 6, 12, 13, 19, 20])
}

@Test func consecutiveWindowsContinueEachStream() {
    // Column b of each window picks up where column b of the previous one stopped, and the
    // targets of the last position of a window are the first inputs of the next window.
    let tokens = (0..<1000).map { Int64(($0 * 37) % 101) }
    let streams = TokenStreams(tokens, streams: 8)
    var previous: Tensor?
    var seen: [[Int64]] = Array(repeating: [], count: 8)
    for window in streams.windows(of: 16, includePartial: true) {
        let (inputs, targets) = streams.batch(window)
        let columns = inputs.shape[1]
        let values = inputs.scalars(as: Int64.self)
        for t in 0..<inputs.shape[0] { for b in 0..<columns { seen[b].append(values[t * columns + b]) } }
        if let previous {
            let lastTargets = previous.sliced(axis: 0, start: previous.shape[0] - 1, end: previous.shape[0])
            #expect(lastTargets.scalars(as: Int64.self) == inputs.sliced(axis: 0, start: 0, end: 1).scalars(as: Int64.self))
        }
        previous = targets
    }
    // Every stream is read whole but for its last token (which only appears as a target).
    let length = 1000 / 8
    for b in 0..<8 { #expect(seen[b] == Array(tokens[(b * length)..<((b + 1) * length - 1)]), "stream \(b)") }
}
