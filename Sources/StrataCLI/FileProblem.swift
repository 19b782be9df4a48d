import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be read or written, as the few words the CLI prints after the path
/// ("no such file", "is a directory", "permission denied"), instead of Foundation's
/// `Error Domain=NSCocoaErrorDomain Code=...` dumps.
enum FileProblem: Error, Equatable, CustomStringConvertible {
    case noSuchFile
    case isADirectory
    case notARegularFile
    case permissionDenied
    /// Any other failure, already in words.
    case other(String)

    var description: String {
        switch self {
        case .noSuchFile: "no such file"
        case .isADirectory: "is a directory"
        case .notARegularFile: "not a regular file"
        case .permissionDenied: "permission denied"
        case .other(let reason): reason
        }
    }

    /// The bytes of the regular file at `path`; a directory, a device or a pipe is refused
    /// before anything is read.
    static func contents(of path: String) throws(FileProblem) -> Data {
        var status = stat()
        guard stat(path, &status) == 0 else { throw FileProblem(errno: errno) }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .isADirectory
        default: throw .notARegularFile
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileProblem(error)
        }
    }

    /// The problem a POSIX error number stands for.
    init(errno code: Int32) {
        switch code {
        case ENOENT: self = .noSuchFile
        case EISDIR: self = .isADirectory
        case EACCES, EPERM: self = .permissionDenied
        case ENOTDIR: self = .other("a component of the path is not a directory")
        case ENOSPC: self = .other("no space left on the device")
        case EROFS: self = .other("read-only file system")
        case EEXIST: self = .other("a file is in the way")
        default: self = .other(String(cString: strerror(code)).lowercased())
        }
    }

    /// A Foundation or POSIX error in words; other errors (Strata's typed ones) by their
    /// description, on one line.
    init(_ error: any Error) {
        switch error {
        case let problem as FileProblem:
            self = problem
        case let error as CocoaError:
            // Foundation on Linux keeps the system's errno as a POSIXError (elsewhere an NSError).
            let underlying = error.userInfo[NSUnderlyingErrorKey]
            if let posix = underlying as? POSIXError {
                self.init(errno: posix.code.rawValue)
                return
            }
            if let underlying = underlying as? NSError, underlying.domain == NSPOSIXErrorDomain {
                self.init(errno: Int32(underlying.code))
                return
            }
            switch error.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: self = .noSuchFile
            case .fileReadNoPermission, .fileWriteNoPermission: self = .permissionDenied
            case .fileWriteOutOfSpace: self = .other("no space left on the device")
            case .fileWriteVolumeReadOnly: self = .other("read-only file system")
            case .fileWriteFileExists: self = .other("a file is in the way")
            case .fileReadTooLarge: self = .other("too large to read")
            default: self = .other("file system error \(error.code.rawValue)")
            }
        case let error as POSIXError:
            self.init(errno: error.code.rawValue)
        default:
            let nsError = error as NSError
            if nsError.domain == NSPOSIXErrorDomain {
                self.init(errno: Int32(nsError.code))
            } else if nsError.domain == NSCocoaErrorDomain {
                self.init(CocoaError(CocoaError.Code(rawValue: nsError.code), userInfo: nsError.userInfo))
            } else {
                self = .other(String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " "))
            }
        }
    }

    /// `error` as the reason printed after a path.
    static func reason(_ error: any Error) -> String { FileProblem(error).description }
}
