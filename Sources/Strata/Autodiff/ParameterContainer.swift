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

/// Walks a `ParameterContainer`, building PyTorch-style dotted paths (`layers.0.weight`) and
/// letting the caller read or replace each tensor in place.
public struct ParameterVisitor {
    /// The dotted path of the container being visited ("" at the root).
    public private(set) var path: String
    /// When non-nil, layers that behave differently in training and inference (dropout, batch
    /// normalization) set their flag to it in `visitTrainingFlag`.
    public let trainingMode: Bool?
    /// When non-nil, layers that behave differently when frozen (batch normalization) set their
    /// flag from this predicate over tensor paths in `visitFrozenFlag`.
    let isFrozen: ((String) -> Bool)?
    private let body: (String, inout Tensor, ParameterKind) -> Void

    init(path: String, trainingMode: Bool? = nil, isFrozen: ((String) -> Bool)? = nil,
         body: @escaping (String, inout Tensor, ParameterKind) -> Void) {
        self.path = path
        self.trainingMode = trainingMode
        self.isFrozen = isFrozen
        self.body = body
    }

    /// Presents a layer's training/inference flag, so `setTraining(_:)` reaches every layer.
    public func visitTrainingFlag(_ isTraining: inout Bool) {
        if let trainingMode { isTraining = trainingMode }
    }

    /// Presents a layer's frozen flag, so `setFrozen(where:)` reaches every layer that keeps one:
    /// the flag becomes true when every one of the layer's tensors `names` is frozen.
    public func visitFrozenFlag(_ isFrozenFlag: inout Bool, tensors names: [String]) {
        if let isFrozen { isFrozenFlag = names.allSatisfy { isFrozen(childPath($0)) } }
    }

    private func childPath(_ name: String) -> String { path.isEmpty ? name : path + "." + name }

    /// Visits a tensor field.
    public mutating func visit(_ name: String, _ tensor: inout Tensor, kind: ParameterKind = .parameter) {
        body(childPath(name), &tensor, kind)
    }

    /// Visits an optional tensor field (such as a bias that may be absent).
    public mutating func visit(_ name: String, _ tensor: inout Tensor?, kind: ParameterKind = .parameter) {
        guard var value = tensor else { return }
        body(childPath(name), &value, kind)
        tensor = value
    }

    /// Visits a child container under `name`.
    public mutating func visit<Child: ParameterContainer>(_ name: String, _ child: inout Child) {
        let saved = path
        path = childPath(name)
        child.visitParameters(&self)
        path = saved
    }

    /// Visits an array of children as `name.0`, `name.1`, ... (or `0`, `1`, ... when `name` is empty).
    public mutating func visit<Child: ParameterContainer>(_ name: String, _ children: inout [Child]) {
        let saved = path
        let base = name.isEmpty ? path : childPath(name)
        for index in children.indices {
            path = base.isEmpty ? "\(index)" : "\(base).\(index)"
            children[index].visitParameters(&self)
        }
        path = saved
    }
}

extension ParameterContainer {
    /// Calls `body(path, &tensor, kind)` for every tensor, depth first, in field order.
    public mutating func visitParameters(path: String = "", _ body: (String, inout Tensor, ParameterKind) -> Void) {
        withoutActuallyEscaping(body) { body in
            var visitor = ParameterVisitor(path: path, body: body)
            visitParameters(&visitor)
        }
    }

    /// Switches every layer inside to training (`true`) or inference (`false`) behaviour.
    public mutating func setTraining(_ isTraining: Bool) {
        withoutActuallyEscaping({ (_: String, _: inout Tensor, _: ParameterKind) in }) { body in
            var visitor = ParameterVisitor(path: "", trainingMode: isTraining, body: body)
            visitParameters(&visitor)
        }
    }

    /// Sets the frozen flag of every layer that keeps one (batch normalization, which then stays
    /// in inference mode whatever `setTraining(_:)` says) from `isFrozen` over parameter paths,
    /// usually `optimizer.isFrozen`. Layers whose tensors are not all frozen are unfrozen.
    public mutating func setFrozen(where isFrozen: (String) -> Bool) {
        withoutActuallyEscaping(isFrozen) { isFrozen in
            withoutActuallyEscaping({ (_: String, _: inout Tensor, _: ParameterKind) in }) { body in
                var visitor = ParameterVisitor(path: "", isFrozen: isFrozen, body: body)
                visitParameters(&visitor)
            }
        }
    }

    /// Every parameter (not buffers), keyed by path.
    public var parameters: [String: Tensor] {
        var copy = self
        var result: [String: Tensor] = [:]
        copy.visitParameters { path, tensor, kind in
            if kind == .parameter { result[path] = tensor }
        }
        return result
    }
}

/// A flat dictionary of tensors is the simplest parameter structure: paths are its keys.
extension Dictionary: ParameterContainer where Key == String, Value == Tensor {
    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for key in keys.sorted() {
            visitor.visit(key, &self[key]!)
        }
    }
}
