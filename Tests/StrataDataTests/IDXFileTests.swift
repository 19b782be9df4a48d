import Foundation
import Strata
import StrataData
import Testing

// Byte arrays in IDXFixtures come from Tools/make_idx_fixtures.py (struct, numpy big-endian
// dtypes and Python's gzip module); the values each must parse to are in its doc comment there.

@Test func parsesAnUnsignedByteIDXFile() throws {
    // Header: 0, 0, type 0x08, rank 2, dims 2 and 3 (big-endian), then 6 pixels.
    let bytes = Data([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 252])
    let tensor = try IDXFile.parse(bytes)
    #expect(tensor.shape == [2, 3])
    #expect(tensor.scalars(as: Int32.self) == [1, 2, 3, 250, 251, 252])
}

@Test func parsesEveryElementTypeAtItsExtremes() throws {
    let unsigned = try IDXFile.parse(Data(IDXFixtures.unsignedBytes))
    #expect(unsigned.shape == [2, 3] && unsigned.dtype == .int32)
    #expect(unsigned.scalars(as: Int32.self) == [0, 1, 127, 128, 254, 255])

    let signed = try IDXFile.parse(Data(IDXFixtures.signedBytes))
    #expect(signed.shape == [5] && signed.dtype == .int32)
    #expect(signed.scalars(as: Int32.self) == [-128, -1, 0, 1, 127])

    let shorts = try IDXFile.parse(Data(IDXFixtures.shorts))
    #expect(shorts.shape == [3, 2] && shorts.dtype == .int32)
    #expect(shorts.scalars(as: Int32.self) == [-32768, -2, 0, 300, 32767, 7])

    let integers = try IDXFile.parse(Data(IDXFixtures.integers))
    #expect(integers.shape == [3, 2] && integers.dtype == .int32)
    #expect(integers.scalars(as: Int32.self) == [Int32.min, -70000, 0, 1, 65536, Int32.max])

    let floats = try IDXFile.parse(Data(IDXFixtures.floats))
    #expect(floats.shape == [2, 2] && floats.dtype == .float32)
    #expect(floats.scalars(as: Float.self) == [1.5, -0.25, 3e38, 1e-30])

    let doubles = try IDXFile.parse(Data(IDXFixtures.doubles))
    #expect(doubles.shape == [3] && doubles.dtype == .float64)
    #expect(doubles.scalars(as: Double.self) == [1.0 / 3.0, -2.5e300, 0])
}

@Test func gzipCompressedFilesParseToTheSameTensors() throws {
    for (compressed, plain) in [(IDXFixtures.gzipUnsignedBytes, IDXFixtures.unsignedBytes),
                                (IDXFixtures.gzipIntegers, IDXFixtures.integers),
                                (IDXFixtures.gzipFloats, IDXFixtures.floats)] {
        let fromGzip = try IDXFile.parse(Data(compressed))
        let fromPlain = try IDXFile.parse(Data(plain))
        #expect(fromGzip.shape == fromPlain.shape && fromGzip.dtype == fromPlain.dtype)
        #expect(fromGzip.scalars(as: Double.self) == fromPlain.scalars(as: Double.self))
    }
    let pixels = try IDXFile.parse(Data(IDXFixtures.gzipPixels))
    #expect(pixels.shape == [10, 10, 10])
    #expect(pixels.scalars(as: Int32.self) == (0..<1000).map { Int32($0 % 251) })
}

/// A fresh temporary directory, removed after `body`.
private func withTemporaryDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-idx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

@Test func readsPlainAndCompressedFilesFromDisk() throws {
    try withTemporaryDirectory { directory in
        let plain = directory.appendingPathComponent("integers-idx2-int")
        let compressed = directory.appendingPathComponent("integers-idx2-int.gz")
        try Data(IDXFixtures.integers).write(to: plain)
        try Data(IDXFixtures.gzipIntegers).write(to: compressed)
        // Compression is recognised by its magic bytes, not by the file name.
        let misnamed = directory.appendingPathComponent("compressed-without-suffix")
        try Data(IDXFixtures.gzipIntegers).write(to: misnamed)
        let expected: [Int32] = [Int32.min, -70000, 0, 1, 65536, Int32.max]
        for url in [plain, compressed, misnamed] {
            #expect(try IDXFile.read(contentsOf: url).scalars(as: Int32.self) == expected, "\(url.lastPathComponent)")
        }
    }
}

@Test func aMissingFileThrowsUnreadableWithItsPath() {
    let url = URL(fileURLWithPath: "/nonexistent-strata-directory/train-images-idx3-ubyte")
    #expect {
        try IDXFile.read(contentsOf: url)
    } throws: { error in
        guard case .unreadable(let path, _)? = error as? IDXError else { return false }
        return path == url.path && "\(error)".contains(url.path)
    }
}

@Test func truncatedHeadersThrow() {
    // Fewer than the 4 magic bytes; then a rank-2 header that needs 4 + 2 * 4 = 12 bytes but has 7.
    #expect(throws: IDXError.truncated(expectedBytes: 4, actualBytes: 0)) { try IDXFile.parse(Data()) }
    #expect(throws: IDXError.truncated(expectedBytes: 4, actualBytes: 3)) { try IDXFile.parse(Data([0, 0, 8])) }
    #expect(throws: IDXError.truncated(expectedBytes: 12, actualBytes: 7)) {
        try IDXFile.parse(Data([0, 0, 0x08, 2, 0, 0, 0]))
    }
}

@Test func truncatedDataThrows() {
    // [2, 3] uint8 needs 12 + 6 bytes; two pixels are missing.
    #expect(throws: IDXError.truncated(expectedBytes: 18, actualBytes: 16)) {
        try IDXFile.parse(Data(IDXFixtures.unsignedBytes.dropLast(2)))
    }
    // [3, 2] int32 needs 12 + 24 bytes; half of the last element is missing.
    #expect(throws: IDXError.truncated(expectedBytes: 36, actualBytes: 34)) {
        try IDXFile.parse(Data(IDXFixtures.integers.dropLast(2)))
    }
}

@Test func aBadMagicNumberThrows() {
    #expect {
        try IDXFile.parse(Data([1, 0, 0x08, 1, 0, 0, 0, 1, 7]))
    } throws: { error in
        guard case .badMagic(let detail)? = error as? IDXError else { return false }
        return detail.contains("1, 0")
    }
    // Text is not IDX either.
    #expect(throws: IDXError.self) { try IDXFile.parse(Data("hello, world".utf8)) }
}

@Test func anUnsupportedElementTypeThrows() {
    // 0x0A is between the signed byte (0x09) and int16 (0x0B) codes and means nothing.
    #expect(throws: IDXError.unsupportedType(0x0A)) { try IDXFile.parse(Data([0, 0, 0x0A, 1, 0, 0, 0, 1, 0])) }
    #expect("\(IDXError.unsupportedType(0x0A))".contains("0xa"))
}

@Test func implausibleDimensionsThrowInsteadOfAllocating() {
    // Three dimensions of 2^32 - 1 overflow Int; 65536 * 65536 * 16 = 2^36 elements exceeds the limit.
    let overflowing = Data([0, 0, 0x08, 3] + Array(repeating: 0xFF, count: 12))
    #expect(throws: IDXError.self) { try IDXFile.parse(overflowing) }
    let huge = Data([0, 0, 0x08, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 16])
    #expect {
        try IDXFile.parse(huge)
    } throws: { error in
        guard case .badMagic(let detail)? = error as? IDXError else { return false }
        return detail.contains("implausibly large")
    }
}

@Test func aZeroDimensionDoesNotHideHugeOnes() {
    // [3, 0, 2^32 - 1, 2^32 - 1] holds no element, but its strides would overflow Int; strata-fuzz
    // found this as a trap in the tensor's creation (idx, seed 2026, cases 748 and 11766).
    let header = Data([0, 0, 0x08, 4, 0, 0, 0, 3, 0, 0, 0, 0] + Array(repeating: 0xFF, count: 8))
    #expect {
        try IDXFile.parse(header)
    } throws: { error in
        guard case .badMagic(let detail)? = error as? IDXError else { return false }
        return detail.contains("implausibly large")
    }
}

@Test func corruptGzipThrowsADecompressionError() {
    // The CRC-32 in the trailer no longer matches the data.
    #expect {
        try IDXFile.parse(Data(IDXFixtures.gzipWrongChecksum))
    } throws: { error in
        guard case .decompression(let message)? = error as? IDXError else { return false }
        return message.contains("corrupt")
    }
    // Half a stream.
    #expect {
        try IDXFile.parse(Data(IDXFixtures.gzipCutShort))
    } throws: { error in
        guard case .decompression(let message)? = error as? IDXError else { return false }
        return message.contains("truncated")
    }
    // The gzip magic followed by garbage, and the magic alone.
    #expect(throws: IDXError.self) { try IDXFile.parse(Data([0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9])) }
    #expect(throws: IDXError.self) { try IDXFile.parse(Data([0x1F, 0x8B])) }
}
