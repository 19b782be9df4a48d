// Peak resident memory of this process, from Linux's /proc: the high-water mark `VmHWM` of
// /proc/self/status, which writing "5" to /proc/self/clear_refs resets (Linux 4.0 and later,
// Documentation/filesystems/proc.rst), so each workload's peak can be read on its own even when
// several run in one process. compare_peers.py also runs every workload in a process of its own and
// reads the child's ru_maxrss, the same number measured from outside.

import Foundation

enum PeakMemory {
    /// Resets the process's resident high-water mark to its current resident size; false when
    /// the kernel refused (then later readings cover the whole process so far).
    static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// The resident high-water mark in MiB (`VmHWM`, which the kernel gives in KiB), nil where
    /// /proc/self/status has no such line.
    static func highWaterMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Double(fields[1]) else { return nil }
            return kibibytes / 1024
        }
        return nil
    }
}
