/// Why data-parallel training cannot start.
public enum DataParallelError: Error, Equatable, CustomStringConvertible {
    /// The training data (its type named) cannot be split across ranks: a global batch (or the
    /// language-modelling streams) must give every rank a sample.
    case unshardableData(String)

    public var description: String {
        switch self {
        case .unshardableData(let type):
            "data-parallel training cannot split \(type) across ranks (a global batch needs at least one sample per rank)"
        }
    }
}
