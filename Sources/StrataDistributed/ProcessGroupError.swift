/// Why a process group could not be formed or a collective failed.
public enum ProcessGroupError: Error, Equatable, CustomStringConvertible {
    /// Open MPI's library could not be opened or lacks a symbol (the message says which).
    case mpiUnavailable(String)
    /// An MPI call returned an error code: the call, the code and MPI's text for it. A rank that
    /// died makes the survivors' next collective fail this way (or `mpirun` ends them).
    case mpiFailed(call: String, code: Int, message: String)
    /// The environment names a world this process cannot join (the variable and its value).
    case invalidWorld(String)

    public var description: String {
        switch self {
        case .mpiUnavailable(let message): "MPI is unavailable: \(message)"
        case .mpiFailed(let call, let code, let message): "\(call) failed (MPI error \(code)): \(message)"
        case .invalidWorld(let message): "cannot join the MPI world: \(message)"
        }
    }
}
