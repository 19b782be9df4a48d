// The C library's `stdout` is a mutable global, which Swift 6 will not name outside a
// @preconcurrency import; it is only handed to `setvbuf` here, once, before any output.
#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The process's standard output.
public enum StandardOutput {
    /// Flushes `print` output at every newline, so progress shows up live when the output is a
    /// file or a pipe (the C library block-buffers it there by default). Call it before the first
    /// `print`.
    public static func useLineBuffering() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }
}
