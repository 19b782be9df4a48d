import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The exclusive lock a `strata train` or `strata resume` process holds on its run directory, so
/// that two runs never write into one directory at once.
///
/// The lock is `flock(2)` on `strata.lock`, which holds the holder's process id: the kernel drops
/// it when the process ends, however it ends, so a lock file left behind by a killed run (a dead
/// pid) is simply taken over. Where the file system has no `flock`, a running process whose pid
/// is in the file holds it. `release()` (or deinitialization) removes the file.
public final class RunLock {
    /// The lock file's name in the run directory.
    public static let fileName = "strata.lock"

    /// The lock file.
    public let url: URL
    /// The process id found in a lock file this lock took over: a run that ended without
    /// releasing it (killed); nil when the file was new or empty.
    public let previousHolder: Int32?
    private var descriptor: Int32

    /// Takes the lock of `directory`, which must exist.
    /// - Throws: `CLIError.runInUse` with the holder's process id when another live process (or
    ///   another `RunLock` in this one) holds it; `.unwritableOutput` when the file cannot be
    ///   created.
    public init(directory: URL) throws(CLIError) {
        let url = directory.appendingPathComponent(Self.fileName)
        self.url = url
        while true {
            let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw .unwritableOutput(path: url.path, reason: FileProblem(errno: errno).description)
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                let holder = Self.processID(in: descriptor)
                // A file system without flock (some network and FUSE mounts): the pid in the file
                // decides, a running process other than this one holding it.
                let unsupported = [ENOLCK, EINVAL, EOPNOTSUPP].contains(code)
                if code == EWOULDBLOCK || (unsupported && holder.map { $0 != getpid() && Self.isRunning($0) } ?? false) {
                    close(descriptor)
                    throw .runInUse(directory: directory.path, pid: holder)
                }
                if !unsupported {
                    close(descriptor)
                    throw .unwritableOutput(path: url.path, reason: FileProblem(errno: code).description)
                }
            }
            // A holder releasing the lock removes the file: when the locked file is no longer the
            // one at the path, lock the new one instead.
            var locked = stat(), current = stat()
            guard fstat(descriptor, &locked) == 0, stat(url.path, &current) == 0,
                  locked.st_dev == current.st_dev, locked.st_ino == current.st_ino else {
                close(descriptor)
                continue
            }
            previousHolder = Self.processID(in: descriptor)
            let text = Array("\(getpid())\n".utf8)
            guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, text, text.count, 0) == text.count else {
                let code = errno
                close(descriptor)
                throw .unwritableOutput(path: url.path, reason: FileProblem(errno: code).description)
            }
            self.descriptor = descriptor
            return
        }
    }

    /// Removes the lock file and releases the lock; later calls do nothing.
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(url.path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    /// Whether the process `pid` is running (or exists under another user).
    public static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// The decimal process id at the start of the open file, if any.
    private static func processID(in descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
