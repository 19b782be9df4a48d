import Foundation
import StrataCLI
import Testing

/// `--sync-batch-norm` is kept in settings.json (so `strata resume` trains the same way), and
/// settings written before the flag existed read as per-rank batch norm. What the flag does under
/// `mpirun` is tested by StrataDistributedTests (the ResNet equivalence with synchronized batch norm).
@Suite struct SyncBatchNormFlagTests {
    @Test func theFlagIsASettingThatRoundTrips() throws {
        let flagged = try TrainCommand.parse(["--model", "resnet", "--sync-batch-norm"]).settings
        #expect(flagged.synchronizesBatchNorm == true)
        #expect(try TrainCommand.parse(["--model", "resnet"]).settings.synchronizesBatchNorm == nil)
        let decoded = try JSONDecoder().decode(TrainingSettings.self, from: JSONEncoder().encode(flagged))
        #expect(decoded == flagged)
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(flagged)) as! [String: Any]
        old.removeValue(forKey: "synchronizesBatchNorm")
        let earlier = try JSONDecoder().decode(TrainingSettings.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(earlier.synchronizesBatchNorm == nil)
    }
}
