import Foundation
import Strata
import StrataIO
import Testing

private func sampleCheckpoint() -> Checkpoint {
    Checkpoint(sections: [
        "model": ["0.weight": Tensor([1, -2, 3.5, 0] as [Float], shape: [2, 2]), "0.bias": Tensor([0.25, -0.5] as [Float])],
        "optimizer": ["step_count": Tensor(Int64(7)), "state.0.weight.exp_avg": Tensor([1e-300, -0.0] as [Double])],
        "empty": [:],
    ], metadata: ["epoch": "1", "rng.seed": "18446744073709551615", "note": "α, β"])
}

/// The error `body` throws, or nil when it succeeds.
private func checkpointError(_ body: () throws(CheckpointError) -> Checkpoint) -> CheckpointError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

@Test func checkpointRoundTripsSectionsAndMetadata() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("run.safetensors")
    let original = sampleCheckpoint()
    try original.write(to: url)
    let restored = try Checkpoint.read(contentsOf: url)
    #expect(Set(restored.sections.keys) == ["model", "optimizer", "empty"])
    for (name, section) in original.sections {
        let loaded = try restored.section(name)
        #expect(Set(loaded.keys) == Set(section.keys))
        for (key, tensor) in section { expectIdentical(loaded[key], tensor, "\(name)/\(key)") }
    }
    #expect(restored.metadata == original.metadata)
    #expect(try restored.metadata("epoch", as: Int.self) == 1)
    #expect(try restored.metadata("rng.seed", as: UInt64.self) == UInt64.max)
}

@Test func checkpointIsOneSafetensorsFileWithSectionPrefixedKeys() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("run.safetensors")
    try sampleCheckpoint().write(to: url)
    let file = try Safetensors.read(contentsOf: url)
    #expect(Set(file.tensors.keys) == ["model/0.weight", "model/0.bias", "optimizer/step_count",
                                       "optimizer/state.0.weight.exp_avg"])
    #expect(file.metadata["checkpoint.format"] == Checkpoint.format)
    #expect(file.metadata["checkpoint.sections"] == "empty,model,optimizer")
    #expect(file.metadata["epoch"] == "1")
}

@Test func checkpointWriteReplacesTheFileAtomically() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("latest.safetensors")
    try sampleCheckpoint().write(to: url)
    var next = sampleCheckpoint()
    next.setMetadata("2", for: "epoch")
    try next.write(to: url)
    #expect(try Checkpoint.read(contentsOf: url).metadata("epoch", as: Int.self) == 2)
    // The temporary file was renamed over the target: nothing else is left in the directory.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["latest.safetensors"])
}

@Test func checkpointReadRejectsBadFilesWithTypedErrors() throws {
    let data = try sampleCheckpoint().encoded()
    // Truncated: the header promises more tensor bytes than remain.
    let truncated = data.prefix(data.count - 5)
    guard case .malformedFile = checkpointError({ () throws(CheckpointError) in try Checkpoint.decode(Data(truncated)) }) else {
        Issue.record("a truncated file must be malformedFile")
        return
    }
    // Truncated inside the 8-byte length.
    #expect(checkpointError { () throws(CheckpointError) in try Checkpoint.decode(data.prefix(3)) }
        == .malformedFile(.fileTooShort(byteCount: 3)))
    // Corrupt: the header's opening brace overwritten.
    var corrupt = data
    corrupt[8] = UInt8(ascii: "x")
    guard case .malformedFile(.invalidJSON) = checkpointError({ () throws(CheckpointError) in try Checkpoint.decode(corrupt) }) else {
        Issue.record("a corrupt header must be malformedFile(invalidJSON)")
        return
    }
    // A missing file.
    let missing = URL(fileURLWithPath: "/nonexistent/strata/checkpoint.safetensors")
    guard case .unreadable = checkpointError({ () throws(CheckpointError) in try Checkpoint.read(contentsOf: missing) }) else {
        Issue.record("a missing file must be unreadable")
        return
    }
}

@Test func checkpointReadRejectsSafetensorsThatAreNotCheckpoints() throws {
    let plain = try Safetensors.encode(["weight": Tensor([1] as [Float])])
    #expect(checkpointError { () throws(CheckpointError) in try Checkpoint.decode(plain) } == .notACheckpoint)
    let future = try Safetensors.encode([:], metadata: ["checkpoint.format": "strata-checkpoint-9"])
    #expect(checkpointError { () throws(CheckpointError) in try Checkpoint.decode(future) }
        == .unsupportedFormat("strata-checkpoint-9"))
    // A key outside every listed section, and one with no section at all.
    for key in ["other/weight", "weight"] {
        let stray = try Safetensors.encode([key: Tensor([1] as [Float])],
                                           metadata: ["checkpoint.format": Checkpoint.format, "checkpoint.sections": "model"])
        #expect(checkpointError { () throws(CheckpointError) in try Checkpoint.decode(stray) } == .unexpectedKey(key))
    }
}

@Test func missingSectionsAndMetadataThrow() throws {
    let checkpoint = try Checkpoint.decode(sampleCheckpoint().encoded())
    #expect(throws: CheckpointError.missingSection("scheduler")) { try checkpoint.section("scheduler") }
    #expect(throws: CheckpointError.missingMetadata("step")) { try checkpoint.metadata("step", as: Int.self) }
    #expect(throws: CheckpointError.invalidMetadata(key: "note", value: "α, β", expected: "Int")) {
        try checkpoint.metadata("note", as: Int.self)
    }
    #expect(try checkpoint.section("empty").isEmpty)
}
