import Foundation
import Strata
import StrataIO
import Testing

// MARK: - Helpers

/// The tensors of `reference_tensors()` in Tools/make_safetensors_fixture.py.
func fixtureTensors() -> [String: Tensor] {
    [
        "weight": Tensor([-1, -0.5, 0, 0.5, 1, 1.5] as [Float], shape: [2, 3]),  // arange(6) * 0.5 - 1
        "bias": Tensor([0.25, -2.5, 1e300] as [Double]),
        "step": Tensor(Int64(123_456_789_012)),
        "labels": Tensor([3, -7, Int32.max, Int32.min] as [Int32]),
        "mask": Tensor([true, false, true]),
        "empty": Tensor.zeros([0, 4]),
    ]
}

let fixtureMetadata = ["format": "np", "source": "make_safetensors_fixture.py"]

/// Checks dtype, shape and every element bit for bit (so -0.0 and NaN payloads count).
func expectIdentical(_ actual: Tensor?, _ expected: Tensor, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual else {
        Issue.record("missing tensor \(name)", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.dtype == expected.dtype, "\(name) dtype", sourceLocation: sourceLocation)
    #expect(actual.shape == expected.shape, "\(name) shape", sourceLocation: sourceLocation)
    guard actual.dtype == expected.dtype else { return }
    let same: Bool = switch expected.dtype {
    case .float32: actual.scalars(as: Float.self).map(\.bitPattern) == expected.scalars(as: Float.self).map(\.bitPattern)
    case .float64: actual.scalars(as: Double.self).map(\.bitPattern) == expected.scalars(as: Double.self).map(\.bitPattern)
    case .int32: actual.scalars(as: Int32.self) == expected.scalars(as: Int32.self)
    case .int64: actual.scalars(as: Int64.self) == expected.scalars(as: Int64.self)
    case .bool: actual.scalars(as: Bool.self) == expected.scalars(as: Bool.self)
    }
    #expect(same, "\(name) values", sourceLocation: sourceLocation)
}

/// A file with `header` as its JSON (unpadded) followed by `dataByteCount` zero bytes.
func safetensorsFile(header: String, dataByteCount: Int = 0) -> Data {
    var file = Data()
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
    file.append(contentsOf: Array(header.utf8))
    file.append(contentsOf: [UInt8](repeating: 0, count: dataByteCount))
    return file
}

/// The error `parse` throws for `data`, or nil when it succeeds.
func parseError(_ data: Data) -> SafetensorsError? {
    do {
        _ = try Safetensors.parse(data)
        return nil
    } catch {
        return error
    }
}

func parseError(header: String, dataByteCount: Int = 0) -> SafetensorsError? {
    parseError(safetensorsFile(header: header, dataByteCount: dataByteCount))
}

func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-safetensors-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

// MARK: - Round trips and layout

@Test func safetensorsRoundTripsEveryDTypeScalarsEmptyAndStridedTensors() throws {
    let matrix = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3])
    let tensors: [String: Tensor] = [
        "f32": Tensor([-0.0, .infinity, 1.5, -3.25e-38] as [Float], shape: [2, 2]),
        "f64": Tensor([.pi, -.greatestFiniteMagnitude, 5e-324] as [Double]),
        "i32": Tensor([Int32.min, -1, 0, Int32.max] as [Int32], shape: [4, 1]),
        "i64": Tensor([Int64.min, 42, Int64.max] as [Int64]),
        "bool": Tensor([true, false, false, true, true] as [Bool]),
        "scalar.f32": Tensor(Float(7.5)),
        "scalar.i64": Tensor(Int64(-9)),
        "scalar.bool": Tensor(true),
        "empty.f64": Tensor.zeros([3, 0, 2], dtype: .float64),
        "empty.i32": Tensor.zeros([0], dtype: .int32),
        "transposed": matrix.transposed(),
        "sliced": Tensor.arange(0, 10, dtype: .int64).sliced(axis: 0, start: 1, end: 9, step: 3),
        "broadcast": Tensor([true, false]).expanded(to: [3, 2]),
    ]
    #expect(!tensors["transposed"]!.isContiguous && !tensors["sliced"]!.isContiguous && !tensors["broadcast"]!.isContiguous)
    let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t é 🦀"]
    let url = try temporaryDirectory().appendingPathComponent("model.safetensors")
    try Safetensors.write(tensors, metadata: metadata, to: url)
    let (loaded, loadedMetadata) = try Safetensors.read(contentsOf: url)
    #expect(Set(loaded.keys) == Set(tensors.keys))
    for (name, tensor) in tensors { expectIdentical(loaded[name], tensor, name) }
    #expect(loadedMetadata == metadata)
    // The strided views come back dense, in row-major order.
    #expect(loaded["transposed"]!.scalars(as: Double.self) == [1, 4, 2, 5, 3, 6])
    #expect(loaded["sliced"]!.scalars(as: Int64.self) == [1, 4, 7])
}

@Test func safetensorsHeaderIsSortedCompactPaddedAndLittleEndian() throws {
    let bytes = [UInt8](try Safetensors.encode(["b": Tensor([1] as [Int32]), "a": Tensor([true])]))
    let length = Int(bytes[0]) | Int(bytes[1]) << 8  // the other six bytes are zero
    #expect(bytes[2..<8].allSatisfy { $0 == 0 })
    let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    let json = #"{"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"I32","shape":[1],"data_offsets":[1,5]}}"#
    // 108 bytes of JSON, padded with four spaces to 112, a multiple of 8.
    #expect(header == json + String(repeating: " ", count: 4))
    #expect(length % 8 == 0)
    // true, then Int32 1 in little-endian order.
    #expect(Array(bytes[(8 + length)...]) == [1, 1, 0, 0, 0])
}

@Test func safetensorsWritesTheReferenceWritersBytesForOneDType() throws {
    // Same tensors and metadata as in Tools/make_safetensors_fixture.py; with a single dtype
    // the reference layout (alignment, then name) is Strata's name order.
    let tensors = ["b": Tensor([1.5, -2] as [Float]), "a": Tensor([3, 4, 5] as [Float])]
    let bytes = try Safetensors.encode(tensors, metadata: ["format": "pt"])
    #expect([UInt8](bytes) == pythonWrittenSingleDTypeSafetensors)
}

@Test func safetensorsReadsAFileWrittenByThePythonPackage() throws {
    let (tensors, metadata) = try Safetensors.parse(Data(pythonWrittenSafetensors))
    let expected = fixtureTensors()
    #expect(Set(tensors.keys) == Set(expected.keys))
    for (name, tensor) in expected { expectIdentical(tensors[name], tensor, name) }
    #expect(metadata == fixtureMetadata)
}

@Test func safetensorsWritesTheFileThePythonPackageVerified() throws {
    let bytes = try Safetensors.encode(fixtureTensors(), metadata: fixtureMetadata)
    // Regenerating the fixture: this writes the file that Tools/make_safetensors_fixture.py checks.
    if let path = ProcessInfo.processInfo.environment["STRATA_SAFETENSORS_FIXTURE_OUT"] {
        try bytes.write(to: URL(fileURLWithPath: path))
    }
    #expect([UInt8](bytes) == strataWrittenSafetensors)
}

@Test func safetensorsWriteReplacesAFileAtomically() throws {
    let directory = try temporaryDirectory()
    let url = directory.appendingPathComponent("weights.safetensors")
    try Safetensors.write(["x": Tensor([1, 2] as [Float])], to: url)
    try Safetensors.write(["y": Tensor([3] as [Int64])], to: url)
    // Only the final file remains: the temporary file was renamed over it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["weights.safetensors"])
    let (tensors, metadata) = try Safetensors.read(contentsOf: url)
    #expect(Array(tensors.keys) == ["y"] && metadata.isEmpty)
    expectIdentical(tensors["y"], Tensor([3] as [Int64]), "y")
}

@Test func safetensorsReadsAnyNonzeroBoolByteAsTrue() throws {
    // numpy stores a bool as one byte; Swift's Bool must be exactly 0 or 1.
    var file = safetensorsFile(header: #"{"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}"#)
    file.append(contentsOf: [0, 2, 255])
    #expect(try Safetensors.parse(file).tensors["m"]!.scalars(as: Bool.self) == [false, true, true])
}

@Test func safetensorsRefusesToWriteATensorNamedMetadata() {
    #expect(throws: SafetensorsError.reservedName) { try Safetensors.encode(["__metadata__": Tensor([1] as [Float])]) }
}
