import CZlib
import Foundation

/// Why compressed data could not be inflated.
public struct GzipError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { "gzip: \(message)" }
}

/// Gzip (and zlib) decompression through the system zlib: what the IDX reader uses for
/// `.gz` datasets, public for any other compressed file.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// The inflated bytes; throws on a truncated or corrupt stream.
    public static func decompress(_ data: Data) throws -> Data {
        var stream = z_stream()
        // 15 + 32: accept gzip or zlib headers, with the largest window.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError(message: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(chunkSize)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunkSize - Int(stream.avail_out)
                }
                // With all input consumed and the stream unfinished, zlib answers Z_BUF_ERROR (no
                // progress possible) or Z_OK with no output: either way the data was cut short.
                if stream.avail_in == 0 && (status == Z_BUF_ERROR || (status == Z_OK && produced == 0)) {
                    throw GzipError(message: "truncated stream: the data ends before the compressed stream does")
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw GzipError(message: "corrupt data (\(reason))")
                }
                output.append(contentsOf: chunk[0..<produced])
            } while status != Z_STREAM_END
        }
        return output
    }
}
