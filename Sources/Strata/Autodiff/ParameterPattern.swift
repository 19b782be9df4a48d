/// A pattern over parameter paths (`layer1.0.conv1.weight`), for freezing and parameter groups.
///
/// A pattern is dot-separated components. A component `*` matches one or more whole path
/// components; any other component matches itself exactly. A pattern matches a path when it
/// matches the whole path or a leading run of its components, so a module's name selects
/// everything inside it:
///
/// - `fc` and `fc.*` match `fc.weight` and `fc.bias`, but `fc` does not match `fc2.weight`;
/// - `layer1` matches every tensor of ResNet's first stage (`layer1.0.conv1.weight`, ...);
/// - `*.bn1` matches `layer1.0.bn1.weight` and `layer2.1.bn1.running_mean`, not the stem's
///   `bn1.weight` (a `*` stands for at least one component);
/// - `*` matches every path.
public struct ParameterPattern: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The pattern as written.
    public let description: String
    private let components: [Substring]

    /// Parses `text` (a literal, `"layer1.*"`, is parsed the same way but traps when malformed).
    /// - Throws: `ParameterPatternError.malformed` for an empty pattern or component (`a..b`,
    ///   `.a`), or a `*` inside a component (`layer*`).
    public init(parsing text: String) throws(ParameterPatternError) {
        guard !text.isEmpty else { throw .malformed(pattern: text, reason: "the pattern is empty") }
        let components = text.split(separator: ".", omittingEmptySubsequences: false)
        if components.contains(where: \.isEmpty) {
            throw .malformed(pattern: text, reason: "a component between dots is empty")
        }
        if components.contains(where: { $0 != "*" && $0.contains("*") }) {
            throw .malformed(pattern: text, reason: "`*` must be a whole component, as in `layer1.*`")
        }
        description = text
        self.components = components
    }

    /// A pattern written in the source; a malformed literal is a programmer error and traps.
    public init(stringLiteral text: String) {
        do {
            try self.init(parsing: text)
        } catch {
            preconditionFailure("ParameterPattern: \(error)")
        }
    }

    /// Whether the pattern matches `path` or a leading run of its components.
    public func matches(_ path: ParameterPath) -> Bool {
        Self.matchesPrefix(components[...], path.description.split(separator: ".", omittingEmptySubsequences: false)[...])
    }

    /// The paths of `container`'s tensors (parameters and buffers) that the pattern matches, in
    /// visiting order.
    public func matchingPaths<Container: ParameterContainer>(in container: Container) -> [ParameterPath] {
        var copy = container
        var result: [ParameterPath] = []
        copy.visitParameters { path, _, _ in
            if matches(path) { result.append(path) }
        }
        return result
    }

    /// Throws unless the pattern matches at least one tensor of `container`: a pattern that
    /// selects nothing is almost always a typo.
    /// - Throws: `ParameterPatternError.matchesNothing` naming the container's top-level names.
    public func validate<Container: ParameterContainer>(against container: Container) throws(ParameterPatternError) {
        guard matchingPaths(in: container).isEmpty else { return }
        var copy = container
        var names: [String] = []
        copy.visitParameters { path, _, _ in
            let name = path.components.first ?? ""
            if names.last != name { names.append(name) }
        }
        throw .matchesNothing(pattern: description, available: names)
    }

    /// Whether `pattern` matches all of `path` or a leading run of it. A `*` tries every length
    /// from one component up; paths are a few components long, so the search stays tiny.
    private static func matchesPrefix(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return true }
        guard !path.isEmpty else { return false }
        if first != "*" {
            return first == path.first && matchesPrefix(pattern.dropFirst(), path.dropFirst())
        }
        for taken in 1...path.count where matchesPrefix(pattern.dropFirst(), path.dropFirst(taken)) {
            return true
        }
        return false
    }
}

/// Why a parameter pattern was rejected.
public enum ParameterPatternError: Error, Equatable, CustomStringConvertible {
    /// The pattern cannot be parsed.
    case malformed(pattern: String, reason: String)
    /// The pattern matches no tensor of the model; `available` lists the model's top-level names.
    case matchesNothing(pattern: String, available: [String])

    public var description: String {
        switch self {
        case .malformed(let pattern, let reason): "malformed parameter pattern \"\(pattern)\": \(reason)"
        case .matchesNothing(let pattern, let available):
            "the parameter pattern \"\(pattern)\" matches nothing in the model, whose top-level names are \(available.joined(separator: ", "))"
        }
    }
}
