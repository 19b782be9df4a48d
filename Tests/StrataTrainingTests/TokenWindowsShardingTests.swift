import Strata
import StrataData
import StrataTraining
import Testing

/// Language-modelling windows split across data-parallel ranks by stream: each rank's batches
/// are its streams' rows (time first: columns) of the same windows, in rank order covering every
/// stream once, so a rank carries its own streams' state.
@Suite struct TokenWindowsShardingTests {
    @Test func ranksTakeContiguousStreamsOfTheSameWindows() {
        // 7 streams of 10 tokens: 3 + 2 + 2 over three ranks.
        let tokens = (0..<70).map { Int64($0) }
        for batchFirst in [false, true] {
            let whole = TokenWindows(TokenStreams(tokens, streams: 7), window: 4, includePartial: true, batchFirst: batchFirst)
            let shards = (0..<3).map { whole.sharded(rank: $0, of: 3)! }
            #expect(shards.map(\.streams.streams) == [3, 2, 2])
            #expect(shards.allSatisfy { $0.batchCount == whole.batchCount })
            let streamAxis = batchFirst ? 0 : 1
            for (index, batch) in whole.batches(forEpoch: 0).enumerated() {
                let parts = shards.map { Array($0.batches(forEpoch: 0))[index] }
                let inputs = Tensor.concat(parts.map(\.inputs), axis: streamAxis)
                let targets = Tensor.concat(parts.map(\.targets), axis: streamAxis)
                #expect(inputs.scalars(as: Int64.self) == batch.inputs.scalars(as: Int64.self))
                #expect(targets.scalars(as: Int64.self) == batch.targets.scalars(as: Int64.self))
            }
        }
        #expect(TokenWindows(TokenStreams(tokens, streams: 2), window: 4).sharded(rank: 0, of: 3) == nil)
    }
}
