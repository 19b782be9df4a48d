import StrataCLI
import Testing

/// LeNet's counts by hand: conv 1 -> 32, 5x5: 32 * 25 + 32 = 832; conv 32 -> 64, 5x5:
/// 64 * 32 * 25 + 64 = 51,264; linear 3136 -> 512: 3136 * 512 + 512 = 1,606,144;
/// linear 512 -> 10: 5,130. Total 1,663,370.
@Test func leNetSummaryRowsAndTotal() {
    let summary = ModelSummary(ModelName.lenet.makeModel(seed: 0))
    #expect(summary.rows.map(\.parameterCount) == [832, 0, 0, 51_264, 0, 0, 0, 1_606_144, 0, 5_130])
    #expect(summary.rows[5].outputShape == [1, 64, 7, 7])
    #expect(summary.rows.last?.outputShape == [1, 10])
    #expect(summary.totalParameters == 1_663_370)
    #expect(summary.table.hasSuffix("total parameters: 1663370"))
}

@Test(arguments: ModelName.allCases) func everyModelsRowsAddUpToItsTotal(_ name: ModelName) {
    let summary = ModelSummary(name.makeModel(seed: 0))
    #expect(summary.rows.map(\.parameterCount).reduce(0, +) == summary.totalParameters)
    #expect(summary.rows.last?.outputShape == [1, 10])
}
