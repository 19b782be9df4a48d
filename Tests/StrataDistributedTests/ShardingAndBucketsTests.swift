import Strata
import StrataData
import StrataDistributed
import Testing

@Suite struct ShardingAndBucketsTests {
    @Test func shardsCoverABatchOnceInRankOrder() {
        for size in 1...5 {
            for count in 0...13 {
                let ranges = (0..<size).map { shardRange(count: count, rank: $0, size: size) }
                #expect(ranges.flatMap { Array($0) } == Array(0..<count))
                let counts = ranges.map(\.count)
                #expect(counts.max()! - counts.min()! <= 1)
                // The larger shares come first: 7 over 2 ranks is 4 + 3.
                #expect(counts == counts.sorted(by: >))
            }
        }
        #expect(shardRange(count: 7, rank: 1, size: 2) == 4..<7)
    }

    @Test func bucketsHoldOneDTypeAndCloseAtTheirSize() {
        let buckets = GradientBuckets(group: SingleProcessGroup(), bucketBytes: 64)
        let tensors = [Tensor.zeros([8]), .zeros([8]), .zeros([20]), .zeros([2], dtype: .float64), .zeros([1])]
        // 32 + 32 bytes fill the first bucket; 80 bytes is a bucket alone; a dtype change closes one.
        #expect(buckets.buckets(for: tensors) == [0..<2, 2..<3, 3..<4, 4..<5])
    }

    /// The first bucket closes at 1 MiB (PyTorch DDP's first bucket), the others at bucketBytes:
    /// 0.75 + 0.5 MiB would pass 1 MiB, so the first bucket is the first tensor alone; then
    /// 0.5 + 2 + 1 MiB fit in 4 MiB.
    @Test func theFirstBucketIsSmall() {
        let buckets = GradientBuckets(group: SingleProcessGroup(), bucketBytes: 4 << 20)
        let quarters = [3, 2, 8, 4].map { Tensor.zeros([$0 << 16]) }  // float32: 0.75, 0.5, 2, 1 MiB
        #expect(buckets.buckets(for: quarters) == [0..<1, 1..<4])
    }

    @Test func aWorldOfOneLeavesGradientsAlone() throws {
        var parallel = DataParallel()
        #expect(parallel.group.rank == 0 && parallel.group.size == 1)
        let weight = try ParameterPath(parsing: "weight")
        let gradients = [weight: Tensor([1.0, 2.0])]
        struct Holder: ParameterContainer {
            var weight = Tensor([0.0, 0.0])
            mutating func visitParameters(_ visitor: inout ParameterVisitor) { visitor.visit("weight", &weight) }
        }
        let averaged = try parallel.averageGradients(gradients, of: Holder(), sampleCount: 3)
        #expect(averaged[weight]!.scalars(as: Double.self) == [1, 2])
        #expect(parallel.localRange(ofBatch: 5) == 0..<5)
        let gathered = try SingleProcessGroup().allGather(Tensor([1.0, 2.0]))
        #expect(gathered.shape == [1, 2])
    }

    @Test func theWorldComesFromTheEnvironment() throws {
        #expect(try detectedProcessGroup(environment: [:]).size == 1)
        #expect(throws: ProcessGroupError.invalidWorld("OMPI_COMM_WORLD_SIZE is \"two\", not a positive count")) {
            try detectedProcessGroup(environment: ["OMPI_COMM_WORLD_SIZE": "two"])
        }
    }
}
