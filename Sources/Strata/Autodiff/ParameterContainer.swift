/// A structure of tensors that can be walked by path: the form models take for gradients,
/// optimizers and checkpoints. StrataNN's `Module` refines it.
public protocol ParameterContainer {
    /// Presents every stored tensor and child container to `visitor`, one line per field.
    mutating func visitParameters(_ visitor: inout ParameterVisitor)
}

/// Whether a visited tensor is trained or only saved (like BatchNorm's running statistics).
public enum ParameterKind: Sendable {
    case parameter, buffer
}

/// Walks a `ParameterContainer`, building PyTorch-style paths (`layers.0.weight`) and letting the
/// caller read or replace each tensor in place. It walks tensors only: modes that change how
/// layers behave (training, frozen statistics) are task-local settings, not visited fields.
public struct ParameterVisitor {
    /// The path of the container being visited (the root at first).
    public private(set) var path: ParameterPath
    private let body: (ParameterPath, inout Tensor, ParameterKind) -> Void

    init(path: ParameterPath, body: @escaping (ParameterPath, inout Tensor, ParameterKind) -> Void) {
        self.path = path
        self.body = body
    }

    /// Visits a tensor field; `name` is one path component.
    public mutating func visit(_ name: String, _ tensor: inout Tensor, kind: ParameterKind = .parameter) {
        body(path.appending(name), &tensor, kind)
    }

    /// Visits an optional tensor field (such as a bias that may be absent).
    public mutating func visit(_ name: String, _ tensor: inout Tensor?, kind: ParameterKind = .parameter) {
        guard var value = tensor else { return }
        // Moved out, so that the visited tensor is its buffer's only holder, as a plain field is.
        tensor = nil
        body(path.appending(name), &value, kind)
        tensor = value
    }

    /// Visits a tensor at `relativePath` below the current container (a flat dictionary's keys).
    public mutating func visit(at relativePath: ParameterPath, _ tensor: inout Tensor, kind: ParameterKind = .parameter) {
        body(path.appending(relativePath), &tensor, kind)
    }

    /// Visits a child container at `relativePath` below the current container, for layouts whose
    /// names nest deeper than their structs (Hugging Face's `attention.self.query`).
    public mutating func visit<Child: ParameterContainer>(at relativePath: ParameterPath, _ child: inout Child) {
        let saved = path
        path = path.appending(relativePath)
        child.visitParameters(&self)
        path = saved
    }

    /// Visits a child container under `name`.
    public mutating func visit<Child: ParameterContainer>(_ name: String, _ child: inout Child) {
        let saved = path
        path = path.appending(name)
        child.visitParameters(&self)
        path = saved
    }

    /// Visits an array of children as `name.0`, `name.1`, ... (or `0`, `1`, ... when `name` is empty).
    public mutating func visit<Child: ParameterContainer>(_ name: String, _ children: inout [Child]) {
        let saved = path
        let base = name.isEmpty ? path : path.appending(name)
        for index in children.indices {
            path = base.appending(index: index)
            children[index].visitParameters(&self)
        }
        path = saved
    }
}

extension ParameterContainer {
    /// Calls `body(path, &tensor, kind)` for every tensor, depth first, in field order.
    public mutating func visitParameters(path: ParameterPath = .root,
                                         _ body: (ParameterPath, inout Tensor, ParameterKind) -> Void) {
        withoutActuallyEscaping(body) { body in
            var visitor = ParameterVisitor(path: path, body: body)
            visitParameters(&visitor)
        }
    }

    /// Every parameter (not buffers), keyed by path.
    public var parameters: [ParameterPath: Tensor] {
        var copy = self
        var result: [ParameterPath: Tensor] = [:]
        copy.visitParameters { path, tensor, kind in
            if kind == .parameter { result[path] = tensor }
        }
        return result
    }
}

/// A flat dictionary of tensors is the simplest parameter structure: paths are its keys.
extension Dictionary: ParameterContainer where Key == ParameterPath, Value == Tensor {
    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for key in keys.sorted() {
            visitor.visit(at: key, &self[key]!)
        }
    }
}
