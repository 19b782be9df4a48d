/// Reverse-mode differentiation: runs the pullbacks of a recorded graph in reverse topological
/// order, summing the gradients of values used more than once.
enum Backpropagation {
    /// The gradient of `output` (seeded with `seed`) with respect to each leaf in `leaves`;
    /// leaves the output does not depend on get zeros.
    static func gradients(of output: Tensor, seed: Tensor, leaves: [GradientNode]) -> [Tensor] {
        guard let root = output.node else {
            return leaves.map { Tensor.zeros($0.shape, dtype: $0.dtype) }
        }
        // Explicit depth-first post-order (no recursion, so deep graphs cannot overflow the stack).
        var order: [GradientNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(node: GradientNode, expanded: Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded {
                order.append(node)
                continue
            }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for case let input? in node.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        withoutGradients {
            for node in order.reversed() {
                guard let pullback = node.pullback,
                      let upstream = gradients.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                let inputGradients = pullback(upstream)
                for (input, gradient) in zip(node.inputs, inputGradients) {
                    guard let input, let gradient else { continue }
                    precondition(gradient.shape == input.shape,
                                 "autodiff: a derivative rule returned \(gradient.shape) for an input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if let existing = gradients[key] {
                        gradients[key] = existing + gradient
                    } else {
                        gradients[key] = gradient
                    }
                }
            }
        }
        return leaves.map { leaf in
            gradients[ObjectIdentifier(leaf)] ?? Tensor.zeros(leaf.shape, dtype: leaf.dtype)
        }
    }
}
