import Foundation
import Strata

/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an
/// 8-byte little-endian header length N, N bytes of JSON naming each tensor's dtype, shape and
/// byte range, then the tensors' raw little-endian bytes, back to back.
///
/// Strata writes and reads F32, F64, I32, I64 and BOOL; other dtypes (F16, BF16, ...) are
/// rejected by name. Pair it with `stateDictionary()` to exchange weights with PyTorch, or use
/// `PyTorchWeights`, which adds PyTorch's key and dtype conventions.
public enum Safetensors {
    /// The reference implementation's cap on the header length (`MAX_HEADER_SIZE`).
    public static let maximumHeaderLength = 100_000_000

    /// The key of the optional string-to-string metadata object in the header.
    static let metadataKey = "__metadata__"

    /// Writes `tensors` and `metadata` to `url` atomically (a temporary file in the same
    /// directory, then a rename), so a reader never sees a half-written file.
    ///
    /// Tensors are laid out in the byte order of their names; any view (transposed, sliced,
    /// broadcast) is written densely in row-major order.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try encode(tensors, metadata: metadata).write(to: url, options: .atomic)
    }

    /// Writes a model's `stateDictionary()` to `url`, each tensor named by its dotted path (see
    /// `write(_:metadata:to:)`).
    public static func write(_ state: [ParameterPath: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try write(state.keyedByName, metadata: metadata, to: url)
    }

    /// The bytes of a safetensors file holding `tensors` and `metadata` (see `write`).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        guard tensors[metadataKey] == nil else { throw SafetensorsError.reservedName }
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\(jsonString(metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var body = Data()
        for name in names {
            let tensor = tensors[name]!
            let begin = body.count
            body.append(littleEndianBytes(of: tensor))
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"\(formatName(of: tensor.dtype))\","
                           + "\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(body.count)]}")
        }
        var header = Data("{\(entries.joined(separator: ","))}".utf8)
        // Like the reference writer, pad with spaces so the data starts 8-byte aligned.
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        var file = Data(capacity: 8 + header.count + body.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(body)
        return file
    }

    /// The tensors and metadata of the safetensors file at `url`, validated strictly.
    public static func read(contentsOf url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try parse(Data(contentsOf: url))
    }

    /// The tensors and metadata of safetensors bytes; throws `SafetensorsError` for any malformed
    /// input (bad lengths, JSON, dtypes, shapes or byte ranges).
    public static func parse(_ data: Data) throws(SafetensorsError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(SafetensorsError) in try parse(bytes) }
        }
        return try result.get()
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(SafetensorsError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw .fileTooShort(byteCount: bytes.count) }
        var length: UInt64 = 0
        for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length <= UInt64(maximumHeaderLength) else { throw .headerTooLarge(length: length) }
        guard length <= UInt64(bytes.count - 8) else {
            throw .headerPastEndOfFile(length: length, available: bytes.count - 8)
        }
        let headerEnd = 8 + Int(length)
        let header = try SafetensorsHeader(UnsafeRawBufferPointer(rebasing: bytes[8..<headerEnd]),
                                           dataByteCount: bytes.count - headerEnd)
        var tensors: [String: Tensor] = [:]
        for entry in header.entries {
            let range = UnsafeRawBufferPointer(rebasing: bytes[(headerEnd + entry.begin)..<(headerEnd + entry.end)])
            tensors[entry.name] = makeTensor(shape: entry.shape, dtype: entry.dtype, from: range)
        }
        return (tensors, header.metadata)
    }

    /// The format's name for a dtype.
    static func formatName(of dtype: DType) -> String {
        switch dtype {
        case .float32: "F32"
        case .float64: "F64"
        case .int32: "I32"
        case .int64: "I64"
        case .bool: "BOOL"
        }
    }

    /// `text` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters escaped).
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func littleEndianBytes(of tensor: Tensor) -> Data {
        switch tensor.dtype {
        case .float32: littleEndianBytes(of: tensor, as: Float.self)
        case .float64: littleEndianBytes(of: tensor, as: Double.self)
        case .int32: littleEndianBytes(of: tensor, as: Int32.self)
        case .int64: littleEndianBytes(of: tensor, as: Int64.self)
        case .bool: littleEndianBytes(of: tensor, as: Bool.self)
        }
    }

    private static func littleEndianBytes<T: TensorScalar>(of tensor: Tensor, as type: T.Type) -> Data {
        var bytes = tensor.withUnsafeScalars(as: T.self) { Data(buffer: $0) }
        #if _endian(big)
        bytes.withUnsafeMutableBytes { reverseEachElement($0, size: MemoryLayout<T>.size) }
        #endif
        return bytes
    }

    private static func makeTensor(shape: [Int], dtype: DType, from bytes: UnsafeRawBufferPointer) -> Tensor {
        var tensors = [Tensor(unsafeUninitializedShape: shape, dtype: dtype)]
        switch dtype {
        case .float32: fill(&tensors, as: Float.self, from: bytes)
        case .float64: fill(&tensors, as: Double.self, from: bytes)
        case .int32: fill(&tensors, as: Int32.self, from: bytes)
        case .int64: fill(&tensors, as: Int64.self, from: bytes)
        case .bool: fill(&tensors, as: Bool.self, from: bytes)
        }
        return tensors[0]
    }

    private static func fill<T: TensorScalar>(_ tensors: inout [Tensor], as type: T.Type, from bytes: UnsafeRawBufferPointer) {
        Tensor.withUnsafeMutableScalars(of: &tensors, as: T.self) { buffers in
            let target = UnsafeMutableRawBufferPointer(buffers[0])
            // The header was checked: the byte range is exactly shape x dtype size.
            precondition(target.count == bytes.count, "safetensors: \(bytes.count) bytes for \(target.count)")
            if !bytes.isEmpty { target.copyMemory(from: bytes) }
            if T.self == Bool.self {
                // Swift's Bool must be 0 or 1; numpy writes any nonzero byte as true.
                for index in target.indices where target[index] > 1 { target[index] = 1 }
            }
            #if _endian(big)
            reverseEachElement(target, size: MemoryLayout<T>.size)
            #endif
        }
    }

    #if _endian(big)
    private static func reverseEachElement(_ bytes: UnsafeMutableRawBufferPointer, size: Int) {
        for start in stride(from: 0, to: bytes.count, by: size) {
            UnsafeMutableRawBufferPointer(rebasing: bytes[start..<(start + size)]).reverse()
        }
    }
    #endif
}
