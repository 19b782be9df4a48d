/// What became of one fuzz case.
public enum FuzzOutcome: Equatable, Sendable {
    /// The reader accepted the input and the target's independent check found nothing wrong.
    case accepted
    /// The reader refused the input with one of its typed errors (the description).
    case rejected(String)
    /// The reader accepted an input that holds an invalid value, which the target's independent
    /// check found (what it found).
    case silentAcceptance(String)
    /// The reader threw an error outside the types it documents (the error).
    case unexpectedError(String)

    /// A finding to report: a silent acceptance or an unexpected error.
    public var isFinding: Bool {
        switch self {
        case .accepted, .rejected: false
        case .silentAcceptance, .unexpectedError: true
        }
    }
}

/// One reader under fuzzing: valid seed inputs, and a run of the same parsing and validation
/// path the `strata` command takes, with an independent check of what it accepts.
///
/// A target decides for itself which errors are its reader's typed errors (`rejected`) and what
/// an accepted input must satisfy (otherwise `silentAcceptance`). A crash or a hang is not an
/// outcome: the fuzzing process dies or stalls, which `strata-fuzz` and `Tools/fuzz.sh` count.
public protocol FuzzTarget {
    /// The name `strata-fuzz --target` takes.
    var name: String { get }
    /// Valid inputs, built in code; mutations start from them.
    var seeds: [[UInt8]] { get }
    /// Whether the inputs are text, which adds numeric-token replacement to the mutations.
    var isText: Bool { get }
    /// Reads `input`, a mutation of `seeds[seed]`, the way the command does, and classifies the result.
    func run(_ input: [UInt8], seed: Int) -> FuzzOutcome
}

extension FuzzTarget {
    /// `rejected` for an error of one of `types`, `unexpectedError` for anything else.
    public func classify(_ error: any Error, typed types: [any Error.Type]) -> FuzzOutcome {
        let description = String(describing: error)
        return types.contains { ObjectIdentifier($0) == ObjectIdentifier(type(of: error)) }
            ? .rejected(description) : .unexpectedError("\(type(of: error)): \(description)")
    }
}
