/// Where a tensor sits in a model: the field names from the root down, PyTorch's dotted form
/// (`layer1.0.conv1.weight`). Gradients, optimizer state, state dictionaries, parameter patterns
/// and checkpoints are keyed by it.
///
/// Components are non-empty and contain no dot; array elements are their index (`layers.0`). The
/// root (no components) is the path of the model itself and prints as "". A path is kept in its
/// printed form, so hashing, comparing and building one cost what they cost for the string: the
/// training step looks parameters up by path once per tensor.
///
///     let path = try ParameterPath(parsing: "layer1.0.conv1.weight")
///     path.components        // ["layer1", "0", "conv1", "weight"]
///     path.appending("bias") // layer1.0.conv1.weight.bias
///
/// Paths order as their printed forms do, so sorted paths list as the string keys they replace did.
public struct ParameterPath: Sendable, Hashable, Comparable, LosslessStringConvertible, ExpressibleByStringLiteral {
    /// The dotted form, "" at the root.
    public let description: String

    /// A path already known to be well formed.
    private init(unchecked text: String) {
        description = text
    }

    /// The path of the model itself: no components.
    public static let root = ParameterPath(unchecked: "")

    /// Parses a dotted path (`"fc.weight"`).
    /// - Throws: `ParameterPathError.malformed` for an empty text or an empty component (`a..b`,
    ///   `.a`, `a.`).
    public init(parsing text: String) throws(ParameterPathError) {
        guard !text.isEmpty else { throw .malformed(path: text, reason: "the path is empty") }
        if text.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw .malformed(path: text, reason: "a component between dots is empty")
        }
        description = text
    }

    /// The path with these components, in order (none is the root).
    /// - Throws: `ParameterPathError.malformed` for an empty component or one holding a dot.
    public init(components: [String]) throws(ParameterPathError) {
        var path = ParameterPath.root
        for component in components {
            guard Self.isComponent(component) else {
                throw .malformed(path: components.joined(separator: "."),
                                 reason: "the component \"\(component)\" is empty or holds a dot")
            }
            path = path.appending(component)
        }
        self = path
    }

    /// A path written in the source; a malformed literal is a programmer error and traps.
    public init(stringLiteral text: String) {
        do {
            try self.init(parsing: text)
        } catch {
            preconditionFailure("ParameterPath: \(error)")
        }
    }

    /// Parses `text`, or nil when it is malformed (`LosslessStringConvertible`).
    public init?(_ text: String) {
        guard let path = try? ParameterPath(parsing: text) else { return nil }
        self = path
    }

    /// The field names from the root down.
    public var components: [String] {
        isRoot ? [] : description.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// Whether this is the path of the model itself.
    public var isRoot: Bool { description.isEmpty }

    /// The last component (the tensor's own name), nil at the root.
    public var lastComponent: String? {
        isRoot ? nil : String(description[(description.lastIndex(of: ".").map(description.index(after:)) ?? description.startIndex)...])
    }

    /// The path one level further down, at the field `name` (one component: non-empty, no dot;
    /// anything else is a programmer error and traps).
    public func appending(_ name: String) -> ParameterPath {
        precondition(Self.isComponent(name), "ParameterPath: \"\(name)\" under \"\(description)\" must be one non-empty component without a dot")
        return ParameterPath(unchecked: isRoot ? name : description + "." + name)
    }

    /// The path of element `index` of the array at this path (`layers.0`).
    public func appending(index: Int) -> ParameterPath {
        precondition(index >= 0, "ParameterPath: index \(index) under \"\(description)\" must not be negative")
        return ParameterPath(unchecked: isRoot ? "\(index)" : "\(description).\(index)")
    }

    /// This path followed by all of `suffix`'s components.
    public func appending(_ suffix: ParameterPath) -> ParameterPath {
        if suffix.isRoot { return self }
        return ParameterPath(unchecked: isRoot ? suffix.description : description + "." + suffix.description)
    }

    /// Whether this path is `subtree` or lies below it: `subtree`'s components lead this path's
    /// (`fc.weight` is within `fc`, not within `f` or `fc2`); every path is within the root.
    /// Named apart from `String.hasPrefix`, whose `"fc."` is no path.
    public func isWithin(_ subtree: ParameterPath) -> Bool {
        let (path, head) = (description.utf8, subtree.description.utf8)
        guard path.starts(with: head) else { return false }
        return subtree.isRoot || path.count == head.count || path.dropFirst(head.count).first == UInt8(ascii: ".")
    }

    public static func < (lhs: ParameterPath, rhs: ParameterPath) -> Bool {
        lhs.description < rhs.description
    }

    /// Checked on every visit of every tensor, so on the UTF-8 bytes.
    private static func isComponent(_ name: String) -> Bool {
        !name.isEmpty && !name.utf8.contains(UInt8(ascii: "."))
    }
}

extension ParameterPath: Codable {
    /// Decodes the dotted form; a malformed path is a `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the dotted form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a text is not a parameter path.
public enum ParameterPathError: Error, Equatable, CustomStringConvertible {
    /// The text cannot be parsed as a path; `reason` says why.
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let path, let reason): "malformed parameter path \"\(path)\": \(reason)"
        }
    }
}

extension Dictionary where Key == ParameterPath {
    /// The same entries keyed by the dotted form, as files (safetensors, checkpoints) store them.
    public var keyedByName: [String: Value] {
        Dictionary<String, Value>(uniqueKeysWithValues: map { ($0.key.description, $0.value) })
    }

    /// Entries read from a file, keyed by the dotted form.
    /// - Throws: `ParameterPathError.malformed` for the first malformed name, in sorted order.
    public init(parsingNames named: [String: Value]) throws(ParameterPathError) {
        var result: [ParameterPath: Value] = [:]
        result.reserveCapacity(named.count)
        for name in named.keys.sorted() {
            result[try ParameterPath(parsing: name)] = named[name]!
        }
        self = result
    }
}
