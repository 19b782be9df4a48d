import Strata

extension ParameterVisitor {
    /// Visits a Linear's tensors at a dotted path below the current container (Hugging Face's
    /// nested names such as `attention.self.query`, without a struct per level).
    mutating func visit(at path: ParameterPath, _ linear: inout Linear) {
        visit(at: path.appending("weight"), &linear.weight)
        if var bias = linear.bias {
            visit(at: path.appending("bias"), &bias)
            linear.bias = bias
        }
    }

    /// Visits a LayerNorm's tensors at a dotted path below the current container.
    mutating func visit(at path: ParameterPath, _ norm: inout LayerNorm) {
        if var weight = norm.weight {
            visit(at: path.appending("weight"), &weight)
            norm.weight = weight
        }
        if var bias = norm.bias {
            visit(at: path.appending("bias"), &bias)
            norm.bias = bias
        }
    }
}
