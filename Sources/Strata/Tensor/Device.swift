/// Where a tensor's elements live: the memory its storage holds and the backends that may read
/// it. Only host memory exists today; a GPU backend adds a case such as `cuda(ordinal:)`, its
/// storage, and explicit transfers (ARCHITECTURE.md, "Another device").
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// Host memory, read and written by `CPUBackend` and `ReferenceBackend`.
    case cpu

    public var description: String {
        switch self {
        case .cpu: "cpu"
        }
    }
}

extension Tensor {
    /// Where this tensor's elements live (its storage's device).
    public var device: Device { storage.device }
}
