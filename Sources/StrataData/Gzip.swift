import CZlib
import Foundation

/// Why compressed data could not be inflated.
public enum GzipError: Error, Equatable, CustomStringConvertible {
    /// zlib could not set up a stream.
    case startFailed
    /// The data ends before the compressed stream does.
    case truncated
    /// zlib refused the data (bad header, checksum or block), with its reason.
    case corrupt(String)
    /// The inflated bytes would pass `limit` (`DecompressionLimits.maximumOutputBytes`).
    case outputTooLarge(limit: Int)
    /// More than `limit` output bytes per input byte once past `ratioCheckedAbove`
    /// (`DecompressionLimits`): a decompression bomb, such as a stream of zeros.
    case ratioTooLarge(outputBytes: Int, inputBytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .startFailed: "gzip: zlib could not start"
        case .truncated: "gzip: truncated stream: the data ends before the compressed stream does"
        case .corrupt(let reason): "gzip: corrupt data (\(reason))"
        case .outputTooLarge(let limit): "gzip: the data inflates past the limit of \(limit) bytes"
        case .ratioTooLarge(let output, let input, let limit):
            "gzip: \(input) compressed bytes inflate to more than \(output) bytes, over \(limit) times their size "
                + "(a decompression bomb?)"
        }
    }
}

/// How far `Gzip.decompress` lets data inflate before it stops with a typed error.
///
/// Real files sit far inside the defaults: Fashion-MNIST's largest file inflates from 26 MB to
/// 47 MB (ratio 1.8), MNIST's from 9.9 MB to 47 MB (4.8), the PyTorch state dictionaries of the
/// test fixtures up to 100:1 (resnet18, 45 MB), and more than 100:1 early in a stream. A run of
/// zeros deflates about 1032:1, so a 2.5 MB file can inflate to 2.5 GB; the ratio limit stops
/// it once 64 MiB are out, the size limit stops anything at 1 GiB.
public struct DecompressionLimits: Sendable, Equatable {
    /// The most bytes the output may hold (default 1 GiB).
    public var maximumOutputBytes: Int
    /// The most output bytes per input byte consumed so far (default 200) ...
    public var maximumRatio: Int
    /// ... checked once the output holds more than this many bytes (default 64 MiB), so that
    /// smaller files, however regular, still inflate.
    public var ratioCheckedAbove: Int

    public init(maximumOutputBytes: Int = 1 << 30, maximumRatio: Int = 200, ratioCheckedAbove: Int = 64 << 20) {
        self.maximumOutputBytes = maximumOutputBytes
        self.maximumRatio = maximumRatio
        self.ratioCheckedAbove = ratioCheckedAbove
    }

    /// The limits `Gzip.decompress` applies unless told otherwise.
    public static let standard = DecompressionLimits()
}

/// Gzip (and zlib) decompression through the system zlib: what the IDX reader uses for
/// `.gz` datasets, public for any other compressed file.
public enum Gzip {
    /// Whether `data` starts with the gzip magic bytes 1f 8b.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// `data` as one gzip member, deflated at zlib's default level (test fixtures and fuzz
    /// inputs; `strata` itself only reads gzip).
    public static func compress(_ data: Data) -> Data {
        var stream = z_stream()
        // 15 + 16: a gzip header and trailer around the deflate stream, the largest window.
        let started = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                    ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "Gzip.compress: zlib could not start (status \(started))")
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound leaves room for the whole stream (plus the gzip wrapper), so one call finishes it.
        precondition(status == Z_STREAM_END, "Gzip.compress: deflate did not finish (status \(status))")
        return Data(output[0..<Int(stream.total_out)])
    }

    /// The inflated bytes of the first gzip (or zlib) stream in `data`.
    /// - Throws: `GzipError` for a truncated or corrupt stream, or one that inflates past `limits`.
    public static func decompress(_ data: Data, limits: DecompressionLimits = .standard) throws(GzipError) -> Data {
        var stream = z_stream()
        // 15 + 32: accept gzip or zlib headers, with the largest window.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .startFailed
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK
        let result: GzipError? = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> GzipError? in
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
                    return .truncated
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    return .corrupt(stream.msg.map { String(cString: $0) } ?? "status \(status)")
                }
                guard output.count + produced <= limits.maximumOutputBytes else {
                    return .outputTooLarge(limit: limits.maximumOutputBytes)
                }
                output.append(contentsOf: chunk[0..<produced])
                let consumed = max(1, input.count - Int(stream.avail_in))
                if output.count > limits.ratioCheckedAbove && output.count / consumed > limits.maximumRatio {
                    return .ratioTooLarge(outputBytes: output.count, inputBytes: consumed, limit: limits.maximumRatio)
                }
            } while status != Z_STREAM_END
            return nil
        }
        if let result { throw result }
        return output
    }
}
