import StrataFuzzing
import Testing

// Each reader under a bounded fuzz run (Tools/fuzz.sh runs the long ones). A crash would end the
// test process, so passing means none; the seeds (the first cases) must be accepted, and the
// mutations must reach both outcomes.

/// Runs `cases` cases of `target` with seed 20 and checks what every target must satisfy.
private func fuzz(_ target: any FuzzTarget, cases: Int) -> FuzzTally {
    let campaign = FuzzCampaign(target: target, seed: 20)
    let seeds = campaign.run(0..<target.seeds.count)
    #expect(seeds.accepted == target.seeds.count, "\(target.name): a seed is not accepted: \(seeds.findings)")
    let tally = campaign.run(target.seeds.count..<cases)
    #expect(tally.accepted > 0 && tally.rejected > 0, "\(target.name): \(tally.summary)")
    #expect(tally.unexpectedErrors == 0, "\(target.name): \(tally.findings)")
    return tally
}

@Suite struct FuzzTargetTests {
    @Test func csvTablesAreNeverSilentlyAccepted() {
        let tally = fuzz(CSVFuzzTarget(), cases: 600)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func idxFilesAreNeverSilentlyAccepted() {
        let tally = fuzz(IDXFuzzTarget(), cases: 600)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func theCasesLongRunsFoundStayFixed() {
        // idx, seed 2026: cases 748 and 11766 trapped in IDXFile.parse (a zero dimension beside
        // huge ones) before the span check.
        let campaign = FuzzCampaign(target: IDXFuzzTarget(), seed: 2026)
        for index in [748, 11766] {
            let tally = campaign.run(index..<index + 1)
            #expect(tally.rejected == 1, "case \(index): \(tally.findings)")
        }
    }

    @Test func npyFilesAreNeverSilentlyAccepted() {
        let tally = fuzz(NPYFuzzTarget(), cases: 600)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func onnxModelsAreNeverSilentlyAccepted() {
        let tally = fuzz(ONNXFuzzTarget(), cases: 600)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func imageFilesAreNeverSilentlyAccepted() {
        let tally = fuzz(ImageFuzzTarget(), cases: 400)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func predictCSVFilesAreNeverSilentlyAccepted() {
        let tally = fuzz(PredictCSVFuzzTarget(), cases: 300)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    // The three targets below read what the CLI range-checks in weights metadata, checkpoints
    // and settings.json (TrainingSettings+Validation, WideDeepConfiguration.validate, the
    // optimizer's state slots).

    @Test func wideDeepWeightsWithMetadata() throws {
        let tally = fuzz(try SafetensorsFuzzTarget(), cases: 300)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func trainingCheckpoints() throws {
        let tally = fuzz(try CheckpointFuzzTarget(), cases: 300)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }

    @Test func runSettings() throws {
        let tally = fuzz(try SettingsFuzzTarget(), cases: 150)
        #expect(tally.silentAcceptances == 0, "\(tally.findings)")
    }
}

@Test func everyTargetIsRegisteredByName() throws {
    #expect(FuzzTargets.names == ["csv", "idx", "npy", "predict-csv", "safetensors", "checkpoint", "settings", "image", "onnx"])
    for name in FuzzTargets.names { #expect(try FuzzTargets.make(name)?.name == name) }
    #expect(try FuzzTargets.make("http") == nil)
}
