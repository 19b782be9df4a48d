import Foundation

/// Reads the bytes of a tensor stored outside the model (`data_location = EXTERNAL`), as
/// PyTorch's newer exporter writes large models: `location` is a file beside the model,
/// `offset` and `length` pick the bytes. The location must stay inside the model's folder.
struct ExternalData {
    /// The folder of the model file; locations resolve against it.
    let directory: URL

    /// The `length` bytes at `offset` of `location` (all bytes from `offset` when `length` is nil).
    /// - Throws: `ONNXError.invalidTensor` for a location outside the folder, a missing file, or a
    ///   range past its end.
    func read(tensor name: String, entries: [String: String], expectedLength: Int) throws(ONNXError) -> [UInt8] {
        guard let location = entries["location"], !location.isEmpty else {
            throw .invalidTensor(name: name, reason: "external data without a location")
        }
        let components = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !location.contains("\\"), !location.contains("\0"),
              !components.contains(where: { $0 == ".." || $0.isEmpty }) else {
            throw .invalidTensor(name: name, reason: "external data location '\(location)' leaves the model's folder")
        }
        let offset = try Self.integer(entries["offset"], key: "offset", tensor: name) ?? 0
        let length = try Self.integer(entries["length"], key: "length", tensor: name) ?? expectedLength
        guard length == expectedLength else {
            throw .invalidTensor(name: name, reason: "external data length \(length) is not the \(expectedLength) bytes its shape needs")
        }
        let root = directory.standardizedFileURL.resolvingSymlinksInPath()
        let file = root.appendingPathComponent(location).standardizedFileURL.resolvingSymlinksInPath()
        guard file.path.hasPrefix(root.path.hasSuffix("/") ? root.path : root.path + "/") else {
            throw .invalidTensor(name: name, reason: "external data location '\(location)' leaves the model's folder")
        }
        guard let handle = try? FileHandle(forReadingFrom: file) else {
            throw .invalidTensor(name: name, reason: "cannot open external data file '\(location)'")
        }
        defer { try? handle.close() }
        let size: UInt64
        do { size = try handle.seekToEnd() } catch { throw .invalidTensor(name: name, reason: "cannot read '\(location)'") }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, UInt64(end) <= size else {
            throw .invalidTensor(name: name, reason: "bytes \(offset)..<\(end) lie past the end of '\(location)' (\(size) bytes)")
        }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: length) ?? Data()
            guard data.count == length else { throw ONNXError.invalidTensor(name: name, reason: "short read of '\(location)'") }
            return [UInt8](data)
        } catch {
            throw .invalidTensor(name: name, reason: "cannot read '\(location)'")
        }
    }

    private static func integer(_ text: String?, key: String, tensor: String) throws(ONNXError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw .invalidTensor(name: tensor, reason: "external data \(key) '\(text)' is not a non-negative integer")
        }
        return value
    }
}
