import Foundation

/// A private temporary directory for targets whose reader takes a path: each case writes its
/// input there and the real file-reading entry point reads it back.
final class FuzzScratch {
    let directory: URL

    init(_ name: String) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fuzz-\(name)-\(UUID().uuidString)")
        // A temporary directory that cannot be made leaves nothing to fuzz with.
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            preconditionFailure("strata-fuzz: cannot create \(directory.path): \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Writes `bytes` to `name` in the directory and returns its URL.
    func write(_ bytes: [UInt8], to name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        do {
            try Data(bytes).write(to: url)
        } catch {
            preconditionFailure("strata-fuzz: cannot write \(url.path): \(error)")
        }
        return url
    }
}
