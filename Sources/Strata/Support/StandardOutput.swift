import CStrataKernels

/// The process's standard output.
public enum StandardOutput {
    /// Flushes `print` output at every newline, so progress shows up live when the output is a
    /// file or a pipe (it is block-buffered there by default).
    public static func useLineBuffering() {
        strata_line_buffer_stdout()
    }
}
