import Foundation
import StrataData
import Testing

// Issue 20: decompression stops at a size and a ratio limit with a typed error.

@Test func compressedDataRoundTrips() throws {
    let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
    #expect(try Gzip.decompress(Gzip.compress(data)) == data)
}

@Test func aGzipBombStopsAtTheRatioLimit() throws {
    // 72 MiB of zeros deflate about 1000:1; the default limits stop past 64 MiB at over 200:1.
    let bomb = Gzip.compress(Data(count: 72 << 20))
    #expect {
        try Gzip.decompress(bomb)
    } throws: { error in
        guard case .ratioTooLarge(let output, let input, 200)? = error as? GzipError else { return false }
        return output > 64 << 20 && output / input > 200
    }
    // The same file read as IDX names the decompression problem.
    #expect {
        try IDXFile.parse(bomb)
    } throws: { error in
        guard case .decompression(let message)? = error as? IDXError else { return false }
        return message.contains("decompression bomb")
    }
    // A size limit below the output stops it too; generous limits let it through.
    #expect(throws: GzipError.outputTooLarge(limit: 1 << 20)) {
        try Gzip.decompress(bomb, limits: DecompressionLimits(maximumOutputBytes: 1 << 20))
    }
    let generous = DecompressionLimits(maximumOutputBytes: 1 << 27, maximumRatio: 2_000)
    #expect(try Gzip.decompress(bomb, limits: generous).count == 72 << 20)
}

@Test func regularDataBelowTheRatioThresholdInflates() throws {
    // 16 MiB of zeros (over 1000:1) stay below the 64 MiB where the ratio is checked: a blank
    // image file or a fixture of zero weights still reads.
    #expect(try Gzip.decompress(Gzip.compress(Data(count: 16 << 20))).count == 16 << 20)
}
