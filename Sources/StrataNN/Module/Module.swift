import Strata

/// A model or part of one: a value that lists its tensors (parameters and buffers) and child
/// modules to a visitor, one line per field, with PyTorch's names.
///
///     mutating func visitParameters(_ visitor: inout ParameterVisitor) {
///         visitor.visit("weight", &weight)
///         visitor.visit("bias", &bias)
///     }
public protocol Module: ParameterContainer {}

/// A module that maps one tensor to another.
public protocol Layer: Module {
    /// Applies the layer. Shapes are documented on each layer.
    func callAsFunction(_ input: Tensor) -> Tensor
}

extension ParameterContainer {
    /// The number of trainable scalars (buffers excluded).
    public var parameterCount: Int {
        var copy = self
        var total = 0
        copy.visitParameters { _, tensor, kind in
            if kind == .parameter { total += tensor.scalarCount }
        }
        return total
    }

    /// Applies `update(path, current)` to every parameter and stores the result: the building
    /// block of optimizers (`model.update { path, w in w - grads[path]! * lr }`).
    public mutating func updateParameters(_ update: (ParameterPath, Tensor) -> Tensor) {
        visitParameters { path, tensor, kind in
            if kind == .parameter { tensor = update(path, tensor) }
        }
    }
}
