import Foundation

/// The temporary files an atomic write leaves behind when the process is killed before the
/// rename: every Strata file (checkpoints, weights, JSON, plots) is written by Foundation's
/// `Data.write(to:options: .atomic)`, which writes `.dat.nosync<pid>.XXXXXX` beside the target.
enum RunTemporaries {
    /// The name prefixes of atomic-write temporaries.
    static let prefixes = [".dat.nosync"]

    /// Removes the temporaries in `directories` (not recursively); call it only while holding the
    /// run's `RunLock`, when no other process can be writing there. Returns the files removed.
    @discardableResult
    static func remove(in directories: [URL]) throws(CLIError) -> [URL] {
        var removed: [URL] = []
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where prefixes.contains(where: name.hasPrefix) {
                let url = directory.appendingPathComponent(name)
                do {
                    try FileManager.default.removeItem(at: url)
                } catch {
                    throw .unwritableOutput(path: url.path,
                                            reason: "cannot remove a leftover temporary file: \(FileProblem.reason(error))")
                }
                removed.append(url)
            }
        }
        return removed
    }
}
