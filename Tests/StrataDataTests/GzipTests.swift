import Foundation
import StrataData
import Testing

// Issue 20: decompression stops at a size and a ratio limit with a typed error.

@Test func compressedDataRoundTrips() throws {
    let data = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
    #expect(try Gzip.decompress(Gzip.compress(data)) == data)
}

@Test func aGzipBombStopsAtTheRatioLimit() throws {
    // 64 MiB of zeros deflate about 1000:1; the default limits stop past 16 MiB at over 100:1.
    let bomb = Gzip.compress(Data(count: 64 << 20))
    #expect {
        try Gzip.decompress(bomb)
    } throws: { error in
        guard case .ratioTooLarge(let output, let input, 100)? = error as? GzipError else { return false }
        return output > 16 << 20 && output / input > 100
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
    let unlimited = DecompressionLimits(maximumOutputBytes: 1 << 27, maximumRatio: 2_000)
    #expect(try Gzip.decompress(bomb, limits: unlimited).count == 64 << 20)
}
