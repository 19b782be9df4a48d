import StrataCLI
import Testing

/// LeNet's counts by hand: conv 1 -> 32, 5x5: 32 * 25 + 32 = 832; conv 32 -> 64, 5x5:
/// 64 * 32 * 25 + 64 = 51,264; linear 3136 -> 512: 3136 * 512 + 512 = 1,606,144;
/// linear 512 -> 10: 5,130. Total 1,663,370.
@Test func leNetSummaryRowsAndTotal() throws {
    let summary = ModelSummary(try ModelName.lenet.makeModel(seed: 0))
    #expect(summary.rows.map(\.parameterCount) == [832, 0, 0, 51_264, 0, 0, 0, 1_606_144, 0, 5_130])
    #expect(summary.rows[5].outputShape == [1, 64, 7, 7])
    #expect(summary.rows.last?.outputShape == [1, 10])
    #expect(summary.totalParameters == 1_663_370)
    #expect(summary.table.hasSuffix("total parameters: 1663370"))
}

/// LeNet's FLOPs per sample by hand (multiply-add = 2; ReLU, pooling, flatten = 0):
/// conv1 (padding 2 keeps 28x28): 2 * 32 * 28 * 28 * 1 * 25 = 1,254,400;
/// conv2 (on 14x14 after pooling): 2 * 64 * 14 * 14 * 32 * 25 = 20,070,400;
/// fc1: 2 * 3136 * 512 = 3,211,264; fc2: 2 * 512 * 10 = 10,240. Total 24,546,304.
/// Activations (float32, per sample): 32*28*28*4 = 100,352 for conv1 and its ReLU, 32*14*14*4 =
/// 25,088 after pool1, 64*14*14*4 = 50,176 for conv2 and ReLU, 64*7*7*4 = 12,544 after pool2 and
/// flatten, 512*4 = 2,048 for fc1 and ReLU, 40 for fc2.
@Test func leNetFLOPsAndMemoryByHand() throws {
    let summary = ModelSummary(try ModelName.lenet.makeModel(seed: 0))
    let conv1 = 2 * 32 * 28 * 28 * 1 * 25, conv2 = 2 * 64 * 14 * 14 * 32 * 25
    let fc1 = 2 * 3136 * 512, fc2 = 2 * 512 * 10
    #expect(conv1 == 1_254_400 && conv2 == 20_070_400 && fc1 == 3_211_264 && fc2 == 10_240)
    #expect(summary.rows.map(\.flops) == [conv1, 0, 0, conv2, 0, 0, 0, fc1, 0, fc2])
    #expect(summary.totalFLOPs == 24_546_304)
    #expect(summary.rows.map(\.activationBytes)
            == [100_352, 100_352, 25_088, 50_176, 50_176, 12_544, 12_544, 2_048, 2_048, 40])
    #expect(summary.totalActivationBytes == 2 * 100_352 + 25_088 + 2 * 50_176 + 2 * 12_544 + 2 * 2_048 + 40)
    #expect(summary.parameterBytes == 1_663_370 * 4)
    #expect(summary.table.contains("total FLOPs per sample: 24546304"))
    #expect(summary.table.contains("multiply-add = 2"))
}

@Test(arguments: ModelName.imageModels) func everyModelsRowsAddUpToItsTotal(_ name: ModelName) throws {
    let summary = ModelSummary(try name.makeModel(seed: 0))
    #expect(summary.rows.map(\.parameterCount).reduce(0, +) == summary.totalParameters)
    #expect(summary.rows.last?.outputShape == [1, 10])
    // Every built-in model's FLOPs are known and at least its final linear layer's.
    #expect((summary.totalFLOPs ?? 0) >= 2 * 10 * 16)
}
